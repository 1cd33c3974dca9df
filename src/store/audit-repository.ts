import { AUDIT_GENESIS_HASH, auditHash, type AuditEntry, type AuditRecord } from '../audit/audit-chain.js';
import type { Executor } from './database.js';
import { toPage, type Page, type PageRequest } from './page.js';
import { toBuffer, toDate, toJson, toNumber } from './row-types.js';

// One arbitrary constant: the advisory lock that serialises appends to the chain until commit.
const AUDIT_CHAIN_LOCK = 0x5ea17a0d;

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
 * Appends to the hash chain. Must run inside the transaction that makes the change it records:
 * the advisory lock then holds other appenders off until that transaction ends.
 */
export async function appendAudit(trx: Executor, entry: AuditEntry): Promise<AuditRecord> {
  if (!('isTransaction' in trx) || !trx.isTransaction) {
    throw new Error('appendAudit must run inside a transaction');
  }
  await trx.raw('select pg_advisory_xact_lock(?)', [AUDIT_CHAIN_LOCK]);
  const last = await trx<AuditRow>('audit_log').select('seq', 'hash').orderBy('seq', 'desc').first();
  const seq = last ? toNumber(last.seq) + 1 : 1;
  const prevHash = last ? toBuffer(last.hash) : AUDIT_GENESIS_HASH;
  // Timestamps are kept to the millisecond so the stored value re-hashes identically.
  const at = new Date(Math.floor(entry.at.getTime()));
  const e = { ...entry, at };
  const hash = auditHash(prevHash, seq, e);
  await trx('audit_log').insert({
    seq,
    at,
    actor_token_id: e.actorTokenId,
    actor_role: e.actorRole,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    request_id: e.requestId,
    outcome: e.outcome,
    details: JSON.stringify(e.details),
    prev_hash: prevHash,
    hash,
  });
  return { ...e, seq, prevHash, hash };
}

export async function listAudit(db: Executor, page: PageRequest): Promise<Page<AuditRecord>> {
  const q = db<AuditRow>('audit_log')
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  return toPage(await q, page, fromRow, (r) => toNumber(r.seq));
}
