import { randomUUID } from 'node:crypto';
import { KeyWrapError, type KeyEncryptionKey } from '../../crypto/key-wrap.js';
import { LruCache } from '../../crypto/lru-cache.js';
import { softwareSigner, type Signer } from '../../crypto/signer.js';
import { generateSm2KeyPair, sm2PublicKeyFromPrivate } from '../../crypto/sm2.js';
import { parseCertificate } from '../../pki/certificate.js';
import type { Db } from '../../store/database.js';
import { findAgency } from '../../store/agency-repository.js';
import {
  findSignerKeyForUpdate,
  findUsableSignerKeys,
  insertSignerKey,
  listSignerKeys,
  lockAgencyForKeyChange,
  retireActiveSignerKeys,
  retireSignerKey,
  type SignerKeyRecord,
  type SignerKeyWithCertificate,
} from '../../store/signer-key-repository.js';
import { withAudit } from '../audit/audit-service.js';
import { GenerationCache } from '../../runtime/generation-cache.js';
import type { CertificateService } from '../ca/certificate-service.js';
import { SEAL_SIGNER_PROFILE } from '../ca/key-origin.js';
import { ensureAllowed } from '../access/authorize.js';
import type { ActionContext, Principal } from '../access/principal.js';
import type { SealService } from './seal-service.js';
import { ServiceError } from '../service-error.js';

export type { SignerKeyWithCertificate };

/** What create/rotate answer: everything public about the new key. The private key never leaves the vault. */
export interface CreatedSignerKey {
  id: string;
  agencyId: string;
  certificateSerial: string;
  certificatePem: string;
  chainPem: string[];
  /** 65-byte uncompressed SM2 point. */
  publicKey: Buffer;
  /** Ids of the keys this rotation retired (empty unless rotating). */
  retired: string[];
  createdAt: Date;
}

/** A key ready to sign with a seal: the certificate to embed and the signing seam (software key or, later, HSM). */
export interface SealSigner {
  certificateDer: Buffer;
  certificateSerial: string;
  signer: Signer;
}

export interface CreateSignerKeyOptions {
  /** Retire the agency's active keys in the same transaction (their certificates stay good). */
  rotate?: boolean | undefined;
  /** The signer's common name in the certificate (default: the agency name). */
  commonName?: string | undefined;
}

// Unwrapped keys kept hot: an agency rarely has more than a few, a node serves a few hundred agencies.
const CACHE_SIZE = 256;

/**
 * The key vault for agencies' seal-signer keys: generated here, certified by the node's CA, stored only
 * wrapped by the KEK (bound to their row), and handed out as a Signer, never as bytes. The Signer seam is
 * where an HSM takes over later: only `unwrapped` would change.
 */
export class SignerKeyService {
  readonly #kek: KeyEncryptionKey;
  readonly #hot = new LruCache<string, Signer>(CACHE_SIZE);
  readonly #usable: GenerationCache<SignerKeyWithCertificate[]>;

  constructor(
    private readonly db: Db,
    kek: KeyEncryptionKey,
    /** Certifies the vault's keys (inside our transaction, so certificate, key row and audit commit together). */
    private readonly certificates: Pick<CertificateService, 'certify'>,
    private readonly seals: SealService,
  ) {
    this.#kek = kek;
    this.#usable = new GenerationCache(
      db,
      ['signer-key', 'certificate', 'seal', 'agency'],
      CACHE_SIZE,
      5_000,
    );
  }

  /** Generates a key, certifies it (profile seal-signer) for the agency and stores it wrapped. */
  async create(
    ctx: ActionContext,
    agencyId: string,
    opts: CreateSignerKeyOptions = {},
  ): Promise<CreatedSignerKey> {
    const keyPair = generateSm2KeyPair();
    try {
      const created = await withAudit(
        this.db,
        ctx,
        opts.rotate ? 'signer-key.rotate' : 'signer-key.create',
        async (trx) => {
          if (!(await lockAgencyForKeyChange(trx, agencyId))) throw agencyNotFound();
          // The key was made here a moment ago: possession needs no proof (no CSR, no signature to check).
          const issued = await this.certificates.certify(
            ctx,
            {
              profile: SEAL_SIGNER_PROFILE,
              agencyId,
              commonName: opts.commonName,
              key: { origin: 'vault', publicKey: () => keyPair.publicKey },
            },
            trx,
          );
          const now = new Date();
          const retired = opts.rotate ? await retireActiveSignerKeys(trx, agencyId, now) : [];
          const id = randomUUID();
          const serial = issued.record.serial;
          const record: SignerKeyRecord = {
            id,
            agencyId,
            certificateSerial: serial,
            publicKey: Buffer.from(keyPair.publicKey),
            wrappedKey: this.#kek.wrap(keyPair.privateKey, signerKeyAad(id, agencyId, serial)),
            kekId: this.#kek.id,
            status: 'active',
            createdAt: now,
            retiredAt: null,
          };
          await insertSignerKey(trx, record);
          const result: CreatedSignerKey = {
            id,
            agencyId,
            certificateSerial: serial,
            certificatePem: issued.certificatePem,
            chainPem: issued.chainPem,
            publicKey: record.publicKey,
            retired,
            createdAt: now,
          };
          return {
            result,
            target: { type: 'signer-key', id },
            details: { agencyId, certificateSerial: serial, kekId: this.#kek.id, retired },
          };
        },
      );
      for (const id of created.retired) this.#hot.delete(id);
      return created;
    } finally {
      keyPair.privateKey.fill(0);
    }
  }

  /** A new active key; the previous ones retired, their certificates left good so old signatures verify. */
  rotate(ctx: ActionContext, agencyId: string, opts: Omit<CreateSignerKeyOptions, 'rotate'> = {}) {
    return this.create(ctx, agencyId, { ...opts, rotate: true });
  }

  /** The agency's keys, newest first. Admins and CA operators see any agency; an issuer only its own. */
  async list(p: Principal, agencyId: string): Promise<SignerKeyWithCertificate[]> {
    ensureAllowed(p, 'signer-key.list', { agencyId }, 'agencyId');
    if (!(await findAgency(this.db, agencyId))) throw agencyNotFound();
    return listSignerKeys(this.db, agencyId);
  }

  /**
   * Stops a key from signing (idempotent). Its certificate is not revoked: what it signed stays valid.
   * With `agencyId`, a key of another agency is reported as not found.
   */
  async retire(ctx: ActionContext, keyId: string, agencyId?: string): Promise<SignerKeyRecord> {
    const record = await withAudit(this.db, ctx, 'signer-key.retire', async (trx) => {
      const k = await findSignerKeyForUpdate(trx, keyId);
      if (!k || (agencyId !== undefined && k.agencyId !== agencyId)) {
        throw new ServiceError(
          'not-found',
          'signer-key-not-found',
          '签名密钥不存在 / no such signer key',
          'id',
        );
      }
      const changed = k.status !== 'retired';
      if (changed) {
        const at = new Date();
        await retireSignerKey(trx, k.id, at);
        Object.assign(k, { status: 'retired', retiredAt: at });
      }
      return {
        result: k,
        target: { type: 'signer-key', id: k.id },
        details: { agencyId: k.agencyId, certificateSerial: k.certificateSerial, changed },
      };
    });
    this.#hot.delete(record.id);
    return record;
  }

  /**
   * The key to sign with this seal for the agency: the newest active key whose certificate the seal lists
   * and which is good and within its validity now. One query per call; the unwrapped key comes from memory.
   * @throws ServiceError no-signer-key (409) naming the seal, seal-not-found (404), seal-of-other-agency (403)
   */
  async signerFor(agencyId: string, esID: string): Promise<SealSigner> {
    const now = new Date();
    // Cached per audit generation for a few seconds (a key or certificate that becomes valid is seen that
    // much later); validity is checked again against now, so an expired certificate is never chosen.
    const cacheKey = `${agencyId}:${esID}`;
    const usable = await this.#usable.get(cacheKey, () => findUsableSignerKeys(this.db, agencyId, esID, now));
    const key = usable.find(
      (k) =>
        k.certificate.notBefore.getTime() <= now.getTime() &&
        now.getTime() <= k.certificate.notAfter.getTime(),
    );
    if (!key) {
      this.#usable.forget(cacheKey);
      throw await this.whyNoKey(agencyId, esID);
    }
    let signer: Signer;
    try {
      signer = this.unwrapped(key);
    } catch (err) {
      // A row that does not unwrap (altered, or restored since) is read again next time, not kept.
      this.#usable.forget(cacheKey);
      throw err;
    }
    return { certificateDer: key.certificate.der, certificateSerial: key.certificateSerial, signer };
  }

  private unwrapped(key: SignerKeyWithCertificate): Signer {
    const hot = this.#hot.get(key.id);
    if (hot) return hot;
    let privateKey: Buffer;
    try {
      privateKey = this.#kek.unwrap(
        key.wrappedKey,
        signerKeyAad(key.id, key.agencyId, key.certificateSerial),
      );
    } catch (err) {
      if (!(err instanceof KeyWrapError)) throw err;
      throw new ServiceError(
        'conflict',
        'signer-key-unavailable',
        err.code === 'WRONG_KEK'
          ? `签名密钥由另一密钥加密密钥（${key.kekId}）保护，本节点无法使用 / the signer key is wrapped by key-encryption key ${key.kekId}, not this node's`
          : '签名密钥记录已损坏 / the stored signer key does not unwrap (altered or moved)',
      );
    }
    // A wrapped key that opens but is not the certified one would sign with the wrong identity.
    const publicKey = sm2PublicKeyFromPrivate(privateKey);
    if (
      !Buffer.from(publicKey).equals(key.publicKey) ||
      !parseCertificate(key.certificate.der).publicKey.equals(key.publicKey)
    ) {
      privateKey.fill(0);
      throw new ServiceError(
        'conflict',
        'signer-key-unavailable',
        '签名密钥与其证书不符 / the stored signer key does not match its certificate',
      );
    }
    const signer = softwareSigner(privateKey);
    this.#hot.set(key.id, signer);
    return signer;
  }

  private async whyNoKey(agencyId: string, esID: string): Promise<ServiceError> {
    const seal = await this.seals.find(esID);
    if (!seal)
      return new ServiceError('not-found', 'seal-not-found', `印章 ${esID} 不存在 / no seal ${esID}`, 'esID');
    if (seal.agencyId !== agencyId) {
      return new ServiceError(
        'forbidden',
        'seal-of-other-agency',
        `印章 ${esID} 属于其他机构 / seal ${esID} belongs to another agency`,
        'esID',
      );
    }
    return new ServiceError(
      'conflict',
      'no-signer-key',
      `印章 ${esID} 没有可用的签名密钥（须为本服务保管、未停用、证书有效且绑定到该印章）/ no usable signer key for seal ${esID}: none of the agency's active vault keys has a good, current certificate listed in the seal`,
      'esID',
    );
  }
}

/** Binds a wrapped key to its row: copied into another key's, agency's or certificate's row it does not open. */
export function signerKeyAad(id: string, agencyId: string, certificateSerial: string): Buffer {
  return Buffer.from(`sealtrust/signer-key|${id}|${agencyId}|${certificateSerial}`, 'utf8');
}

function agencyNotFound(): ServiceError {
  return new ServiceError('not-found', 'agency-not-found', '机构不存在 / no such agency', 'agencyId');
}
