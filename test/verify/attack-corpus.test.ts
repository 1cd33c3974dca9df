import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { PDFDocument, PDFName } from '@cantoo/pdf-lib';
import { sm3Hex } from '../../src/crypto/sm3.js';
import { buildCrl } from '../../src/pki/crl-builder.js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';
import { extractPdfSignatures } from '../../src/pdf/pdf-signature-extraction.js';
import { listRevisions } from '../../src/pdf/pdf-revisions.js';
import { validatePdf, type PdfValidationContext } from '../../src/verify/pdf-validation.js';
import type { ValidationReport } from '../../src/verify/report.js';
import type { SealRegistryView, SealStatusAnswer } from '../../src/verify/ses-validation.js';
import { SEALTRUST_POLICY } from '../../src/pki/sealtrust-policies.js';
import { issueTestCertificate, type TestCertificate } from '../helpers/test-pki.js';
import {
  addPageAfter,
  annotateAfter,
  appendUpdate,
  basePdf,
  cmsSigner,
  contentStream,
  directory,
  drawAfter,
  firstProblem,
  licenceMetadata,
  licencePdf,
  only,
  pageFacts,
  record,
  seal,
  sealKit,
  verdict,
  withByteRange,
  type Sign,
} from './pdf-verify-fixtures.js';

// The attack corpus: each file is derived from a really sealed PDF and must end in one exact indication,
// sub-indication and failing check (the first failed, else the first indeterminate one, in report order).

const DAY = 86_400_000;
let signed: Buffer;
let ctx: PdfValidationContext;

function expect(r: ValidationReport, v: string, check: string | null, sig = 0): void {
  const s = r.signatures[sig];
  const checks = s?.checks.map((c) => `${c.id}:${c.status}:${c.code}`).join(' ');
  assert.equal(verdict(r), v, checks);
  if (check !== null) assert.equal(firstProblem(s!.checks), check, checks);
}

/** An SES signer for a seal made by `maker` listing `listed`, signed by `signer`. */
function sesSigner(o: {
  maker?: TestCertificate;
  listed?: TestCertificate;
  signer?: TestCertificate;
  esID?: string;
  validStart?: Date;
  validEnd?: Date;
  timeInfo?: Date;
}): Sign {
  const kit = sealKit();
  const listed = o.listed ?? kit.signer;
  const signer = o.signer ?? listed;
  const sealDer = makeSeal(
    {
      version: 4,
      vid: 'SealTrust',
      esID: o.esID ?? '33010000000001',
      type: 1,
      name: '杭州市测试管理局合同专用章',
      certs: [listed.der],
      createDate: new Date(Date.now() - 2 * DAY),
      validStart: o.validStart ?? new Date(Date.now() - DAY),
      validEnd: o.validEnd ?? new Date(Date.now() + 300 * DAY),
      picture: { type: 'PNG', data: kit.png, width: kit.picture.widthMm, height: kit.picture.heightMm },
    },
    { cert: (o.maker ?? maker()).der, privateKey: (o.maker ?? maker()).key.privateKey },
  );
  return async (digest) =>
    signSesV4(
      { seal: sealDer, timeInfo: o.timeInfo ?? new Date(), dataHash: digest, propertyInfo: 'PDF ByteRange' },
      { cert: signer.der, privateKey: signer.key.privateKey },
    ).der;
}

let makerCert: TestCertificate | undefined;
/** A seal maker under the kit's root. */
function maker(): TestCertificate {
  makerCert ??= issueTestCertificate('PDF 测试制章者 2', sealKit().root, {
    notBefore: new Date(Date.now() - DAY),
    policies: [SEALTRUST_POLICY.sealMaker],
    usage: ['digitalSignature'],
  });
  return makerCert;
}

function registry(answer: Partial<SealStatusAnswer>): SealRegistryView {
  return {
    async sealStatusAt() {
      return { known: true, status: 'active', ...answer };
    },
  };
}

/** An incremental update adding a document security store with one CRL (validation data: allowed). */
async function withDss(pdf: Buffer, crl: Buffer): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  const crlRef = doc.context.register(doc.context.stream(crl));
  doc.catalog.set(PDFName.of('DSS'), doc.context.register(doc.context.obj({ Type: 'DSS', CRLs: [crlRef] })));
  doc.context.snapshot!.markRefForSave(doc.context.trailerInfo.Root as never);
  return Buffer.concat([pdf, Buffer.from(await doc.saveIncremental(doc.context.snapshot!))]);
}

describe('attack corpus', () => {
  before(async () => {
    signed = await seal(await basePdf({ useObjectStreams: false }));
    ctx = {
      anchors: [sealKit().root.info],
      sealMakers: { certificates: [sealKit().maker.info, maker().info] },
    };
    expect(await validatePdf(signed, ctx), 'TOTAL_PASSED/-', null);
  });

  describe('covered bytes', () => {
    it('a flipped byte in the first signed range: HASH_FAILURE', async () => {
      const pdf = Buffer.from(signed);
      pdf[200]! ^= 0x01;
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/HASH_FAILURE', 'data-hash');
    });

    it('a flipped byte in the second signed range: HASH_FAILURE', async () => {
      const s = only(signed);
      const pdf = Buffer.from(signed);
      const at = s.byteRange![2]! + 2; // inside the signature dictionary, after /Contents
      pdf[at]! ^= 0x01;
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/HASH_FAILURE', 'data-hash');
    });

    it('bytes appended after %%EOF that are not a revision: DOCUMENT_MODIFIED', async () => {
      const pdf = Buffer.concat([signed, Buffer.from('\n1 0 obj (injected) endobj\n')]);
      const r = await validatePdf(pdf, ctx);
      expect(r, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications');
      assert.equal(r.signatures[0]!.coversWholeDocument, false);
    });
  });

  describe('incremental updates after the seal', () => {
    it('new page content: DOCUMENT_MODIFIED', async () => {
      expect(
        await validatePdf(await drawAfter(signed, 'PAID'), ctx),
        'TOTAL_FAILED/DOCUMENT_MODIFIED',
        'modifications',
      );
    });

    it('a new page: DOCUMENT_MODIFIED', async () => {
      expect(
        await validatePdf(await addPageAfter(signed), ctx),
        'TOTAL_FAILED/DOCUMENT_MODIFIED',
        'modifications',
      );
    });

    it('a replaced font: DOCUMENT_MODIFIED', async () => {
      const { font } = pageFacts(signed);
      assert.ok(font);
      const pdf = appendUpdate(signed, [
        {
          num: font,
          body: '<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>',
        },
      ]);
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications');
    });

    it('a replaced image: DOCUMENT_MODIFIED', async () => {
      const { PDFDocument } = await import('@cantoo/pdf-lib');
      const doc = await PDFDocument.load(await basePdf({ useObjectStreams: false }));
      const img = await doc.embedPng(sealKit().png);
      doc.getPage(0).drawImage(img, { x: 300, y: 300, width: 50, height: 50 });
      const withImage = await seal(Buffer.from(await doc.save({ useObjectStreams: false })));
      expect(await validatePdf(withImage, ctx), 'TOTAL_PASSED/-', null);
      const pixel = Buffer.from([255, 0, 0]);
      const pdf = appendUpdate(withImage, [
        {
          num: img.ref.objectNumber,
          body: Buffer.concat([
            Buffer.from(
              `<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length 3 >>\nstream\n`,
            ),
            pixel,
            Buffer.from('\nendstream'),
          ]),
        },
      ]);
      const r = await validatePdf(pdf, ctx);
      expect(r, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications');
      assert.match(
        JSON.stringify(r.signatures[0]!.checks.find((c) => c.id === 'modifications')!.details),
        /image/,
      );
    });

    it('shadow replace: the signed page content stream redefined later: DOCUMENT_MODIFIED', async () => {
      const { contents } = pageFacts(signed);
      const pdf = appendUpdate(signed, [{ num: contents, body: contentStream('FORGED') }]);
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications');
    });

    it('shadow hide: an object hidden in the signed revision made visible later: DOCUMENT_MODIFIED', async () => {
      const base = Buffer.from(await basePdf({ useObjectStreams: false }));
      const { page } = pageFacts(base);
      // Object 900 is in the signed revision's xref, but nothing references it (invisible when signed).
      const hidden = appendUpdate(base, [{ num: 900, body: contentStream('HIDDEN OVERLAY') }]);
      const sealed = await seal(hidden);
      expect(await validatePdf(sealed, ctx), 'TOTAL_PASSED/-', null);
      const doc = sealed.toString('latin1');
      const pageObj = new RegExp(`\\n${page} 0 obj\\n([\\s\\S]*?)\\nendobj`, 'g');
      const bodies = [...doc.matchAll(pageObj)];
      const last = bodies[bodies.length - 1]![1]!;
      const body = last.replace(/\/Contents\s+(\[[^\]]*\]|\d+ \d+ R)/, (_m, c: string) => {
        const list = c.startsWith('[') ? c.slice(1, -1) : c;
        return `/Contents [${list} 900 0 R]`;
      });
      assert.notEqual(body, last);
      const pdf = appendUpdate(sealed, [{ num: page, body }]);
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications');
    });

    it('shadow hide-and-replace: a later xref points the content at a definition hidden in the signed bytes', async () => {
      const base = Buffer.from(await basePdf({ useObjectStreams: false }));
      const { contents } = pageFacts(base);
      // A second definition of the content object, in the signed revision's bytes but in no xref.
      const marker = Buffer.from(`${contents} 0 obj\n`);
      const hidden = appendUpdate(base, [], { unlisted: [{ num: contents, body: contentStream('SHADOW') }] });
      const sealed = await seal(hidden);
      expect(await validatePdf(sealed, ctx), 'TOTAL_PASSED/-', null);
      const at = hidden.lastIndexOf(marker);
      assert.ok(at > base.length);
      const pdf = appendUpdate(sealed, [{ num: contents, at }]);
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications');
    });

    it('a form field filled after the seal is reported (FORM_FILLED) but does not fail an ordinary document', async () => {
      const doc = await PDFDocument.create();
      const page = doc.addPage([595, 842]);
      doc.getForm().createTextField('applicant').addToPage(page, { x: 50, y: 700, width: 200, height: 20 });
      const sealed = await seal(Buffer.from(await doc.save({ useObjectStreams: false })));
      const d2 = await PDFDocument.load(sealed, { forIncrementalUpdate: true, updateMetadata: false });
      d2.getForm().getTextField('applicant').setText('Zhang San');
      const filled = Buffer.concat([sealed, Buffer.from(await d2.saveIncremental(d2.context.snapshot!))]);
      const r = await validatePdf(filled, ctx);
      expect(r, 'TOTAL_PASSED/-', null);
      const m = r.signatures[0]!.checks.find((c) => c.id === 'modifications')!;
      assert.equal(`${m.status}/${m.code}`, 'warning/FORM_FILLED');
      // Filling a field and also drawing on the page is not a form fill any more.
      const drawn = await validatePdf(await drawAfter(filled, 'EXTRA'), ctx);
      expect(drawn, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications');
    });

    it('an annotation added after the seal is reported but does not fail an ordinary document', async () => {
      const r = await validatePdf(await annotateAfter(signed), ctx);
      expect(r, 'TOTAL_PASSED/-', null);
      const m = r.signatures[0]!.checks.find((c) => c.id === 'modifications')!;
      assert.equal(m.status, 'warning');
      assert.equal(m.code, 'ANNOTATIONS_CHANGED');
    });
  });

  describe('/ByteRange and /Contents', () => {
    const br = () => only(signed).byteRange as [number, number, number, number];

    it('not starting at 0: FORMAT_FAILURE', async () => {
      const [, a, b, c] = br();
      const pdf = withByteRange(signed, only(signed), [5, a - 5, b, c]);
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/FORMAT_FAILURE', 'byte-range');
      assert.equal((await validatePdf(pdf, ctx)).signatures[0]!.checks[0]!.code, 'BYTE_RANGE_NOT_FROM_START');
    });

    for (const [name, make, code] of [
      ['overlapping', ([, a, b, c]: number[]) => [0, b!, a!, c!], 'BYTE_RANGE_OVERLAP'],
      ['with a gap', ([, a, b, c]: number[]) => [0, a! - 40, b!, c!], 'BYTE_RANGE_GAP_TOO_LARGE'],
      [
        'past the end of the file',
        ([, a, b, c]: number[]) => [0, a!, b!, c! + 100],
        'BYTE_RANGE_OUTSIDE_FILE',
      ],
    ] as const) {
      it(`${name}: FORMAT_FAILURE (${code})`, async () => {
        const pdf = withByteRange(signed, only(signed), make(br()));
        const r = await validatePdf(pdf, ctx);
        expect(r, 'TOTAL_FAILED/FORMAT_FAILURE', 'byte-range');
        assert.equal(r.signatures[0]!.checks[0]!.code, code);
      });
    }

    it("pointing at another signature's /Contents (wrapping): FORMAT_FAILURE", async () => {
      const two = await seal(signed, { x: 80 });
      const [s1, s2] = extractPdfSignatures(two);
      const c1 = s1!.contentsOffsets!;
      const pdf = withByteRange(two, s2!, [0, c1.start, c1.end, two.length - c1.end]);
      const r = await validatePdf(pdf, ctx);
      expect(r, 'TOTAL_FAILED/FORMAT_FAILURE', 'byte-range', 1);
      assert.equal(r.signatures[1]!.checks[0]!.code, 'BYTE_RANGE_WRAPPED');
      // The second seal's widget is not backed by a signature over its revision: for the first signature it
      // is an appearance painted over the signed page (it was TOTAL_PASSED before issue 12).
      expect(r, 'TOTAL_FAILED/FORMAT_FAILURE', 'modifications', 0);
      assert.equal(r.signatures[0]!.indication, 'INDETERMINATE');
      assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'modifications')!.code, 'OVERLAY_ANNOTATION');
    });

    it('covering a different revision than its own: FORMAT_FAILURE', async () => {
      const two = await seal(signed, { x: 80 });
      const s1 = extractPdfSignatures(two)[0]!;
      const [, a, b] = s1.byteRange as number[];
      const pdf = withByteRange(two, s1, [0, a!, b!, two.length - b!]);
      const r = await validatePdf(pdf, ctx);
      expect(r, 'TOTAL_FAILED/FORMAT_FAILURE', 'byte-range');
      assert.equal(r.signatures[0]!.checks[0]!.code, 'BYTE_RANGE_OTHER_REVISION');
    });

    it('a second /ByteRange key: FORMAT_FAILURE', async () => {
      const s = only(signed);
      const pdf = Buffer.from(signed);
      const prop = '/Prop_Build << /App << /Name /SealTrust >> >>';
      const at = pdf.indexOf(prop, s.dictOffset!, 'latin1');
      assert.ok(at > 0);
      pdf.write('/ByteRange [0 1 2 3]'.padEnd(prop.length, ' '), at, 'latin1');
      const r = await validatePdf(pdf, ctx);
      expect(r, 'TOTAL_FAILED/FORMAT_FAILURE', 'byte-range');
      assert.equal(r.signatures[0]!.checks[0]!.code, 'DUPLICATE_KEY');
    });

    it('empty, zero-filled, non-hex and truncated /Contents: FORMAT_FAILURE', async () => {
      const { start, end } = only(signed).contentsOffsets!;
      const empty = Buffer.from(signed);
      empty.write('<>', start, 'latin1');
      empty.fill(' ', start + 2, end, 'latin1');
      const zero = Buffer.from(signed);
      zero.fill('0', start + 1, end - 1, 'latin1');
      const nonHex = Buffer.from(signed);
      nonHex.write('X', end - 3, 'latin1');
      const truncated = Buffer.from(signed);
      truncated.fill('0', start + 1 + 600, end - 1, 'latin1');
      const cases: [Buffer, string, string][] = [
        [empty, 'byte-range', 'CONTENTS_EMPTY'],
        [zero, 'byte-range', 'CONTENTS_ZERO'],
        [nonHex, 'byte-range', 'CONTENTS_NOT_HEX'],
        [truncated, 'format', 'CONTENTS_UNKNOWN'],
      ];
      for (const [pdf, id, code] of cases) {
        const r = await validatePdf(pdf, ctx);
        expect(r, 'TOTAL_FAILED/FORMAT_FAILURE', id);
        assert.ok(
          r.signatures[0]!.checks.some((c) => c.code === code),
          code,
        );
      }
    });
  });

  describe('who signed, with which seal', () => {
    it("right data hash, but another agency's seal (not the registered bytes): SIG_CONSTRAINTS_FAILURE", async () => {
      const kit = sealKit();
      const pdf = await seal(await basePdf(), { sign: sesSigner({ maker: maker() }) });
      const r = await validatePdf(pdf, {
        ...ctx,
        sealRegistry: registry({ registeredSealSm3: sm3Hex(kit.seal) }),
      });
      expect(r, 'TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE', 'seal-status');
      assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'seal-status')!.code, 'SEAL_BYTES_MISMATCH');
    });

    it('a seal made by a maker outside the trust anchors: NO_CERTIFICATE_CHAIN_FOUND', async () => {
      const rogue = issueTestCertificate('冒名制章者', null);
      const pdf = await seal(await basePdf(), { sign: sesSigner({ maker: rogue }) });
      expect(await validatePdf(pdf, ctx), 'INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', 'maker-chain');
    });

    it('signed by a certificate the seal does not list: SIG_CONSTRAINTS_FAILURE', async () => {
      const other = issueTestCertificate('另一签章人', sealKit().root, {
        notBefore: new Date(Date.now() - DAY),
      });
      const pdf = await seal(await basePdf(), { sign: sesSigner({ signer: other }) });
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE', 'signer-in-seal');
    });

    it('a seal revoked in the registry at signing time: SEAL_REVOKED', async () => {
      const r = await validatePdf(signed, {
        ...ctx,
        sealRegistry: registry({ status: 'revoked', changedAt: new Date(Date.now() - DAY) }),
      });
      expect(r, 'TOTAL_FAILED/SEAL_REVOKED', 'seal-status');
    });

    it('a seal suspended in the registry at signing time: SEAL_SUSPENDED', async () => {
      const r = await validatePdf(signed, {
        ...ctx,
        sealRegistry: registry({ status: 'suspended', changedAt: new Date(Date.now() - DAY) }),
      });
      expect(r, 'TOTAL_FAILED/SEAL_SUSPENDED', 'seal-status');
    });

    it('an expired signer certificate: EXPIRED', async () => {
      const old = issueTestCertificate('过期签章人', sealKit().root, {
        notBefore: new Date(Date.now() - 30 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      const pdf = await seal(await basePdf(), { sign: sesSigner({ listed: old }) });
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/EXPIRED', 'validity-time');
    });

    it('a signature made outside the seal validity: EXPIRED', async () => {
      const pdf = await seal(await basePdf(), {
        sign: sesSigner({
          validStart: new Date(Date.now() - 10 * DAY),
          validEnd: new Date(Date.now() - DAY),
        }),
      });
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/EXPIRED', 'validity-time');
    });

    it('a signer revoked before signing, per a CRL in the document security store: REVOKED', async () => {
      const kit = sealKit();
      const crl = (revoked: boolean) =>
        buildCrl(
          {
            issuerName: kit.root.name,
            issuerPublicKey: kit.root.key.publicKey,
            crlNumber: 1n,
            // Issued after the signing time (the next whole second: CRL times have no fractions), as a
            // CRL added after signing is: an unlisted serial counts only then (revocation-freshness.ts).
            thisUpdate: new Date(Math.ceil(Date.now() / 1000) * 1000),
            nextUpdate: new Date(Date.now() + DAY),
            entries: revoked
              ? [
                  {
                    serial: Buffer.from(kit.signer.info.serialHex, 'hex'),
                    revokedAt: new Date(Date.now() - 3_600_000),
                    reason: 'keyCompromise',
                  },
                ]
              : [],
          },
          kit.root.key.privateKey,
        );
      const good = await validatePdf(await withDss(signed, crl(false)), ctx);
      expect(good, 'TOTAL_PASSED/-', null);
      assert.equal(good.signatures[0]!.checks.find((c) => c.id === 'revocation')!.code, 'NOT_REVOKED');
      assert.equal(
        good.signatures[0]!.checks.find((c) => c.id === 'modifications')!.code,
        'SIGNATURES_ADDED',
      );
      expect(await validatePdf(await withDss(signed, crl(true)), ctx), 'TOTAL_FAILED/REVOKED', 'revocation');
    });

    it('CMS whose messageDigest mismatches the ByteRange: HASH_FAILURE', async () => {
      const pdf = await seal(await basePdf(), {
        sign: cmsSigner(sealKit().signer, { wrongDigest: true }),
        subFilter: 'adbe.pkcs7.detached',
      });
      expect(await validatePdf(pdf, ctx), 'TOTAL_FAILED/HASH_FAILURE', 'data-hash');
    });

    it('no signature at all: NO_SIGNATURE_FOUND', async () => {
      const r = await validatePdf(await basePdf(), ctx);
      assert.equal(verdict(r), 'INDETERMINATE/NO_SIGNATURE_FOUND');
    });
  });

  describe('licence layer', () => {
    let licence: Buffer;
    let fileSm3: string;
    before(async () => {
      licence = await seal(await licencePdf());
      fileSm3 = sm3Hex(licence);
    });

    it('a registered, valid licence file passes with its directory facts', async () => {
      const r = await validatePdf(licence, { ...ctx, licences: directory([record({ pdfSm3: fileSm3 })]) });
      assert.equal(verdict(r), 'TOTAL_PASSED/-');
      assert.equal(r.licence?.identifier, licenceMetadata().identifier);
      assert.equal(r.licence?.status, 'valid');
      assert.equal(r.licence?.version, '001');
      assert.deepEqual(
        r.licence?.checks.map((c) => `${c.id}:${c.status}`),
        [
          'licence-identifier:passed',
          'licence-registered:passed',
          'licence-file-hash:passed',
          'licence-status:passed',
          'licence-copy:skipped',
          // This node's own licence: no log evidence or trust list is needed (federation.md §3.5).
          'licence-in-log:skipped',
          'trust-list:skipped',
        ],
      );
    });

    it('offline (no directory): the identifier is checked, the rest skipped, the verdict from signatures', async () => {
      const r = await validatePdf(licence, ctx);
      assert.equal(verdict(r), 'TOTAL_PASSED/-');
      assert.equal(r.licence?.checks.find((c) => c.id === 'licence-status')!.code, 'NO_DIRECTORY');
      assert.equal(r.licence?.checks.find((c) => c.id === 'licence-identifier')!.status, 'passed');
    });

    for (const [status, successor] of [
      ['revoked', null],
      ['superseded', null],
      ['lapsed', '1.2.156.3005.2.REPLACEMENT'],
    ] as const) {
      it(`a licence ${status} in the directory: TOTAL_FAILED / LICENCE_${status.toUpperCase()}`, async () => {
        const rec = record({
          pdfSm3: fileSm3,
          status,
          successor,
          statusHistory: [
            { at: new Date(Date.now() - 2 * DAY).toISOString(), status: 'valid', operation: 'issue' },
            { at: new Date(Date.now() + 1000).toISOString(), status, operation: 'x' },
          ],
        });
        const r = await validatePdf(licence, { ...ctx, licences: directory([rec]) });
        assert.equal(verdict(r), `TOTAL_FAILED/LICENCE_${status.toUpperCase()}`);
        assert.equal(firstProblem(r.licence!.checks), 'licence-status');
        if (successor)
          assert.match(r.licence!.checks.find((c) => c.id === 'licence-status')!.message, /REPLACEMENT/);
        // The signatures themselves are still fine: the licence layer is what fails.
        assert.equal(r.signatures[0]!.indication, 'TOTAL_PASSED');
      });
    }

    it('a suspended licence: INDETERMINATE / LICENCE_SUSPENDED', async () => {
      const r = await validatePdf(licence, {
        ...ctx,
        licences: directory([record({ pdfSm3: fileSm3, status: 'suspended' })]),
      });
      assert.equal(verdict(r), 'INDETERMINATE/LICENCE_SUSPENDED');
    });

    it('not in the directory: LICENCE_NOT_REGISTERED', async () => {
      const r = await validatePdf(licence, { ...ctx, licences: directory([]) });
      assert.equal(verdict(r), 'TOTAL_FAILED/LICENCE_NOT_REGISTERED');
      assert.equal(firstProblem(r.licence!.checks), 'licence-registered');
    });

    it('another file under the same identifier: LICENCE_FILE_MISMATCH', async () => {
      const r = await validatePdf(licence, {
        ...ctx,
        licences: directory([record({ pdfSm3: sm3Hex(signed) })]),
      });
      assert.equal(verdict(r), 'TOTAL_FAILED/LICENCE_FILE_MISMATCH');
      assert.equal(firstProblem(r.licence!.checks), 'licence-file-hash');
    });

    it('an annotated copy past its expiry: LICENCE_COPY_EXPIRED', async () => {
      const meta = licenceMetadata({
        copy: {
          maker: '杭州市测试管理局',
          madeAt: new Date(Date.now() - 10 * DAY).toISOString(),
          purpose: '银行开户',
          expiresAt: new Date(Date.now() - DAY).toISOString(),
        },
      });
      const copy = await seal(await licencePdf(meta));
      const rec = record({
        pdfSm3: fileSm3,
        copies: [{ sm3: sm3Hex(copy), purpose: '银行开户', expiresAt: meta.copy!.expiresAt }],
      });
      const r = await validatePdf(copy, { ...ctx, licences: directory([rec]) });
      assert.equal(verdict(r), 'TOTAL_FAILED/LICENCE_COPY_EXPIRED');
      assert.equal(firstProblem(r.licence!.checks), 'licence-copy');
      assert.equal(r.licence!.checks.find((c) => c.id === 'licence-file-hash')!.code, 'COPY_HASH_MATCH');
      assert.equal(r.licence!.copy?.purpose, '银行开户');
    });

    it('an annotation added to a licence after sealing fails it', async () => {
      const r = await validatePdf(await annotateAfter(licence), ctx);
      assert.equal(verdict(r), 'TOTAL_FAILED/DOCUMENT_MODIFIED');
      assert.equal(firstProblem(r.signatures[0]!.checks), 'modifications');
    });

    it('a licence.json swapped in a later revision is not read: the signed one counts', async () => {
      const forged = await licencePdf(licenceMetadata({ identifier: 'forged' }));
      void forged;
      // The licence read is from the signed revision: its identifier is the issued one.
      const r = await validatePdf(await drawAfter(licence, 'x'), ctx);
      assert.equal(r.licence?.identifier, licenceMetadata().identifier);
      assert.equal(listRevisions(licence).length, 2);
    });
  });
});
