import type { Knex } from 'knex';
import { AUDIT_GENESIS_HASH, type AuditEntry, type AuditRecord } from '../audit/audit-chain.js';
import type { Executor } from './database.js';
import { toPage } from './page.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toBuffer, toDate, toJson, toNumber } from './row-types.js';
import type { InlineStatement, InlineValue } from './sql-literal.js';
import { runLastStatements } from './commit-folding-client.js';
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
  /** From audit_chain (migration 023); absent or null until the chainer has hashed the record. */
  prev_hash?: unknown;
  hash?: unknown;
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
   * The changes' own last writes, run just before the records: with `commit`, in the same message, so they cost
   * no round trip of their own, and before the head row is taken, so they are not run under its lock. One
   * statement each.
   */
  before?: readonly InlineStatement[];
}

/** One record to append: the entry and the directory leaves its change caused. */
export interface AuditAppendItem {
  entry: AuditEntry;
  leaves?: readonly DirectoryLeaf[];
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
  const [one] = await appendAudits(trx, [{ entry, leaves }], opts);
  return one!;
}

/**
 * Appends several records, in order, each as `appendAudit` would (its own seq, its own leaves' indices). With
 * `commit`, the `before` writes, the records and the COMMIT travel as one message: a group of independent changes
 * committed together holds the head row for the server's work only.
 */
export async function appendAudits(
  trx: Executor,
  items: readonly AuditAppendItem[],
  opts: AppendAuditOptions = {},
): Promise<AuditAppend[]> {
  if (!('isTransaction' in trx) || !trx.isTransaction) {
    throw new Error('appendAudit must run inside a transaction');
  }
  // The changes' writes first, then the records in one statement, which takes the head row's lock.
  const statements = [
    ...(opts.before ?? []),
    auditAppendStatement(items.map((item) => ({ entry: item.entry, leaves: item.leaves ?? [] }))),
  ];
  // Never inside a savepoint (runLastStatements keeps to that): its COMMIT would end the outer transaction.
  const results = await runLastStatements(trx, statements, opts);
  const rows = (results.at(-1)?.rows ?? []) as { seq: unknown; tlog: unknown }[];
  if (rows.length !== items.length) throw new Error('audit_head is missing (migration 004)');
  return rows.map((row) => ({
    seq: toNumber(row.seq),
    tlog: toJson<[number, number] | null>(row.tlog) ?? null,
  }));
}

/**
 * The one statement that advances the head by the records and their leaves, inserts the leaves and inserts the
 * records, in order: record i takes seq base + i and its leaves the next indices. Rows travel as one array per
 * column (unnest), so the statement has one shape whatever the group's size; a lone record takes the scalar form.
 */
function auditAppendStatement(
  records: readonly { entry: AuditEntry; leaves: readonly DirectoryLeaf[] }[],
): InlineStatement {
  if (records.length === 1) return oneAuditAppendStatement(records[0]!.entry, records[0]!.leaves);
  const leaves = records.flatMap((r) => r.leaves);
  const owners = records.flatMap((r, i) => r.leaves.map(() => i + 1));
  const logged = leaves.length > 0 ? tlogEntriesInsert(leaves, owners) : undefined;
  const sql = `WITH rec AS (
       SELECT r.*, (sum(r.leaf_count) OVER (ORDER BY r.n) - r.leaf_count)::bigint AS leaf_off
         FROM unnest(?::timestamptz[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                     ?::jsonb[], ?::bigint[])
              WITH ORDINALITY AS r(at, actor_token_id, actor_role, action, target_type, target_id, request_id,
                                   outcome, details, leaf_count, n)),
     head AS (
       UPDATE audit_head SET seq = seq + ?::bigint, tlog_next = tlog_next + ?::bigint WHERE id = 1
       RETURNING seq - ?::bigint AS base_seq, tlog_next - ?::bigint AS first_index),
     ${logged ? `logged AS (${logged.sql}), ` : ''}appended AS (
       INSERT INTO audit_log (seq, at, actor_token_id, actor_role, action, target_type, target_id, request_id,
                              outcome, details)
       SELECT head.base_seq + rec.n, rec.at, rec.actor_token_id, rec.actor_role, rec.action, rec.target_type,
              rec.target_id, rec.request_id, rec.outcome,
              rec.details || CASE WHEN rec.leaf_count > 0
                THEN jsonb_build_object('tlog', jsonb_build_array(head.first_index + rec.leaf_off,
                                                                  head.first_index + rec.leaf_off + rec.leaf_count - 1))
                ELSE '{}'::jsonb END
         FROM head, rec
       RETURNING seq, details -> 'tlog' AS tlog)
     SELECT seq, tlog FROM appended ORDER BY seq`;
  const entries = records.map((r) => r.entry);
  const bindings: InlineValue[] = [
    // Timestamps are kept to the millisecond so the stored value re-hashes identically.
    entries.map((e) => new Date(Math.floor(e.at.getTime())).toISOString()),
    entries.map((e) => e.actorTokenId),
    entries.map((e) => e.actorRole),
    entries.map((e) => e.action),
    entries.map((e) => e.targetType),
    entries.map((e) => e.targetId),
    entries.map((e) => e.requestId),
    entries.map((e) => e.outcome),
    entries.map((e) => JSON.stringify(e.details)),
    records.map((r) => r.leaves.length),
    records.length,
    leaves.length,
    records.length,
    leaves.length,
    ...(logged?.bindings ?? []),
  ];
  return { sql, bindings };
}

/**
 * `auditAppendStatement` for one record, with scalar values: measured 15–20 % more appends per second than the
 * array form for one record (bench:federation part `append-in-process`), and every change outside a group is one.
 */
function oneAuditAppendStatement(entry: AuditEntry, leaves: readonly DirectoryLeaf[]): InlineStatement {
  const n = leaves.length;
  const logged =
    n > 0
      ? tlogEntriesInsert(
          leaves,
          leaves.map(() => 1),
        )
      : undefined;
  const sql = `WITH head AS (
       UPDATE audit_head SET seq = seq + 1, tlog_next = tlog_next + ?::bigint WHERE id = 1
       RETURNING seq - 1 AS base_seq, tlog_next - ?::bigint AS first_index),
     ${logged ? `logged AS (${logged.sql}), ` : ''}appended AS (
       INSERT INTO audit_log (seq, at, actor_token_id, actor_role, action, target_type, target_id, request_id,
                              outcome, details)
       SELECT head.base_seq + 1, ?::timestamptz, ?::uuid, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text,
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
    // Timestamps are kept to the millisecond so the stored value re-hashes identically.
    new Date(Math.floor(entry.at.getTime())),
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
  return { sql, bindings };
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

/**
 * Committed records after `afterSeq` that wait for their chain hash, in seq order: with `afterSeq` the chained
 * end, none of them has a row in audit_chain yet, so the table is not read.
 */
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
  // A plain INSERT: a seq chained twice is a broken invariant (the head row lock admits one chainer), and the
  // primary key refuses it loudly rather than skipping it (migration 023).
  await trx.raw(
    `WITH chained AS (
       INSERT INTO audit_chain (seq, prev_hash, hash)
       SELECT * FROM unnest(?::bigint[], ?::bytea[], ?::bytea[]))
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
  const q = db<AuditRow>('audit_log as a')
    .leftJoin('audit_chain as c', 'c.seq', 'a.seq')
    .select('a.*', 'c.prev_hash', 'c.hash')
    .orderBy('a.seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('a.seq', '>', page.after);
  return toPage(await q, page, fromRow, (r) => toNumber(r.seq));
}
