import type { Executor } from './database.js';
import { toBuffer, toDate, toNumber } from './row-types.js';
import { runLastStatements } from './commit-folding-client.js';

/** The witness's view of one log: the largest checkpoint it cosigned (C2SP tlog-witness). */
export interface WitnessState {
  origin: string;
  size: number;
  root: Buffer;
  /** The checkpoint the witness last cosigned, with the log's signature and the cosignature. */
  cosigned: string | null;
  lastOutcome: string | null;
  updatedAt: Date;
}

interface WitnessStateRow {
  origin: string;
  size: unknown;
  root: unknown;
  cosigned: string | null;
  last_outcome: string | null;
  updated_at: unknown;
}

function toState(r: WitnessStateRow): WitnessState {
  return {
    origin: r.origin,
    size: toNumber(r.size),
    root: toBuffer(r.root),
    cosigned: r.cosigned,
    lastOutcome: r.last_outcome,
    updatedAt: toDate(r.updated_at),
  };
}

/**
 * The origin's state, row-locked until the transaction ends (`SELECT … FOR UPDATE`), created at size 0 with
 * the empty tree's root if the witness has not seen the origin (tlog-witness: it then treats the size as 0).
 * Two first requests for a new origin both insert-or-ignore, so the second waits for the first's row and locks it.
 */
export async function lockWitnessState(
  trx: Executor,
  origin: string,
  originSm3: Uint8Array,
  emptyRoot: Uint8Array,
  at: Date,
): Promise<WitnessState> {
  const locked = () =>
    trx<WitnessStateRow>('witness_state').where({ origin }).forUpdate().first() as Promise<
      WitnessStateRow | undefined
    >;
  const row = await locked();
  if (row) return toState(row);
  await trx('witness_state')
    .insert({
      origin,
      origin_sm3: Buffer.from(originSm3),
      size: 0,
      root: Buffer.from(emptyRoot),
      updated_at: at,
    })
    .onConflict('origin')
    .ignore();
  return toState((await locked()) as WitnessStateRow);
}

/**
 * Advances the origin's state (under the lock taken by lockWitnessState). With `commit` this is the transaction's
 * last statement and travels with its COMMIT (one round trip fewer per cosignature; runLastStatements).
 */
export async function advanceWitnessState(
  trx: Executor,
  origin: string,
  s: { size: number; root: Uint8Array; cosigned: string; at: Date },
  opts: { commit?: boolean } = {},
): Promise<void> {
  await runLastStatements(
    trx,
    [
      {
        sql: `UPDATE witness_state SET size = ?::bigint, root = ?::bytea, cosigned = ?::text,
                last_outcome = 'cosigned', updated_at = ?::timestamptz
               WHERE origin = ?::text`,
        bindings: [s.size, Buffer.from(s.root), s.cosigned, s.at, origin],
      },
    ],
    opts,
  );
}

export async function setWitnessOutcome(trx: Executor, origin: string, outcome: string): Promise<void> {
  await trx('witness_state').where({ origin }).update({ last_outcome: outcome });
}

/** One refused but validly log-signed request, kept as evidence of what the log signed. */
export interface WitnessEvidence {
  id: number;
  origin: string;
  oldSize: number;
  newSize: number;
  outcome: string;
  body: Buffer;
  at: Date;
}

/**
 * Keeps a refused request as evidence, once: the same body refused the same way again (a log retrying a tree the
 * witness will never cosign) adds nothing, and must not let one log grow the table without bound.
 */
export async function insertWitnessEvidence(trx: Executor, e: Omit<WitnessEvidence, 'id'>): Promise<void> {
  await trx.raw(
    `INSERT INTO witness_requests (origin, old_size, new_size, outcome, body, at)
     SELECT ?, ?, ?, ?, ?, ?
      WHERE NOT EXISTS (SELECT 1 FROM witness_requests
                         WHERE origin = ? AND new_size = ? AND old_size = ? AND outcome = ? AND body = ?)`,
    [
      e.origin,
      e.oldSize,
      e.newSize,
      e.outcome,
      e.body,
      e.at,
      e.origin,
      e.newSize,
      e.oldSize,
      e.outcome,
      e.body,
    ],
  );
}

interface EvidenceRow {
  id: unknown;
  origin: string;
  old_size: unknown;
  new_size: unknown;
  outcome: string;
  body: unknown;
  at: unknown;
}

export async function listWitnessEvidence(
  db: Executor,
  origin: string,
  limit = 100,
): Promise<WitnessEvidence[]> {
  const rows = (await db<EvidenceRow>('witness_requests')
    .where({ origin })
    .orderBy('id', 'asc')
    .limit(limit)) as EvidenceRow[];
  return rows.map((r) => ({
    id: toNumber(r.id),
    origin: r.origin,
    oldSize: toNumber(r.old_size),
    newSize: toNumber(r.new_size),
    outcome: r.outcome,
    body: toBuffer(r.body),
    at: toDate(r.at),
  }));
}

/** The cosigned checkpoint for the origin whose SM3 is `originSm3` (GET /witness/<hex>/checkpoint). */
export async function witnessStateBySm3(
  db: Executor,
  originSm3: Uint8Array,
): Promise<WitnessState | undefined> {
  const row = (await db<WitnessStateRow>('witness_state')
    .where('origin_sm3', Buffer.from(originSm3))
    .first()) as WitnessStateRow | undefined;
  return row && toState(row);
}

export async function listWitnessStates(db: Executor): Promise<WitnessState[]> {
  const rows = (await db<WitnessStateRow>('witness_state').orderBy('origin', 'asc')) as WitnessStateRow[];
  return rows.map(toState);
}
