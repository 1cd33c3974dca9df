import type { Knex } from 'knex';
import { AUDIT_GENESIS_HASH, type AuditEntry, type AuditRecord } from '../audit/audit-chain.js';
import type { Executor } from './database.js';
import { toPage } from './page.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toBuffer, toDate, toJson, toNumber } from './row-types.js';
import { inlineBindings, type InlineStatement, type InlineValue } from './sql-literal.js';
import { canRunAndCommit, runAndCommit } from './commit-folding-client.js';
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
    prevHash: r.prev_hash == null ? null : toBuffer(r.prev_hash),
    hash: r.hash == null ? null : toBuffer(r.hash),
  };
}

/** Where an append landed: its audit seq and the directory log indices [first, last] it took, if any. */
export interface AuditAppend {
  seq: number;
  tlog: [number, number] | null;
}

export interface AppendAuditOptions {
  /**
   * End the transaction with the append: the statement and COMMIT go to the server as one simple query, so the
   * audit head row lock is held for the server's own work only, never across a client round trip
   * (federation.md §6.2). Only for the outermost transaction, and only as its last statement (knex's own COMMIT
   * after it is answered by the client, `CommitFoldingPgClient`). PostgreSQL only (PGlite answers one statement
   * per query).
   */
  commit?: boolean;
  /**
   * The change's own last writes, run just before the record: with `commit`, in the same message, so they cost
   * no round trip of their own. One statement each.
   */
  before?: readonly InlineStatement[];
}

/**
 * Appends the record and `leaves` (the directory log) in one statement. Must run inside the transaction that
 * makes the change it records: advancing the head row locks it, which holds other appenders off until that
 * transaction ends, so seqs and log indices commit in order and stay gap-free (a rollback takes both counters
 * back). One statement advances both, so the log shares the audit lock: no second lock whose order nested
 * changes could invert. The record names the indices it caused in `details.tlog` = [first, last]. Its chain
 * hash is left to the AuditChainer, which needs the record committed first.
 */
export async function appendAudit(
  trx: Executor,
  entry: AuditEntry,
  leaves: readonly DirectoryLeaf[] = [],
  opts: AppendAuditOptions = {},
): Promise<AuditAppend> {
  if (!('isTransaction' in trx) || !trx.isTransaction) {
    throw new Error('appendAudit must run inside a transaction');
  }
  const n = leaves.length;
  // Timestamps are kept to the millisecond so the stored value re-hashes identically.
  const at = new Date(Math.floor(entry.at.getTime()));
  const logged = n > 0 ? tlogEntriesInsert(leaves) : undefined;
  const sql = `WITH head AS (
       UPDATE audit_head SET seq = seq + 1, tlog_next = tlog_next + ?::bigint WHERE id = 1
       RETURNING seq, tlog_next - ?::bigint AS first_index),
     ${logged ? `logged AS (${logged.sql}), ` : ''}appended AS (
       INSERT INTO audit_log (seq, at, actor_token_id, actor_role, action, target_type, target_id, request_id,
                              outcome, details)
       SELECT head.seq, ?::timestamptz, ?::uuid, ?, ?, ?, ?, ?, ?,
              ?::jsonb || CASE WHEN ?::bigint > 0
                THEN jsonb_build_object('tlog', jsonb_build_array(head.first_index, head.first_index + ?::bigint - 1))
                ELSE '{}'::jsonb END
         FROM head
       RETURNING seq, details -> 'tlog' AS tlog)
     SELECT seq, tlog FROM appended`;
  const bindings: InlineValue[] = [
    n,
    n,
    ...(logged?.bindings ?? []),
    at,
    entry.actorTokenId,
    entry.actorRole,
    entry.action,
    entry.targetType,
    entry.targetId,
    entry.requestId,
    entry.outcome,
    JSON.stringify(entry.details),
    n,
    n,
  ];
  let row: { seq: unknown; tlog: unknown } | undefined;
  // Never inside a savepoint: its COMMIT would end the outer transaction.
  const before = opts.before ?? [];
  if (opts.commit && canRunAndCommit(trx)) {
    const statements = [...before, { sql, bindings }].map((st) => inlineBindings(st.sql, st.bindings));
    const results = await runAndCommit(trx, statements.join(';\n'));
    row = results[before.length]?.rows[0] as typeof row;
  } else {
    for (const st of before) await trx.raw(st.sql, st.bindings as Knex.Value[]);
    const result = (await trx.raw(sql, bindings as Knex.Value[])) as {
      rows: { seq: unknown; tlog: unknown }[];
    };
    row = result.rows[0];
  }
  if (!row) throw new Error('audit_head is missing (migration 004)');
  const tlog = toJson<[number, number] | null>(row.tlog);
  return { seq: toNumber(row.seq), tlog: tlog ?? null };
}

/** The chain's hashed end: the last chained seq and its hash. */
export async function auditHead(db: Executor): Promise<{ seq: number; hash: Buffer }> {
  const row = (await db('audit_chain_head').where({ id: 1 }).first()) as
    { seq: unknown; hash: unknown } | undefined;
  return row ? { seq: toNumber(row.seq), hash: toBuffer(row.hash) } : { seq: 0, hash: AUDIT_GENESIS_HASH };
}

/** The last seq appended (chained or not): moves with every committed audit record. */
export async function latestAuditSeq(db: Executor): Promise<number> {
  const row = (await db('audit_head').select('seq').where({ id: 1 }).first()) as { seq: unknown } | undefined;
  return row ? toNumber(row.seq) : 0;
}

/**
 * Locks the chained end for one chainer and reads it, inside `trx`: other processes' chainers wait, or with
 * `skipLocked` get undefined at once. A separate row from audit_head, so chaining never queues behind appenders.
 */
export async function lockAuditChainHead(
  trx: Executor,
  opts: { skipLocked?: boolean } = {},
): Promise<{ seq: number; hash: Buffer } | undefined> {
  const q = trx('audit_chain_head').where({ id: 1 }).forUpdate().first();
  if (opts.skipLocked) q.skipLocked();
  const row = (await q) as { seq: unknown; hash: unknown } | undefined;
  if (!row) {
    if (opts.skipLocked) return undefined;
    throw new Error('audit_chain_head is missing (migration 020)');
  }
  return { seq: toNumber(row.seq), hash: toBuffer(row.hash) };
}

/** Committed records after `afterSeq` that wait for their chain hash, in seq order. */
export async function listUnchainedAudit(
  trx: Executor,
  afterSeq: number,
  limit: number,
): Promise<AuditRecord[]> {
  const rows = (await trx<AuditRow>('audit_log')
    .where('seq', '>', afterSeq)
    .orderBy('seq', 'asc')
    .limit(limit)) as AuditRow[];
  return rows.map(fromRow);
}

/** Writes chain hashes of consecutive records and the new chained end, in the chainer's transaction. */
export async function writeAuditChain(
  trx: Executor,
  chained: readonly { seq: number; prevHash: Buffer; hash: Buffer }[],
): Promise<void> {
  const last = chained.at(-1);
  if (!last) return;
  await trx.raw(
    `WITH chained AS (
       UPDATE audit_log a SET prev_hash = u.prev_hash, hash = u.hash
         FROM unnest(?::bigint[], ?::bytea[], ?::bytea[]) AS u(seq, prev_hash, hash)
        WHERE a.seq = u.seq AND a.hash IS NULL)
     UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1`,
    [
      chained.map((c) => c.seq),
      chained.map((c) => c.prevHash),
      chained.map((c) => c.hash),
      last.seq,
      last.hash,
    ] as unknown as Knex.Value[],
  );
}

export async function listAudit(db: Executor, page: PageRequest): Promise<Page<AuditRecord>> {
  const q = db<AuditRow>('audit_log')
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  return toPage(await q, page, fromRow, (r) => toNumber(r.seq));
}
