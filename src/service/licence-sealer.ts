import { signPdfWithSeal, contentsBytesForSeal } from '../pdf/pdf-seal-signing.js';
import type { SealAppearance } from '../pdf/pdf-seal-appearance.js';
import type { SealRecord } from '../store/seal-repository.js';
import type { Signer } from '../crypto/signer.js';
import type { SealSignatureService } from './seal-signature-service.js';

/** Where the template puts the seal: its centre, in mm from the page's top-left. */
export interface SealBox {
  page: number;
  centreXMm: number;
  centreYMm: number;
}

export interface SignerHandle {
  certificateDer: Buffer;
  certificateSerial: string;
  signer: Signer;
}

export function sealAppearanceOf(seal: SealRecord): SealAppearance {
  const size = { widthMm: seal.pictureWidthMm, heightMm: seal.pictureHeightMm };
  return seal.picturePaths ? { paths: seal.picturePaths, ...size } : { png: seal.picture, ...size };
}

/** How the licence PDF is signed: GB/T 38540 SES (default) or CMS SignedData with SM2 (two OID sets). */
export const LICENCE_SIGNATURE_FORMATS = ['ses', 'cms-rfc5652', 'cms-gbt35275'] as const;
export type LicenceSignatureFormat = (typeof LICENCE_SIGNATURE_FORMATS)[number];

/**
 * Seals a rendered licence: the seal drawn at the template's seal box and a signature over the whole file,
 * added by one incremental update: a GB/T 38540 v4 SES_Signature (/SubFilter /GM.sm2seal), or CMS
 * SignedData (/SubFilter /adbe.pkcs7.detached) made by the same seal-listed signer.
 */
export async function sealLicencePdf(
  pdf: Uint8Array,
  opts: {
    seal: SealRecord;
    signer: SignerHandle;
    sealBox: SealBox;
    sealSignatures: SealSignatureService;
    timestamp: boolean;
    reason: string;
    location: string;
    format?: LicenceSignatureFormat | undefined;
    /** CA certificates to include in a CMS signature (the signer's issuing CA). */
    chain?: Buffer[] | undefined;
  },
): Promise<{ pdf: Uint8Array; signedAt: Date }> {
  const { seal, signer, sealBox } = opts;
  const appearance = sealAppearanceOf(seal);
  const format = opts.format ?? 'ses';
  const cms = format !== 'ses';
  let signedAt = new Date();
  const sealed = await signPdfWithSeal(pdf, {
    placements: [
      {
        page: sealBox.page,
        xMm: sealBox.centreXMm - appearance.widthMm / 2,
        yMm: sealBox.centreYMm - appearance.heightMm / 2,
        widthMm: appearance.widthMm,
        heightMm: appearance.heightMm,
      },
    ],
    appearance,
    reason: opts.reason,
    location: opts.location,
    name: seal.name,
    signingTime: signedAt,
    // CMS carries the signer and chain certificates, not the seal.
    contentsBytes: cms
      ? Math.ceil(
          (signer.certificateDer.length + (opts.chain ?? []).reduce((n, c) => n + c.length, 0) + 2048) / 1024,
        ) * 1024
      : contentsBytesForSeal(seal.der.length, {
          signerCertLength: signer.certificateDer.length,
          timestamp: opts.timestamp,
        }),
    ...(cms ? { subFilter: 'adbe.pkcs7.detached' as const } : {}),
    sign: async (digest, _length, byteRange) => {
      if (cms) {
        const sig = await opts.sealSignatures.signCms({
          esID: seal.esID,
          signer: { certificateDer: signer.certificateDer, signer: signer.signer },
          digest,
          oids: format === 'cms-gbt35275' ? 'gbt35275' : 'rfc5652',
          chain: opts.chain,
        });
        signedAt = sig.timeInfo;
        return sig.der;
      }
      const sig = await opts.sealSignatures.sign({
        esID: seal.esID,
        signer: { certificateDer: signer.certificateDer, signer: signer.signer },
        digest,
        propertyInfo: `/ByteRange [${byteRange.join(' ')}]`,
        timestamp: opts.timestamp,
      });
      signedAt = sig.timeInfo;
      return sig.der;
    },
  });
  return { pdf: sealed, signedAt };
}
