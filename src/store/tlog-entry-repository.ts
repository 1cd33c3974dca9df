import type { Knex } from 'knex';

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
 * The `INSERT` of `leaves` at indices `firstIndex…`, as a statement to run inside the audit append (a CTE
 * member there), so the entries, the audit record and both counters commit together.
 */
export function tlogEntriesInsert(
  firstIndex: number,
  auditSeq: number,
  leaves: readonly DirectoryLeaf[],
): { sql: string; bindings: Knex.Value[] } {
  const bindings: Knex.Value[] = [];
  const values = leaves.map((leaf, i) => {
    bindings.push(
      firstIndex + i,
      leaf.bytes,
      directoryLeafHash(leaf),
      leaf.kind,
      leaf.subject,
      auditSeq,
      leaf.at,
    );
    return '(?, ?, ?, ?, ?, ?, ?)';
  });
  return {
    sql: `INSERT INTO tlog_entries (idx, leaf, leaf_hash, kind, subject, audit_seq, at) VALUES ${values.join(', ')}`,
    bindings,
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
