import type { Executor } from './database.js';
import { toBuffer, toDateOrNull, toNumber } from './row-types.js';

// The hub's mirror of one node's log (federation.md §3.4, §4.2): the node's registration (fed_nodes, a
// reference table), its cursor (mirror_state) and its entries (mirror_entries). Every query names node_id, the
// distribution column (§4.4), so each is a single-shard query once the tables are distributed.

export type MirrorNodeState = 'ok' | 'catching-up' | 'quarantined' | 'forked' | 'unreachable' | 'withdrawn';

export interface MirrorState {
  nodeId: string;
  origin: string;
  url: string;
  size: number;
  root: Buffer;
  /** The compact range of [0, size): the hashes of rangeNodes(0, size), concatenated. */
  compactRange: Buffer;
  sideSize: number;
  targetSize: number;
  targetRoot: Buffer | null;
  targetCheckpoint: string | null;
  /** The latest cosigned checkpoint whose whole tree is mirrored (migration 015): proofs are served under it. */
  completeCheckpoint: string | null;
  state: MirrorNodeState;
  lastError: string | null;
  pulledAt: Date | null;
}

interface StateRow {
  node_id: string;
  origin: string;
  url: string;
  size: unknown;
  root: unknown;
  compact_range: unknown;
  side_size: unknown;
  target_size: unknown;
  target_root: unknown;
  target_checkpoint: string | null;
  complete_checkpoint: string | null;
  state: MirrorNodeState;
  last_error: string | null;
  pulled_at: unknown;
}

function toState(r: StateRow): MirrorState {
  return {
    nodeId: r.node_id,
    origin: r.origin,
    url: r.url,
    size: toNumber(r.size),
    root: toBuffer(r.root),
    compactRange: toBuffer(r.compact_range),
    sideSize: toNumber(r.side_size),
    targetSize: toNumber(r.target_size),
    targetRoot: r.target_root === null ? null : toBuffer(r.target_root),
    targetCheckpoint: r.target_checkpoint,
    completeCheckpoint: r.complete_checkpoint,
    state: r.state,
    lastError: r.last_error,
    pulledAt: toDateOrNull(r.pulled_at),
  };
}

const STATE_SELECT = `SELECT s.node_id, n.origin, n.url, s.size, s.root, s.compact_range, s.side_size, s.target_size,
  s.target_root, s.target_checkpoint, s.complete_checkpoint, s.state, s.last_error, s.pulled_at
  FROM mirror_state s JOIN fed_nodes n ON n.node_id = s.node_id`;

/**
 * Registers (or updates) a node the hub mirrors and creates its empty mirror state once; `emptyRoot` is the
 * hash of the empty tree. The cursor of a node already mirrored is never touched here.
 */
export async function ensureMirrorNode(
  db: Executor,
  node: { nodeId: string; origin: string; vkeys: string[]; url: string },
  emptyRoot: Uint8Array,
  now: Date,
): Promise<void> {
  await db.raw(
    `INSERT INTO fed_nodes (node_id, origin, vkeys, url, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (node_id) DO UPDATE SET origin = excluded.origin, vkeys = excluded.vkeys, url = excluded.url,
       updated_at = excluded.updated_at
     WHERE (fed_nodes.origin, fed_nodes.vkeys, fed_nodes.url) IS DISTINCT FROM (excluded.origin, excluded.vkeys, excluded.url)`,
    [node.nodeId, node.origin, node.vkeys, node.url, now],
  );
  await db.raw(
    `INSERT INTO mirror_state (node_id, root, compact_range, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (node_id) DO NOTHING`,
    [node.nodeId, Buffer.from(emptyRoot), Buffer.alloc(0), now],
  );
}

export async function readMirrorState(
  db: Executor,
  nodeId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<MirrorState | undefined> {
  const res = await db.raw(`${STATE_SELECT} WHERE s.node_id = ?${opts.forUpdate ? ' FOR UPDATE OF s' : ''}`, [
    nodeId,
  ]);
  const row = (res.rows as StateRow[])[0];
  return row ? toState(row) : undefined;
}

/** Every mirrored node (a small cross-shard listing for the inspection endpoint). */
export async function listMirrorStates(db: Executor): Promise<MirrorState[]> {
  const res = await db.raw(`${STATE_SELECT} ORDER BY s.node_id`);
  return (res.rows as StateRow[]).map(toState);
}

/**
 * Stores the leaves [firstIndex, firstIndex + leaves.length) of one node in one statement (`unnest`), never one
 * round trip per entry (§6.2).
 */
export async function insertMirrorEntries(
  trx: Executor,
  nodeId: string,
  firstIndex: number,
  leaves: readonly Uint8Array[],
  leafHashes: readonly Uint8Array[],
): Promise<void> {
  if (leaves.length === 0) return;
  const idx = leaves.map((_, i) => firstIndex + i);
  await trx.raw(
    `INSERT INTO mirror_entries (node_id, idx, leaf, leaf_hash)
     SELECT ?, i, l, h FROM unnest(?::bigint[], ?::bytea[], ?::bytea[]) AS t(i, l, h)`,
    [
      nodeId,
      idx,
      leaves.map((l) => Buffer.from(l.buffer, l.byteOffset, l.byteLength)),
      leafHashes.map((h) => Buffer.from(h)),
    ],
  );
}

export interface MirrorEntry {
  idx: number;
  leaf: Buffer;
  leafHash: Buffer;
}

/** Mirrored entries [start, end) of one node, in index order. */
export async function listMirrorEntries(
  db: Executor,
  nodeId: string,
  start: number,
  end: number,
): Promise<MirrorEntry[]> {
  const res = await db.raw(
    'SELECT idx, leaf, leaf_hash FROM mirror_entries WHERE node_id = ? AND idx >= ? AND idx < ? ORDER BY idx',
    [nodeId, start, end],
  );
  return (res.rows as { idx: unknown; leaf: unknown; leaf_hash: unknown }[]).map((r) => ({
    idx: toNumber(r.idx),
    leaf: toBuffer(r.leaf),
    leafHash: toBuffer(r.leaf_hash),
  }));
}

/** Leaf hashes [start, end) of one node, in index order (for proofs over the mirrored tree). */
export async function listMirrorLeafHashes(
  db: Executor,
  nodeId: string,
  start: number,
  end: number,
): Promise<Buffer[]> {
  const res = await db.raw(
    'SELECT leaf_hash FROM mirror_entries WHERE node_id = ? AND idx >= ? AND idx < ? ORDER BY idx',
    [nodeId, start, end],
  );
  return (res.rows as { leaf_hash: unknown }[]).map((r) => toBuffer(r.leaf_hash));
}

export async function countMirrorEntries(db: Executor, nodeId: string): Promise<number> {
  const res = await db.raw('SELECT count(*) AS n FROM mirror_entries WHERE node_id = ?', [nodeId]);
  return toNumber((res.rows as { n: unknown }[])[0]?.n ?? 0);
}

/** The cursor after a proven batch: size, root and compact range of [0, size), and the target it was proven to. */
export async function advanceMirrorState(
  trx: Executor,
  nodeId: string,
  next: {
    size: number;
    root: Uint8Array;
    compactRange: Buffer;
    sideSize?: number | undefined;
    target: { size: number; root: Uint8Array; checkpoint: string };
    now: Date;
  },
): Promise<void> {
  await trx.raw(
    `UPDATE mirror_state SET size = ?, root = ?, compact_range = ?, side_size = COALESCE(?, side_size),
       target_size = ?, target_root = ?, target_checkpoint = ?,
       complete_checkpoint = CASE WHEN ? >= ? THEN ? ELSE complete_checkpoint END,
       state = CASE WHEN ? >= ? THEN 'ok' ELSE 'catching-up' END, last_error = NULL, pulled_at = ?, updated_at = ?
     WHERE node_id = ?`,
    [
      next.size,
      Buffer.from(next.root),
      next.compactRange,
      next.sideSize ?? null,
      next.target.size,
      Buffer.from(next.target.root),
      next.target.checkpoint,
      next.size,
      next.target.size,
      next.target.checkpoint,
      next.size,
      next.target.size,
      next.now,
      next.now,
      nodeId,
    ],
  );
}

/** Moves the side-channel cursor (records are fetched and checked apart from the entries, §3.4). */
export async function advanceSideCursor(trx: Executor, nodeId: string, sideSize: number): Promise<void> {
  await trx.raw('UPDATE mirror_state SET side_size = GREATEST(side_size, ?) WHERE node_id = ?', [
    sideSize,
    nodeId,
  ]);
}

/** Sets the node's state and last error; the cursor stays. */
export async function setMirrorNodeState(
  db: Executor,
  nodeId: string,
  state: MirrorNodeState,
  lastError: string | null,
  now: Date,
  target?: { size: number; root: Uint8Array; checkpoint: string },
): Promise<void> {
  await db.raw(
    `UPDATE mirror_state SET state = ?, last_error = ?, updated_at = ?,
       target_size = COALESCE(?, target_size), target_root = COALESCE(?, target_root),
       target_checkpoint = COALESCE(?, target_checkpoint)
     WHERE node_id = ?`,
    [
      state,
      lastError,
      now,
      target?.size ?? null,
      target ? Buffer.from(target.root) : null,
      target?.checkpoint ?? null,
      nodeId,
    ],
  );
}
