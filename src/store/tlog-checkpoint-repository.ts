import type { Executor } from './database.js';
import { toBuffer, toDate, toDateOrNull, toNumber } from './row-types.js';

/** A checkpoint this node's publisher signed, with the cosignatures collected for it (federation.md §3.2). */
export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  /** The log-signed note. */
  note: string;
  /** The note with the witnesses' cosignature lines added, once collected. */
  cosigned: string | null;
  /** The latest cosignature's timestamp (the freshness bound a verification report shows). */
  witnessTime: Date | null;
  signedAt: Date;
  /** Satisfies the witness policy (or was published unwitnessed by the development switch). */
  published: boolean;
}

interface CheckpointRow {
  size: unknown;
  root: unknown;
  note: string;
  cosigned: string | null;
  witness_time: unknown;
  signed_at: unknown;
  published: boolean;
}

function toCheckpoint(r: CheckpointRow): StoredCheckpoint {
  return {
    size: toNumber(r.size),
    root: toBuffer(r.root),
    note: r.note,
    cosigned: r.cosigned,
    witnessTime: toDateOrNull(r.witness_time),
    signedAt: toDate(r.signed_at),
    published: r.published,
  };
}

/** Stores a freshly signed checkpoint; false when one of that size exists already (it is kept). */
export async function insertCheckpoint(
  db: Executor,
  cp: { size: number; root: Uint8Array; note: string; signedAt: Date; published: boolean },
): Promise<boolean> {
  const rows = (await db('tlog_checkpoints')
    .insert({
      size: cp.size,
      root: Buffer.from(cp.root),
      note: cp.note,
      signed_at: cp.signedAt,
      published: cp.published,
    })
    .onConflict('size')
    .ignore()
    .returning('size')) as unknown[];
  return rows.length > 0;
}

/**
 * Replaces the note of checkpoint `size` while no witness has cosigned it (after a log-key rotation the old key's
 * signature would never be cosigned again). Returns false when it was cosigned meanwhile.
 */
export async function resignUncosignedCheckpoint(db: Executor, size: number, note: string): Promise<boolean> {
  const n = await db('tlog_checkpoints')
    .where({ size, published: false })
    .whereNull('cosigned')
    .update({ note });
  return n > 0;
}

/** Records the cosigned note of checkpoint `size` and, when the policy is now met, publishes it. */
export async function recordCosignatures(
  db: Executor,
  size: number,
  cosigned: string,
  witnessTime: Date,
  publish: boolean,
): Promise<void> {
  await db('tlog_checkpoints')
    .where({ size })
    .update({
      cosigned,
      witness_time: witnessTime,
      ...(publish ? { published: true } : {}),
    });
}

/** The largest checkpoint the publisher signed, cosigned or not (GET /tlog/checkpoint?state=latest). */
export async function latestCheckpoint(db: Executor): Promise<StoredCheckpoint | undefined> {
  const row = (await db<CheckpointRow>('tlog_checkpoints').orderBy('size', 'desc').first()) as
    CheckpointRow | undefined;
  return row && toCheckpoint(row);
}

/**
 * The largest published checkpoint (GET /tlog/checkpoint): the size up to which this node's proofs are served
 * (the publish helper's proof service reads `size` through this).
 */
export async function latestPublishedCheckpoint(db: Executor): Promise<StoredCheckpoint | undefined> {
  const row = (await db<CheckpointRow>('tlog_checkpoints')
    .where({ published: true })
    .orderBy('size', 'desc')
    .first()) as CheckpointRow | undefined;
  return row && toCheckpoint(row);
}

export async function checkpointAt(db: Executor, size: number): Promise<StoredCheckpoint | undefined> {
  const row = (await db<CheckpointRow>('tlog_checkpoints').where({ size }).first()) as
    CheckpointRow | undefined;
  return row && toCheckpoint(row);
}

/** Whether a published checkpoint has a size in [lo, hi): partial tiles exist only at such sizes (tlog-tiles). */
export async function publishedCheckpointSizeIn(db: Executor, lo: number, hi: number): Promise<boolean> {
  const row = (await db('tlog_checkpoints')
    .where({ published: true })
    .andWhere('size', '>=', lo)
    .andWhere('size', '<', hi)
    .first('size')) as unknown;
  return row !== undefined;
}
