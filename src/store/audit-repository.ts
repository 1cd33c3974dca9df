import { AUDIT_GENESIS_HASH, auditHash, type AuditEntry, type AuditRecord } from '../audit/audit-chain.js';
import type { Executor } from './database.js';
import { toPage } from './page.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toBuffer, toDate, toJson, toNumber } from './row-types.js';
import { tlogEntriesInsert } from './tlog-entry-repository.js';
import type { DirectoryLeaf } from '../tlog/directory-leaf.js';

interface AuditRow {
  seq: unknown;
  at: unknown;
  actor_token_id: string | null;
  actor_role: string;
  action: string;
  target_type: string;
  target_id: string | null;
  request_id: string | null;
  outcome: AuditEntry['outcome'];
  details: unknown;
  prev_hash: unknown;
  hash: unknown;
}

function fromRow(r: AuditRow): AuditRecord {
  return {
    seq: toNumber(r.seq),
    at: toDate(r.at),
    actorTokenId: r.actor_token_id,
    actorRole: r.actor_role,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    requestId: r.request_id,
    outcome: r.outcome,
    details: toJson(r.details),
    prevHash: toBuffer(r.prev_hash),
    hash: toBuffer(r.hash),
  };
}

/**
 * Appends to the hash chain, and `leaves` to the directory log. Must run inside the transaction that makes the
 * change it records: advancing the head row locks it, which holds other appenders off until that transaction
 * ends. One statement advances both counters, so the log's indices share the audit lock (no second lock whose
 * order nested changes could invert) and stay gap-free: a rollback takes the counter back with it. The record
 * names the indices it caused in `details.tlog` = [first, last].
 */
export async function appendAudit(
  trx: Executor,
  entry: AuditEntry,
  leaves: readonly DirectoryLeaf[] = [],
): Promise<AuditRecord> {
  if (!('isTransaction' in trx) || !trx.isTransaction) {
    throw new Error('appendAudit must run inside a transaction');
  }
  const n = leaves.length;
  const head = (await trx.raw(
    'UPDATE audit_head SET seq = seq + 1, tlog_next = tlog_next + ? WHERE id = 1 RETURNING seq, hash, tlog_next - ? AS first_index',
    [n, n],
  )) as {
    rows: { seq: unknown; hash: unknown; first_index: unknown }[];
  };
  const row = head.rows[0];
  if (!row) throw new Error('audit_head is missing (migration 004)');
  const seq = toNumber(row.seq);
  const prevHash = toBuffer(row.hash);
  const firstIndex = toNumber(row.first_index);
  // Timestamps are kept to the millisecond so the stored value re-hashes identically.
  const at = new Date(Math.floor(entry.at.getTime()));
  const details = n > 0 ? { ...entry.details, tlog: [firstIndex, firstIndex + n - 1] } : entry.details;
  const e = { ...entry, at, details };
  const hash = auditHash(prevHash, seq, e);
  const entries = n > 0 ? tlogEntriesInsert(firstIndex, seq, leaves) : undefined;
  await trx.raw(
    `WITH ${entries ? `logged AS (${entries.sql}), ` : ''}appended AS (
       INSERT INTO audit_log (seq, at, actor_token_id, actor_role, action, target_type, target_id, request_id,
                              outcome, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))
     UPDATE audit_head SET hash = ? WHERE id = 1`,
    [
      ...(entries?.bindings ?? []),
      seq,
      at,
      e.actorTokenId,
      e.actorRole,
      e.action,
      e.targetType,
      e.targetId,
      e.requestId,
      e.outcome,
      JSON.stringify(e.details),
      prevHash,
      hash,
      hash,
    ],
  );
  return { ...e, seq, prevHash, hash };
}

/** The chain's recorded end: the last seq and its hash. */
export async function auditHead(db: Executor): Promise<{ seq: number; hash: Buffer }> {
  const row = (await db('audit_head').where({ id: 1 }).first()) as
    { seq: unknown; hash: unknown } | undefined;
  return row ? { seq: toNumber(row.seq), hash: toBuffer(row.hash) } : { seq: 0, hash: AUDIT_GENESIS_HASH };
}

export async function listAudit(db: Executor, page: PageRequest): Promise<Page<AuditRecord>> {
  const q = db<AuditRow>('audit_log')
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  return toPage(await q, page, fromRow, (r) => toNumber(r.seq));
}
