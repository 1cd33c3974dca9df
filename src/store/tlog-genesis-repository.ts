import type { Executor } from './database.js';

// What `sealtrust tlog genesis` (federation.md §4.2 "Back-fill") asks of the database: whether it already ran,
// and which objects already have the leaf that created them in the directory log.

/** The audit action of a completed genesis; its presence makes a second run an error. */
export const TLOG_GENESIS_ACTION = 'tlog.genesis';

/** Serializes back-fill transactions across processes (held until the transaction ends). */
export async function lockTlogGenesis(trx: Executor): Promise<void> {
  await trx.raw("SELECT pg_advisory_xact_lock(hashtext('sealtrust.tlog.genesis'))");
}

export async function tlogGenesisDone(db: Executor): Promise<boolean> {
  const row = await db('audit_log').where({ action: TLOG_GENESIS_ACTION }).first('seq');
  return row !== undefined;
}

/**
 * Of `subjects`, those the log already holds a leaf for with one of `ops` (the leaf that introduced the object:
 * `issue`/`renew`/`replace` of a licence, `make` of a seal, …), logged live or by an earlier, interrupted run.
 */
export async function subjectsWithLeaf(
  db: Executor,
  kind: string,
  ops: readonly string[],
  subjects: readonly string[],
): Promise<Set<string>> {
  if (!subjects.length) return new Set();
  const rows = (await db('tlog_entries')
    .distinct('subject')
    .where({ kind })
    .whereIn('subject', subjects as string[])
    .whereRaw("convert_from(leaf, 'UTF8')::jsonb->>'op' = ANY(?)", [ops as string[]])) as {
    subject: string;
  }[];
  return new Set(rows.map((r) => r.subject));
}
