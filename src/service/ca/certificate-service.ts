import type { Db, Executor } from '../../store/database.js';
import { findAgency, findAgencyCached } from '../../store/agency-repository.js';
import {
  findCertificate,
  findCertificateForUpdate,
  insertCertificate,
  listCertificates,
  listStatusEvents,
  updateCertificateStatus,
  type CertificateFilter,
} from '../../store/certificate-repository.js';
import type { CertificateRecord } from '../../pki/certificate-record.js';
import type { CertificateStatusEvent as StatusEvent } from '../../pki/certificate-status-event.js';
import type { Page, PageRequest } from '../../paging/page.js';
import { generateSm2KeyPair } from '../../crypto/sm2.js';
import { sm2PrivateKeyToPem } from '../../crypto/sm2-keys.js';
import { toPem } from '../../crypto/pem.js';
import { fillSubject } from '../../pki/ca-config.js';
import { buildCertificate, randomSerial } from '../../pki/certificate-builder.js';
import { keyIdentifier } from '../../pki/certificate-extensions.js';
import { encodedLeafExtensions } from '../../pki/leaf-extensions.js';
import { decodeCsr } from '../../pki/csr.js';
import type { CrlReason } from '../../pki/crl-builder.js';
import { encodeNameCached } from '../../pki/distinguished-name.js';
import { provinceName } from '../../licence/region-code.js';
import { withAudit } from '../audit/audit-service.js';
import { certificateLeaf } from '../../tlog/directory-leaf.js';
import type { CaNode } from './ca-node.js';
import type { CertificateEvents } from './certificate-events.js';
import type { CrlService } from './crl-service.js';
import { keyOriginRefusal, type KeyOrigin } from './key-origin.js';
import { ensureAllowed, listScope } from '../access/authorize.js';
import type { ActionContext, Principal } from '../access/principal.js';
import { ServiceError } from '../service-error.js';

const DAY = 86_400_000;
const BACKDATE_MS = 5 * 60_000;

/** The key to certify: where it lives, and the key itself once the request has passed every check. */
export interface KeyToCertify {
  origin: KeyOrigin;
  /**
   * The 65-byte uncompressed SM2 point. Asked for only after the profile, agency and subject checks, so a
   * request refused anyway costs no proof-of-possession check in a worker and no key generation.
   */
  publicKey: () => Uint8Array | Promise<Uint8Array>;
  /** The request field that gave the key (`csr`, `passphrase`), named by problems about the key. */
  field?: string | undefined;
}

/** Certify a public key for a profile and agency: the one way a certificate is issued from a profile. */
export interface CertifyRequest {
  profile: string;
  agencyId: string;
  /** Only for profiles that allow it (e.g. the seal signer's own name). */
  commonName?: string | undefined;
  key: KeyToCertify;
}

export interface CertifiedKey {
  record: CertificateRecord;
  certificatePem: string;
  chainPem: string[];
}

/** POST /v1/certificates: a profile and agency, and exactly one of a CSR or a passphrase. */
export interface IssueRequest {
  profile: string;
  agencyId: string;
  /** PEM PKCS#10 with an SM2 key: the requester keeps its key. */
  csr?: string | undefined;
  /** Server-side key generation: the key comes back encrypted with this passphrase; no copy is kept. */
  passphrase?: string | undefined;
  /** Only for profiles that allow it (e.g. the seal signer's own name). */
  commonName?: string | undefined;
}

export interface IssuedCertificate extends CertifiedKey {
  privateKeyPem?: string;
}

/** How the audit record names each key origin (`csr` and `server` are what records have always said). */
const AUDITED_ORIGIN: Record<KeyOrigin, string> = {
  requester: 'csr',
  'server-generated': 'server',
  vault: 'vault',
};

export class CertificateService {
  constructor(
    private readonly db: Db,
    private readonly node: CaNode,
    private readonly crls: CrlService,
    private readonly events: CertificateEvents,
    /** Checks CSR proofs of possession; the service passes a worker pool so the main thread keeps serving. */
    private readonly verifyPop: (job: {
      publicKey: Uint8Array;
      message: Uint8Array;
      signature: Uint8Array;
    }) => Promise<boolean>,
  ) {}

  /**
   * Certifies a public key for a profile and an agency. Every policy decision of an issuance is taken here
   * and nowhere else: who may issue, the profile and the key origins it takes, the subject (from the
   * agency's record, a common name only where the profile allows one), validity, extensions, the stored
   * record and its audit record. The CSR and passphrase paths (`issue`) and the signer-key vault all come
   * through it.
   * @param trx the caller's transaction, so the certificate and its audit record commit with the caller's
   *   change (the signer-key vault's key row); without it the issuance is its own transaction.
   */
  async certify(ctx: ActionContext, req: CertifyRequest, trx?: Executor): Promise<CertifiedKey> {
    ensureAllowed(ctx.principal, 'certificate.issue');
    const profile = this.node.profiles.get(req.profile);
    if (!profile) {
      throw new ServiceError(
        'validation',
        'unknown-profile',
        `没有这个证书模板 / no profile "${req.profile}" (have: ${[...this.node.profiles.keys()].join(', ')})`,
        'profile',
      );
    }
    if (profile.nodeOnly) {
      throw new ServiceError(
        'validation',
        'profile-node-only',
        `模板 ${profile.id} 仅用于本节点自身服务（由密钥仪式签发），不能通过接口签发 / profile ${profile.id} is for this node's own services, issued by the key ceremony only`,
        'profile',
      );
    }
    const refused = keyOriginRefusal(profile, req.key.origin);
    if (refused) {
      throw new ServiceError(
        'validation',
        refused.code,
        refused.message,
        refused.blame === 'profile' ? 'profile' : req.key.field,
      );
    }
    if (req.commonName && !profile.allowCommonName) {
      throw new ServiceError(
        'validation',
        'field-not-allowed',
        `模板 ${profile.id} 不允许指定通用名 / profile ${profile.id} sets its own common name`,
        'commonName',
      );
    }
    // Inside the caller's transaction the agency is read there (under its locks), not from the cache.
    const agency = await findAgencyCached(trx ?? this.db, req.agencyId);
    if (!agency)
      throw new ServiceError('validation', 'unknown-agency', '机构不存在 / no such agency', 'agencyId');

    const publicKey = await req.key.publicKey();
    if (publicKey.length !== 65 || publicKey[0] !== 0x04) {
      // Every key source hands over an uncompressed point (CSR decoding refuses others): a bug, not input.
      throw new Error('certify: the public key must be a 65-byte uncompressed SM2 point');
    }

    const ca = this.node.defaultCa;
    const subject = encodeNameCached(
      fillSubject(profile.subject, {
        agencyName: agency.name,
        uscc: agency.uscc,
        regionCode: agency.regionCode,
        provinceName: provinceName(agency.province) ?? agency.province,
        commonName: req.commonName ?? agency.name,
      }),
    );
    const now = new Date();
    const notBefore = new Date(now.getTime() - BACKDATE_MS);
    // A certificate never outlives the CA that vouches for it.
    const notAfter = new Date(
      Math.min(now.getTime() + profile.validityDays * DAY, ca.ca.cert.notAfter.getTime()),
    );
    const serial = randomSerial();
    const der = buildCertificate(
      {
        serial,
        subject: subject.der,
        issuer: ca.ca.cert.subjectDer,
        publicKey,
        notBefore,
        notAfter,
        extensions: encodedLeafExtensions({
          publicKey,
          issuerKeyId: ca.ca.cert.subjectKeyId ?? keyIdentifier(ca.ca.cert.publicKey),
          keyUsage: profile.keyUsage,
          extKeyUsage: profile.extKeyUsage,
          urls: ca.urls,
          policies: profile.policies,
          uscc: profile.usccExtension ? agency.uscc : undefined,
          ocspNoCheck: profile.ocspNoCheck,
        }),
      },
      ca.ca.privateKey,
    );
    const record: CertificateRecord = {
      serial: serial.toString('hex').toUpperCase(),
      caId: ca.id,
      agencyId: agency.id,
      profile: profile.id,
      subject: subject.text,
      notBefore,
      notAfter,
      status: 'good',
      revokedAt: null,
      revocationReason: null,
      invalidityDate: null,
      publicKey: Buffer.from(publicKey),
      der,
      createdAt: now,
    };
    // Nested in the caller's transaction, this runs in a savepoint of it and the caller's commit announces it.
    await withAudit(trx ?? this.db, ctx, 'certificate.issue', async (t) => {
      await insertCertificate(t, record);
      return {
        result: undefined,
        target: { type: 'certificate', id: record.serial },
        details: { profile: profile.id, agencyId: agency.id, keyGeneration: AUDITED_ORIGIN[req.key.origin] },
        directory: [certificateLeaf('issue', record, agency.uscc, now)],
      };
    });
    return { record, certificatePem: toPem('CERTIFICATE', der), chainPem: ca.chainPem };
  }

  /** POST /v1/certificates: certifies the key of a CSR, or of a key generated here for a passphrase. */
  issue(ctx: ActionContext, req: IssueRequest): Promise<IssuedCertificate> {
    if (req.csr && !req.passphrase) return this.certifyCsr(ctx, { ...req, csr: req.csr });
    if (req.passphrase && !req.csr) return this.certifyNewKey(ctx, { ...req, passphrase: req.passphrase });
    throw new ServiceError(
      'validation',
      'csr-or-passphrase',
      '须提供 csr 或 passphrase 之一 / give exactly one of csr (own key) or passphrase (server-generated key)',
      req.csr ? 'passphrase' : 'csr',
    );
  }

  /** The requester's own key, from a PKCS#10 request whose signature proves possession (RFC 2986 §3). */
  certifyCsr(ctx: ActionContext, req: Omit<CertifyRequest, 'key'> & { csr: string }): Promise<CertifiedKey> {
    return this.certify(ctx, {
      profile: req.profile,
      agencyId: req.agencyId,
      commonName: req.commonName,
      key: {
        origin: 'requester',
        field: 'csr',
        // The CSR's subject is not used: the profile names the subject from the agency's record.
        publicKey: async () => {
          const csr = decodeCsr(req.csr);
          const valid =
            csr.sm2WithSm3 &&
            (await this.verifyPop({ publicKey: csr.publicKey, message: csr.tbs, signature: csr.signature }));
          if (!valid) {
            throw new ServiceError(
              'validation',
              'csr-signature-invalid',
              'CSR 签名验证失败（须使用标准 SM2 用户标识 1234567812345678）/ the CSR signature does not verify with the standard SM2 ID',
              'csr',
            );
          }
          return csr.publicKey;
        },
      },
    });
  }

  /** A key generated here and returned encrypted with the passphrase; the node keeps no copy. */
  async certifyNewKey(
    ctx: ActionContext,
    req: Omit<CertifyRequest, 'key'> & { passphrase: string },
  ): Promise<IssuedCertificate> {
    let privateKeyPem: string | undefined;
    const certified = await this.certify(ctx, {
      profile: req.profile,
      agencyId: req.agencyId,
      commonName: req.commonName,
      key: {
        origin: 'server-generated',
        field: 'passphrase',
        publicKey: () => {
          const kp = generateSm2KeyPair();
          privateKeyPem = sm2PrivateKeyToPem(kp.privateKey, { passphrase: req.passphrase });
          return kp.publicKey;
        },
      },
    });
    return { ...certified, privateKeyPem: privateKeyPem! };
  }

  /** Certificates are public documents: anyone may fetch one by serial. */
  async get(serial: string): Promise<CertificateRecord> {
    return orNotFound(await findCertificate(this.db, serial));
  }

  history(serial: string): Promise<StatusEvent[]> {
    return listStatusEvents(this.db, serial);
  }

  list(p: Principal, filter: CertificateFilter, page: PageRequest): Promise<Page<CertificateRecord>> {
    const scope = listScope(p, 'certificate.list', filter.agencyId ?? undefined);
    return listCertificates(this.db, { ...filter, ...scope }, page);
  }

  /**
   * Revokes (idempotently). certificateHold can later be released; every other reason is final.
   * A held certificate may be revoked for good.
   */
  async revoke(
    ctx: ActionContext,
    serial: string,
    req: { reason: CrlReason; invalidityDate?: Date | undefined },
  ): Promise<CertificateRecord> {
    if (req.reason === 'removeFromCRL') {
      throw new ServiceError(
        'validation',
        'invalid-reason',
        'removeFromCRL 只用于增量CRL，请使用 release / removeFromCRL is not a revocation reason; use /release',
        'reason',
      );
    }
    const now = new Date();
    if (req.invalidityDate && req.invalidityDate.getTime() > now.getTime()) {
      throw new ServiceError(
        'validation',
        'invalidity-date-in-future',
        '失效日期不能晚于当前时间 / invalidityDate lies in the future',
        'invalidityDate',
      );
    }
    let changed = false;
    const record = await withAudit(this.db, ctx, 'certificate.revoke', async (trx) => {
      const c = await lockCertificate(trx, serial);
      const sameState = c.status === 'revoked' || (c.status === 'hold' && req.reason === 'certificateHold');
      if (!sameState) {
        const status = req.reason === 'certificateHold' ? 'hold' : 'revoked';
        // From hold to final revocation the original revocation time stands (RFC 5280 §5.3.1 keeps it).
        const revokedAt = c.status === 'hold' ? c.revokedAt! : now;
        await updateCertificateStatus(trx, serial, {
          status,
          revokedAt,
          reason: req.reason,
          invalidityDate: req.invalidityDate ?? null,
          at: now,
        });
        changed = true;
        Object.assign(c, {
          status,
          revokedAt,
          revocationReason: req.reason,
          invalidityDate: req.invalidityDate ?? null,
        });
      }
      return {
        result: c,
        target: { type: 'certificate', id: serial },
        details: {
          reason: req.reason,
          changed: !sameState,
          ...(req.invalidityDate ? { invalidityDate: req.invalidityDate.toISOString() } : {}),
        },
        // Asking again for the state the certificate is in changes nothing, so it logs nothing.
        ...(sameState
          ? {}
          : {
              directory: [
                certificateLeaf(
                  c.status === 'hold' ? 'hold' : 'revoke',
                  c,
                  await agencyUscc(trx, c.agencyId),
                  now,
                ),
              ],
            }),
      };
    });
    if (changed) await this.afterStatusChange(record);
    return record;
  }

  async release(ctx: ActionContext, serial: string): Promise<CertificateRecord> {
    const record = await withAudit(this.db, ctx, 'certificate.release', async (trx) => {
      const c = await lockCertificate(trx, serial);
      if (c.status !== 'hold') {
        throw new ServiceError(
          'conflict',
          'not-on-hold',
          `只有暂停（certificateHold）的证书可以恢复，当前状态 ${c.status} / only a held certificate can be released`,
          'serial',
        );
      }
      const at = new Date();
      await updateCertificateStatus(trx, serial, {
        status: 'good',
        revokedAt: null,
        reason: null,
        invalidityDate: null,
        at,
      });
      const released: CertificateRecord = {
        ...c,
        status: 'good',
        revokedAt: null,
        revocationReason: null,
        invalidityDate: null,
      };
      return {
        result: released,
        target: { type: 'certificate', id: serial },
        directory: [certificateLeaf('release', released, await agencyUscc(trx, c.agencyId), at)],
      };
    });
    await this.afterStatusChange(record);
    return record;
  }

  private async afterStatusChange(c: CertificateRecord): Promise<void> {
    this.events.emit('status-changed', { caId: c.caId, serial: c.serial });
    await this.crls.publish(c.caId, `status change of ${c.serial}`);
  }
}

function orNotFound(c: CertificateRecord | undefined): CertificateRecord {
  if (!c) {
    throw new ServiceError(
      'not-found',
      'certificate-not-found',
      '证书不存在 / no certificate with this serial',
      'serial',
    );
  }
  return c;
}

/** The certificate, row-locked for a status change in this transaction. */
async function lockCertificate(trx: Executor, serial: string): Promise<CertificateRecord> {
  return orNotFound(await findCertificateForUpdate(trx, serial));
}

/** The USCC a leaf names for a certificate's agency (null for the node's own certificates). */
async function agencyUscc(trx: Executor, agencyId: string | null): Promise<string | null> {
  if (agencyId === null) return null;
  const agency = await findAgency(trx, agencyId);
  if (!agency) throw new Error(`certificate agency ${agencyId} is missing`);
  return agency.uscc;
}
