import type { LicenceFileFormat } from '../../config.js';
import { sm3 } from '../../crypto/sm3.js';
import { contentsBytesForSeal, finishPdfSeal } from '../../pdf/pdf-seal-signing.js';
import { finishOfdSeal } from '../../ofd/ofd-stamping.js';
import type { SealRecord } from '../../seal/seal-record.js';
import type { Signer } from '../../crypto/signer.js';
import type {
  LicenceFileJob,
  PreparedLicenceFiles,
  PreparedLicenceOfd,
} from '../../licence/licence-file-preparation.js';
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
  base: Pick<LicenceFileJob, 'type' | 'metadata' | 'verifyUrl' | 'reason' | 'location'> & {
    /** Which files to make (config.licenceFormats); default PDF only. */
    formats?: LicenceFileFormat[];
  },
  sealing: LicenceSealing,
): LicenceFileJob {
  const cms = sealing.format !== 'ses';
  const formats = base.formats ?? ['pdf'];
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
    // Whole seconds: the OFD's SignatureDateTime and TBS_Sign.timeInfo (GeneralizedTime) carry no fraction.
    signingTime: new Date(Math.floor(Date.now() / 1000) * 1000),
    formats,
    ...(formats.includes('ofd')
      ? { ofdSeal: { der: new Uint8Array(sealing.seal.der), signatureType: cms ? 'Sign' : 'Seal' } }
      : {}),
  };
}

/** One sealed licence file. */
export interface LicenceFileOutput {
  format: LicenceFileFormat;
  bytes: Buffer;
  /** SM3 of `bytes`, lower-case hex. */
  sm3: string;
  size: number;
}

export interface SealedLicence {
  /** The sealed PDF; empty when the job asked for no PDF (read `files` instead). */
  pdf: Uint8Array;
  /** The signing time of the first file's signature (the PDF's when there is one). */
  signedAt: Date;
  /** Every file the job asked for, in the order pdf, ofd. */
  files: LicenceFileOutput[];
}

/**
 * Signs prepared licence files where the keys are: the seal and signer checks of SealSignatureService, then for
 * the PDF the SES_Signature (propertyInfo naming the /ByteRange, optional timestamp) or CMS SignedData written
 * into /Contents; for the OFD (one more SM2 signature with the same seal and signer) the SES_Signature over
 * SM3(Signature.xml) with propertyInfo = its path and timeInfo = its SignatureDateTime, or CMS SignedData,
 * written as SignedValue.dat.
 */
export async function signPreparedLicence(
  prepared: PreparedLicenceFiles,
  sealing: LicenceSealing,
  sealSignatures: SealSignatureService,
): Promise<SealedLicence> {
  const files: LicenceFileOutput[] = [];
  let signedAt: Date | undefined;
  let pdf: Uint8Array = new Uint8Array();
  if (prepared.pdf) {
    const sig = await signDigest(prepared.pdf.digest, `/ByteRange [${prepared.pdf.byteRange.join(' ')}]`);
    pdf = finishPdfSeal(prepared.pdf, sig.der);
    signedAt = sig.timeInfo;
    files.push(fileOutput('pdf', pdf));
  }
  if (prepared.ofd) {
    const ofd: PreparedLicenceOfd = prepared.ofd;
    const sig = await signDigest(ofd.digest, ofd.propertyInfo, ofd.signingTime);
    signedAt ??= sig.timeInfo;
    files.push(fileOutput('ofd', finishOfdSeal(ofd.parts, sig.der)));
  }
  if (!signedAt) throw new Error('licence production: no file was prepared');
  return { pdf, signedAt, files };

  function signDigest(digest: Buffer, propertyInfo: string, timeInfo?: Date) {
    const { seal, signer } = sealing;
    return sealing.format === 'ses'
      ? sealSignatures.sign({
          esID: seal.esID,
          seal,
          signer: { certificateDer: signer.certificateDer, signer: signer.signer },
          digest,
          propertyInfo,
          timestamp: sealing.timestamp,
          ...(timeInfo ? { timeInfo } : {}),
        })
      : sealSignatures.signCms({
          esID: seal.esID,
          seal,
          signer: { certificateDer: signer.certificateDer, signer: signer.signer },
          digest,
          oids: sealing.format === 'cms-gbt35275' ? 'gbt35275' : 'rfc5652',
          chain: sealing.chain,
        });
  }
}

function fileOutput(format: LicenceFileFormat, bytes: Uint8Array): LicenceFileOutput {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { format, bytes: b, sm3: sm3(b).toString('hex'), size: b.length };
}
