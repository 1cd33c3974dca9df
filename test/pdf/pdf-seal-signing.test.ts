import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { PDFDocument } from '@cantoo/pdf-lib';
import { sm3 } from '../../src/crypto/sm3.js';
import { checkByteRange, coveredBytes } from '../../src/pdf/pdf-byte-range.js';
import { PdfError } from '../../src/pdf/pdf-error.js';
import { listRevisions } from '../../src/pdf/pdf-revisions.js';
import {
  contentsBytesForSeal,
  signPdfWithSeal,
  type SealSigningOptions,
} from '../../src/pdf/pdf-seal-signing.js';
import { PT_PER_MM } from '../../src/pdf/pdf-seal-appearance.js';
import { extractPdfSignatures, type ExtractedSignature } from '../../src/pdf/pdf-signature-extraction.js';
import { checkDataHash, checkSignerSignature } from '../../src/seal/ses-crypto-checks.js';
import { decodeSesSignature, sesDerLength, sniffSes } from '../../src/seal/ses-decoder.js';
import { countRed, qpdfCheck, qpdfEncrypt, renderPage } from './page-render.js';
import { basePdf, certifiedNoChanges, sealKit, type SealKit } from './pdf-test-fixtures.js';

const PLACEMENT = { page: 0, xMm: 120, yMm: 200, widthMm: 42, heightMm: 42 };

function options(kit: SealKit, extra: Partial<SealSigningOptions> = {}): SealSigningOptions {
  return {
    placements: [PLACEMENT],
    appearance: kit.picture,
    sign: kit.sign,
    reason: '合同盖章',
    location: '杭州',
    name: 'PDF 测试签章人',
    signingTime: new Date('2025-03-01T08:00:00Z'),
    contentsBytes: contentsBytesForSeal(kit.seal.length),
    ...extra,
  };
}

/** Everything a verifier checks about one seal signature, asserted. */
function assertValidSealSignature(pdf: Uint8Array, sig: ExtractedSignature, kit: SealKit) {
  assert.equal(sig.subFilter, 'GM.sm2seal');
  assert.equal(sig.filter, 'Adobe.PPKLite');
  assert.ok(sig.contents);
  assert.equal(sniffSes(sig.contents), 'signature');
  const der = sig.contents.subarray(0, sesDerLength(sig.contents)!);
  const ses = decodeSesSignature(der);
  const covered = coveredBytes(pdf, sig.byteRange!);
  assert.equal(checkDataHash(ses, covered).code, 'DATA_HASH_MATCH');
  assert.deepEqual(ses.dataHash, sm3(covered));
  assert.equal(checkSignerSignature(ses).status, 'passed');
  assert.deepEqual(ses.signerCert, kit.signer.der);
  assert.deepEqual(ses.sealDer, kit.seal);
}

function pointsRect(p: { xMm: number; yMm: number; widthMm: number; heightMm: number }) {
  const k = PT_PER_MM;
  return [p.xMm * k, p.yMm * k, (p.xMm + p.widthMm) * k, (p.yMm + p.heightMm) * k] as const;
}

describe('signPdfWithSeal', () => {
  let kit: SealKit;
  let base: Uint8Array;
  let signed: Uint8Array;

  before(async () => {
    kit = sealKit();
    base = await basePdf();
    signed = await signPdfWithSeal(base, options(kit));
  });

  it('appends one revision that qpdf accepts, keeping the original bytes as a prefix', () => {
    assert.match(qpdfCheck(signed), /No syntax or stream encoding errors/);
    assert.ok(Buffer.from(signed.subarray(0, base.length)).equals(Buffer.from(base)));
    assert.equal(listRevisions(signed).length, listRevisions(base).length + 1);
  });

  it('writes one GM.sm2seal signature whose ByteRange covers the whole file and whose SES verifies', () => {
    const sigs = extractPdfSignatures(signed);
    assert.equal(sigs.length, 1);
    const sig = sigs[0]!;
    assert.equal(sig.fieldName, 'SealSignature1');
    assert.equal(sig.type, 'Sig');
    assert.equal(sig.reason, '合同盖章');
    assert.equal(sig.location, '杭州');
    assert.equal(sig.name, 'PDF 测试签章人');
    assert.deepEqual(sig.signingTime, new Date('2025-03-01T08:00:00Z'));
    assert.equal(sig.inXref && sig.inAcroForm, true);
    assert.equal(sig.revision?.index, 1);
    assert.ok(sig.contentsPadding > 0);
    const br = checkByteRange(signed, sig);
    assert.equal(br.status, 'passed', br.messageEn);
    assert.equal(br.code, 'BYTE_RANGE_VALID');
    assert.equal(br.coversWholeDocument, true);
    assert.equal(br.coveredRevisionEnd, signed.length);
    assertValidSealSignature(signed, sig, kit);
  });

  it('draws the seal in red inside the placement rectangle, above the page content', () => {
    const [x0, y0, x1, y1] = pointsRect(PLACEMENT);
    const after = renderPage(signed);
    const before = renderPage(base);
    assert.ok(countRed(after, x0, y0, x1, y1) > 800, 'red seal pixels in the placement');
    assert.equal(countRed(before, x0, y0, x1, y1), 0);
    // Nothing red far away from the placement.
    assert.equal(countRed(after, 0, 0, after.width, y0 - 5), 0);
  });

  it('countersigns: both signatures extract and verify, the first now covers only its revision', async () => {
    const second = await signPdfWithSeal(
      signed,
      options(kit, {
        placements: [{ ...PLACEMENT, xMm: 30 }],
        appearance: { png: kit.png, widthMm: 42, heightMm: 42 },
      }),
    );
    assert.match(qpdfCheck(second), /No syntax or stream encoding errors/);
    assert.ok(Buffer.from(second.subarray(0, signed.length)).equals(Buffer.from(signed)));
    const sigs = extractPdfSignatures(second);
    assert.deepEqual(
      sigs.map((s) => s.fieldName),
      ['SealSignature1', 'SealSignature2'],
    );
    const [first, last] = sigs as [ExtractedSignature, ExtractedSignature];
    const b1 = checkByteRange(second, first);
    assert.equal(b1.status, 'passed');
    assert.equal(b1.coversWholeDocument, false);
    assert.equal(b1.coveredRevisionEnd, signed.length);
    const b2 = checkByteRange(second, last);
    assert.equal(b2.status, 'passed');
    assert.equal(b2.coversWholeDocument, true);
    assertValidSealSignature(second, first, kit);
    assertValidSealSignature(second, last, kit);
    const img = renderPage(second);
    const [x0, y0, x1, y1] = pointsRect({ ...PLACEMENT, xMm: 30 });
    assert.ok(countRed(img, x0, y0, x1, y1) > 800, 'the PNG seal renders');
  });

  it('two placements on two pages share one signature value and render on both pages', async () => {
    const twoPages = await basePdf({ pages: 2, useObjectStreams: false });
    const placements = [
      { page: 0, xMm: 140, yMm: 230, widthMm: 42, heightMm: 42 },
      { page: 1, xMm: 20, yMm: 40, widthMm: 42, heightMm: 42 },
    ];
    const out = await signPdfWithSeal(twoPages, options(kit, { placements }));
    assert.match(qpdfCheck(out), /No syntax or stream encoding errors/);
    const sigs = extractPdfSignatures(out);
    assert.equal(sigs.length, 1);
    assert.equal(checkByteRange(out, sigs[0]!).status, 'passed');
    assertValidSealSignature(out, sigs[0]!, kit);
    const doc = await PDFDocument.load(out);
    const field = doc.getForm().getSignature('SealSignature1');
    assert.equal(field.acroField.getWidgets().length, 2);
    for (const p of placements) {
      const img = renderPage(out, p.page);
      const [x0, y0, x1, y1] = pointsRect(p);
      assert.ok(countRed(img, x0, y0, x1, y1) > 800, `seal on page ${p.page}`);
    }
  });

  it('shows only the slice of a clipped placement (cross-page seal)', async () => {
    const half = { page: 0, xMm: 189, yMm: 100, widthMm: 21, heightMm: 42, clip: { fromMm: 0, toMm: 21 } };
    const out = await signPdfWithSeal(base, options(kit, { placements: [half] }));
    const img = renderPage(out);
    const [x0, y0, x1, y1] = pointsRect(half);
    assert.ok(countRed(img, x0, y0, x1, y1) > 300);
    assert.equal(countRed(img, 0, y0, x0 - 2, y1), 0, 'nothing drawn left of the slice');
  });

  it('refuses a DocMDP P=1 document, a page out of range, non-PDFs, encrypted PDFs and oversize signatures', async () => {
    const certifiedBytes = await certifiedNoChanges(base);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof PdfError ? e.code : `not a PdfError: ${String(e)}`),
      );
    assert.equal(await code(signPdfWithSeal(certifiedBytes, options(kit))), 'DOCMDP_FORBIDS');
    assert.equal(
      await code(signPdfWithSeal(base, options(kit, { placements: [{ ...PLACEMENT, page: 1 }] }))),
      'PAGE_OUT_OF_RANGE',
    );
    assert.equal(await code(signPdfWithSeal(Buffer.from('hello, world'), options(kit))), 'NOT_A_PDF');
    assert.equal(await code(signPdfWithSeal(qpdfEncrypt(base), options(kit))), 'ENCRYPTED');
    assert.equal(
      await code(signPdfWithSeal(base, options(kit, { contentsBytes: 1024 }))),
      'CONTENTS_TOO_SMALL',
    );
    assert.equal(
      await code(signPdfWithSeal(signed, options(kit, { fieldName: 'SealSignature1' }))),
      'FIELD_EXISTS',
    );
    assert.equal(
      await code(signPdfWithSeal(base, options(kit, { placements: [{ ...PLACEMENT, widthMm: 30 }] }))),
      'INVALID_OPTIONS',
    );
    assert.equal(
      await code(
        signPdfWithSeal(base, options(kit, { sign: async () => Promise.reject(new Error('HSM down')) })),
      ),
      'SIGNER_FAILED',
    );
  });

  it('signs a one-page PDF quickly', async () => {
    const n = 10;
    const start = performance.now();
    for (let i = 0; i < n; i++) await signPdfWithSeal(base, options(kit));
    const ms = (performance.now() - start) / n;
    console.log(`sign a 1-page PDF: ${ms.toFixed(1)} ms`);
    assert.ok(ms < 500);
  });
});
