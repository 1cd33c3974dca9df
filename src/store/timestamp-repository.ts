import type { Executor } from './database.js';
import { toBuffer, toDate, toNumber } from './row-types.js';

/** One issued timestamp token, as kept for accountability: which TSA stamped which imprint, when. */
export interface TimestampRecord {
  serial: number;
  caId: string;
  genTime: Date;
  hashAlgorithm: string;
  messageImprint: Buffer;
}

interface Row {
  serial: unknown;
  ca_id: string;
  gen_time: unknown;
  hash_algorithm: string;
  message_imprint: unknown;
}

function fromRow(r: Row): TimestampRecord {
  return {
    serial: toNumber(r.serial),
    caId: r.ca_id,
    genTime: toDate(r.gen_time),
    hashAlgorithm: r.hash_algorithm,
    messageImprint: toBuffer(r.message_imprint),
  };
}

/**
 * Records a token about to be issued and returns its serial from tsa_serial_seq: one round trip, and the
 * sequence keeps serials unique and increasing across restarts and concurrent processes.
 */
export async function recordTimestamp(db: Executor, r: Omit<TimestampRecord, 'serial'>): Promise<number> {
  const rows = (await db('timestamp_tokens')
    .insert({
      serial: db.raw("nextval('tsa_serial_seq')"),
      ca_id: r.caId,
      gen_time: r.genTime,
      hash_algorithm: r.hashAlgorithm,
      message_imprint: r.messageImprint,
    })
    .returning('serial')) as { serial: unknown }[];
  const row = rows[0];
  if (!row) throw new Error('timestamp_tokens insert returned no serial');
  return toNumber(row.serial);
}

export async function findTimestamp(db: Executor, serial: number): Promise<TimestampRecord | undefined> {
  const row = (await db('timestamp_tokens').where({ serial }).first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}
