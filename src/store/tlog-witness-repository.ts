import type { Executor } from './database.js';
import { toDateOrNull, toNumber } from './row-types.js';

/** A witness this node asks for cosignatures, and what it last learned from it (C2SP tlog-witness `old`). */
export interface TlogWitness {
  name: string;
  url: string;
  /** The witness's size for this log as last learned (200 or the 409 body); 0 before the first answer. */
  lastSize: number;
  lastAt: Date | null;
  lastError: string | null;
}

interface TlogWitnessRow {
  name: string;
  url: string;
  last_size: unknown;
  last_at: unknown;
  last_error: string | null;
}

/** The witness row, created at size 0 on first use (tlog-witness: a client MAY start with `old 0`). */
export async function ensureTlogWitness(db: Executor, name: string, url: string): Promise<TlogWitness> {
  await db('tlog_witnesses').insert({ name, url, last_size: 0 }).onConflict('name').ignore();
  const row = (await db<TlogWitnessRow>('tlog_witnesses').where({ name }).first()) as TlogWitnessRow;
  if (row.url !== url) await db('tlog_witnesses').where({ name }).update({ url });
  return {
    name: row.name,
    url,
    lastSize: toNumber(row.last_size),
    lastAt: toDateOrNull(row.last_at),
    lastError: row.last_error,
  };
}

/** What the last exchange taught: the witness's size (null leaves it) and the error, if any. */
export async function updateTlogWitness(
  db: Executor,
  name: string,
  change: { lastSize?: number; error: string | null; at: Date },
): Promise<void> {
  await db('tlog_witnesses')
    .where({ name })
    .update({
      ...(change.lastSize !== undefined ? { last_size: change.lastSize } : {}),
      last_at: change.at,
      last_error: change.error === null ? null : change.error.slice(0, 500),
    });
}
