import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { neutralPaths, type Affine, type NeutralPath } from '../../src/licence/licence-paths.js';
import { qrMatrix, qrNeutralPath, qrPathOperators } from '../../src/licence/licence-qr.js';

// The OFD page draws the QR code from qrNeutralPath, the PDF page from qrPathOperators: they must paint the same
// modules at the same place. The reference is the PDF operators read back by neutralPaths (one traced rectangle
// per run); the OFD path strokes each run along its row's middle, one module wide with butt caps, so the area it
// paints is compared with the reference rectangle, on the page, run by run.
const PT = 72 / 25.4;
const apply = (m: Affine, x: number, y: number) => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];

type Box = [x0: number, y0: number, x1: number, y1: number];
const boxOf = (m: Affine, pts: number[][]): Box => {
  const page = pts.map(([x, y]) => apply(m, x!, y!));
  const xs = page.map((p) => p[0]!);
  const ys = page.map((p) => p[1]!);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
};

/** The reference: each `M L L L C` rectangle's box on the page (mm). */
function tracedBoxes(p: NeutralPath): Box[] {
  const out: Box[] = [];
  for (let i = 0; i < p.segments.length; i += 5) {
    const pts = p.segments.slice(i, i + 4).map((s) => [s[1] as number, s[2] as number]);
    assert.deepEqual(
      p.segments.slice(i, i + 5).map((s) => s[0]),
      ['M', 'L', 'L', 'L', 'C'],
    );
    out.push(boxOf(p.ctm, pts));
  }
  return out;
}

/** What each `M L` stroke paints with butt caps: the segment widened by half the line width each side. */
function strokedBoxes(p: NeutralPath): Box[] {
  const scale = Math.sqrt(Math.abs(p.ctm[0] * p.ctm[3] - p.ctm[1] * p.ctm[2]));
  const half = p.stroke!.widthMm / scale / 2;
  const out: Box[] = [];
  for (let i = 0; i < p.segments.length; i += 2) {
    const [m, l] = [p.segments[i]!, p.segments[i + 1]!];
    assert.equal(m[0], 'M');
    assert.equal(l[0], 'L');
    const [x0, y] = [m[1] as number, m[2] as number];
    const x1 = l[1] as number;
    assert.equal(l[2], y, 'a run is horizontal');
    out.push(
      boxOf(p.ctm, [
        [x0, y - half],
        [x1, y + half],
      ]),
    );
  }
  return out;
}

describe('QR code as a neutral path', () => {
  it('paints the same rectangles, in the same order and colour, as the PDF operators read back', () => {
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
          const expected = tracedBoxes(reference!);
          const actual = strokedBoxes(direct);
          assert.equal(actual.length, expected.length);
          // Equal up to the PDF operators' rounding (0.001 pt on position and size: under 0.001 mm).
          actual.forEach((b, i) =>
            b.forEach((v, k) =>
              assert.ok(Math.abs(v - expected[i]![k]!) < 0.001, `run ${i}: ${b} vs ${expected[i]}`),
            ),
          );
          assert.deepEqual(direct.stroke!.rgb, reference!.fill!.rgb);
          assert.equal(direct.stroke!.cap, 0, 'butt caps: a stroke ends where its run ends');
          assert.ok(Math.abs(direct.stroke!.widthMm - modulePt / PT) < 1e-9, 'one module wide on the page');
          assert.equal(direct.fill, undefined);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('has one two-segment stroke per horizontal run of dark modules', () => {
    const m = qrMatrix('https://sealtrust.example/l/33010020260000012345X');
    let runs = 0;
    for (let r = 0; r < m.size; r++)
      for (let c = 0; c < m.size; c++) if (m.isDark(r, c) && (c === 0 || !m.isDark(r, c - 1))) runs++;
    const path = qrNeutralPath(m, 10, 10, 0.5, [0, 0, 0]);
    assert.equal(path.segments.length, runs * 2);
    assert.equal(path.segments.filter((s) => s[0] === 'M').length, runs);
  });
});
