import { AUDIT_GENESIS_HASH, auditHash, type AuditEntry, type AuditRecord } from '../audit/audit-chain.js';
import type { Executor } from './database.js';
import { toPage, type Page, type PageRequest } from './page.js';
import { toBuffer, toDate, toJson, toNumber } from './row-types.js';

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
 * This process's view of the chain head, per database: the head its last append wrote (committed or not).
 * An append chains on it optimistically in ONE statement that advances the head only if it is still that
 * head, so no JavaScript runs while the head row is locked (a busy event loop would otherwise stretch every
 * lock hold and cap all writes). If the guess is wrong (another process appended, or the transaction that
 * wrote it rolled back), the statement changes nothing and the append takes the locked read path.
 */
const predictedHeads = new WeakMap<object, { seq: number; hash: Buffer }>();

const INSERT_COLUMNS = `seq, at, actor_token_id, actor_role, action, target_type, target_id, request_id,
                              outcome, details, prev_hash, hash`;

function rowValues(seq: number, e: AuditEntry & { at: Date }, prevHash: Buffer, hash: Buffer): unknown[] {
  return [
    seq,
    e.at,
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
  ];
}

/**
 * Appends to the hash chain. Must run inside the transaction that makes the change it records: advancing
 * the head row locks it, which holds other appenders off until that transaction ends. `chain` identifies the
 * database (the root knex) whose head this process predicts.
 */
export async function appendAudit(trx: Executor, entry: AuditEntry, chain?: object): Promise<AuditRecord> {
  if (!('isTransaction' in trx) || !trx.isTransaction) {
    throw new Error('appendAudit must run inside a transaction');
  }
  // Timestamps are kept to the millisecond so the stored value re-hashes identically.
  const e = { ...entry, at: new Date(Math.floor(entry.at.getTime())) };
  const predicted = chain ? predictedHeads.get(chain) : undefined;
  if (chain && predicted) {
    const seq = predicted.seq + 1;
    const hash = auditHash(predicted.hash, seq, e);
    // Claimed before the statement is sent, so a concurrent append in this process chains on this one.
    predictedHeads.set(chain, { seq, hash });
    const res = (await trx.raw(
      `WITH head AS (UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ? AND hash = ? RETURNING seq)
       INSERT INTO audit_log (${INSERT_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM head RETURNING seq`,
      [seq, hash, predicted.seq, predicted.hash, ...rowValues(seq, e, predicted.hash, hash)] as never,
    )) as { rows: unknown[] };
    if (res.rows.length === 1) return { ...e, seq, prevHash: predicted.hash, hash };
  }
  const head = (await trx.raw('UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash')) as {
    rows: { seq: unknown; hash: unknown }[];
  };
  const row = head.rows[0];
  if (!row) throw new Error('audit_head is missing (migration 004)');
  const seq = toNumber(row.seq);
  const prevHash = toBuffer(row.hash);
  const hash = auditHash(prevHash, seq, e);
  await trx.raw(
    `WITH appended AS (
       INSERT INTO audit_log (${INSERT_COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))
     UPDATE audit_head SET hash = ? WHERE id = 1`,
    [...rowValues(seq, e, prevHash, hash), hash] as never,
  );
  if (chain) predictedHeads.set(chain, { seq, hash });
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
