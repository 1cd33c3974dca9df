import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_PDF_BUDGET_LIMITS,
  PdfBudget,
  PdfBudgetExceeded,
  type PdfBudgetLimits,
} from '../../src/pdf/pdf-budget.js';
import { PdfError } from '../../src/pdf/pdf-error.js';
import { PdfObjectIndex } from '../../src/pdf/pdf-object-index.js';
import { PdfObjectScanner } from '../../src/pdf/pdf-object-scanner.js';
import { listRevisions } from '../../src/pdf/pdf-revisions.js';
import { readXrefSection } from '../../src/pdf/pdf-xref.js';
import { validatePdf, ValidationTooComplex } from '../../src/verify/pdf-validation.js';
import { basePdf } from './pdf-test-fixtures.js';
import { manyObjectStreamsBomb, objectStreamBomb, objectStreamsPdf, xrefBomb } from './pdf-bombs.js';

const MB = 1024 * 1024;
const limits = (over: Partial<PdfBudgetLimits>): PdfBudgetLimits => ({
  ...DEFAULT_PDF_BUDGET_LIMITS,
  ...over,
});

function overrun(limit: PdfBudgetExceeded['limit']) {
  return (err: unknown) => err instanceof PdfBudgetExceeded && err.limit === limit;
}

describe('PdfBudget', () => {
  test('limits scale with the file size between a floor and a hard cap', () => {
    const small = PdfBudget.forFile(10_000);
    assert.equal(small.maxInflatedBytes, DEFAULT_PDF_BUDGET_LIMITS.minInflatedBytes);
    assert.equal(small.maxXrefEntries, DEFAULT_PDF_BUDGET_LIMITS.minXrefEntries);
    const mid = PdfBudget.forFile(2 * MB);
    assert.equal(mid.maxInflatedBytes, 2 * MB * DEFAULT_PDF_BUDGET_LIMITS.inflatedPerFileByte);
    assert.equal(mid.maxXrefEntries, 2 * MB);
    const huge = PdfBudget.forFile(200 * MB);
    assert.equal(huge.maxInflatedBytes, DEFAULT_PDF_BUDGET_LIMITS.maxInflatedBytes);
    assert.equal(huge.maxXrefEntries, DEFAULT_PDF_BUDGET_LIMITS.maxXrefEntries);
  });

  test('inflated bytes and xref entries are totals over the file, not per call', () => {
    const b = new PdfBudget(1000, undefined, limits({ inflatedPerFileByte: 0, minInflatedBytes: 100 }));
    b.chargeInflated(60);
    assert.equal(b.inflateRemaining, 40);
    assert.throws(() => b.chargeInflated(41), overrun('inflated-bytes'));
    const e = new PdfBudget(1, undefined, limits({ xrefEntriesPerFileByte: 0, minXrefEntries: 10 }));
    e.chargeXrefEntries(6);
    assert.throws(() => e.chargeXrefEntries(5), overrun('xref-entries'));
  });

  test('an overrun is sticky: every later check throws the same error', () => {
    const b = new PdfBudget(1, undefined, limits({ inflatedPerFileByte: 0, minInflatedBytes: 10 }));
    let first: unknown;
    try {
      b.chargeInflated(11);
    } catch (err) {
      first = err;
    }
    assert.ok(first instanceof PdfBudgetExceeded);
    assert.equal(b.exceeded, first);
    assert.throws(
      () => b.check(),
      (err) => err === first,
    );
    assert.throws(
      () => b.chargeXrefEntries(1),
      (err) => err === first,
    );
    assert.ok(!(first instanceof PdfError), 'not a PdfError: tolerant readers must not skip it');
  });

  test('the deadline is checked by check() and, every few hundred steps, by tick()', () => {
    let now = 1000;
    const b = new PdfBudget(1, 2000, DEFAULT_PDF_BUDGET_LIMITS, () => now);
    b.check();
    now = 2001;
    let steps = 0;
    assert.throws(() => {
      for (;;) {
        steps++;
        b.tick();
      }
    }, overrun('deadline'));
    assert.ok(steps <= 256, `tick read the clock after ${steps} steps`);
    assert.throws(() => b.check(), overrun('deadline'));
  });

  test('property: charges succeed exactly while the running total is within the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 30 }),
        (max, charges) => {
          const b = new PdfBudget(1, undefined, limits({ minInflatedBytes: max, maxInflatedBytes: max }));
          let total = 0;
          for (const c of charges) {
            total += c;
            if (total <= max) b.chargeInflated(c);
            else {
              assert.throws(() => b.chargeInflated(c), overrun('inflated-bytes'));
              assert.throws(() => b.check(), overrun('inflated-bytes'));
              return;
            }
          }
          assert.equal(b.inflatedBytes, total);
          assert.equal(b.exceeded, null);
        },
      ),
    );
  });
});

describe('reading a PDF within its budget', () => {
  test('an ordinary file reads within the default budget, with the same objects as without one', async () => {
    const pdf = Buffer.from(await basePdf());
    const budget = PdfBudget.forFile(pdf.length);
    const index = new PdfObjectIndex(pdf, budget);
    assert.ok(index.current.size > 3);
    assert.equal(budget.exceeded, null);
    assert.ok(budget.xrefEntries >= index.current.size);
    assert.deepEqual([...index.current.keys()], [...new PdfObjectIndex(pdf).current.keys()]);
  });

  test('xref bomb: the section named by 400 markers is read once, and its 800,000 entries overrun', async () => {
    const pdf = await xrefBomb();
    assert.ok(pdf.length < 16 * 1024, `${pdf.length} bytes`);
    const budget = PdfBudget.forFile(pdf.length);
    assert.throws(() => new PdfObjectIndex(pdf, budget), overrun('xref-entries'));
    // Inflated once (4 MB), not once per marker.
    assert.ok(budget.inflatedBytes <= 5 * MB, `${budget.inflatedBytes} bytes inflated`);
    // With room for its entries, the section is still read once: 400 markers (200 of them naming the
    // whitespace before it) name one section.
    const roomy = new PdfBudget(pdf.length, undefined, limits({ minXrefEntries: 4_000_000 }));
    const revisions = listRevisions(pdf, roomy);
    assert.equal(revisions.length, 400);
    assert.ok(roomy.inflatedBytes <= 5 * MB, `${roomy.inflatedBytes} bytes inflated`);
  });

  test('an absurd /Size makes the section unreadable (ISO 32000-1 Annex C: 8,388,607 objects)', () => {
    const body = '<< /Type /XRef /Size 99999999999 /W [1 1 1] /Length 3 >>';
    const pdf = Buffer.from(
      `%PDF-1.7\n1 0 obj\n${body}\nstream\n\x01\x00\x00\nendstream\nendobj\n`,
      'latin1',
    );
    assert.throws(
      () => readXrefSection(new PdfObjectScanner(pdf), 9),
      (err) => err instanceof PdfError && err.code === 'MALFORMED' && /\/Size/.test(err.message),
    );
    const sane = Buffer.from(pdf.toString('latin1').replace('99999999999', '2'), 'latin1');
    assert.equal(readXrefSection(new PdfObjectScanner(sane), 9).entries.length, 1);
  });

  test('object-stream bomb: 256 MB behind 260 KB stops at the file budget, not at 256 MB', async () => {
    const pdf = await objectStreamBomb();
    const budget = PdfBudget.forFile(pdf.length);
    const index = new PdfObjectIndex(pdf, budget);
    assert.throws(() => index.deref(index.trailer?.entries.get('Root')), overrun('inflated-bytes'));
    assert.ok(budget.inflatedBytes <= budget.maxInflatedBytes);
    assert.throws(() => index.resolve(2), overrun('inflated-bytes'), 'sticky');
  });

  test('eight object streams of 60 MB: the total, not each stream, is bounded', async () => {
    const pdf = await manyObjectStreamsBomb();
    const budget = PdfBudget.forFile(pdf.length);
    const index = new PdfObjectIndex(pdf, budget);
    assert.throws(() => index.decodeObjectStreams(), overrun('inflated-bytes'));
    assert.ok(budget.inflatedBytes <= budget.maxInflatedBytes);
  });

  test('decoded object streams are evicted least recently used beyond the cache size, and recharged', async () => {
    const pdf = await objectStreamsPdf(6, 2); // six object streams of 2 MB each
    const budget = new PdfBudget(pdf.length, undefined, limits({ maxCachedBytes: 5 * MB }));
    const index = new PdfObjectIndex(pdf, budget);
    const valueOf = (num: number) => {
      const v = index.resolve(num)?.obj.value;
      return v?.kind === 'number' ? v.value : v?.kind;
    };
    // Object 8 + s is the integer s, in stream s (s = 2..6); the catalog (7) is in stream 1.
    for (let s = 2; s <= 6; s++) {
      assert.equal(valueOf(8 + s), s);
      assert.ok(index.cachedStreamBytes <= 5 * MB, `${index.cachedStreamBytes} cached`);
    }
    const once = budget.inflatedBytes;
    assert.equal(valueOf(14), 6, 'the most recent stream is still cached');
    assert.equal(budget.inflatedBytes, once);
    assert.equal(valueOf(10), 2, 'an evicted stream is decoded again');
    assert.ok(budget.inflatedBytes > once, 'and charged again');
    assert.equal(index.deref(index.trailer?.entries.get('Root'))?.kind, 'dict');
  });

  test('validatePdf answers ValidationTooComplex naming the limit, for each bomb', async () => {
    const ctx = { anchors: [], intermediates: [], deadline: Date.now() + 60_000 };
    for (const [bomb, limit] of [
      [xrefBomb, 'xref-entries'],
      [objectStreamBomb, 'inflated-bytes'],
      [manyObjectStreamsBomb, 'inflated-bytes'],
    ] as const) {
      await assert.rejects(
        validatePdf(await bomb(), ctx),
        (err) => err instanceof ValidationTooComplex && err.limit === limit,
        bomb.name,
      );
    }
  });

  test('validatePdf stops at the deadline inside index construction', async () => {
    const pdf = await xrefBomb();
    await assert.rejects(
      validatePdf(pdf, { anchors: [], intermediates: [], deadline: Date.now() - 1 }),
      (err) => err instanceof ValidationTooComplex && err.limit === 'deadline',
    );
  });
});
