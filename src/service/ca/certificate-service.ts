import type { Db, Executor } from '../../store/database.js';
import { findAgencyCached } from '../../store/agency-repository.js';
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
import type { CaNode } from './ca-node.js';
import type { CertificateEvents } from './certificate-events.js';
import type { CrlService } from './crl-service.js';
import { listScope } from '../access/authorize.js';
import type { ActionContext, Principal } from '../access/principal.js';
import { ServiceError } from '../service-error.js';

const DAY = 86_400_000;
const BACKDATE_MS = 5 * 60_000;

/** The profile whose keys only the agency's device or the signer-key vault may hold. */
const SIGNER_KEY_PROFILE = 'seal-signer';

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

export interface IssuedCertificate {
  record: CertificateRecord;
  certificatePem: string;
  chainPem: string[];
  privateKeyPem?: string;
}

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

  async issue(ctx: ActionContext, req: IssueRequest): Promise<IssuedCertificate> {
    const profile = this.node.profiles.get(req.profile);
    if (!profile) {
      throw new ServiceError(
        'validation',
        'unknown-profile',
        `没有这个证书模板 / no profile "${req.profile}" (have: ${[...this.node.profiles.keys()].join(', ')})`,
        'profile',
      );
    }
    if (Boolean(req.csr) === Boolean(req.passphrase)) {
      throw new ServiceError(
        'validation',
        'csr-or-passphrase',
        '须提供 csr 或 passphrase 之一 / give exactly one of csr (own key) or passphrase (server-generated key)',
        req.csr ? 'passphrase' : 'csr',
      );
    }
    // A seal-signer key signs seals in an agency's name: it is made where it is used and never leaves it —
    // the agency's own device (csr) or the node's signer-key vault, which keeps it wrapped and signs inside.
    // A key generated here and handed out would exist, if only for a moment, outside both.
    if (req.passphrase && profile.id === SIGNER_KEY_PROFILE) {
      throw new ServiceError(
        'validation',
        'server-key-generation-refused',
        '签章人证书不提供服务器端生成密钥：请提交自己的 CSR，或使用签章密钥库 POST /v1/agencies/{id}/signer-keys（密钥不出库）/ no server-generated keys for seal-signer certificates: send your own csr, or use the signer-key vault POST /v1/agencies/{id}/signer-keys (the key never leaves it)',
        'passphrase',
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
    const agency = await findAgencyCached(this.db, req.agencyId);
    if (!agency)
      throw new ServiceError('validation', 'unknown-agency', '机构不存在 / no such agency', 'agencyId');

    let publicKey: Uint8Array;
    let privateKeyPem: string | undefined;
    if (req.csr) {
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
      publicKey = csr.publicKey;
    } else {
      const kp = generateSm2KeyPair();
      publicKey = kp.publicKey;
      privateKeyPem = sm2PrivateKeyToPem(kp.privateKey, { passphrase: req.passphrase! });
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
    await withAudit(this.db, ctx, 'certificate.issue', async (trx) => {
      await insertCertificate(trx, record);
      return {
        result: undefined,
        target: { type: 'certificate', id: record.serial },
        details: { profile: profile.id, agencyId: agency.id, keyGeneration: req.csr ? 'csr' : 'server' },
      };
    });
    return {
      record,
      certificatePem: toPem('CERTIFICATE', der),
      chainPem: ca.chainPem,
      ...(privateKeyPem ? { privateKeyPem } : {}),
    };
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
      await updateCertificateStatus(trx, serial, {
        status: 'good',
        revokedAt: null,
        reason: null,
        invalidityDate: null,
        at: new Date(),
      });
      return {
        result: {
          ...c,
          status: 'good' as const,
          revokedAt: null,
          revocationReason: null,
          invalidityDate: null,
        },
        target: { type: 'certificate', id: serial },
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
