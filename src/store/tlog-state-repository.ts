import { SM3_MERKLE_HASHER } from '../tlog/merkle-hasher.js';
import type { Executor } from './database.js';
import { toBuffer, toDate, toNumber } from './row-types.js';

/** The integrated tree as the integrator last committed it (migration 011). */
export interface TlogState {
  size: number;
  root: Buffer;
  /** Hashes of the perfect subtrees covering [0, size), left to right (their ids follow from `size`). */
  compactRange: Buffer[];
  /** The tile height the stored tiles were cut at. */
  tileHeight: number;
  updatedAt: Date;
}

interface TlogStateRow {
  integrated_size: unknown;
  root: unknown;
  compact_range: unknown;
  tile_height: unknown;
  updated_at: unknown;
}

const HASH_BYTES = 32;

function fromRow(r: TlogStateRow): TlogState {
  const range = toBuffer(r.compact_range);
  const compactRange: Buffer[] = [];
  for (let at = 0; at < range.length; at += HASH_BYTES)
    compactRange.push(range.subarray(at, at + HASH_BYTES));
  return {
    size: toNumber(r.integrated_size),
    root: toBuffer(r.root),
    compactRange,
    tileHeight: toNumber(r.tile_height),
    updatedAt: toDate(r.updated_at),
  };
}

/**
 * The integrated tree (size and root) for the publisher and readers: size 0 with MTH({}) = SM3("") before the
 * integrator's first pass.
 */
export async function readTlogState(db: Executor): Promise<{ size: number; root: Buffer; updatedAt: Date }> {
  const s = await readTlogStateRow(db);
  if (s) return { size: s.size, root: s.root, updatedAt: s.updatedAt };
  return { size: 0, root: Buffer.from(SM3_MERKLE_HASHER.emptyRoot()), updatedAt: new Date(0) };
}

/** The whole state row, locked for the rest of `trx` with `forUpdate`; undefined before the first pass. */
export async function readTlogStateRow(
  db: Executor,
  opts: { forUpdate?: boolean } = {},
): Promise<TlogState | undefined> {
  const q = db('tlog_state').where({ id: 1 }).first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as TlogStateRow | undefined;
  return row ? fromRow(row) : undefined;
}

export async function writeTlogState(
  trx: Executor,
  s: { size: number; root: Uint8Array; compactRange: readonly Uint8Array[]; tileHeight: number },
): Promise<void> {
  await trx.raw(
    `INSERT INTO tlog_state (id, integrated_size, root, compact_range, tile_height, updated_at)
     VALUES (1, ?, ?, ?, ?, now())
     ON CONFLICT (id) DO UPDATE SET integrated_size = EXCLUDED.integrated_size, root = EXCLUDED.root,
       compact_range = EXCLUDED.compact_range, tile_height = EXCLUDED.tile_height, updated_at = EXCLUDED.updated_at`,
    [s.size, Buffer.from(s.root), Buffer.concat(s.compactRange.map((h) => Buffer.from(h))), s.tileHeight],
  );
}

export async function deleteTlogState(trx: Executor): Promise<void> {
  await trx('tlog_state').delete();
}

/**
 * Takes the integration lock for the rest of `trx` if nobody holds it (one integrator per database and schema:
 * test schemas share a database, so the schema is part of the key). Transaction-scoped, because knex hands
 * pooled connections around and a session lock would outlive the pass on someone else's connection.
 */
export async function tryLockTlogIntegration(trx: Executor): Promise<boolean> {
  const r = (await trx.raw(
    "SELECT pg_try_advisory_xact_lock(hashtext('sealtrust.tlog:' || current_schema())) AS ok",
  )) as { rows: { ok: boolean }[] };
  return r.rows[0]?.ok === true;
}

/**
 * The pass's commit need not wait for its WAL flush: everything it writes is derived from tlog_entries rows
 * that were committed (and flushed) before it read them, and a lost pass is recomputed identically. This keeps
 * the integrator off the fsync queue the appends are bound by (federation.md §6.2).
 */
export async function relaxCommitDurability(trx: Executor): Promise<void> {
  await trx.raw('SET LOCAL synchronous_commit TO OFF');
}
