import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { checkByteRange } from '../../src/pdf/pdf-byte-range.js';
import { PdfError } from '../../src/pdf/pdf-error.js';
import { PdfObjectScanner } from '../../src/pdf/pdf-object-scanner.js';
import { listRevisions } from '../../src/pdf/pdf-revisions.js';
import { contentsBytesForSeal, signPdfWithSeal } from '../../src/pdf/pdf-seal-signing.js';
import { extractPdfSignatures } from '../../src/pdf/pdf-signature-extraction.js';
import { basePdf, sealKit } from './pdf-test-fixtures.js';

// Reading must survive anything: random mutations and truncations of a countersigned PDF, and random bytes
// fed to the scanner, end in results or in a PdfError, never in another exception or a hang.

let signed: Buffer;

/** Runs the whole reading pipeline; returns 'ok' or the PdfError code; rethrows anything else. */
function readAll(pdf: Uint8Array): string {
  try {
    listRevisions(pdf);
    for (const s of extractPdfSignatures(pdf)) {
      const r = checkByteRange(pdf, s);
      assert.ok(r.status === 'passed' || r.status === 'failed');
    }
    return 'ok';
  } catch (err) {
    if (err instanceof PdfError) return err.code;
    throw err;
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '<<',
      '>>',
      '(',
      ')',
      '<',
      '[',
      ']',
      '%%EOF',
      'startxref 0',
      'endobj',
      '1 0 obj',
      '/',
      '\\',
      '9999999999',
    ),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(pdf: Buffer, muts: Mutation[]): Buffer {
  let out = pdf;
  for (const m of muts) {
    const at = m.at % Math.max(1, out.length);
    if (m.kind === 'set') {
      out = Buffer.from(out);
      out[at] = m.byte;
    } else if (m.kind === 'truncate') out = out.subarray(0, at);
    else if (m.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.len)]);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from(m.text, 'latin1'), out.subarray(at)]);
  }
  return out;
}

describe('PDF reading robustness', () => {
  before(async () => {
    const kit = sealKit();
    const opts = {
      placements: [{ page: 0, xMm: 100, yMm: 100, widthMm: 42, heightMm: 42 }],
      appearance: kit.picture,
      contentsBytes: contentsBytesForSeal(kit.seal.length),
      sign: kit.sign,
    };
    const once = await signPdfWithSeal(await basePdf({ useObjectStreams: false }), opts);
    signed = Buffer.from(await signPdfWithSeal(once, opts));
    assert.equal(readAll(signed), 'ok');
  });

  it('random mutations and truncations of a signed PDF only ever give results or a PdfError', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
        const started = performance.now();
        readAll(apply(signed, muts));
        assert.ok(performance.now() - started < 2000, 'reading a mutated file stays fast');
      }),
      { numRuns: 300 },
    );
  });

  it('mutations inside the signature dictionaries never yield a passing ByteRange with a changed gap', () => {
    const sigs = extractPdfSignatures(signed);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sigs.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (i, off, byte) => {
          const s = sigs[i]!;
          const at = s.dictOffset! + (off % (s.dictEnd! - s.dictOffset!));
          const pdf = Buffer.from(signed);
          pdf[at] = byte;
          try {
            for (const t of extractPdfSignatures(pdf)) {
              const r = checkByteRange(pdf, t);
              if (r.status === 'passed') {
                const [, a, b] = t.byteRange!;
                assert.equal(pdf[a!], 0x3c);
                assert.equal(pdf[b! - 1], 0x3e);
                assert.deepEqual([a, b], [t.contentsOffsets!.start, t.contentsOffsets!.end]);
              }
            }
          } catch (err) {
            if (!(err instanceof PdfError)) throw err;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the scanner only throws PdfError on arbitrary bytes', () => {
    const tokens = fc.constantFrom(
      '<<',
      '>>',
      '(',
      ')',
      '<',
      '>',
      '[',
      ']',
      '/N',
      ' ',
      '\n',
      '1',
      '0',
      'R',
      'obj',
      'stream',
      '\\',
      '%',
      'ab',
      '#',
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(tokens, fc.string({ maxLength: 4 })), { maxLength: 60 }),
        fc.nat(),
        (parts, pos) => {
          const bytes = Buffer.from(parts.join(''), 'latin1');
          const scanner = new PdfObjectScanner(bytes);
          for (const f of [
            () => scanner.parse(pos % (bytes.length + 1)),
            () => scanner.indirectObjectAt(0),
          ]) {
            try {
              f();
            } catch (err) {
              if (!(err instanceof PdfError)) throw err;
              assert.equal(err.code, 'MALFORMED');
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('deep nesting is refused, not a stack overflow', () => {
    const scanner = new PdfObjectScanner(Buffer.from('['.repeat(100_000)));
    assert.throws(
      () => scanner.parse(0),
      (e: unknown) => e instanceof PdfError && e.code === 'MALFORMED',
    );
  });

  it('non-PDF input is NOT_A_PDF', () => {
    for (const f of [listRevisions, extractPdfSignatures])
      assert.throws(
        () => f(Buffer.from('GIF89a')),
        (e: unknown) => e instanceof PdfError && e.code === 'NOT_A_PDF',
      );
  });
});
