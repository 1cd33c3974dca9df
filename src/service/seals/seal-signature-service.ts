import { sm3 } from '../../crypto/sm3.js';
import { parseCertificate } from '../../pki/certificate.js';
import type { Signer } from '../../crypto/signer.js';
import { assembleSignature, signSesV4, signSesV4WithSigner } from '../../seal/ses-encoder.js';
import { findCertificate } from '../../store/certificate-repository.js';
import type { CertificateRecord } from '../../pki/certificate-record.js';
import { GenerationCache } from '../../runtime/generation-cache.js';
import type { Db } from '../../store/database.js';
import { effectiveStatus, type SealService } from './seal-service.js';
import type { SealRecord } from '../../seal/seal-record.js';
import { ServiceError } from '../service-error.js';
import { buildCmsSignedData } from '../../pki/cms-signed-data.js';
import type { TsaService } from '../ca/tsa-service.js';

export interface SealSignRequest {
  esID: string;
  /** The seal record, when the caller has just read it for this request. */
  seal?: SealRecord | undefined;
  /**
   * The signer (签章人): a seal-signer certificate bound to the seal, and its private key, or the key behind
   * the Signer seam (SignerKeyService.signerFor: a vault key, later an HSM).
   */
  signer: { certificateDer: Buffer; privateKey: Uint8Array } | { certificateDer: Buffer; signer: Signer };
  /** SM3 of the protected data (for a PDF, of the bytes its /ByteRange covers). */
  digest: Buffer;
  /** Names the protected range, e.g. a PDF's signature field or an OFD's Signature.xml path. */
  propertyInfo: string;
  /** Add an RFC 3161 timestamp over the signature value, from this node's TSA. */
  timestamp?: boolean;
  /**
   * TBS_Sign.timeInfo when the signed data already states the signing time (an OFD's SignatureDateTime, which
   * GM/T 0099 §7 makes equal to it); default now. At most a few minutes old, never ahead of the clock.
   */
  timeInfo?: Date;
}

/** How old a caller's timeInfo may be: the stamping worker's deadline and then some. */
const MAX_TIME_INFO_AGE_MS = 5 * 60_000;

export interface SealSignature {
  der: Buffer;
  timeInfo: Date;
  timestamped: boolean;
}

/**
 * Produces a GB/T 38540 v4 SES_Signature with a registered seal. Refuses seals that are not active or
 * outside their validity, and signers that are not bound to the seal or whose certificate is not good.
 */
export class SealSignatureService {
  /** Signer certificate records by serial: their status changes only with an audit record. */
  readonly #certificates: GenerationCache<CertificateRecord | undefined>;

  constructor(
    private readonly db: Db,
    private readonly seals: SealService,
    private readonly tsa: TsaService,
  ) {
    this.#certificates = new GenerationCache(db, ['certificate', 'signer-key'], 1024, 60_000);
  }

  async sign(req: SealSignRequest): Promise<SealSignature> {
    if (req.digest.length !== 32) {
      throw new ServiceError(
        'validation',
        'digest-length',
        'dataHash 须为 32 字节 SM3 摘要 / the digest must be 32 bytes (SM3)',
        'digest',
      );
    }
    const now = new Date();
    const timeInfo = req.timeInfo ?? now;
    const age = now.getTime() - timeInfo.getTime();
    // Whole seconds may put a given time up to a second before now, never after it.
    if (!Number.isFinite(age) || age < -1000 || age > MAX_TIME_INFO_AGE_MS) {
      throw new ServiceError(
        'validation',
        'signing-time',
        '签名时间须为当前时间 / the signing time must be the current time',
        'timeInfo',
      );
    }
    const { seal, cert } = await this.usableSignerAndSeal(req.esID, req.signer, now, req.seal);
    const input = { seal: seal.der, timeInfo, dataHash: req.digest, propertyInfo: req.propertyInfo };
    let signed: { tbsSign: Buffer; signature: Buffer; der: Buffer };
    if ('signer' in req.signer) {
      signed = await signSesV4WithSigner(input, { cert: cert.der, signer: req.signer.signer });
    } else {
      signed = signSesV4(input, { cert: cert.der, privateKey: req.signer.privateKey });
    }
    if (!req.timestamp) return { der: signed.der, timeInfo, timestamped: false };
    const token = await this.tsa.stamp(sm3(signed.signature));
    const der = assembleSignature({
      tbsSign: signed.tbsSign,
      signerCert: cert.der,
      signature: signed.signature,
      timeStamp: token,
    });
    return { der, timeInfo, timestamped: true };
  }

  /**
   * The checks every seal signature passes before anything is signed: the seal is registered, active and
   * within its validity; the signer certificate is listed in it, issued here, good and within its validity;
   * a Signer seam holds that certificate's key.
   */
  async usableSignerAndSeal(
    esID: string,
    signer: SealSignRequest['signer'],
    now = new Date(),
    known?: SealRecord,
  ) {
    // A caller that read the seal for this same request passes it on instead of reading it again.
    const seal = known?.esID === esID ? known : await this.seals.find(esID);
    if (!seal) throw new ServiceError('not-found', 'seal-not-found', '印章不存在 / no such seal', 'esID');
    const status = effectiveStatus(seal, now);
    if (status !== 'active' || now.getTime() < seal.validFrom.getTime()) {
      throw new ServiceError(
        'conflict',
        'seal-not-usable',
        `印章当前不可用（${status}）/ the seal is ${status} or not yet valid`,
        'esID',
      );
    }
    const cert = parseCertificate(signer.certificateDer);
    if (!seal.signerCertificateSerials.includes(cert.serialHex)) {
      throw new ServiceError(
        'forbidden',
        'signer-not-in-seal',
        '签章人证书未绑定到该印章 / the signer certificate is not bound to this seal',
        'signer',
      );
    }
    const record = await this.#certificates.get(cert.serialHex, () =>
      findCertificate(this.db, cert.serialHex),
    );
    if (!record || record.status !== 'good' || !record.der.equals(cert.der)) {
      throw new ServiceError(
        'conflict',
        'signer-certificate-not-good',
        '签章人证书已吊销、暂停或未知 / the signer certificate is revoked, held or unknown',
        'signer',
      );
    }
    if (now.getTime() > cert.notAfter.getTime() || now.getTime() < cert.notBefore.getTime()) {
      throw new ServiceError(
        'conflict',
        'signer-certificate-expired',
        '签章人证书不在有效期内 / the signer certificate is outside its validity',
        'signer',
      );
    }
    // A Signer seam signs blind (digest only): make sure it holds the certified key before anything is signed.
    if ('signer' in signer && !Buffer.from(signer.signer.publicKey).equals(cert.publicKey)) {
      throw new ServiceError(
        'validation',
        'signer-key-mismatch',
        '签名密钥与签章人证书不符 / the signing key does not belong to the signer certificate',
        'signer',
      );
    }
    return { seal, cert };
  }

  /**
   * CMS SignedData (PDF /SubFilter /adbe.pkcs7.detached) with SM2/SM3 over the given digest, by a signer the
   * seal lists: the alternative to SES for relying parties whose tools read CMS. RFC 5652 or GB/T 35275 OIDs.
   */
  async signCms(req: {
    esID: string;
    seal?: SealRecord | undefined;
    signer: { certificateDer: Buffer; signer: Signer };
    digest: Buffer;
    oids: 'rfc5652' | 'gbt35275';
    chain?: Buffer[];
  }): Promise<SealSignature> {
    const now = new Date();
    const { cert } = await this.usableSignerAndSeal(req.esID, req.signer, now, req.seal);
    const der = await buildCmsSignedData({
      digest: req.digest,
      signerCertDer: cert.der,
      signDigest: (e) => req.signer.signer.signDigest(e),
      oids: req.oids,
      signingTime: now,
      extraCertificates: req.chain ?? [],
    });
    return { der, timeInfo: now, timestamped: false };
  }
}
