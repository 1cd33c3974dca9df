import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { neutralPaths, type Affine, type NeutralPath } from '../../src/licence/licence-paths.js';
import { qrMatrix, qrNeutralPath, qrPathOperators } from '../../src/licence/licence-qr.js';

// The OFD page draws the QR code from qrNeutralPath, the PDF page from qrPathOperators: they must be the same
// modules at the same place. The reference is the PDF operators read back by neutralPaths (what the OFD used
// before), compared point by point on the page.
const PT = 72 / 25.4;
const apply = (m: Affine, x: number, y: number) => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];

/** Every segment's operator and its points on the page (mm), in order. */
function pagePoints(p: NeutralPath): [string, number[]][] {
  return p.segments.map((s) => {
    const pts: number[] = [];
    for (let i = 1; i < s.length; i += 2) pts.push(...apply(p.ctm, s[i] as number, s[i + 1] as number));
    return [s[0], pts];
  });
}

/** Equal up to the PDF operators' rounding (0.001 pt on position and size: under 0.001 mm). */
function assertSameGeometry(actual: NeutralPath, expected: NeutralPath): void {
  const a = pagePoints(actual);
  const e = pagePoints(expected);
  assert.equal(a.length, e.length);
  a.forEach(([op, pts], i) => {
    assert.equal(op, e[i]![0]);
    assert.equal(pts.length, e[i]![1].length);
    pts.forEach((v, k) =>
      assert.ok(Math.abs(v - e[i]![1][k]!) < 0.001, `segment ${i}: ${v} vs ${e[i]![1][k]}`),
    );
  });
}

describe('QR code as a neutral path', () => {
  it('traces the same rectangles, in the same order and colour, as the PDF operators read back', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 120 }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 100, max: 800, noNaN: true }),
        fc.double({ min: 0.5, max: 4, noNaN: true }),
        (text, x, top, modulePt) => {
          const m = qrMatrix(text);
          const pageHeightPt = 842;
          const [reference] = neutralPaths(
            `q 0 0 0 rg\n${qrPathOperators(m, x, top, modulePt)}\nQ`,
            pageHeightPt,
          );
          const direct = qrNeutralPath(m, x / PT, (pageHeightPt - top) / PT, modulePt / PT, [0, 0, 0]);
          assertSameGeometry(direct, reference!);
          assert.deepEqual(direct.fill, reference!.fill);
          assert.equal(direct.stroke, undefined);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('has one rectangle per horizontal run of dark modules', () => {
    const m = qrMatrix('https://sealtrust.example/l/33010020260000012345X');
    let runs = 0;
    for (let r = 0; r < m.size; r++)
      for (let c = 0; c < m.size; c++) if (m.isDark(r, c) && (c === 0 || !m.isDark(r, c - 1))) runs++;
    const path = qrNeutralPath(m, 10, 10, 0.5, [0, 0, 0]);
    assert.equal(path.segments.length, runs * 5);
    assert.equal(path.segments.filter((s) => s[0] === 'M').length, runs);
  });
});
