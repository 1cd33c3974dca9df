import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { PdfError } from '../../src/pdf/pdf-error.js';
import { PT_PER_MM } from '../../src/pdf/pdf-seal-appearance.js';
import {
  extractPageText,
  findInPageText,
  findTextOccurrences,
  type PageText,
  type TextMatch,
} from '../../src/pdf/pdf-text-positions.js';
import { A4, basePdf } from './pdf-test-fixtures.js';
import { chineseDocument, type DrawnText } from './stamp-fixtures.js';

/** Centre of a drawn full-width text's em box (ideographic: 0.88 above and 0.12 below the baseline), in mm. */
function emCentreMm(t: DrawnText): { x: number; y: number } {
  const width = [...t.text].length * t.size;
  return {
    x: (t.x + width / 2) / PT_PER_MM,
    y: (A4.height - (t.y + 0.38 * t.size)) / PT_PER_MM,
  };
}

const centre = (m: TextMatch) => ({ x: m.xMm + m.widthMm / 2, y: m.yMm + m.heightMm / 2 });

function assertNear(actual: { x: number; y: number }, expected: { x: number; y: number }, tolMm: number) {
  assert.ok(
    Math.abs(actual.x - expected.x) <= tolMm && Math.abs(actual.y - expected.y) <= tolMm,
    `(${actual.x.toFixed(2)}, ${actual.y.toFixed(2)}) mm is not within ${tolMm} mm of (${expected.x.toFixed(2)}, ${expected.y.toFixed(2)})`,
  );
}

describe('text positions (pdfjs)', () => {
  const stamp1: DrawnText = { page: 0, text: '盖章处', x: 400, y: 200, size: 14 };
  const stamp2: DrawnText = { page: 1, text: '盖章处', x: 90, y: 120, size: 10 };
  const party: DrawnText = { page: 1, text: '甲方（盖章）：杭州市测试管理局', x: 72, y: 300, size: 12 };
  let pdf: Uint8Array;

  before(async () => {
    ({ pdf } = await chineseDocument({ pages: 2, extra: [stamp1, party, stamp2] }));
  });

  it('finds every occurrence in page and reading order, centred on the drawn text', async () => {
    const found = await findTextOccurrences(pdf, '盖章处');
    assert.deepEqual(
      found.map((m) => m.page),
      [0, 1],
    );
    assertNear(centre(found[0]!), emCentreMm(stamp1), 0.6);
    assertNear(centre(found[1]!), emCentreMm(stamp2), 0.6);
    // The box is the text's extent: three ideographs, one em each.
    assert.ok(Math.abs(found[0]!.widthMm - (3 * 14) / PT_PER_MM) < 0.01);
    assert.ok(found[0]!.heightMm > 14 / PT_PER_MM && found[0]!.heightMm < (1.6 * 14) / PT_PER_MM);
  });

  it('maps a match inside a longer run back to its characters', async () => {
    const [m] = await findTextOccurrences(pdf, '杭州市测试管理局');
    assert.ok(m);
    assert.equal(m.page, 1);
    const before = [...'甲方（盖章）：'].length;
    assertNear(
      { x: m.xMm, y: centre(m).y },
      { x: (party.x + before * party.size) / PT_PER_MM, y: emCentreMm(party).y },
      0.3,
    );
    assert.ok(Math.abs(m.widthMm - (8 * 12) / PT_PER_MM) < 0.01);
  });

  it('joins text split into one run per character, and ignores whitespace in the needle and the page', async () => {
    const split: DrawnText = { page: 0, text: '乙方盖章处', x: 300, y: 150, size: 16 };
    const doc = await chineseDocument({ extra: [split], splitRuns: true });
    const [m] = await findTextOccurrences(doc.pdf, '盖章 处');
    assert.ok(m, 'found across runs');
    assertNear(centre(m), emCentreMm({ ...split, text: '盖章处', x: split.x + 2 * split.size }), 0.6);
    const spaced = await chineseDocument({
      extra: [{ page: 0, text: '盖 章 处', x: 100, y: 100, size: 12 }],
    });
    assert.equal((await findTextOccurrences(spaced.pdf, '盖章处')).length, 1);
  });

  it('returns nothing for absent text and reads Latin text too', async () => {
    assert.deepEqual(await findTextOccurrences(pdf, '不存在的关键字'), []);
    const latin = await basePdf({ pages: 2 });
    const lines = await findTextOccurrences(latin, 'quick brown fox');
    assert.equal(lines.length, 40);
    const [first] = lines;
    // 'The quick …' at x = 72 pt, 11 pt Helvetica, first body line baseline at 700 pt.
    assert.ok(first!.xMm > 72 / PT_PER_MM && first!.xMm < (72 + 40) / PT_PER_MM);
    assert.ok(Math.abs(centre(first!).y - (A4.height - 700 - 4) / PT_PER_MM) < 1.5);
    const onPage2 = await findTextOccurrences(latin, 'page 2');
    assert.deepEqual(
      onPage2.map((m) => m.page),
      [1],
    );
  });

  it('restricts the search to the pages asked for, keeping page numbers', async () => {
    const found = await findTextOccurrences(pdf, '盖章处', [1]);
    assert.deepEqual(
      found.map((m) => m.page),
      [1],
    );
  });

  it('refuses a broken PDF with PdfError MALFORMED', async () => {
    const broken = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n%%EOF\n');
    await assert.rejects(
      extractPageText(broken),
      (e: unknown) => e instanceof PdfError && e.code === 'MALFORMED',
    );
  });

  it('property: any substring of a line is found, and its box spans exactly its characters', () => {
    const cjk = fc.constantFrom(...'盖章处甲乙方杭州市测试管理局合同专用章');
    const latin = fc.constantFrom(...'abcXYZ019-()');
    const lineText = fc.array(fc.oneof(cjk, latin), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(
        lineText,
        fc.nat(),
        fc.nat(),
        fc.double({ min: 6, max: 30, noNaN: true }),
        (chars, a, b, size) => {
          const text = chars.join('');
          const from = a % chars.length;
          const to = from + 1 + (b % (chars.length - from));
          const needle = chars.slice(from, to).join('');
          // One-em spans for CJK, half an em for the rest, as a single item would give.
          const spans: [number, number][] = [];
          let x = 50;
          for (const ch of chars) {
            const w = /[a-zA-Z0-9()-]/.test(ch) ? size / 2 : size;
            spans.push([x, x + w]);
            x += w;
          }
          const page: PageText = {
            view: [0, 0, A4.width, A4.height],
            lines: [{ text, spans, bottom: 400, top: 400 + size }],
          };
          const matches = findInPageText([page], needle);
          assert.ok(matches.length >= 1);
          // The first match is the first occurrence in the text.
          const at = text.indexOf(needle);
          const m = matches[0]!;
          assert.ok(Math.abs(m.xMm - spans[at]![0] / PT_PER_MM) < 1e-9);
          const end = spans[at + needle.length - 1]![1];
          assert.ok(Math.abs(m.xMm + m.widthMm - end / PT_PER_MM) < 1e-9);
          assert.ok(Math.abs(m.yMm - (A4.height - 400 - size) / PT_PER_MM) < 1e-9);
          assert.equal(matches.length, countNonOverlapping(text, needle));
        },
      ),
    );
  });
});

function countNonOverlapping(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}
