import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { PDFDocument } from '@cantoo/pdf-lib';
import { PdfError } from '../../src/pdf/pdf-error.js';
import {
  PlacementError,
  resolvePlacements,
  type PageBox,
  type PlacementRequest,
} from '../../src/pdf/pdf-placement.js';
import { PT_PER_MM } from '../../src/pdf/pdf-seal-appearance.js';
import { contentsBytesForSeal, type SealPlacement } from '../../src/pdf/pdf-seal-signing.js';
import { extractPdfSignatures } from '../../src/pdf/pdf-signature-extraction.js';
import { stampPdf, type StampOptions } from '../../src/pdf/pdf-stamping.js';
import type { TextMatch } from '../../src/pdf/pdf-text-positions.js';
import { countRed, qpdfCheck, renderPage, type RenderedPage } from './page-render.js';
import { A4, sealKit, type SealKit } from './pdf-test-fixtures.js';
import { chineseDocument } from './stamp-fixtures.js';

const A4_MM = { widthMm: A4.width / PT_PER_MM, heightMm: A4.height / PT_PER_MM };
const SEAL = { widthMm: 42, heightMm: 42 };

function placementError(fn: () => unknown): PlacementError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PlacementError) return e;
    throw e;
  }
  assert.fail('no PlacementError');
}

describe('resolvePlacements', () => {
  const pages: PageBox[] = [A4_MM, A4_MM, { widthMm: 148, heightMm: 210 }];
  const ctx = (findText?: (t: string) => TextMatch[]) => ({
    pages,
    seal: SEAL,
    ...(findText ? { findText } : {}),
  });

  it('absolute: 1-based pages, `last`, top-left and bottom-left origins', () => {
    const [a, b, c] = resolvePlacements(
      [
        { type: 'absolute', page: 1, xMm: 10, yMm: 20 },
        { type: 'absolute', page: 'last', xMm: 10, yMm: 20, origin: 'bottom-left' },
        { type: 'absolute', page: 2, xMm: 0, yMm: 0, origin: 'top-left' },
      ],
      ctx(),
    );
    assert.deepEqual(a, { page: 0, xMm: 10, yMm: 20, widthMm: 42, heightMm: 42 });
    // Bottom-left: the seal's bottom edge 20 mm above the bottom of the 210 mm page.
    assert.deepEqual(b, { page: 2, xMm: 10, yMm: 210 - 20 - 42, widthMm: 42, heightMm: 42 });
    assert.equal(c!.page, 1);
  });

  it('absolute: a page that does not exist or a seal leaving the page is refused, naming the field', () => {
    const e1 = placementError(() =>
      resolvePlacements(
        [
          { type: 'absolute', page: 1, xMm: 10, yMm: 10 },
          { type: 'absolute', page: 4, xMm: 10, yMm: 10 },
        ],
        ctx(),
      ),
    );
    assert.equal(e1.code, 'PAGE_OUT_OF_RANGE');
    assert.equal(e1.field, 'placements.1.page');
    assert.match(e1.message, /第 4 页不存在.*page 4 does not exist/);
    const e2 = placementError(() =>
      resolvePlacements([{ type: 'absolute', page: 3, xMm: 120, yMm: 10 }], ctx()),
    );
    assert.equal(e2.code, 'OFF_PAGE');
    assert.equal(e2.field, 'placements.0');
    assert.equal(
      placementError(() => resolvePlacements([{ type: 'absolute', page: 1, xMm: -1, yMm: 10 }], ctx())).code,
      'OFF_PAGE',
    );
    assert.equal(placementError(() => resolvePlacements([], ctx())).field, 'placements');
  });

  it('keyword: the seal centred on the first, last or every match, plus the offset', () => {
    const matches: TextMatch[] = [
      { page: 0, xMm: 100, yMm: 100, widthMm: 15, heightMm: 5 },
      { page: 1, xMm: 50, yMm: 200, widthMm: 15, heightMm: 5 },
      { page: 2, xMm: 60, yMm: 100, widthMm: 10, heightMm: 4 },
    ];
    const find = (t: string) => (t === '盖章处' ? matches : []);
    const req = (occurrence: 'first' | 'last' | 'all'): PlacementRequest => ({
      type: 'keyword',
      text: ' 盖章处 ',
      occurrence,
      offsetXMm: 3,
      offsetYMm: -2,
    });
    const centreOf = (p: SealPlacement) => [p.page, p.xMm + p.widthMm / 2, p.yMm + p.heightMm / 2];
    assert.deepEqual(resolvePlacements([req('first')], ctx(find)).map(centreOf), [[0, 107.5 + 3, 102.5 - 2]]);
    assert.deepEqual(resolvePlacements([req('last')], ctx(find)).map(centreOf), [[2, 65 + 3, 102 - 2]]);
    assert.equal(resolvePlacements([req('all')], ctx(find)).length, 3);
    // Default: the first occurrence, no offset.
    assert.deepEqual(resolvePlacements([{ type: 'keyword', text: '盖章处' }], ctx(find)).map(centreOf), [
      [0, 107.5, 102.5],
    ]);
    const missing = placementError(() =>
      resolvePlacements([req('first'), { type: 'keyword', text: '乙方签章' }], ctx(find)),
    );
    assert.equal(missing.code, 'KEYWORD_NOT_FOUND');
    assert.equal(missing.field, 'placements.1.text');
    assert.match(missing.message, /乙方签章/);
    const edge = placementError(() =>
      resolvePlacements(
        [{ type: 'keyword', text: '盖章处' }],
        ctx(() => [{ ...matches[0]!, xMm: 2 }]),
      ),
    );
    assert.equal(edge.code, 'OFF_PAGE');
  });

  it('cross-page: N contiguous slices of the seal, slice i at the right edge of the i-th page', () => {
    const all = resolvePlacements([{ type: 'cross-page', pages: 'all' }], ctx());
    assert.equal(all.length, 3);
    all.forEach((p, i) => {
      assert.equal(p.page, i);
      assert.ok(Math.abs(p.widthMm - 14) < 1e-9);
      assert.ok(Math.abs(p.xMm + p.widthMm - pages[i]!.widthMm) < 1e-9, 'at the right edge');
      assert.ok(Math.abs(p.yMm - (pages[i]!.heightMm - 42) / 2) < 1e-9, 'centred');
      assert.ok(Math.abs(p.clip!.fromMm - i * 14) < 1e-9);
    });
    assert.equal(all[2]!.clip!.toMm, 42);
    const range = resolvePlacements([{ type: 'cross-page', pages: [2, 3], yMm: 30 }], ctx());
    assert.deepEqual(
      range.map((p) => [p.page, p.yMm, p.clip]),
      [
        [1, 30, { fromMm: 0, toMm: 21 }],
        [2, 30, { fromMm: 21, toMm: 42 }],
      ],
    );
    assert.equal(
      placementError(() => resolvePlacements([{ type: 'cross-page', pages: [2, 2] }], ctx())).code,
      'TOO_FEW_PAGES',
    );
    assert.equal(
      placementError(() => resolvePlacements([{ type: 'cross-page', pages: [2, 9] }], ctx())).field,
      'placements.0.pages.1',
    );
  });

  it('property: cross-page slices tile the seal exactly and every placement stays on its page', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            widthMm: fc.double({ min: 60, max: 600, noNaN: true }),
            heightMm: fc.double({ min: 60, max: 600, noNaN: true }),
          }),
          { minLength: 2, maxLength: 40 },
        ),
        fc.double({ min: 10, max: 55, noNaN: true }),
        (boxes, size) => {
          const out = resolvePlacements([{ type: 'cross-page', pages: 'all' }], {
            pages: boxes,
            seal: { widthMm: size, heightMm: size },
          });
          assert.equal(out.length, boxes.length);
          let at = 0;
          for (const p of out) {
            assert.ok(Math.abs(p.clip!.fromMm - at) < 1e-9);
            assert.ok(Math.abs(p.clip!.toMm - p.clip!.fromMm - p.widthMm) < 1e-9);
            at = p.clip!.toMm;
            const box = boxes[p.page]!;
            assert.ok(p.xMm >= 0 && p.yMm >= 0 && p.yMm + p.heightMm <= box.heightMm + 1e-9);
          }
          assert.equal(at, size);
        },
      ),
    );
  });
});

/** Red pixels outside the rectangle (grown by `margin` px). */
function redOutside(img: RenderedPage, x0: number, y0: number, x1: number, y1: number, margin = 2): number {
  const total = countRed(img, 0, 0, img.width, img.height);
  return total - countRed(img, x0 - margin, y0 - margin, x1 + margin, y1 + margin);
}

const rectPx = (p: SealPlacement) =>
  [
    p.xMm * PT_PER_MM,
    p.yMm * PT_PER_MM,
    (p.xMm + p.widthMm) * PT_PER_MM,
    (p.yMm + p.heightMm) * PT_PER_MM,
  ] as const;

describe('stampPdf: the seal is drawn where it was asked for (pdftoppm pixels)', () => {
  let kit: SealKit;
  const opts = (placements: PlacementRequest[]): StampOptions => ({
    placements,
    appearance: kit.picture,
    sign: kit.sign,
    contentsBytes: contentsBytesForSeal(kit.seal.length),
  });

  before(() => {
    kit = sealKit();
  });

  it('absolute: the red seal fills the requested square and nothing else on the page is red', async () => {
    const { pdf } = await chineseDocument({ pages: 2 });
    const out = await stampPdf(pdf, opts([{ type: 'absolute', page: 'last', xMm: 140, yMm: 220 }]));
    assert.deepEqual(out.placements, [{ page: 1, xMm: 140, yMm: 220, widthMm: 42, heightMm: 42 }]);
    assert.match(qpdfCheck(out.pdf), /No syntax or stream encoding errors/);
    const img = renderPage(out.pdf, 1);
    const [x0, y0, x1, y1] = rectPx(out.placements[0]!);
    assert.ok(countRed(img, x0, y0, x1, y1) > 800, 'seal red inside the square');
    // The seal is round: its ring passes through the middle of each side of the square.
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    assert.ok(countRed(img, cx - 3, y0, cx + 3, y0 + 4) > 0, 'ring at the top');
    assert.ok(countRed(img, x0, cy - 3, x0 + 4, cy + 3) > 0, 'ring at the left');
    assert.ok(countRed(img, x1 - 4, cy - 3, x1, cy + 3) > 0, 'ring at the right');
    assert.equal(redOutside(img, x0, y0, x1, y1), 0, 'nothing red outside the seal');
    assert.equal(countRed(renderPage(out.pdf, 0), 0, 0, A4.width, A4.height), 0, 'page 1 untouched');
  });

  it('absolute from the bottom-left corner', async () => {
    const { pdf } = await chineseDocument();
    const out = await stampPdf(
      pdf,
      opts([{ type: 'absolute', page: 1, xMm: 20, yMm: 15, origin: 'bottom-left' }]),
    );
    const img = renderPage(out.pdf);
    const bottom = A4.height - 15 * PT_PER_MM;
    const [x0, y0, x1, y1] = [20 * PT_PER_MM, bottom - 42 * PT_PER_MM, 62 * PT_PER_MM, bottom];
    assert.ok(countRed(img, x0, y0, x1, y1) > 800);
    assert.equal(redOutside(img, x0, y0, x1, y1), 0);
  });

  it('keyword: the seal is centred on every occurrence of 盖章处 on two pages', async () => {
    const marks = [
      { page: 0, text: '甲方盖章处', x: 380, y: 180, size: 14 },
      { page: 1, text: '乙方盖章处', x: 120, y: 300, size: 12 },
    ];
    const { pdf } = await chineseDocument({ pages: 2, extra: marks });
    const out = await stampPdf(pdf, opts([{ type: 'keyword', text: '盖章处', occurrence: 'all' }]));
    assert.equal(out.placements.length, 2);
    assert.equal(extractPdfSignatures(out.pdf).length, 1, 'one signature for both widgets');
    for (const [i, m] of marks.entries()) {
      const img = renderPage(out.pdf, m.page);
      // Expected centre: the middle of the last three ideographs' em box.
      const cx = m.x + 2 * m.size + 1.5 * m.size;
      const cy = A4.height - (m.y + 0.38 * m.size);
      const p = out.placements[i]!;
      const [x0, y0, x1, y1] = rectPx(p);
      assert.ok(
        Math.abs((x0 + x1) / 2 - cx) < 2 && Math.abs((y0 + y1) / 2 - cy) < 2,
        'centred on the keyword',
      );
      assert.ok(countRed(img, x0, y0, x1, y1) > 800, `seal drawn on page ${m.page + 1}`);
      assert.equal(redOutside(img, x0, y0, x1, y1), 0);
    }
  });

  it('keyword not found: refused with the keyword named, nothing signed', async () => {
    const { pdf } = await chineseDocument();
    let signed = false;
    await assert.rejects(
      stampPdf(pdf, {
        ...opts([{ type: 'keyword', text: '丙方签章' }]),
        sign: async (d) => {
          signed = true;
          return kit.sign(d);
        },
      }),
      (e: unknown) =>
        e instanceof PlacementError && e.code === 'KEYWORD_NOT_FOUND' && /丙方签章/.test(e.message),
    );
    assert.equal(signed, false);
  });

  it('cross-page: each of 4 pages shows its quarter of the seal at its right edge, together the whole seal', async () => {
    const { pdf } = await chineseDocument({ pages: 4 });
    const out = await stampPdf(pdf, opts([{ type: 'cross-page', pages: 'all', yMm: 120 }]));
    assert.equal(out.placements.length, 4);
    const sigs = extractPdfSignatures(out.pdf);
    assert.equal(sigs.length, 1);
    const doc = await PDFDocument.load(out.pdf);
    assert.equal(doc.getForm().getSignature(sigs[0]!.fieldName!).acroField.getWidgets().length, 4);
    // References: the whole seal stamped so that its quarter q falls exactly 200 pt left of where the slices
    // are (same sub-pixel phase). Rendered at 144 dpi (2 px per point).
    const K = 2;
    const sliceW = (42 * PT_PER_MM) / 4;
    const y0 = 120 * PT_PER_MM;
    const y1 = y0 + 42 * PT_PER_MM;
    const x0 = A4.width - sliceW;
    const SHIFT = 200;
    const refs: RenderedPage[] = [];
    for (let q = 0; q < 4; q++) {
      const xMm = (x0 - SHIFT - q * sliceW) / PT_PER_MM;
      const whole = await stampPdf(pdf, opts([{ type: 'absolute', page: 1, xMm, yMm: 120 }]));
      refs.push(renderPage(whole.pdf, 0, 72 * K));
    }
    const column = (img: RenderedPage, x: number) => countRed(img, x, y0 * K, x + 1, y1 * K);
    let shown = 0;
    for (let i = 0; i < 4; i++) {
      const img = renderPage(out.pdf, i, 72 * K);
      const red = countRed(img, x0 * K, y0 * K, A4.width * K, y1 * K);
      assert.ok(red > 400, `slice ${i + 1} shows at the right edge of page ${i + 1} (${red} red px)`);
      assert.equal(
        redOutside(img, x0 * K, y0 * K, A4.width * K, y1 * K),
        0,
        `nothing else red on page ${i + 1}`,
      );
      // Column by column (the cut columns left out: anti-aliased differently) the slice is quarter i of the
      // seal, and clearly not any other quarter: a wrong or mirrored order would show.
      const diffs = refs.map((ref) => {
        let diff = 0;
        for (let c = Math.ceil(x0 * K) + 1; c < A4.width * K - 1; c++)
          diff += Math.abs(column(img, c) - column(ref, c - SHIFT * K));
        return diff;
      });
      assert.ok(diffs[i]! <= red * 0.03, `slice ${i + 1}: column profile differs by ${diffs[i]} of ${red}`);
      for (const [q, d] of diffs.entries())
        if (q !== i)
          assert.ok(
            d > 5 * diffs[i]! + 20,
            `slice ${i + 1} looks like quarter ${q + 1}: ${diffs.join(', ')}`,
          );
      shown += red;
    }
    const wholeRed = countRed(refs[0]!, 0, 0, refs[0]!.width, refs[0]!.height);
    assert.ok(
      Math.abs(shown - wholeRed) <= wholeRed * 0.04,
      `slices together ${shown} ≈ whole seal ${wholeRed}`,
    );
  });

  it('several placement types in one request make one signature with one widget per placement', async () => {
    const { pdf } = await chineseDocument({
      pages: 3,
      extra: [{ page: 2, text: '盖章处', x: 300, y: 200, size: 14 }],
    });
    const out = await stampPdf(
      pdf,
      opts([
        { type: 'absolute', page: 1, xMm: 30, yMm: 200 },
        { type: 'keyword', text: '盖章处' },
        { type: 'cross-page', pages: [1, 3] },
      ]),
    );
    assert.equal(out.placements.length, 5);
    const sigs = extractPdfSignatures(out.pdf);
    assert.equal(sigs.length, 1);
    const doc = await PDFDocument.load(out.pdf);
    assert.equal(doc.getForm().getSignature(sigs[0]!.fieldName!).acroField.getWidgets().length, 5);
  });

  it('the seal is written once however many widgets show it (a 30-page cross-page seal stays small)', async () => {
    const { pdf } = await chineseDocument({ pages: 30 });
    const one = await stampPdf(pdf, opts([{ type: 'absolute', page: 1, xMm: 10, yMm: 10 }]));
    const cross = await stampPdf(pdf, opts([{ type: 'cross-page', pages: 'all' }]));
    const grew = (b: Uint8Array) => b.length - pdf.length;
    assert.ok(
      grew(cross.pdf) < grew(one.pdf) + 30 * 1024,
      `30 slices added ${grew(cross.pdf)} bytes, one seal ${grew(one.pdf)}`,
    );
    assert.match(qpdfCheck(cross.pdf), /No syntax or stream encoding errors/);
  });

  it('checkPageCount refuses before any work; a page out of range is a PlacementError', async () => {
    const { pdf } = await chineseDocument({ pages: 2 });
    await assert.rejects(
      stampPdf(pdf, {
        ...opts([{ type: 'absolute', page: 1, xMm: 10, yMm: 10 }]),
        checkPageCount: (n) => {
          throw new Error(`too many: ${n}`);
        },
      }),
      /too many: 2/,
    );
    await assert.rejects(
      stampPdf(pdf, opts([{ type: 'absolute', page: 3, xMm: 10, yMm: 10 }])),
      (e: unknown) => e instanceof PlacementError && e.code === 'PAGE_OUT_OF_RANGE',
    );
    await assert.rejects(
      stampPdf(Buffer.from('not a pdf'), opts([{ type: 'absolute', page: 1, xMm: 10, yMm: 10 }])),
      (e: unknown) => e instanceof PdfError && e.code === 'NOT_A_PDF',
    );
  });
});
