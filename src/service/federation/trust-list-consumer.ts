import type { Logger } from 'pino';
import type { Db } from '../../store/database.js';
import {
  readTrustListCache,
  touchTrustListCache,
  writeTrustListCache,
  type CachedTrustListRow,
} from '../../store/trust-list-repository.js';
import { parseTrustList, type TrustList } from '../../trust-list/trust-list.js';
import {
  acceptTrustListChain,
  type AcceptedTrustList,
  type TrustListWarning,
} from '../../trust-list/trust-list-acceptance.js';
import { TrustListError } from '../../trust-list/trust-list-error.js';
import { fetchBounded } from './bounded-fetch.js';
import { trustListFreshness } from '../../trust-list/trust-list-status.js';
import { parseCertificate } from '../../pki/certificate.js';
import { withAudit } from '../audit/audit-service.js';
import { ServiceError } from '../service-error.js';
import { sm3Hex } from '../../crypto/sm3.js';

// A node consuming the national trust list (federation.md §2.8 "Consumption rules", modelled on EU DSS's
// TLValidationJob): poll the hub's .sm3, fetch and verify when it changed (or near nextUpdate, or daily), accept
// only forward (src/trust-list), keep the accepted list atomically with an audit record, and raise an alert
// (audit record + counter) for everything refused. An expired or never-verified list leaves foreign trust
// decisions INDETERMINATE; that judgement is the verifier's, from `state()`.

const SYSTEM = { principal: { kind: 'system' as const }, requestId: null };
const HOUR = 3_600_000;
/** Bytes a list, its signature or digest may have: a list of every node of the country is far below this. */
export const MAX_TRUST_LIST_BYTES = 8 << 20;

export type TrustListAlertKind =
  | 'trust-list-unreachable'
  | 'trust-list-parse-error'
  | 'trust-list-signature-invalid'
  | 'trust-list-rollback'
  | 'trust-list-equivocation'
  | 'trust-list-expired'
  | 'trust-list-signer-expiring'
  | 'trust-list-node-status-changed'
  | 'trust-list-log-key-withdrawn'
  // The hub's own (its published list): a listed log key's certificate no longer vouches for it, or soon won't,
  // or its node's own directory log says the node revoked it.
  | 'trust-list-log-key-certificate-invalid'
  | 'trust-list-log-key-certificate-expiring'
  | 'trust-list-log-key-certificate-revoked';

export interface TrustListAlert {
  kind: TrustListAlertKind;
  at: string;
  detail: Record<string, unknown>;
}

export interface TrustListState {
  sequenceNumber: number | null;
  issuedAt: string | null;
  nextUpdate: string | null;
  verifiedAt: string | null;
  /** The signer of the accepted list (subject). */
  signer: string | null;
  /** none: never accepted one; expired: past nextUpdate (foreign decisions INDETERMINATE). */
  status: 'valid' | 'expired' | 'none';
  sm3: string | null;
  /** Recent alerts, newest last (the full record is the audit trail). */
  alerts: TrustListAlert[];
}

export interface TrustListConsumerDeps {
  db: Db;
  /** The hub's `…/trust/list.json`. */
  url: string;
  /** DER certificates the first list may be signed with (SEALTRUST_TRUST_LIST_SIGNERS). */
  bootstrapSigners: Buffer[];
  pollMs: number;
  fetch?: typeof fetch;
  now?: () => Date;
  logger?: Logger | undefined;
}

const codeToAlert: Partial<Record<string, TrustListAlertKind>> = {
  MALFORMED_TRUST_LIST: 'trust-list-parse-error',
  NOT_CANONICAL: 'trust-list-parse-error',
  SIGNATURE_INVALID: 'trust-list-signature-invalid',
  UNANNOUNCED_SIGNER: 'trust-list-signature-invalid',
  SIGNER_NOT_VALID: 'trust-list-signature-invalid',
  ISSUED_IN_FUTURE: 'trust-list-parse-error',
  EXPIRED: 'trust-list-expired',
  ROLLBACK: 'trust-list-rollback',
  EQUIVOCATION: 'trust-list-equivocation',
};

export class TrustListConsumer {
  readonly #fetch: typeof fetch;
  readonly #now: () => Date;
  readonly #alerts: TrustListAlert[] = [];
  readonly #counts = new Map<TrustListAlertKind, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<TrustListState> | undefined;

  constructor(private readonly deps: TrustListConsumerDeps) {
    this.#fetch = deps.fetch ?? fetch;
    this.#now = deps.now ?? (() => new Date());
  }

  start(): void {
    if (this.#timer) return;
    const poll = () => void this.refresh().catch(() => undefined);
    this.#timer = setInterval(poll, this.deps.pollMs);
    this.#timer.unref();
    poll();
  }

  stop(): Promise<unknown> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    return this.#running ?? Promise.resolve();
  }

  /** Alerts raised since start, by kind (sealtrust_trust_list_alerts_total). */
  alertCounts(): Map<string, number> {
    return new Map(this.#counts);
  }

  /** The accepted list as served bytes, or undefined before the first. */
  async cached(): Promise<CachedTrustListRow | undefined> {
    return readTrustListCache(this.deps.db);
  }

  /** The accepted list, parsed (it was verified when accepted). */
  async list(): Promise<{ list: TrustList; status: 'valid' | 'expired' } | undefined> {
    const c = await readTrustListCache(this.deps.db);
    if (!c) return undefined;
    const list = parseTrustList(c.bytes);
    return { list, status: trustListFreshness(list, this.#now()) };
  }

  async state(): Promise<TrustListState> {
    const c = await readTrustListCache(this.deps.db);
    const list = c && parseTrustList(c.bytes);
    const signer = list?.signers.current[0];
    return {
      sequenceNumber: c?.seq ?? null,
      issuedAt: list?.issuedAt ?? null,
      nextUpdate: list?.nextUpdate ?? null,
      verifiedAt: c?.verifiedAt.toISOString() ?? null,
      signer: signer ? parseCertificate(Buffer.from(signer, 'base64')).subject : null,
      status: list ? trustListFreshness(list, this.#now()) : 'none',
      sm3: c?.sm3 ?? null,
      alerts: [...this.#alerts],
    };
  }

  /**
   * One poll (§2.8 rule 1): the .sm3 first; the list and its signature only when the digest changed, when
   * nextUpdate − 1 h has passed, or a day after the last verification. Concurrent calls share one poll.
   * @throws ServiceError 502-like `trust-list-unreachable` (as 'unavailable') when the hub cannot be read
   */
  refresh(): Promise<TrustListState> {
    this.#running ??= this.#poll().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #poll(): Promise<TrustListState> {
    const now = this.#now();
    const cached = await readTrustListCache(this.deps.db);
    let digest: string;
    try {
      digest = (await this.#get(`${this.deps.url}.sm3`)).toString('utf8').trim();
    } catch (err) {
      await this.#alert('trust-list-unreachable', { url: this.deps.url, error: (err as Error).message });
      throw new ServiceError(
        'unavailable',
        'trust-list-unreachable',
        `无法取得信任列表：${(err as Error).message} / the trust list cannot be fetched`,
      );
    }
    const due =
      !cached ||
      digest !== cached.sm3 ||
      now.getTime() >= cached.nextUpdate.getTime() - HOUR ||
      now.getTime() - cached.verifiedAt.getTime() >= 24 * HOUR;
    if (due) await this.#fetchAndAccept(cached, now);
    // Rule 5: still no fresh list after the poll, so foreign trust decisions are INDETERMINATE until one comes.
    const held = await this.list();
    if (held?.status === 'expired')
      await this.#alert('trust-list-expired', { nextUpdate: held.list.nextUpdate });
    return this.state();
  }

  async #fetchAndAccept(cached: CachedTrustListRow | undefined, now: Date): Promise<void> {
    let bytes: Buffer;
    let p7s: Buffer;
    try {
      [bytes, p7s] = await Promise.all([this.#get(this.deps.url), this.#get(`${this.deps.url}.p7s`)]);
    } catch (err) {
      await this.#alert('trust-list-unreachable', { url: this.deps.url, error: (err as Error).message });
      return;
    }
    const base = this.deps.url.replace(/list\.json$/, 'lists/');
    const history = async (seq: number) => {
      const [b, p] = await Promise.all([
        this.#get(`${base}${seq}.json`),
        this.#get(`${base}${seq}.json.p7s`),
      ]);
      return { bytes: b, p7s: p };
    };
    try {
      const r = await acceptTrustListChain(cached && toAccepted(cached), bytes, p7s, history, {
        bootstrapSigners: this.deps.bootstrapSigners,
        now,
      });
      if (r.outcome === 'unchanged') {
        await touchTrustListCache(this.deps.db, now);
        return;
      }
      await this.#store(r.accepted, r.warnings, now);
    } catch (err) {
      if (!(err instanceof TrustListError)) {
        // A list on the rotation path could not be read from the hub's history.
        await this.#alert('trust-list-unreachable', { url: this.deps.url, error: (err as Error).message });
        return;
      }
      // Refused: the cache stays as it was (rule 3), the refusal is evidence.
      await this.#alert(codeToAlert[err.code] ?? 'trust-list-parse-error', {
        code: err.code,
        message: err.message,
        sm3: sm3Hex(bytes),
      });
    }
  }

  async #store(a: AcceptedTrustList, warnings: TrustListWarning[], now: Date): Promise<void> {
    await withAudit(this.deps.db, SYSTEM, 'trust-list.accept', async (trx) => {
      await writeTrustListCache(trx, {
        seq: a.list.sequenceNumber,
        bytes: a.bytes,
        p7s: a.p7s,
        sm3: a.sm3,
        signers: a.signers,
        issuedAt: new Date(a.list.issuedAt),
        nextUpdate: new Date(a.list.nextUpdate),
        verifiedAt: now,
      });
      return {
        result: undefined,
        target: { type: 'trust-list', id: String(a.list.sequenceNumber) },
        details: { sm3: a.sm3, nextUpdate: a.list.nextUpdate },
      };
    });
    for (const w of warnings) await this.#alert(`trust-list-${w.kind}`, w.detail);
  }

  async #alert(kind: TrustListAlertKind, detail: Record<string, unknown>): Promise<void> {
    const alert = { kind, at: this.#now().toISOString(), detail };
    this.#alerts.push(alert);
    if (this.#alerts.length > 20) this.#alerts.shift();
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
    this.deps.logger?.warn({ alert }, 'trust list alert');
    await withAudit(this.deps.db, SYSTEM, 'trust-list.alert', async () => ({
      result: undefined,
      target: { type: 'trust-list', id: null },
      details: { kind, ...detail },
    })).catch((err: unknown) => this.deps.logger?.error({ err }, 'trust list alert not recorded'));
  }

  #get(url: string): Promise<Buffer> {
    return fetchBounded(url, { maxBytes: MAX_TRUST_LIST_BYTES, fetch: this.#fetch });
  }
}

function toAccepted(c: CachedTrustListRow): AcceptedTrustList {
  return { bytes: c.bytes, p7s: c.p7s, list: parseTrustList(c.bytes), sm3: c.sm3, signers: c.signers };
}
