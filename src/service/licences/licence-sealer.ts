import { contentsBytesForSeal, finishPdfSeal, type PreparedPdfSeal } from '../../pdf/pdf-seal-signing.js';
import type { SealRecord } from '../../seal/seal-record.js';
import type { Signer } from '../../crypto/signer.js';
import type { LicenceFileJob } from '../../licence/licence-file-preparation.js';
import type { SealSignatureService } from '../seals/seal-signature-service.js';
import { sealAppearanceOf } from '../seals/seal-service.js';

export interface SignerHandle {
  certificateDer: Buffer;
  certificateSerial: string;
  signer: Signer;
}

/** How the licence PDF is signed: GB/T 38540 SES (default) or CMS SignedData with SM2 (two OID sets). */
export const LICENCE_SIGNATURE_FORMATS = ['ses', 'cms-rfc5652', 'cms-gbt35275'] as const;
export type LicenceSignatureFormat = (typeof LICENCE_SIGNATURE_FORMATS)[number];

export interface LicenceSealing {
  seal: SealRecord;
  signer: SignerHandle;
  format: LicenceSignatureFormat;
  /** CA certificates to include in a CMS signature (the signer's issuing CA). */
  chain: Buffer[];
  timestamp: boolean;
}

/**
 * The production job for a licence file sealed with `sealing`: the seal drawn at the template's seal box, and
 * /Contents sized for a GB/T 38540 v4 SES_Signature (/SubFilter /GM.sm2seal, it embeds the seal) or for CMS
 * SignedData (/SubFilter /adbe.pkcs7.detached, it carries the signer and chain certificates).
 */
export function licenceFileJob(
  base: Pick<LicenceFileJob, 'type' | 'metadata' | 'verifyUrl' | 'reason' | 'location'>,
  sealing: LicenceSealing,
): LicenceFileJob {
  const cms = sealing.format !== 'ses';
  const certs = sealing.signer.certificateDer.length + sealing.chain.reduce((n, c) => n + c.length, 0);
  return {
    ...base,
    appearance: sealAppearanceOf(sealing.seal),
    subFilter: cms ? 'adbe.pkcs7.detached' : 'GM.sm2seal',
    contentsBytes: cms
      ? Math.ceil((certs + 2048) / 1024) * 1024
      : contentsBytesForSeal(sealing.seal.der.length, {
          signerCertLength: sealing.signer.certificateDer.length,
          timestamp: sealing.timestamp,
        }),
    name: sealing.seal.name,
    signingTime: new Date(),
  };
}

/**
 * Signs a prepared licence file where the keys are: the seal and signer checks of SealSignatureService, then
 * the SES_Signature (propertyInfo naming the /ByteRange, optional timestamp) or CMS SignedData written into
 * /Contents.
 */
export async function signPreparedLicence(
  prepared: PreparedPdfSeal,
  sealing: LicenceSealing,
  sealSignatures: SealSignatureService,
): Promise<{ pdf: Uint8Array; signedAt: Date }> {
  const { seal, signer } = sealing;
  const sig =
    sealing.format === 'ses'
      ? await sealSignatures.sign({
          esID: seal.esID,
          seal,
          signer: { certificateDer: signer.certificateDer, signer: signer.signer },
          digest: prepared.digest,
          propertyInfo: `/ByteRange [${prepared.byteRange.join(' ')}]`,
          timestamp: sealing.timestamp,
        })
      : await sealSignatures.signCms({
          esID: seal.esID,
          seal,
          signer: { certificateDer: signer.certificateDer, signer: signer.signer },
          digest: prepared.digest,
          oids: sealing.format === 'cms-gbt35275' ? 'gbt35275' : 'rfc5652',
          chain: sealing.chain,
        });
  return { pdf: finishPdfSeal(prepared, sig.der), signedAt: sig.timeInfo };
}
