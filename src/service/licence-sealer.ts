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

/**
 * Seals a rendered licence: the seal drawn at the template's seal box and a GB/T 38540 v4 SES_Signature
 * (/SubFilter /GM.sm2seal) over the whole file, added by one incremental update.
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
  },
): Promise<{ pdf: Uint8Array; signedAt: Date }> {
  const { seal, signer, sealBox } = opts;
  const appearance = sealAppearanceOf(seal);
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
    contentsBytes: contentsBytesForSeal(seal.der.length, {
      signerCertLength: signer.certificateDer.length,
      timestamp: opts.timestamp,
    }),
    sign: async (digest, _length, byteRange) => {
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
