import { parseCheckpoint } from '../../tlog/checkpoint.js';
import type { OpenedCheckpoint } from '../../tlog/signed-checkpoint.js';
import type { ListedNode } from '../../trust-list/trust-list-anchors.js';
import {
  judgeLicenceEvidence,
  type EvidenceInput,
  type EvidenceJudgement,
  type LicenceEvidenceAnswer,
} from '../../verify/licence-log-evidence.js';
import type {
  LicenceDirectoryRecord,
  LicenceDirectoryView,
  LicenceFederationEvidence,
} from '../../verify/licence-validation.js';
import type { LicenceNotInIndex } from '../federation/hub-evidence-source.js';
import type { TrustBound, TrustSnapshot, TrustSource } from './federated-trust.js';

// The licence directory as a verifier at any node sees it (federation.md §4.3 "FederatedDirectoryView"): this
// node's licences from its own directory, every other licence from the hub's evidence, judged here
// (licence-log-evidence.ts) against the trust list's keys and this verifier's timeline of each log, never taken on
// the hub's word. What cannot be judged (no list, an expired one, the hub unreachable) is INDETERMINATE, never
// FAILED and never PASSED.

/**
 * Asks the hub for a licence's evidence; `missing` when the hub's national index does not hold it (404), with the
 * issuer's node when the hub knows the agency.
 */
export type HubEvidenceSource = (
  identifier: string,
  old?: number,
) => Promise<LicenceEvidenceAnswer | LicenceNotInIndex>;

export interface FederatedDirectoryDeps {
  local: LicenceDirectoryView;
  trust: TrustSource;
  /** Undefined on a node without a hub: every licence is then this node's or unknown. */
  hub: HubEvidenceSource | undefined;
  /** Where the checkpoint timeline is kept (the node's database); without it, in memory only. */
  timelineStore?: TimelineStore | undefined;
}

/**
 * Judgements that one more question fixes: the hub skipped the consistency proof (first question about this log
 * since this process started), or another lookup moved this verifier's timeline past the tree the hub answered
 * from while this one was in flight (the hub's mirror only grows: asked again, it answers from a larger tree).
 */
export const ASK_AGAIN = new Set(['CONSISTENCY_MISSING', 'CHECKPOINT_OLDER']);

/** Where a timeline keeps what it verified (verifier_checkpoints), so a restart does not forget it. */
export interface TimelineStore {
  read(origin: string): Promise<string | undefined>;
  advance(origin: string, size: number, checkpointText: string): Promise<void>;
}

/**
 * The largest verified checkpoint per log origin, moving forward only (Go sumdb's client timeline). With a store
 * it is read once per origin and every advance is written (the store too keeps only a larger one).
 */
export class CheckpointTimeline {
  readonly #latest = new Map<string, OpenedCheckpoint>();
  readonly #loaded = new Map<string, Promise<void>>();

  constructor(private readonly store?: TimelineStore) {}

  /** Reads what the store holds for `origin` (once); call before `get` on a path that judges evidence. */
  load(origin: string): Promise<void> {
    if (!this.store) return Promise.resolve();
    let p = this.#loaded.get(origin);
    if (!p) {
      p = this.store.read(origin).then((text) => {
        // Verified before it was stored: only its size and root are used, to judge what comes next.
        if (text !== undefined)
          this.#keep(origin, { checkpoint: parseCheckpoint(text), text, witnessedBy: [] });
      });
      p.catch(() => this.#loaded.delete(origin));
      this.#loaded.set(origin, p);
    }
    return p;
  }

  get(origin: string): OpenedCheckpoint | undefined {
    return this.#latest.get(origin);
  }

  /** Keeps `c` if it is larger (the judgement proved it consistent with the one held), here and in the store. */
  async advance(origin: string, c: OpenedCheckpoint): Promise<void> {
    if (this.#keep(origin, c)) await this.store?.advance(origin, c.checkpoint.size, c.text);
  }

  #keep(origin: string, c: OpenedCheckpoint): boolean {
    const held = this.#latest.get(origin);
    if (held && c.checkpoint.size <= held.checkpoint.size) return false;
    this.#latest.set(origin, c);
    return true;
  }
}

export class FederatedDirectoryView implements TrustBound<LicenceDirectoryView> {
  readonly timeline: CheckpointTimeline;
  /** Issuer USCC → log origin, learnt from answers: a repeat question carries `old` and needs one round trip. */
  readonly #originOf = new Map<string, string>();
  #opened: { generation: string; notes: NonNullable<EvidenceInput['opened']> } = {
    generation: '',
    notes: new Map(),
  };

  constructor(private readonly deps: FederatedDirectoryDeps) {
    this.timeline = new CheckpointTimeline(deps.timelineStore);
  }

  lookup(identifier: string, opts: { fileSm3?: string } = {}): Promise<LicenceDirectoryRecord | null> {
    return this.#lookup(identifier, opts, this.deps.trust);
  }

  /** The directory as a verification judged under `trust` sees it (TrustBound). */
  under(trust: TrustSource): LicenceDirectoryView {
    return { lookup: (identifier, opts) => this.#lookup(identifier, opts ?? {}, trust) };
  }

  async #lookup(
    identifier: string,
    opts: { fileSm3?: string },
    trust: TrustSource,
  ): Promise<LicenceDirectoryRecord | null> {
    const own = await this.deps.local.lookup(identifier, opts);
    if (own || !this.deps.hub) return own;
    const snap = await trust.snapshot();
    if (!snap)
      return placeholder(
        identifier,
        null,
        null,
        'TRUST_LIST_MISSING',
        '本节点尚无已验证的信任列表 / no verified trust list',
      );
    if (snap.state !== 'valid')
      return placeholder(
        identifier,
        snap,
        null,
        'TRUST_LIST_EXPIRED',
        `信任列表已于 ${snap.anchors.nextUpdate} 过期 / the trust list expired at ${snap.anchors.nextUpdate}`,
      );
    const issuer = identifier.split('.')[6];
    const knownOrigin = issuer ? this.#originOf.get(issuer) : undefined;
    const oldSize = knownOrigin ? this.timeline.get(knownOrigin)?.checkpoint.size : undefined;
    let answer: LicenceEvidenceAnswer | LicenceNotInIndex;
    try {
      answer = await this.deps.hub(identifier, oldSize);
    } catch (err) {
      return placeholder(
        identifier,
        snap,
        null,
        'HUB_UNREACHABLE',
        `国家枢纽不可达 / the hub cannot be reached: ${(err as Error).message}`,
      );
    }
    if ('missing' in answer)
      return placeholder(
        identifier,
        snap,
        snap.anchors.nodes.find((n) => n.nodeId === answer.node) ?? null,
        'NOT_IN_NATIONAL_INDEX',
        '全国目录尚无该证照 / the national index has no such licence (yet)',
      );
    const node = snap.anchors.nodes.find((n) => n.nodeId === answer.node);
    if (!node)
      return placeholder(
        identifier,
        snap,
        null,
        'NODE_NOT_LISTED',
        `节点 ${answer.node} 不在信任列表中 / node not listed`,
      );
    if (issuer) this.#originOf.set(issuer, node.origin);
    await this.timeline.load(node.origin);
    let judged = this.#judge(answer, identifier, opts.fileSm3 ?? '', node, snap);
    // First question about this log since this process started, or the hub skipped the proof: ask again from
    // the size held.
    const held = this.timeline.get(node.origin);
    if (ASK_AGAIN.has(judged.code) && held) {
      try {
        const again = await this.deps.hub(identifier, held.checkpoint.size);
        if (!('missing' in again)) judged = this.#judge(again, identifier, opts.fileSm3 ?? '', node, snap);
      } catch {
        // judged stays CONSISTENCY_MISSING: INDETERMINATE
      }
    }
    if (judged.checkpoint && judged.outcome !== 'failed')
      await this.timeline.advance(node.origin, judged.checkpoint);
    const evidence = federationEvidence(snap, node, judged);
    if (!judged.record)
      return placeholder(identifier, snap, node, judged.code, judged.why ?? judged.code, evidence.log);
    return { ...judged.record, federation: evidence };
  }

  #judge(
    answer: LicenceEvidenceAnswer,
    identifier: string,
    fileSm3: string,
    node: ListedNode,
    snap: TrustSnapshot,
  ): EvidenceJudgement {
    // Opened checkpoints are good for the list they were opened under (its keys): a new list, a new memo.
    if (this.#opened.generation !== snap.generation)
      this.#opened = { generation: snap.generation, notes: new Map() };
    return judgeLicenceEvidence({
      opened: this.#opened.notes,
      answer,
      identifier,
      fileSm3,
      node,
      witnesses: snap.anchors.witnesses,
      quorum: snap.anchors.quorum,
      statusVerifier: snap.anchors.statusVerifier,
      known: this.timeline.get(node.origin),
    });
  }
}

function listOf(snap: TrustSnapshot | null): LicenceFederationEvidence['trustList'] {
  return snap
    ? {
        sequenceNumber: snap.anchors.sequenceNumber,
        issuedAt: snap.anchors.issuedAt,
        nextUpdate: snap.anchors.nextUpdate,
        state: snap.state,
      }
    : null;
}

function nodeOf(node: ListedNode | null): LicenceFederationEvidence['node'] {
  return node
    ? { id: node.nodeId, name: node.name, statusHistory: node.statusHistory.map((h) => ({ ...h })) }
    : null;
}

function federationEvidence(
  snap: TrustSnapshot,
  node: ListedNode,
  j: EvidenceJudgement,
): LicenceFederationEvidence {
  return {
    source: 'hub',
    node: nodeOf(node),
    trustList: listOf(snap),
    log: {
      outcome: j.outcome,
      code: j.code,
      why: j.why ?? null,
      origin: node.origin,
      treeSize: j.checkpoint?.checkpoint.size ?? null,
      witnessTime: j.witnessTime?.toISOString() ?? null,
      leafIndex: j.fileLeafIndex ?? null,
    },
  };
}

/** A record that says only why nothing could be judged: the licence layer reports it INDETERMINATE (or FAILED by its log). */
function placeholder(
  identifier: string,
  snap: TrustSnapshot | null,
  node: ListedNode | null,
  code: string,
  why: string,
  log?: LicenceFederationEvidence['log'],
): LicenceDirectoryRecord {
  return {
    identifier,
    status: 'unknown',
    version: '',
    latestVersion: null,
    successor: null,
    pdfSm3: null,
    statusHistory: [],
    federation: {
      source: 'hub',
      node: nodeOf(node),
      trustList: listOf(snap),
      log: log ?? {
        outcome: 'indeterminate',
        code,
        why,
        origin: node?.origin ?? null,
        treeSize: null,
        witnessTime: null,
        leafIndex: null,
      },
      unavailable: { code, why },
    },
  };
}
