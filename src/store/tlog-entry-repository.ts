import { directoryLeafHash, type DirectoryLeaf } from '../tlog/directory-leaf.js';
import type { Executor } from './database.js';
import { toBuffer, toDate, toNumber } from './row-types.js';

/** A stored log entry: the leaf with its index and the audit record of the transaction that appended it. */
export interface TlogEntry {
  idx: number;
  leaf: Buffer;
  leafHash: Buffer;
  kind: string;
  subject: string;
  auditSeq: number;
  at: Date;
}

interface TlogEntryRow {
  idx: unknown;
  leaf: unknown;
  leaf_hash: unknown;
  kind: string;
  subject: string;
  audit_seq: unknown;
  at: unknown;
}

/**
 * The `INSERT` of `leaves` at the indices the audit append took, as a member of its CTE (which names the head
 * row it advanced `head`, with `base_seq` and `first_index`), so the entries, the audit records and both counters
 * commit together. `records[i]` is the 1-based number, within the append, of the record leaf i belongs to. The
 * rows travel as one array per column (unnest), so a batch of 100 leaves is 6 parameters to bind and parse, not
 * 600.
 */
export function tlogEntriesInsert(
  leaves: readonly DirectoryLeaf[],
  records: readonly number[],
): {
  sql: string;
  bindings: (Buffer[] | string[] | number[])[];
} {
  return {
    sql: `INSERT INTO tlog_entries (idx, leaf, leaf_hash, kind, subject, audit_seq, at)
          SELECT head.first_index + u.n - 1, u.leaf, u.leaf_hash, u.kind, u.subject, head.base_seq + u.rec,
                 u.at::timestamptz
            FROM head, unnest(?::bytea[], ?::bytea[], ?::text[], ?::text[], ?::text[], ?::bigint[])
                 WITH ORDINALITY AS u(leaf, leaf_hash, kind, subject, at, rec, n)`,
    bindings: [
      leaves.map((l) => l.bytes),
      leaves.map((l) => directoryLeafHash(l)),
      leaves.map((l) => l.kind),
      leaves.map((l) => l.subject),
      leaves.map((l) => l.at.toISOString()),
      [...records],
    ],
  };
}

/** Entries from index `from` on, in index order. */
export async function listTlogEntries(db: Executor, from = 0, limit = 1000): Promise<TlogEntry[]> {
  const rows = (await db<TlogEntryRow>('tlog_entries')
    .where('idx', '>=', from)
    .orderBy('idx', 'asc')
    .limit(limit)) as TlogEntryRow[];
  return rows.map((r) => ({
    idx: toNumber(r.idx),
    leaf: toBuffer(r.leaf),
    leafHash: toBuffer(r.leaf_hash),
    kind: r.kind,
    subject: r.subject,
    auditSeq: toNumber(r.audit_seq),
    at: toDate(r.at),
  }));
}

/** Leaf hashes of entries from index `from` on, in index order (what the integrator reads). */
export async function listTlogLeafHashes(
  db: Executor,
  from: number,
  limit: number,
): Promise<{ idx: number; leafHash: Buffer }[]> {
  const rows = (await db('tlog_entries')
    .select('idx', 'leaf_hash')
    .where('idx', '>=', from)
    .orderBy('idx', 'asc')
    .limit(limit)) as { idx: unknown; leaf_hash: unknown }[];
  return rows.map((r) => ({ idx: toNumber(r.idx), leafHash: toBuffer(r.leaf_hash) }));
}

/** Leaves [start, end) with their hashes, in index order (fewer when some are not there). */
export async function listTlogLeaves(
  db: Executor,
  start: number,
  end: number,
): Promise<{ idx: number; leaf: Buffer; leafHash: Buffer }[]> {
  const rows = (await db('tlog_entries')
    .select('idx', 'leaf', 'leaf_hash')
    .where('idx', '>=', start)
    .andWhere('idx', '<', end)
    .orderBy('idx', 'asc')) as { idx: unknown; leaf: unknown; leaf_hash: unknown }[];
  return rows.map((r) => ({ idx: toNumber(r.idx), leaf: toBuffer(r.leaf), leafHash: toBuffer(r.leaf_hash) }));
}

/** The first index below `below` whose leaf hash is `leafHash`, if any. */
export async function findTlogIndexByLeafHash(
  db: Executor,
  leafHash: Uint8Array,
  below: number,
): Promise<number | undefined> {
  const row = (await db('tlog_entries')
    .select('idx')
    .where('leaf_hash', Buffer.from(leafHash))
    .andWhere('idx', '<', below)
    .orderBy('idx', 'asc')
    .first()) as { idx: unknown } | undefined;
  return row ? toNumber(row.idx) : undefined;
}

/** Entries of one subject of one kind below index `below`, in index order. */
export async function listTlogEntriesBySubject(
  db: Executor,
  kind: string,
  subject: string,
  below: number,
): Promise<{ idx: number; leaf: Buffer }[]> {
  const rows = (await db('tlog_entries')
    .select('idx', 'leaf')
    .where({ subject, kind })
    .andWhere('idx', '<', below)
    .orderBy('idx', 'asc')) as { idx: unknown; leaf: unknown }[];
  return rows.map((r) => ({ idx: toNumber(r.idx), leaf: toBuffer(r.leaf) }));
}

/** How many entries there are: the next index, since indices are gap-free (audit_head.tlog_next). */
export async function tlogEntryCount(db: Executor): Promise<number> {
  const row = (await db('audit_head').select('tlog_next').where({ id: 1 }).first()) as
    { tlog_next: unknown } | undefined;
  return row ? toNumber(row.tlog_next) : 0;
}
