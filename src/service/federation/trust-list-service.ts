import type { Logger } from 'pino';
import type { Db, Executor } from '../../store/database.js';
import {
  findTrustList,
  insertTrustList,
  latestTrustList,
  readTrustListDraft,
  writeTrustListDraft,
  type StoredTrustList,
} from '../../store/trust-list-repository.js';
import { sm3Hex } from '../../crypto/sm3.js';
import {
  encodeTrustList,
  parseTrustList,
  parseTrustListDraft,
  parseTrustListNode,
  type TrustListDraft,
  type TrustListNode,
} from '../../trust-list/trust-list.js';
import {
  logKeyCertificateFindings,
  logKeyCertificateProblems,
  logKeyCertificateSerials,
  revokedLogKeyFindings,
  type LogKeyCertificateFinding,
} from '../../trust-list/log-key-certificate.js';
import { findNationalCertificates } from '../../store/national-index-repository.js';
import { MAX_NEXT_UPDATE_MS, nextTrustList } from '../../trust-list/trust-list-draft.js';
import { TrustListError } from '../../trust-list/trust-list-error.js';
import {
  signTrustList,
  verifyTrustListSignature,
  type TrustListSigner,
} from '../../trust-list/trust-list-signature.js';
import { ensureAllowed } from '../access/authorize.js';
import type { ActionContext, Principal } from '../access/principal.js';
import { withAudit } from '../audit/audit-service.js';
import { ServiceError } from '../service-error.js';
import { parseCertificate } from '../../pki/certificate.js';
import { EXPIRY_WARNING_MS, trustListFreshness } from '../../trust-list/trust-list-status.js';
import type { TrustListAlertKind, TrustListConsumer, TrustListState } from './trust-list-consumer.js';
import type { TrustListedLog } from './witness-service.js';
import { GenerationCache } from '../../runtime/generation-cache.js';

export type { StoredTrustList };

// The hub's side of the national trust list (federation.md §2.8, §3.3): admins edit a draft, publishing makes
// list N+1 under the rules of trust-list-draft.ts, signs its exact bytes and keeps every list for history.

/** What a publication answers (201). */
export interface PublishedTrustList {
  sequenceNumber: number;
  sm3: string;
  issuedAt: string;
  nextUpdate: string;
}

export interface TrustListServiceDeps {
  db: Db;
  /** Whether this node is the hub: only the hub edits and publishes. */
  isHub: boolean;
  /** The hub's trust-list signer (key and certificate), if the node has one. */
  signer: () => (TrustListSigner & { certificateDer: Uint8Array }) | undefined;
  /** A node's consumer of the hub's list (SEALTRUST_TRUST_LIST_URL): what it serves and reports. */
  consumer?: TrustListConsumer | undefined;
  now?: () => Date;
  logger?: Logger | undefined;
}

const SYSTEM = { principal: { kind: 'system' as const }, requestId: null };
/** Republish when the latest list has less than this left: daily, for 7-day lists (§2.8). */
export const REFRESH_BEFORE_MS = 6 * 86_400_000;

const notHub = () =>
  new ServiceError('not-found', 'not-a-hub', '本节点不是国家枢纽 / this node is not the national hub');

/** TrustListError → the problem a hub admin sees (§3.3). */
function asServiceError(err: unknown): unknown {
  if (!(err instanceof TrustListError)) return err;
  switch (err.code) {
    case 'NEXT_UPDATE_TOO_FAR':
      return new ServiceError('validation', 'next-update-too-far', err.message, 'nextUpdate');
    case 'HISTORY_REWRITTEN':
      return new ServiceError('validation', 'history-rewritten', err.message, 'nodes');
    case 'NOTHING_CHANGED':
      return new ServiceError('conflict', 'nothing-changed', err.message);
    default:
      return new ServiceError('validation', 'trust-list-invalid', err.message);
  }
}

/** The alert a log key finding raises at the hub. */
function logKeyAlertKind(f: LogKeyCertificateFinding): TrustListAlertKind {
  if (f.expiring) return 'trust-list-log-key-certificate-expiring';
  return f.code === 'REVOKED'
    ? 'trust-list-log-key-certificate-revoked'
    : 'trust-list-log-key-certificate-invalid';
}

export class TrustListService {
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  /** The latest list's logs, read again only after a trust-list change (or a minute). */
  readonly #logs: GenerationCache<readonly TrustListedLog[] | undefined>;
  /** The same for the log key alert counts a metrics scrape reads. */
  readonly #logKeyAlertCounts: GenerationCache<Map<TrustListAlertKind, number>>;

  constructor(private readonly deps: TrustListServiceDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#logs = new GenerationCache(deps.db, ['trust-list'], 1, 60_000);
    this.#logKeyAlertCounts = new GenerationCache(deps.db, ['trust-list'], 1, 60_000);
  }

  /**
   * The logs the hub's latest published list names, with their node's status and active keys (what the witness
   * trusts, §3.2); undefined on a node that is not the hub or before the first list.
   */
  listedLogs(): Promise<readonly TrustListedLog[] | undefined> {
    if (!this.deps.isHub) return Promise.resolve(undefined);
    return this.#logs.get('latest', async () => {
      const l = await latestTrustList(this.deps.db);
      if (!l) return undefined;
      const nodes = parseTrustList(l.bytes).nodes;
      // An active key whose certificate its own node has revoked or put on hold signs nothing the witness
      // accepts, listed or not: the node's CA speaks for its key. Seen within the cache's age (a minute), as
      // replication brings the certificate leaf.
      const revoked = new Set((await this.#revokedLogKeys(nodes)).map((f) => `${f.nodeId} ${f.key}`));
      return nodes.map((n) => ({
        nodeId: n.nodeId,
        origin: n.log.origin,
        nodeStatus: n.status,
        vkeys: n.log.keys.flatMap((k, i) =>
          k.status === 'active' && !revoked.has(`${n.nodeId} ${i}`) ? [k.vkey] : [],
        ),
      }));
    });
  }

  #hub(principal: Principal): void {
    ensureAllowed(principal, 'trust-list.manage');
    if (!this.deps.isHub) throw notHub();
  }

  /** The draft of the next list, or null before the first edit. */
  async draft(principal: Principal): Promise<TrustListDraft | null> {
    this.#hub(principal);
    const stored = await readTrustListDraft(this.deps.db);
    return stored === undefined ? null : parseTrustListDraft(stored);
  }

  /** Replaces the whole draft (operator, witness policy, nodes…). */
  async putDraft(ctx: ActionContext, json: unknown): Promise<TrustListDraft> {
    this.#hub(ctx.principal);
    const draft = this.#parse(() => parseTrustListDraft(json));
    draft.nodes.forEach((n, i) => this.#checkLogKeyCertificates(n, `nodes[${i}].`));
    await withAudit(this.deps.db, ctx, 'trust-list.draft.update', async (trx) => {
      await writeTrustListDraft(trx, draft, this.#now());
      return {
        result: undefined,
        target: { type: 'trust-list-draft', id: null },
        details: { nodes: draft.nodes.length },
      };
    });
    return draft;
  }

  /** Adds or replaces one node's entry of the draft (`entry.nodeId` must be `nodeId`). */
  async putNode(ctx: ActionContext, nodeId: string, json: unknown): Promise<TrustListDraft> {
    this.#hub(ctx.principal);
    const entry = this.#parse(() => parseTrustListNode(json));
    if (entry.nodeId !== nodeId)
      throw new ServiceError(
        'validation',
        'node-id-mismatch',
        '条目的 nodeId 与路径不符 / nodeId differs from the path',
        'nodeId',
      );
    this.#checkLogKeyCertificates(entry, '');
    return this.#editDraft(ctx, 'trust-list.draft.put-node', nodeId, (d) => ({
      ...d,
      nodes: d.nodes.some((n) => n.nodeId === nodeId)
        ? d.nodes.map((n) => (n.nodeId === nodeId ? entry : n))
        : [...d.nodes, entry],
    }));
  }

  /** Removes a node from the draft; publishing refuses it if a published list named the node (withdraw it instead). */
  async deleteNode(ctx: ActionContext, nodeId: string): Promise<TrustListDraft> {
    this.#hub(ctx.principal);
    return this.#editDraft(ctx, 'trust-list.draft.delete-node', nodeId, (d) => {
      if (!d.nodes.some((n) => n.nodeId === nodeId))
        throw new ServiceError(
          'not-found',
          'node-not-in-draft',
          `草稿中没有节点 ${nodeId} / no such node in the draft`,
          'nodeId',
        );
      return { ...d, nodes: d.nodes.filter((n) => n.nodeId !== nodeId) };
    });
  }

  /** A log key's certificate must vouch for it (log-key-certificate.ts) before the hub lists the pair. */
  #checkLogKeyCertificates(node: TrustListNode, field: string): void {
    const [p] = logKeyCertificateProblems(node, this.#now());
    if (p)
      throw new ServiceError(
        'validation',
        'log-key-certificate-invalid',
        `节点 ${node.nodeId} 的日志密钥证书：${p.message}`,
        `${field}log.keys[${p.key}].certificate`,
      );
  }

  async #editDraft(
    ctx: ActionContext,
    action: string,
    nodeId: string,
    edit: (d: TrustListDraft) => TrustListDraft,
  ): Promise<TrustListDraft> {
    return withAudit(this.deps.db, ctx, action, async (trx) => {
      const stored = await readTrustListDraft(trx, { forUpdate: true });
      if (stored === undefined)
        throw new ServiceError(
          'conflict',
          'trust-list-draft-missing',
          '尚无信任列表草稿，请先 PUT /v1/trust-list/draft / no draft yet: PUT /v1/trust-list/draft first',
        );
      const next = this.#parse(() => parseTrustListDraft(edit(parseTrustListDraft(stored))));
      await writeTrustListDraft(trx, next, this.#now());
      return { result: next, target: { type: 'trust-list-draft', id: nodeId } };
    });
  }

  /**
   * Publishes the draft as list N+1, signed by the hub's trust-list signer; `announceSigners` (base64 DER) may
   * sign the list after it (§2.8 rotation).
   */
  async publish(
    ctx: ActionContext,
    o: { nextUpdate: Date; announceSigners?: string[] },
  ): Promise<PublishedTrustList> {
    this.#hub(ctx.principal);
    return this.#publish(ctx, 'trust-list.publish', async (trx) => {
      const stored = await readTrustListDraft(trx, { forUpdate: true });
      if (stored === undefined)
        throw new ServiceError(
          'conflict',
          'trust-list-draft-missing',
          '尚无信任列表草稿 / no draft to publish',
        );
      return { draft: parseTrustListDraft(stored), ...o };
    });
  }

  /**
   * The daily republication (§2.8: nextUpdate ≤ 7 days, republished daily): when the latest list has less than
   * `REFRESH_BEFORE_MS` left, the same content is published again with a fresh nextUpdate, so nodes never see
   * an expired list while the hub runs. The admins' pending draft is not published by this: only they publish it.
   */
  async republishIfDue(): Promise<PublishedTrustList | undefined> {
    if (!this.deps.isHub || !this.deps.signer()) return undefined;
    const latest = await latestTrustList(this.deps.db);
    const now = this.#now();
    if (!latest || latest.nextUpdate.getTime() - now.getTime() > REFRESH_BEFORE_MS) return undefined;
    return this.#publish(SYSTEM, 'trust-list.republish', async () => {
      const {
        schema: _s,
        sequenceNumber: _n,
        issuedAt: _i,
        nextUpdate: _u,
        signers,
        ...draft
      } = parseTrustList(latest.bytes);
      return {
        draft,
        nextUpdate: new Date(now.getTime() + MAX_NEXT_UPDATE_MS),
        // Announced signers stay announced.
        ...(signers.next.length ? { announceSigners: signers.next } : {}),
      };
    });
  }

  async #publish(
    ctx: ActionContext,
    action: string,
    content: (
      trx: Executor,
    ) => Promise<{ draft: TrustListDraft; nextUpdate: Date; announceSigners?: string[] }>,
  ): Promise<PublishedTrustList> {
    const signer = this.deps.signer();
    if (!signer)
      throw new ServiceError(
        'conflict',
        'trust-list-signer-missing',
        '本枢纽没有信任列表签名密钥（sealtrust ca add-keys）/ this hub has no trust-list signer key',
      );
    const certB64 = Buffer.from(signer.certificateDer).toString('base64');
    return withAudit(this.deps.db, ctx, action, async (trx) => {
      // The draft row's lock makes publications one at a time; the sequence number is the table's key.
      await readTrustListDraft(trx, { forUpdate: true });
      const o = await content(trx);
      const prev = await latestTrustList(trx);
      const now = this.#now();
      const list = this.#parse(() =>
        nextTrustList(prev && parseTrustList(prev.bytes), o.draft, {
          now,
          nextUpdate: o.nextUpdate,
          signers: [certB64],
          ...(o.announceSigners ? { announceSigners: o.announceSigners } : {}),
        }),
      );
      const bytes = encodeTrustList(list);
      const p7s = await signTrustList(bytes, signer, { signingTime: now });
      // What every node will check, checked here first: a list nodes would refuse is never published (an
      // expired signer certificate, say).
      try {
        verifyTrustListSignature(bytes, p7s, [signer.certificateDer], now);
      } catch (err) {
        if (!(err instanceof TrustListError)) throw err;
        throw new ServiceError('conflict', 'trust-list-signer-invalid', err.message);
      }
      const row: StoredTrustList = {
        seq: list.sequenceNumber,
        bytes,
        p7s,
        sm3: sm3Hex(bytes),
        issuedAt: new Date(list.issuedAt),
        nextUpdate: new Date(list.nextUpdate),
      };
      await insertTrustList(trx, row);
      const result: PublishedTrustList = {
        sequenceNumber: row.seq,
        sm3: row.sm3,
        issuedAt: list.issuedAt,
        nextUpdate: list.nextUpdate,
      };
      return {
        result,
        target: { type: 'trust-list', id: String(row.seq) },
        details: { sm3: row.sm3, nodes: list.nodes.length, pivot: list.signers.pivots.at(-1) === row.seq },
      };
    });
  }

  /**
   * When the hub's trust-list signer certificate expires (hub only; undefined without a signer): a list signed
   * after it can be accepted by no node, so operators watch it (the gauge
   * sealtrust_trust_list_signer_expiration_timestamp_seconds, and a warning each hour inside 30 days, §2.8 rule 6).
   */
  signerNotAfter(): Date | undefined {
    const signer = this.deps.isHub ? this.deps.signer() : undefined;
    if (!signer) return undefined;
    const der = Buffer.from(signer.certificateDer);
    if (!this.#signerNotAfter || !this.#signerNotAfter.der.equals(der))
      this.#signerNotAfter = { der, notAfter: parseCertificate(der).notAfter };
    return this.#signerNotAfter.notAfter;
  }
  #signerNotAfter: { der: Buffer; notAfter: Date } | undefined;

  /** Warns inside 30 days of the signer's expiry: the next signer must be announced in a list before then. */
  #warnIfSignerExpiring(): void {
    const notAfter = this.signerNotAfter();
    if (!notAfter) return;
    const left = notAfter.getTime() - this.#now().getTime();
    if (left < EXPIRY_WARNING_MS)
      this.deps.logger?.warn(
        { notAfter: notAfter.toISOString(), days: Math.floor(left / 86_400_000) },
        '信任列表签名证书即将过期：请签发新证书并在下一版列表中公布 / the trust-list signer certificate expires soon: announce its successor',
      );
  }

  /** Hourly: republish when due (see republishIfDue), and warn of the signer's expiry. */
  start(): void {
    if (!this.deps.isHub || this.#timer) return;
    const tick = () => {
      this.#warnIfSignerExpiring();
      void this.republishIfDue().catch((err: unknown) =>
        this.deps.logger?.error({ err }, 'trust list republication failed'),
      );
    };
    this.#timer = setInterval(tick, 3_600_000);
    this.#timer.unref();
    tick();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The latest published list (hub), or the verified copy a node accepted last (§3.3: served at the same paths). */
  async current(): Promise<StoredTrustList> {
    if (!this.deps.isHub) {
      const c = await this.deps.consumer?.cached();
      if (!c)
        throw new ServiceError(
          'not-found',
          'trust-list-not-available',
          '本节点尚无已验证的信任列表 / this node holds no verified trust list',
        );
      return c;
    }
    const l = await latestTrustList(this.deps.db);
    if (!l)
      throw new ServiceError(
        'not-found',
        'trust-list-not-published',
        '尚未发布信任列表 / no trust list published yet',
      );
    return l;
  }

  /** Whether the list in force (the hub's latest, a node's accepted copy) may still be relied on. */
  async freshness(): Promise<'valid' | 'expired' | 'none'> {
    let stored: StoredTrustList;
    try {
      stored = await this.current();
    } catch {
      return 'none';
    }
    return this.#now().getTime() < stored.nextUpdate.getTime() ? 'valid' : 'expired';
  }

  /** A published list by sequence number (history and pivots). */
  async bySequence(seq: number): Promise<StoredTrustList> {
    if (!this.deps.isHub) throw notHub();
    const l = await findTrustList(this.deps.db, seq);
    if (!l)
      throw new ServiceError(
        'not-found',
        'trust-list-not-found',
        `没有序号为 ${seq} 的信任列表 / no such list`,
        'seq',
      );
    return l;
  }

  /** What this node holds (§3.3 GET /v1/trust-list/state): a node's accepted list, the hub's latest published. */
  async state(principal: Principal): Promise<TrustListState> {
    ensureAllowed(principal, 'trust-list.manage');
    if (this.deps.consumer) return this.deps.consumer.state();
    const l = this.deps.isHub ? await latestTrustList(this.deps.db) : undefined;
    const list = l && parseTrustList(l.bytes);
    const now = this.#now();
    return {
      sequenceNumber: l?.seq ?? null,
      issuedAt: list?.issuedAt ?? null,
      nextUpdate: list?.nextUpdate ?? null,
      verifiedAt: l?.issuedAt.toISOString() ?? null,
      signer: list ? parseCertificate(Buffer.from(list.signers.current[0]!, 'base64')).subject : null,
      status: list ? trustListFreshness(list, now) : 'none',
      sm3: l?.sm3 ?? null,
      alerts: (list ? await this.#logKeyFindings(list.nodes, now) : []).map((f) => ({
        kind: logKeyAlertKind(f),
        at: now.toISOString(),
        detail: { nodeId: f.nodeId, key: f.key, code: f.code, message: f.message },
      })),
    };
  }

  /**
   * The published list's log key certificates: invalid or expiring by themselves, and revoked or on hold by their
   * own node, as its directory log says (the national index the hub mirrors).
   */
  async #logKeyFindings(nodes: readonly TrustListNode[], now: Date): Promise<LogKeyCertificateFinding[]> {
    return [...logKeyCertificateFindings(nodes, now), ...(await this.#revokedLogKeys(nodes))];
  }

  /** Listed log keys their own node revoked or put on hold, as its directory log (mirrored here) says. */
  async #revokedLogKeys(nodes: readonly TrustListNode[]): Promise<LogKeyCertificateFinding[]> {
    const logged = await findNationalCertificates(this.deps.db, logKeyCertificateSerials(nodes));
    return revokedLogKeyFindings(nodes, (nodeId, serial) => logged.get(`${nodeId} ${serial}`));
  }

  /**
   * The hub's standing alerts on the published list's log keys, by kind (sealtrust_trust_list_log_key_alerts):
   * what GET /v1/trust-list/state lists, for monitoring; empty elsewhere or before a first list.
   */
  async logKeyAlertCounts(): Promise<Map<TrustListAlertKind, number>> {
    // Kept like listedLogs: /metrics answers anyone, and reading, parsing and checking a national list (some
    // 25 ms of this thread for 70 nodes) on every scrape would let any caller stall the hub at will.
    return this.#logKeyAlertCounts.get('latest', async () => {
      const counts = new Map<TrustListAlertKind, number>();
      const l = this.deps.isHub ? await latestTrustList(this.deps.db) : undefined;
      if (!l) return counts;
      for (const f of await this.#logKeyFindings(parseTrustList(l.bytes).nodes, this.#now())) {
        const kind = logKeyAlertKind(f);
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
      return counts;
    });
  }

  /** Trust list alerts of this process, by kind (the metric). */
  alertCounts(): Map<string, number> {
    return this.deps.consumer?.alertCounts() ?? new Map();
  }

  /** Polls the hub now (§3.3 POST /v1/trust-list:refresh). */
  async refresh(principal: Principal): Promise<TrustListState> {
    ensureAllowed(principal, 'trust-list.manage');
    if (!this.deps.consumer)
      throw new ServiceError(
        'conflict',
        'trust-list-not-consumed',
        '本节点未配置信任列表地址（SEALTRUST_TRUST_LIST_URL）/ this node fetches no trust list',
      );
    return this.deps.consumer.refresh();
  }

  #parse<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw asServiceError(err);
    }
  }
}
