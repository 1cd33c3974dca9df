import type { Logger } from 'pino';
import type { Db } from '../../store/database.js';
import { findCertificateStatus } from '../../store/certificate-repository.js';
import { LruCache } from '../../crypto/lru-cache.js';
import { sm3Hex } from '../../crypto/sm3.js';
import { CRL_REASON_NAMES, type CrlReason } from '../../pki/crl-builder.js';
import {
  OCSP_HASHES,
  buildOcspResponse,
  certificateSubjectDer,
  ocspErrorResponse,
  ocspHash,
  parseOcspRequest,
  responderKeyHash,
  serialHex,
  OcspRequestError,
  type OcspCertId,
  type OcspCertStatus,
  type OcspHash,
  type OcspResponseStatus,
} from '../../pki/ocsp.js';
import type { CaNode, IssuingCa } from './ca-node.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export interface OcspServiceOptions {
  /**
   * nextUpdate − thisUpdate. One hour: a relying party (or an HTTP cache) may hold a `good` that long
   * after a revocation, the same order as the CRL's publication delay, while the pre-produced answer
   * for a busy certificate is signed only about once an hour.
   */
  validityMs?: number;
  /** A pre-produced answer is replaced once it is this close to its nextUpdate. */
  refreshMarginMs?: number;
  /**
   * How long a cached status is served without asking the database. Status changes in this process
   * invalidate at once ('status-changed'); this bounds staleness for changes made by another process
   * sharing the database, and for `unknown` serials that get issued later.
   */
  recheckMs?: number;
  /** Certificates (CA + serial) whose status and pre-produced answers are kept. */
  cacheSize?: number;
  now?: () => number;
}

export interface OcspAnswer {
  /** DER OCSPResponse. */
  der: Buffer;
  status: OcspResponseStatus;
  /** Whether the request carried a nonce (and the answer echoes it): such answers must not be cached. */
  nonce: boolean;
  /** For successful nonce-less answers: what HTTP caching headers derive from. */
  cacheable: { producedAt: Date; expires: Date; etag: string } | null;
}

interface Issuer {
  ca: IssuingCa;
  keyHash: Buffer;
  certs: Buffer[];
}

interface Produced {
  der: Buffer;
  producedAt: Date;
  nextUpdate: Date;
  /** Until when an HTTP cache may keep it (earlier than nextUpdate for `unknown`). */
  expires: Date;
  etag: string;
}

interface StatusEntry {
  status: OcspCertStatus;
  fingerprint: string;
  checkedAt: number;
  /** Pre-produced single-certificate answers, by the hex of the CertID they echo (a few hash variants). */
  responses: Map<string, Produced>;
}

const MAX_VARIANTS = 8;
const UNKNOWN: OcspCertStatus = { kind: 'unknown' };

function isCrlReason(r: string | null): r is CrlReason {
  return r !== null && (CRL_REASON_NAMES as string[]).includes(r);
}

function fingerprint(s: OcspCertStatus): string {
  return s.kind === 'revoked' ? `revoked:${s.revokedAt.getTime()}:${s.reason ?? ''}` : s.kind;
}

/**
 * The OCSP responder (RFC 6960, with RFC 5019's pre-production): each issuing CA answers through its
 * delegated responder key. Nonce-less single-certificate requests, the common case, are served from
 * pre-signed answers; only nonces, multi-certificate requests and status changes cost a signature.
 */
export class OcspService {
  private readonly issuers = new Map<string, Issuer>();
  private readonly defaultIssuer: Issuer;
  private readonly cache: LruCache<string, StatusEntry>;
  /** Bumped by every invalidation, so a lookup that raced one does not cache what it read. */
  private generation = 0;
  private readonly validityMs: number;
  private readonly refreshMarginMs: number;
  private readonly recheckMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    node: CaNode,
    private readonly logger?: Logger,
    opts: OcspServiceOptions = {},
  ) {
    this.validityMs = opts.validityMs ?? 60 * MINUTE;
    this.refreshMarginMs = opts.refreshMarginMs ?? 10 * MINUTE;
    this.recheckMs = opts.recheckMs ?? MINUTE;
    this.cache = new LruCache(opts.cacheSize ?? 10_000);
    this.now = opts.now ?? Date.now;
    for (const ca of node.issuingCas.values()) {
      const issuer: Issuer = {
        ca,
        keyHash: responderKeyHash(ca.ocspResponder.cert.publicKey),
        certs: [ca.ocspResponder.cert.der],
      };
      const name = certificateSubjectDer(ca.ca.cert.der);
      for (const hash of Object.keys(OCSP_HASHES) as OcspHash[]) {
        this.issuers.set(issuerKey(hash, ocspHash(hash, name), ocspHash(hash, ca.ca.cert.publicKey)), issuer);
      }
    }
    this.defaultIssuer = [...this.issuers.values()].find((i) => i.ca === node.defaultCa)!;
  }

  /**
   * Answers a DER OCSPRequest. Never throws: failures are OCSP error statuses. `maySign` is asked before a
   * response is signed for this request alone (a nonce, several CertIDs): false answers `tryLater`.
   */
  async respond(requestDer: Uint8Array, maySign: () => boolean = () => true): Promise<OcspAnswer> {
    try {
      return await this.answer(requestDer, maySign);
    } catch (err) {
      if (err instanceof OcspRequestError) return refused(err.status);
      this.logger?.error({ err }, 'OCSP responder failed');
      return refused('internalError');
    }
  }

  /** Drops what is cached for a certificate; called after its status change has committed. */
  invalidate(caId: string, serial: string): void {
    this.generation++;
    this.cache.delete(`${caId}:${serial}`);
  }

  private async answer(requestDer: Uint8Array, maySign: () => boolean): Promise<OcspAnswer> {
    const request = parseOcspRequest(requestDer);
    const targets = request.certIds.map((id) => ({ id, issuer: this.issuerFor(id) }));
    // One signature covers the whole response, and a delegated responder speaks for its own CA only:
    // certificates of another of our CAs in the same request are answered `unknown`.
    const issuer = targets.find((t) => t.issuer)?.issuer ?? this.defaultIssuer;
    const entries = await Promise.all(
      targets.map((t) => (t.issuer === issuer ? this.statusOf(issuer, t.id) : transient(UNKNOWN))),
    );
    if (targets.length === 1 && !request.nonceExtnValue) {
      const produced = this.preProduced(issuer, targets[0]!.id, entries[0]!);
      return { der: produced.der, status: 'successful', nonce: false, cacheable: produced };
    }
    if (!maySign()) return refused('tryLater');
    const produced = this.produce(
      issuer,
      targets.map((t, i) => ({ certIdDer: t.id.der, status: entries[i]!.status })),
      request.nonceExtnValue,
    );
    return {
      der: produced.der,
      status: 'successful',
      nonce: request.nonceExtnValue !== null,
      cacheable: request.nonceExtnValue ? null : produced,
    };
  }

  private issuerFor(id: OcspCertId): Issuer | undefined {
    return id.hash ? this.issuers.get(issuerKey(id.hash, id.issuerNameHash, id.issuerKeyHash)) : undefined;
  }

  private async statusOf(issuer: Issuer, id: OcspCertId): Promise<StatusEntry> {
    const serial = serialHex(id.serial);
    // Not a serial we could have issued (RFC 5280: positive, at most 20 octets): no lookup needed.
    if (id.serial <= 0n || serial.length > 40) return transient(UNKNOWN);
    const key = `${issuer.ca.id}:${serial}`;
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.checkedAt < this.recheckMs) return cached;

    const generation = this.generation;
    const record = await findCertificateStatus(this.db, issuer.ca.id, serial);
    let status: OcspCertStatus = UNKNOWN;
    if (record?.status === 'good') status = { kind: 'good' };
    else if (record) {
      if (!record.revokedAt)
        throw new Error(`certificate ${serial} is ${record.status} without a revocation time`);
      const reason = record.status === 'hold' ? 'certificateHold' : record.revocationReason;
      status = { kind: 'revoked', revokedAt: record.revokedAt, reason: isCrlReason(reason) ? reason : null };
    }
    const current = this.cache.get(key);
    if (current && current.fingerprint === fingerprint(status)) {
      // Unchanged: the pre-produced answers stay valid.
      current.checkedAt = now;
      return current;
    }
    const entry: StatusEntry = {
      status,
      fingerprint: fingerprint(status),
      checkedAt: now,
      responses: new Map(),
    };
    if (generation === this.generation) this.cache.set(key, entry);
    return entry;
  }

  private preProduced(issuer: Issuer, id: OcspCertId, entry: StatusEntry): Produced {
    const variant = id.der.toString('hex');
    const existing = entry.responses.get(variant);
    if (existing && this.now() < existing.nextUpdate.getTime() - this.refreshMarginMs) return existing;
    const produced = this.produce(issuer, [{ certIdDer: id.der, status: entry.status }], null);
    if (entry.responses.size >= MAX_VARIANTS) entry.responses.clear();
    entry.responses.set(variant, produced);
    return produced;
  }

  private produce(
    issuer: Issuer,
    singles: { certIdDer: Buffer; status: OcspCertStatus }[],
    nonceExtnValue: Buffer | null,
  ): Produced {
    // Whole seconds: GeneralizedTime carries no fraction here, and HTTP dates have none either.
    const at = new Date(Math.floor(this.now() / SECOND) * SECOND);
    // An answer never claims to hold beyond the responder certificate that signs it.
    const nextUpdate = new Date(
      Math.min(at.getTime() + this.validityMs, issuer.ca.ocspResponder.cert.notAfter.getTime()),
    );
    const der = buildOcspResponse(
      {
        responderKeyHash: issuer.keyHash,
        producedAt: at,
        responses: singles.map((s) => ({
          certIdDer: s.certIdDer,
          status: s.status,
          thisUpdate: at,
          nextUpdate,
        })),
        nonceExtnValue,
        certs: issuer.certs,
      },
      issuer.ca.ocspResponder.privateKey,
    );
    // An `unknown` may turn into an answer once the certificate exists (or another process issued it).
    const anyUnknown = singles.some((s) => s.status.kind === 'unknown');
    const expires = anyUnknown
      ? new Date(Math.min(nextUpdate.getTime(), at.getTime() + this.recheckMs))
      : nextUpdate;
    return { der, producedAt: at, nextUpdate, expires, etag: `"${sm3Hex(der).slice(0, 32)}"` };
  }
}

function issuerKey(hash: OcspHash, nameHash: Buffer, keyHash: Buffer): string {
  return `${hash}:${nameHash.toString('hex')}:${keyHash.toString('hex')}`;
}

function transient(status: OcspCertStatus): StatusEntry {
  return { status, fingerprint: fingerprint(status), checkedAt: 0, responses: new Map() };
}

const REFUSALS = new Map<OcspResponseStatus, Buffer>();

function refused(status: Exclude<OcspResponseStatus, 'successful'>): OcspAnswer {
  let der = REFUSALS.get(status);
  if (!der) REFUSALS.set(status, (der = ocspErrorResponse(status)));
  return { der, status, nonce: false, cacheable: null };
}
