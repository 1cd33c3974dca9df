// Shared fixtures for the PDF tests: an SM2 hierarchy (root, seal maker, signer), a real GB/T 38540 seal with
// its drawn picture, base PDFs made with @cantoo/pdf-lib, and a `sign` callback producing SES_Signatures.
import { PDFDocument, PDFName, StandardFonts, rgb } from '@cantoo/pdf-lib';
import { issueTestCertificate, type TestCertificate } from '../helpers/test-pki.js';
import type { KeyUsageName } from '../../src/pki/certificate-extensions.js';
import { SEALTRUST_POLICY } from '../../src/pki/sealtrust-policies.js';
import { drawOfficialSeal, renderSealPng, type OfficialSeal } from '../../src/seal/seal-picture.js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';

const DAY = 86_400_000;
export const A4 = { width: 595.28, height: 841.89 };

type Party = TestCertificate;

function cert(
  subject: string,
  issuer: Party | null,
  ca: boolean,
  profile?: { policies: string[]; usage: KeyUsageName[] },
): Party {
  return issueTestCertificate(subject, issuer, {
    ca,
    ...(ca ? { pathLen: 0, usage: ['keyCertSign', 'cRLSign'] } : {}),
    ...(profile ?? {}),
    notBefore: new Date(Date.now() - DAY),
    organization: 'SealTrust PDF 测试',
  });
}

export interface SealKit {
  root: Party;
  /** A seal-maker certificate (SealTrust's seal-maker profile). */
  maker: Party;
  /** A seal-signer certificate (SealTrust's seal-signer profile). */
  signer: Party;
  seal: Buffer;
  picture: OfficialSeal;
  png: Buffer;
  sign: (digest: Buffer) => Promise<Buffer>;
}

let kit: SealKit | undefined;

/** One hierarchy and seal per test process (SM2 key generation and glyph layout are the slow parts). */
export function sealKit(): SealKit {
  if (kit) return kit;
  const root = cert('PDF 测试根 CA', null, true);
  const maker = cert('PDF 测试制章者', root, false, {
    policies: [SEALTRUST_POLICY.sealMaker],
    usage: ['digitalSignature'],
  });
  const signer = cert('PDF 测试签章人', root, false, {
    policies: [SEALTRUST_POLICY.sealSigner],
    usage: ['digitalSignature', 'nonRepudiation'],
  });
  const picture = drawOfficialSeal({
    agencyName: '杭州市测试管理局',
    sealName: '合同专用章',
    code: '3301000000001',
  });
  const png = renderSealPng(picture.svg, 300);
  const seal = makeSeal(
    {
      version: 4,
      vid: 'SealTrust',
      esID: '33010000000001',
      type: 1,
      name: '杭州市测试管理局合同专用章',
      certs: [signer.der],
      createDate: new Date(),
      validStart: new Date(Date.now() - DAY),
      validEnd: new Date(Date.now() + 300 * DAY),
      picture: { type: 'PNG', data: png, width: picture.widthMm, height: picture.heightMm },
    },
    { cert: maker.der, privateKey: maker.key.privateKey },
  );
  const signerKey = { cert: signer.der, privateKey: signer.key.privateKey };
  const sign = async (digest: Buffer) =>
    signSesV4({ seal, timeInfo: new Date(), dataHash: digest, propertyInfo: 'PDF ByteRange' }, signerKey).der;
  kit = { root, maker, signer, seal, picture, png, sign };
  return kit;
}

/** Trust the kit's root and know its seal maker (what a node trusts for its own seals). */
export function kitTrust(): {
  anchors: TestCertificate['info'][];
  sealMakers: { certificates: TestCertificate['info'][] };
} {
  const k = sealKit();
  return { anchors: [k.root.info], sealMakers: { certificates: [k.maker.info] } };
}

/** An A4 document with some text on each page. */
export async function basePdf(
  options: { pages?: number; useObjectStreams?: boolean } = {},
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < (options.pages ?? 1); i++) {
    const page = doc.addPage([A4.width, A4.height]);
    page.drawText(`SealTrust test document, page ${i + 1}`, {
      x: 72,
      y: 760,
      size: 18,
      font,
      color: rgb(0, 0, 0),
    });
    for (let l = 0; l < 20; l++)
      page.drawText('The quick brown fox jumps over the lazy dog. 0123456789', {
        x: 72,
        y: 700 - l * 16,
        size: 11,
        font,
      });
  }
  return doc.save({ useObjectStreams: options.useObjectStreams ?? true });
}

/** The document certified with DocMDP P=1 (no changes allowed), as a certifying signature's /Perms says. */
export async function certifiedNoChanges(pdf: Uint8Array): Promise<Uint8Array> {
  const certified = await PDFDocument.load(pdf);
  const ctx = certified.context;
  const docMdpSig = ctx.register(
    ctx.obj({
      Type: 'Sig',
      Reference: [
        ctx.obj({
          Type: 'SigRef',
          TransformMethod: 'DocMDP',
          TransformParams: { Type: 'TransformParams', P: 1, V: '1.2' },
        }),
      ],
    }),
  );
  certified.catalog.set(PDFName.of('Perms'), ctx.obj({ DocMDP: docMdpSig }));
  return certified.save();
}
