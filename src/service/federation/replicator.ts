import type { Logger } from 'pino';

import type { KnownNode } from '../../config.js';
import type { DataProtector } from '../../crypto/data-protection.js';
import { maskHolderCode } from '../../licence/holder-code.js';
import { nationalHolderIndexInput, nationalRecordContext } from '../../licence/personal-data-keys.js';
import { CompactRange } from '../../tlog/compact-range.js';
import { verifyConsistencyProof } from '../../tlog/consistency-proof.js';
import { readDirectoryLeaf, type ReadDirectoryLeaf } from '../../tlog/directory-leaf-reader.js';
import { generateInclusionProof } from '../../tlog/inclusion-proof.js';
import { LeafHashTree } from '../../tlog/leaf-hash-tree.js';
import { SM3_MERKLE_HASHER } from '../../tlog/merkle-hasher.js';
import { decodeStrictBase64, encodeBase64 } from '../../tlog/strict-base64.js';
import { TlogError } from '../../tlog/tlog-error.js';
import { rightEdgeTiles, TileAccumulator } from '../../tlog/tile-accumulator.js';
import { hasMirrorTiles, readMirrorTiles, upsertMirrorTiles } from '../../store/mirror-tile-repository.js';
import { tileKey } from '../../store/tlog-tile-repository.js';
import { sm3Hex } from '../../crypto/sm3.js';
import type { Db, Executor } from '../../store/database.js';
import { insertFedAlerts, type NewFedAlert } from '../../store/fed-alert-repository.js';
import { withSessionAdvisoryLock } from '../../store/session-advisory-lock.js';
import {
  advanceMirrorState,
  advanceSideCursor,
  ensureMirrorNode,
  insertMirrorEntries,
  listMirrorEntries,
  listMirrorLeafHashes,
  readMirrorState,
  setMirrorNodeState,
  type MirrorState,
} from '../../store/mirror-repository.js';
import { readNationalPrior, writeNationalBatch } from '../../store/national-index-repository.js';
import { insertSideRecords, type SealedSideRecord } from '../../store/national-side-record-repository.js';
import { firstBadIndex } from './divergence-locator.js';
import { LogSourceError, MAX_INDEX_RECORD_RANGE, type IndexRecord, type LogSource } from './log-source.js';
import { planNationalBatch, priorKeys } from './national-index-plan.js';

// The hub's replication of one node's log (federation.md §3.4): pull bundle-aligned batches up to the checkpoint
// the hub cosigned as witness, prove every batch a prefix of it with one consistency proof, and store entries,
// cursor and national index in one transaction per batch, so a kill -9 anywhere leaves nothing or a whole proven
// prefix. A batch that does not prove is never stored: the node is quarantined (or marked forked when what it
// serves now contradicts what the hub already mirrored) with an evidence bundle and an alert.

const hasher = SM3_MERKLE_HASHER;
const LOCK_SCOPE = 'sealtrust.federation.mirror';
/** Inclusion proofs for fork evidence are computed from the mirrored leaf hashes up to this size. */
const MAX_EVIDENCE_TREE = 1 << 20;

/** The latest checkpoint of `origin` the hub cosigned (the witness's state, migration 012). */
export interface WitnessedTree {
  size: number;
  root: Uint8Array;
  /** The cosigned checkpoint text (evidence). */
  checkpoint: string;
}

export type WitnessedTreeReader = (origin: string) => Promise<WitnessedTree | undefined>;

export interface ReplicationOptions {
  /** Tile height: batches are aligned to entry bundles of 2^height leaves. */
  tileHeight: number;
  /** Entries per batch, rounded down to whole bundles (at least one bundle). */
  pullBatch: number;
  /** Pause after each committed batch, ms (SEALTRUST_FED_PULL_DELAY_MS). */
  pullDelayMs: number;
  now?: () => Date;
  /** Test-only fault injection: runs inside each batch's transaction just before COMMIT. */
  beforeCommit?: (batch: { nodeId: string; start: number; end: number }) => void | Promise<void>;
}

export type PullStatus =
  'caught-up' | 'stopped' | 'busy' | 'no-target' | 'quarantined' | 'forked' | 'withdrawn' | 'unreachable';

export interface PullResult {
  status: PullStatus;
  /** Mirrored size afterwards. */
  size: number;
  batches: number;
}

interface VerifiedBatch {
  start: number;
  end: number;
  leaves: Uint8Array[];
  hashes: Uint8Array[];
  parsed: ReadDirectoryLeaf[];
  range: CompactRange;
  root: Uint8Array;
  /** Every tree node the batch's appends completed (level, index, hash): the mirror tiles they change. */
  nodes: [number, number, Uint8Array][];
  /** Side records fetched for [start, end), or undefined when the side channel failed (retried later). */
  side: IndexRecord[] | undefined;
}

/**
 * The mirror tiles of a proven batch, in its transaction (migration 015): the right-edge tiles at the batch's
 * start are loaded and grown with the nodes its appends completed, as the integrator grows a node's own tiles.
 * A mirror that predates the tiles gets them rebuilt from its stored leaf hashes first, in the same transaction.
 */
async function writeMirrorTiles(
  trx: Executor,
  nodeId: string,
  height: number,
  batch: Pick<VerifiedBatch, 'start' | 'nodes'>,
): Promise<void> {
  const tiles = new TileAccumulator(hasher, height);
  const visit = (level: number, index: number, hash: Uint8Array) => tiles.visit(level, index, hash);
  if (batch.start > 0 && !(await hasMirrorTiles(trx, nodeId))) {
    const range = new CompactRange(hasher, 0, 0, []);
    for (let at = 0; at < batch.start; at += 10_000)
      for (const h of await listMirrorLeafHashes(trx, nodeId, at, Math.min(batch.start, at + 10_000)))
        range.append(h, visit);
  } else {
    const edge = rightEdgeTiles(batch.start, height);
    const stored = await readMirrorTiles(trx, nodeId, edge);
    for (const ref of edge) {
      const t = stored.get(tileKey(ref.level, ref.index));
      if (!t) throw new Error(`mirror tile ${ref.level}/${ref.index} of ${nodeId} is missing`);
      tiles.load(t);
    }
  }
  for (const [level, index, hash] of batch.nodes) visit(level, index, hash);
  await upsertMirrorTiles(
    trx,
    nodeId,
    tiles.tiles().map((t) => ({ ...t, hashes: Buffer.from(t.hashes), internal: Buffer.from(t.internal) })),
  );
}

type BatchOutcome =
  | { ok: true; batch: VerifiedBatch }
  | { ok: false; kind: 'unreachable'; error: string }
  | { ok: false; kind: 'bad'; reason: string; detail: Record<string, unknown> };

function b64(b: Uint8Array): string {
  return encodeBase64(b);
}

function copyRange(cr: CompactRange): CompactRange {
  return new CompactRange(
    hasher,
    0,
    cr.end,
    cr.nodes().map((n) => n.hash),
  );
}

function rangeOf(state: MirrorState): CompactRange {
  const hashes: Uint8Array[] = [];
  for (let at = 0; at < state.compactRange.length; at += hasher.size)
    hashes.push(state.compactRange.subarray(at, at + hasher.size));
  return new CompactRange(hasher, 0, state.size, hashes);
}

function serialise(cr: CompactRange): Buffer {
  return Buffer.concat(cr.nodes().map((n) => n.hash));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Replicates one node. `pull` runs to the current witnessed size (or `maxBatches`) under the node's advisory lock. */
export class NodeReplicator {
  readonly nodeId: string;
  private readonly width: number;
  private stopping = false;

  constructor(
    private readonly db: Db,
    readonly node: KnownNode,
    private readonly source: LogSource,
    private readonly witnessedTree: WitnessedTreeReader,
    private readonly protector: DataProtector,
    private readonly opts: ReplicationOptions,
    private readonly logger?: Logger,
  ) {
    this.nodeId = node.nodeId;
    this.width = 2 ** opts.tileHeight;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Registers the node (fed_nodes) and its empty mirror state once. */
  async register(): Promise<void> {
    await ensureMirrorNode(
      this.db,
      { nodeId: this.nodeId, origin: this.node.origin, vkeys: [this.node.vkey], url: this.node.url },
      hasher.emptyRoot(),
      this.now(),
    );
  }

  /** Asks a running pull to stop after the batch in hand (for shutdown). */
  stop(): void {
    this.stopping = true;
  }

  async pull(opts: { maxBatches?: number } = {}): Promise<PullResult> {
    this.stopping = false;
    const r = await withSessionAdvisoryLock(this.db, LOCK_SCOPE, this.nodeId, () => this.pullLocked(opts));
    return (
      r ?? { status: 'busy', size: (await readMirrorState(this.db, this.nodeId))?.size ?? 0, batches: 0 }
    );
  }

  /**
   * The hub's witness refused a checkpoint this node validly signed (federation.md §5.4: the consistency proof
   * from the cosigned size does not verify, or a second root for one size). The node signed a tree that does not
   * extend the one the hub mirrors, but the witness never cosigns it, so replication alone would never look.
   * Compares the mirrored prefix with what the node serves now; when they differ the node is quarantined as
   * forked, with the refused checkpoint beside the mirrored one. A mirror that is already quarantined, or a
   * prefix still served unchanged (a bad proof alone), changes nothing.
   */
  async investigateRefusal(refused: WitnessedTree): Promise<'forked' | 'no-fork' | 'already' | 'busy'> {
    const r = await withSessionAdvisoryLock(this.db, LOCK_SCOPE, this.nodeId, async () => {
      const state = await readMirrorState(this.db, this.nodeId);
      if (!state) throw new Error(`node ${this.nodeId} is not registered`);
      if (state.state === 'quarantined' || state.state === 'forked' || state.state === 'withdrawn')
        return 'already' as const;
      if (state.size === 0) return 'no-fork' as const;
      const fork = await this.locateFork(state, refused);
      if (!fork) return 'no-fork' as const;
      await this.quarantine(
        state,
        refused,
        'fork',
        'forked',
        `节点 ${this.nodeId} 签署了不延续已镜像日志的检查点，首个不同序号 ${fork.firstDifferingIndex} / node signed a checkpoint that rewrites mirrored entries from index ${fork.firstDifferingIndex}`,
        { ...fork, reason: 'witness-refused-signed-checkpoint', refusedCheckpoint: refused.checkpoint },
      );
      return 'forked' as const;
    });
    return r ?? 'busy';
  }

  private async pullLocked(opts: { maxBatches?: number }): Promise<PullResult> {
    const state = await readMirrorState(this.db, this.nodeId);
    if (!state) throw new Error(`node ${this.nodeId} is not registered`);
    if (state.state === 'quarantined' || state.state === 'forked' || state.state === 'withdrawn')
      return { status: state.state, size: state.size, batches: 0 };
    const target = await this.witnessedTree(this.node.origin);
    if (!target) return { status: 'no-target', size: state.size, batches: 0 };
    if (target.size < state.size) {
      await setMirrorNodeState(
        this.db,
        this.nodeId,
        state.state,
        `见证大小 ${target.size} 小于已镜像 ${state.size} / witnessed size below mirrored size`,
        this.now(),
      );
      return { status: 'caught-up', size: state.size, batches: 0 };
    }
    if (target.size === state.size) {
      if (state.size > 0 && !Buffer.from(target.root).equals(state.root)) {
        await this.quarantine(
          state,
          target,
          'fork',
          'forked',
          `同大小 ${state.size} 两个根 / two roots for size ${state.size}`,
          {
            reason: 'witnessed-root-differs',
            mirroredCheckpoint: state.targetCheckpoint,
            witnessedCheckpoint: target.checkpoint,
            mirroredRoot: b64(state.root),
          },
        );
        return { status: 'forked', size: state.size, batches: 0 };
      }
      await this.sideCatchUp(state);
      if (state.state !== 'ok')
        await advanceMirrorState(this.db, this.nodeId, {
          size: state.size,
          root: state.root,
          compactRange: state.compactRange,
          target,
          now: this.now(),
        });
      return { status: 'caught-up', size: state.size, batches: 0 };
    }
    const base = rangeOf(state);
    if (!Buffer.from(base.rootHash()).equals(state.root))
      throw new Error(`mirror state of ${this.nodeId} is corrupt: compact range and root disagree`);
    const sideFrom = await this.sideCatchUp(state);
    let sideInline = sideFrom === state.size;
    let batches = 0;
    let size = state.size;
    let pending: Promise<BatchOutcome> | undefined = this.fetchVerified(base, target, sideInline);
    while (pending) {
      const outcome = await pending;
      pending = undefined;
      if (!outcome.ok) {
        if (outcome.kind === 'unreachable') {
          await setMirrorNodeState(this.db, this.nodeId, 'unreachable', outcome.error, this.now());
          return { status: 'unreachable', size, batches };
        }
        const current = (await readMirrorState(this.db, this.nodeId)) as MirrorState;
        const status = await this.onBadBatch(current, target, outcome.reason, outcome.detail);
        return { status, size, batches };
      }
      const batch = outcome.batch;
      if (batch.side === undefined) sideInline = false;
      const more = batch.end < target.size && !this.stopping && (opts.maxBatches ?? Infinity) > batches + 1;
      // Fetch and verify the next batch while this one commits (it depends only on this batch's compact range).
      if (more) {
        pending = this.fetchVerified(batch.range, target, sideInline);
        pending.catch(() => undefined);
      }
      await this.commit(batch, target, sideInline && batch.side !== undefined);
      batches++;
      size = batch.end;
      if (pending && this.opts.pullDelayMs > 0) await sleep(this.opts.pullDelayMs);
      if (pending && this.stopping) {
        pending = undefined;
        return { status: 'stopped', size, batches };
      }
    }
    return { status: size >= target.size ? 'caught-up' : 'stopped', size, batches };
  }

  /** The end of the batch starting at `s`: whole bundles up to pullBatch entries, or the target size. */
  private batchEnd(s: number, n: number): number {
    const per = Math.max(1, Math.floor(this.opts.pullBatch / this.width)) * this.width;
    let b = Math.floor((s + per) / this.width) * this.width;
    if (b <= s) b = (Math.floor(s / this.width) + 1) * this.width;
    return Math.min(b, n);
  }

  /** Leaves [s, b) from the bundles covering them; a partial bundle only where the target ends (§2.6). */
  private async fetchLeaves(s: number, b: number, n: number): Promise<Uint8Array[]> {
    const first = Math.floor(s / this.width);
    const last = Math.floor((b - 1) / this.width);
    const bundles = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => {
        const k = first + i;
        return this.source.entryBundle(k, Math.min((k + 1) * this.width, n) - k * this.width);
      }),
    );
    const out: Uint8Array[] = [];
    bundles.forEach((leaves, i) => {
      const k = first + i;
      leaves.forEach((leaf, j) => {
        const idx = k * this.width + j;
        if (idx >= s && idx < b) out.push(leaf);
      });
    });
    return out;
  }

  private async fetchVerified(
    base: CompactRange,
    target: WitnessedTree,
    withSide: boolean,
  ): Promise<BatchOutcome> {
    const s = base.end;
    const b = this.batchEnd(s, target.size);
    let leaves: Uint8Array[];
    try {
      leaves = await this.fetchLeaves(s, b, target.size);
    } catch (err) {
      if (err instanceof TlogError)
        return {
          ok: false,
          kind: 'bad',
          reason: 'malformed-bundle',
          detail: { start: s, end: b, error: err.message },
        };
      return { ok: false, kind: 'unreachable', error: (err as Error).message };
    }
    const range = copyRange(base);
    const hashes: Uint8Array[] = [];
    const parsed: ReadDirectoryLeaf[] = [];
    const nodes: [number, number, Uint8Array][] = [];
    const visit = (level: number, index: number, hash: Uint8Array) => nodes.push([level, index, hash]);
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i] as Uint8Array;
      const h = hasher.hashLeaf(leaf);
      hashes.push(h);
      range.append(h, visit);
    }
    const root = range.rootHash();
    let proof: Uint8Array[] = [];
    try {
      if (b < target.size) {
        proof = await this.source.consistencyProof(b, target.size);
        verifyConsistencyProof(hasher, b, target.size, root, target.root, proof);
      } else if (!Buffer.from(root).equals(Buffer.from(target.root))) {
        throw new TlogError(
          'PROOF_MISMATCH',
          '批次根与见证检查点不符 / batch root differs from the witnessed root',
        );
      }
    } catch (err) {
      if (err instanceof LogSourceError) return { ok: false, kind: 'unreachable', error: err.message };
      const firstBad = await firstBadIndex(hasher, base, hashes, target, this.source).catch(() => undefined);
      return {
        ok: false,
        kind: 'bad',
        reason: b < target.size ? 'consistency-proof-failed' : 'root-mismatch',
        detail: {
          start: s,
          end: b,
          error: (err as Error).message,
          bundleSm3: sm3Hex(
            Buffer.concat(
              leaves.map((l) => Buffer.concat([Buffer.from([l.length >> 8, l.length & 0xff]), l])),
            ),
          ),
          computedRoot: b64(root),
          proof: proof.map(b64),
          firstDifferingIndex: firstBad ?? null,
          locatedBy: firstBad === undefined ? null : 'consistency-proof bisection over the batch',
          leaf: firstBad === undefined ? null : b64(leaves[firstBad - s] as Uint8Array),
        },
      };
    }
    // Only a proven leaf is read: schema v1, this node (§2.2). A proven but malformed leaf is the node's own error.
    for (let i = 0; i < leaves.length; i++) {
      try {
        parsed.push(readDirectoryLeaf(leaves[i] as Uint8Array, this.nodeId));
      } catch (err) {
        return {
          ok: false,
          kind: 'bad',
          reason: 'malformed-leaf',
          detail: {
            start: s,
            end: b,
            firstDifferingIndex: s + i,
            leaf: b64(leaves[i] as Uint8Array),
            error: (err as Error).message,
          },
        };
      }
    }
    let side: IndexRecord[] | undefined;
    if (withSide) {
      try {
        side = [];
        for (let at = s; at < b; at += MAX_INDEX_RECORD_RANGE)
          side.push(...(await this.source.indexRecords(at, Math.min(b, at + MAX_INDEX_RECORD_RANGE))));
      } catch (err) {
        side = undefined;
        this.logger?.warn(
          { nodeId: this.nodeId, error: (err as Error).message },
          'side channel failed; retried later',
        );
      }
    }
    return { ok: true, batch: { start: s, end: b, leaves, hashes, parsed, range, root, nodes, side } };
  }

  /** Checks side records against the verified leaves: kept only when the leaf hash and identifier match. */
  private sealSide(
    start: number,
    hashes: readonly Uint8Array[],
    parsed: readonly ReadDirectoryLeaf[],
    records: readonly IndexRecord[],
  ): { sealed: SealedSideRecord[]; alerts: NewFedAlert[] } {
    const sealed: SealedSideRecord[] = [];
    const alerts: NewFedAlert[] = [];
    for (const r of records) {
      const i = r.index - start;
      const hash = decodeStrictBase64(r.leafHash);
      const leaf = parsed[i];
      const ok =
        r.identifier.length <= 128 &&
        r.holder.code.length <= 64 &&
        r.holder.codeType.length <= 3 &&
        i >= 0 &&
        i < hashes.length &&
        hash !== undefined &&
        Buffer.from(hash).equals(Buffer.from(hashes[i] as Uint8Array)) &&
        leaf?.kind === 'licence' &&
        leaf.licence.files !== undefined &&
        leaf.licence.id === r.identifier;
      if (!ok) {
        // The evidence names the index and hashes only: holder data never goes into an alert or a log line.
        alerts.push({
          nodeId: this.nodeId,
          kind: 'side-record-mismatch',
          summary: `旁路记录与叶子不符，已丢弃 / side record at ${r.index} does not match its leaf; dropped`,
          evidence: {
            index: r.index,
            recordLeafHash: r.leafHash,
            verifiedLeafHash: i >= 0 && i < hashes.length ? b64(hashes[i] as Uint8Array) : null,
          },
        });
        continue;
      }
      const ctx = (field: Parameters<typeof nationalRecordContext>[2]) =>
        nationalRecordContext(this.nodeId, r.index, field);
      sealed.push({
        idx: r.index,
        leafHash: Buffer.from(hash),
        identifier: r.identifier,
        holderNameEnc: this.protector.encrypt(r.holder.name, ctx('holder-name')),
        holderCodeEnc: this.protector.encrypt(r.holder.code, ctx('holder-code')),
        holderCodeType: r.holder.codeType,
        holderMasked: maskHolderCode(r.holder.code, r.holder.codeType),
        numberEnc: this.protector.encrypt(r.number, ctx('number')),
        typeName: r.typeName,
        issuerName: r.issuerName,
        holderIndex: this.protector.index(nationalHolderIndexInput(r.holder.codeType, r.holder.code)),
      });
    }
    return { sealed, alerts };
  }

  private async commit(batch: VerifiedBatch, target: WitnessedTree, sideInline: boolean): Promise<void> {
    const side = batch.side ? this.sealSide(batch.start, batch.hashes, batch.parsed, batch.side) : undefined;
    const now = this.now();
    await this.db.transaction(async (trx) => {
      const locked = await readMirrorState(trx, this.nodeId, { forUpdate: true });
      // Another puller (or an operator's quarantine) got there first: store nothing twice.
      if (
        !locked ||
        locked.size !== batch.start ||
        locked.state === 'quarantined' ||
        locked.state === 'forked'
      )
        throw new Error(
          `mirror of ${this.nodeId} moved to ${locked?.size} (${locked?.state}) under this batch`,
        );
      await insertMirrorEntries(trx, this.nodeId, batch.start, batch.leaves, batch.hashes);
      await writeMirrorTiles(trx, this.nodeId, this.opts.tileHeight, batch);
      const prior = await readNationalPrior(trx, this.nodeId, priorKeys(batch.parsed));
      const plan = planNationalBatch(this.nodeId, batch.start, batch.parsed, {
        licences: new Map(prior.licences.map((l) => [l.identifier, l])),
        agencies: new Map(prior.agencies.map((a) => [a.uscc, a.nodeId])),
        seals: new Set(prior.esIds),
      });
      await writeNationalBatch(trx, this.nodeId, plan);
      if (side) await insertSideRecords(trx, this.nodeId, side.sealed, now);
      const alerts: NewFedAlert[] = plan.violations.map((v) => ({
        nodeId: this.nodeId,
        kind: 'semantic-violation',
        summary: `${v.rule}: ${v.subject} @${v.idx}`,
        evidence: {
          index: v.idx,
          subject: v.subject,
          rule: v.rule,
          detail: v.detail,
          leafHash: b64(batch.hashes[v.idx - batch.start] as Uint8Array),
          leaf: Buffer.from(batch.leaves[v.idx - batch.start] as Uint8Array).toString('utf8'),
        },
      }));
      if (side) alerts.push(...side.alerts);
      await insertFedAlerts(trx, alerts, now);
      await advanceMirrorState(trx, this.nodeId, {
        size: batch.end,
        root: batch.root,
        compactRange: serialise(batch.range),
        sideSize: sideInline ? batch.end : undefined,
        target,
        now,
      });
      await this.opts.beforeCommit?.({ nodeId: this.nodeId, start: batch.start, end: batch.end });
    });
  }

  /**
   * Fetches side records the inline fetch missed, [side_size, size), checked against the stored leaves; each
   * chunk commits with its cursor. Non-fatal: returns the side cursor reached.
   */
  private async sideCatchUp(state: MirrorState): Promise<number> {
    let at = state.sideSize;
    try {
      while (at < state.size && !this.stopping) {
        const end = Math.min(state.size, at + MAX_INDEX_RECORD_RANGE);
        const records = await this.source.indexRecords(at, end);
        const entries = await listMirrorEntries(this.db, this.nodeId, at, end);
        const parsed = entries.map((e) => readDirectoryLeaf(e.leaf, this.nodeId));
        const { sealed, alerts } = this.sealSide(
          at,
          entries.map((e) => e.leafHash),
          parsed,
          records,
        );
        const now = this.now();
        await this.db.transaction(async (trx) => {
          await insertSideRecords(trx, this.nodeId, sealed, now);
          await insertFedAlerts(trx, alerts, now);
          await advanceSideCursor(trx, this.nodeId, end);
        });
        at = end;
      }
    } catch (err) {
      this.logger?.warn(
        { nodeId: this.nodeId, error: (err as Error).message },
        'side channel catch-up failed',
      );
    }
    return at;
  }

  /**
   * A batch that did not prove: a fork when the node now serves other leaves for the prefix the hub already
   * mirrored (checked on the bundle holding the last mirrored leaf), otherwise inconsistent entries.
   */
  private async onBadBatch(
    state: MirrorState,
    target: WitnessedTree,
    reason: string,
    detail: Record<string, unknown>,
  ): Promise<PullStatus> {
    const fork = state.size > 0 ? await this.locateFork(state, target).catch(() => undefined) : undefined;
    if (fork) {
      await this.quarantine(
        state,
        target,
        'fork',
        'forked',
        `节点 ${this.nodeId} 改写了已镜像的日志，首个不同序号 ${fork.firstDifferingIndex} / node rewrote mirrored entries from index ${fork.firstDifferingIndex}`,
        { ...fork, batch: { reason, ...detail } },
      );
      return 'forked';
    }
    const at = detail.firstDifferingIndex;
    await this.quarantine(
      state,
      target,
      'entries-inconsistent',
      'quarantined',
      `节点 ${this.nodeId} 的条目与其签名检查点不符${typeof at === 'number' ? `，序号 ${at}` : ''} / entries contradict the witnessed checkpoint (${reason})`,
      { reason, ...detail },
    );
    return 'quarantined';
  }

  private async sourceLeaves(k: number, n: number): Promise<Uint8Array[]> {
    return this.source.entryBundle(k, Math.min((k + 1) * this.width, n) - k * this.width);
  }

  /** The first mirrored index the node now serves differently, located by bisection over bundles. */
  private async locateFork(
    state: MirrorState,
    target: WitnessedTree,
  ): Promise<(Record<string, unknown> & { firstDifferingIndex: number }) | undefined> {
    const n = Math.max(target.size, state.size);
    const differs = async (k: number): Promise<number | undefined> => {
      const mine = await listMirrorEntries(
        this.db,
        this.nodeId,
        k * this.width,
        Math.min((k + 1) * this.width, state.size),
      );
      let theirs: Uint8Array[];
      try {
        theirs = await this.sourceLeaves(k, n);
      } catch (err) {
        if (err instanceof LogSourceError && err.status !== 404) throw err;
        return mine[0]?.idx; // the node no longer serves (or garbles) what it signed
      }
      for (const e of mine) {
        const t = theirs[e.idx - k * this.width];
        if (!t || !Buffer.from(t).equals(e.leaf)) return e.idx;
      }
      return undefined;
    };
    const lastBundle = Math.floor((state.size - 1) / this.width);
    if ((await differs(lastBundle)) === undefined) return undefined;
    // A truncation rewrites a suffix, so "bundle k differs" is monotonic in k.
    let lo = -1;
    let hi = lastBundle;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if ((await differs(mid)) === undefined) lo = mid;
      else hi = mid;
    }
    const index = (await differs(hi)) as number;
    const mine = (await listMirrorEntries(this.db, this.nodeId, index, index + 1))[0];
    let theirs: Uint8Array | undefined;
    try {
      theirs = (await this.sourceLeaves(Math.floor(index / this.width), n))[index % this.width];
    } catch {
      theirs = undefined;
    }
    let mirroredInclusionProof: string[] | null = null;
    if (state.size <= MAX_EVIDENCE_TREE) {
      const tree = new LeafHashTree(hasher, await listMirrorLeafHashes(this.db, this.nodeId, 0, state.size));
      mirroredInclusionProof = generateInclusionProof(hasher, tree, index, state.size).map(b64);
    }
    const served = theirs
      ? await this.servedInclusionProof(index, target)
      : { servedInclusionProof: null, servedInclusionProofMissing: 'the node serves no leaf at this index' };
    return {
      reason: 'mirrored-prefix-differs',
      firstDifferingIndex: index,
      locatedBy: 'bundle bisection over the mirrored prefix (a truncation rewrites a suffix)',
      mirroredCheckpoint: state.targetCheckpoint,
      mirroredSize: state.size,
      mirroredRoot: b64(state.root),
      witnessedCheckpoint: target.checkpoint,
      mirroredLeaf: mine ? mine.leaf.toString('utf8') : null,
      mirroredLeafHash: mine ? b64(mine.leafHash) : null,
      mirroredInclusionProof,
      servedLeaf: theirs ? Buffer.from(theirs).toString('utf8') : null,
      servedLeafHash: theirs ? b64(hasher.hashLeaf(theirs)) : null,
      ...served,
    };
  }

  /**
   * The served leaf's RFC 9162 path in the tree the node signed (`target`), from every leaf it serves now. A
   * node serves entries only up to the checkpoint it published, so a tree the witness refused is usually out of
   * reach: then null, with why (the refused checkpoint and the leaf are still evidence of what it signed).
   */
  private async servedInclusionProof(
    index: number,
    target: WitnessedTree,
  ): Promise<{ servedInclusionProof: string[] | null; servedInclusionProofMissing?: string }> {
    const missing = (why: string) => ({ servedInclusionProof: null, servedInclusionProofMissing: why });
    if (target.size > MAX_EVIDENCE_TREE)
      return missing(`the signed tree (${target.size}) is too large for evidence`);
    const hashes: Uint8Array[] = [];
    try {
      for (let k = 0; k * this.width < target.size; k++)
        for (const leaf of await this.sourceLeaves(k, target.size)) hashes.push(hasher.hashLeaf(leaf));
    } catch (err) {
      return missing(`the node does not serve the signed tree's entries: ${(err as Error).message}`);
    }
    const leaves = hashes.slice(0, target.size);
    const range = new CompactRange(hasher, 0, 0, []);
    for (const h of leaves) range.append(h);
    if (leaves.length !== target.size || !Buffer.from(range.rootHash()).equals(Buffer.from(target.root)))
      return missing("the entries the node serves do not make the signed tree's root");
    return {
      servedInclusionProof: generateInclusionProof(
        hasher,
        new LeafHashTree(hasher, leaves),
        index,
        target.size,
      ).map(b64),
    };
  }

  private async quarantine(
    state: MirrorState,
    target: WitnessedTree,
    kind: 'fork' | 'entries-inconsistent',
    nodeState: 'quarantined' | 'forked',
    summary: string,
    evidence: Record<string, unknown>,
  ): Promise<void> {
    const now = this.now();
    await this.db.transaction(async (trx: Executor) => {
      await setMirrorNodeState(trx, this.nodeId, nodeState, summary, now, target);
      await insertFedAlerts(
        trx,
        [
          {
            nodeId: this.nodeId,
            kind,
            summary,
            evidence: {
              ...evidence,
              nodeId: this.nodeId,
              origin: this.node.origin,
              checkpoint: target.checkpoint,
              targetSize: target.size,
              targetRoot: b64(target.root),
              mirroredSize: state.size,
            },
          },
        ],
        now,
      );
    });
    this.logger?.warn({ nodeId: this.nodeId, kind, state: nodeState }, 'federation node quarantined');
  }
}
