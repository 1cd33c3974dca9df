// Licence OFDs (and their PDFs) made from the demo types and sealed with the test PKI of
// test/verify/ofd-sealed-fixtures.ts: the production path (prepareLicenceFiles, the worker's code) up to the
// digests, then SES v4 as SealSignatureService signs (signSesV4 with timeInfo = SignatureDateTime), then
// finishOfdSeal / finishPdfSeal.
import { DEMO_LICENCE_TYPES, demoLicenceMetadata } from '../../src/licence/demo-licence-types.js';
import { prepareLicenceFiles, type LicenceFileJob } from '../../src/licence/licence-file-preparation.js';
import type { LicenceMetadata } from '../../src/licence/licence-metadata.js';
import type { LicenceTypeDefinition } from '../../src/licence/licence-type.js';
import { finishOfdSeal } from '../../src/ofd/ofd-stamping.js';
import { contentsBytesForSeal, finishPdfSeal } from '../../src/pdf/pdf-seal-signing.js';
import { softwareSigner } from '../../src/crypto/signer.js';
import { buildCmsSignedData } from '../../src/pki/cms-signed-data.js';
import { Resvg } from '@resvg/resvg-js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';
import { maker, NOW, SEAL_1, signer } from '../verify/ofd-sealed-fixtures.js';

export const PUBLIC_URL = 'https://licences.example.gov.cn';
/** A fixed clock: whole seconds, an hour before the fixtures' "now" (inside every validity). */
export const SIGNING_TIME = new Date(NOW.getTime() - 3_600_000);

export { DEMO_LICENCE_TYPES };

export interface SealedPair {
  type: LicenceTypeDefinition;
  metadata: LicenceMetadata;
  pdf: Buffer;
  ofd: Buffer;
  /** Signature.xml digest the OFD signature signed. */
  ofdDigest: Buffer;
}

export function licenceJob(
  type: LicenceTypeDefinition,
  o: {
    metadata?: Partial<LicenceMetadata>;
    signingTime?: Date;
    formats?: ('pdf' | 'ofd')[];
    /** Another seal of the test PKI's signer (default SEAL_1, whose picture is not a real PNG). */
    seal?: Buffer;
  } = {},
): LicenceFileJob {
  const metadata = demoLicenceMetadata(type.code, o.metadata ?? {});
  return {
    type,
    metadata,
    verifyUrl: `${PUBLIC_URL}/l/${metadata.identifier}`,
    // A vector seal for the PDF (the OFD reader draws the SES picture instead, design §1.6).
    appearance: {
      paths: [{ d: 'M 0 20 A 20 20 0 1 0 40 20 A 20 20 0 1 0 0 20 Z', fill: '#d00000' }],
      widthMm: 40,
      heightMm: 40,
    },
    subFilter: 'GM.sm2seal',
    contentsBytes: contentsBytesForSeal(SEAL_1.length, {
      signerCertLength: signer.der.length,
      timestamp: false,
    }),
    reason: `${metadata.name} ${metadata.identifier}`,
    location: metadata.issuerName,
    name: '测试公章',
    signingTime: o.signingTime ?? SIGNING_TIME,
    formats: o.formats ?? ['pdf', 'ofd'],
    ofdSeal: { der: new Uint8Array(o.seal ?? SEAL_1), signatureType: 'Seal' },
  };
}

const ses = (digest: Buffer, propertyInfo: string, timeInfo: Date, seal: Buffer = SEAL_1) =>
  signSesV4(
    { seal, timeInfo, dataHash: digest, propertyInfo },
    { cert: signer.der, privateKey: signer.key.privateKey },
  ).der;

export async function sealedPair(
  type: LicenceTypeDefinition,
  o: Parameters<typeof licenceJob>[1] = {},
): Promise<SealedPair> {
  const job = licenceJob(type, o);
  const p = await prepareLicenceFiles(job);
  const pdf = Buffer.from(
    finishPdfSeal(p.pdf!, ses(p.pdf!.digest, `/ByteRange [${p.pdf!.byteRange.join(' ')}]`, job.signingTime)),
  );
  const ofd = Buffer.from(
    finishOfdSeal(p.ofd!.parts, ses(p.ofd!.digest, p.ofd!.propertyInfo, p.ofd!.signingTime, o.seal)),
  );
  return { type, metadata: job.metadata, pdf, ofd, ofdDigest: p.ofd!.digest };
}

/** The licence OFD with a CMS SignedData (GB/T 35275 or RFC 5652 OIDs) as SignedValue.dat, Type="Sign". */
export async function cmsSealedOfd(
  type: LicenceTypeDefinition,
  oids: 'gbt35275' | 'rfc5652',
): Promise<Buffer> {
  const job = {
    ...licenceJob(type, { formats: ['ofd'] }),
    ofdSeal: { der: new Uint8Array(SEAL_1), signatureType: 'Sign' as const },
  };
  const p = await prepareLicenceFiles(job);
  const key = softwareSigner(signer.key.privateKey);
  const der = await buildCmsSignedData({
    digest: p.ofd!.digest,
    signerCertDer: signer.der,
    signDigest: (e) => key.signDigest(e),
    oids,
    signingTime: p.ofd!.signingTime,
    extraCertificates: [],
  });
  return Buffer.from(finishOfdSeal(p.ofd!.parts, der));
}

/** An SVG drawn to PNG with resvg (no system fonts): how the seal service draws seal pictures. */
export function pngOfSvg(svg: string): Buffer {
  return Buffer.from(new Resvg(svg, { font: { loadSystemFonts: false } }).render().asPng());
}

/** A registered-style SES seal (test maker) whose picture is `png`, 40 × 40 mm, for the rendering tests. */
export function pictureSeal(png: Buffer): Buffer {
  const day = 86_400_000;
  return makeSeal(
    {
      version: 4,
      vid: 'SealTrust',
      esID: '33010000000077',
      type: 1,
      name: '测试公章',
      certs: [signer.der],
      createDate: new Date(NOW.getTime() - 10 * day),
      validStart: new Date(NOW.getTime() - 10 * day),
      validEnd: new Date(NOW.getTime() + 100 * day),
      picture: { type: 'PNG', data: png, width: 40, height: 40 },
    },
    { cert: maker.der, privateKey: maker.key.privateKey },
  );
}
