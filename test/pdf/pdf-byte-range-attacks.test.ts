import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { checkByteRange, coveredBytes } from '../../src/pdf/pdf-byte-range.js';
import { contentsBytesForSeal, signPdfWithSeal } from '../../src/pdf/pdf-seal-signing.js';
import { extractPdfSignatures, type ExtractedSignature } from '../../src/pdf/pdf-signature-extraction.js';
import { checkDataHash } from '../../src/seal/ses-crypto-checks.js';
import { decodeSesSignature, sesDerLength } from '../../src/seal/ses-decoder.js';
import { basePdf, sealKit } from './pdf-test-fixtures.js';
import { only, withByteRange } from '../verify/pdf-verify-fixtures.js';

// The PDF signature attack classes of validation.md, each made on a real signed file.

let signed: Buffer;
let sig: ExtractedSignature;

describe('PDF signature attacks', () => {
  before(async () => {
    const kit = sealKit();
    signed = Buffer.from(
      await signPdfWithSeal(await basePdf(), {
        placements: [{ page: 0, xMm: 100, yMm: 100, widthMm: 42, heightMm: 42 }],
        appearance: kit.picture,
        contentsBytes: contentsBytesForSeal(kit.seal.length),
        reason: '合同盖章',
        sign: kit.sign,
      }),
    );
    sig = only(signed);
    assert.equal(checkByteRange(signed, sig).status, 'passed');
  });

  it('a byte changed inside the covered range breaks the data hash, not the ByteRange', () => {
    const tampered = Buffer.from(signed);
    tampered[200] = tampered[200]! ^ 0x01;
    const s = only(tampered);
    assert.equal(checkByteRange(tampered, s).status, 'passed');
    const ses = decodeSesSignature(s.contents!.subarray(0, sesDerLength(s.contents!)!));
    assert.equal(checkDataHash(ses, coveredBytes(tampered, s.byteRange!)).code, 'DATA_HASH_MISMATCH');
  });

  it('a ByteRange that leaves extra bytes uncovered fails (GAP_TOO_LARGE)', () => {
    const [, a, b, c] = sig.byteRange as [number, number, number, number];
    const pdf = withByteRange(signed, sig, [0, a - 40, b, c]);
    const r = checkByteRange(pdf, only(pdf));
    assert.equal(r.status, 'failed');
    assert.equal(r.code, 'BYTE_RANGE_GAP_TOO_LARGE');
    assert.match(r.message, /未受保护/);
  });

  it('a ByteRange whose gap is another hex string fails (signature wrapping)', () => {
    // /Reason is written as a UTF-16BE hex string: point the gap at it instead of /Contents.
    const reasonAt = signed.indexOf('/Reason <', sig.dictOffset!, 'latin1');
    const start = signed.indexOf('<', reasonAt, 'latin1');
    const end = signed.indexOf('>', start, 'latin1') + 1;
    const pdf = withByteRange(signed, sig, [0, start, end, signed.length - end]);
    const r = checkByteRange(pdf, only(pdf));
    assert.equal(r.status, 'failed');
    assert.equal(r.code, 'BYTE_RANGE_WRAPPED');
  });

  it('a ByteRange ending before the end of a revision fails', () => {
    const [, a, b, c] = sig.byteRange as [number, number, number, number];
    const pdf = withByteRange(signed, sig, [0, a, b, c - 7]);
    assert.equal(checkByteRange(pdf, only(pdf)).code, 'BYTE_RANGE_NOT_REVISION_END');
  });

  it('malformed ByteRanges fail with their own codes', () => {
    const [, a, b, c] = sig.byteRange as [number, number, number, number];
    const cases: [number[], string][] = [
      [[0, a, b], 'BYTE_RANGE_MALFORMED'],
      [[5, a - 5, b, c], 'BYTE_RANGE_NOT_FROM_START'],
      [[0, b, a, c], 'BYTE_RANGE_OVERLAP'],
      [[0, a, b, c + 100], 'BYTE_RANGE_OUTSIDE_FILE'],
      [[0, a + 2, b, c], 'BYTE_RANGE_GAP_MISMATCH'],
    ];
    for (const [br, code] of cases) {
      const pdf = withByteRange(signed, sig, br);
      assert.equal(checkByteRange(pdf, only(pdf)).code, code, `[${br.join(' ')}]`);
    }
    assert.equal(checkByteRange(signed, { ...sig, byteRange: null }).code, 'BYTE_RANGE_MISSING');
  });

  it('a zeroed, empty, missing or literal /Contents fails', () => {
    const { start, end } = sig.contentsOffsets!;
    const zeroed = Buffer.from(signed);
    zeroed.fill('0', start + 1, end - 1, 'latin1');
    assert.equal(checkByteRange(zeroed, only(zeroed)).code, 'CONTENTS_ZERO');

    const empty = Buffer.from(signed);
    empty.write('<>', start, 'latin1');
    empty.fill(' ', start + 2, end, 'latin1');
    assert.equal(checkByteRange(empty, only(empty)).code, 'CONTENTS_EMPTY');

    const renamed = Buffer.from(signed);
    renamed.write('/Contentz', renamed.indexOf('/Contents', sig.dictOffset!, 'latin1'), 'latin1');
    assert.equal(checkByteRange(renamed, only(renamed)).code, 'CONTENTS_MISSING');

    const literal = Buffer.from(signed);
    literal.write('(', start, 'latin1');
    literal.write(')', end - 1, 'latin1');
    assert.equal(checkByteRange(literal, only(literal)).code, 'CONTENTS_NOT_HEX');

    const stray = Buffer.from(signed);
    stray.write('X', end - 3, 'latin1');
    assert.equal(checkByteRange(stray, only(stray)).code, 'CONTENTS_NOT_HEX');
  });

  it('content appended after the signature leaves it covering only its revision', async () => {
    const { PDFDocument, StandardFonts } = await import('@cantoo/pdf-lib');
    const doc = await PDFDocument.load(signed, { forIncrementalUpdate: true });
    const font = await doc.embedFont(StandardFonts.Helvetica);
    doc.getPage(0).drawText('added after signing', { x: 50, y: 50, size: 12, font });
    const updated = Buffer.from(await doc.save());
    const s = extractPdfSignatures(updated).find((x) => x.fieldName === 'SealSignature1')!;
    const r = checkByteRange(updated, s);
    assert.equal(r.status, 'passed');
    assert.equal(r.coversWholeDocument, false);
    assert.equal(r.coveredRevisionEnd, signed.length);
  });
});
