import type { CrlRecord } from '../pki/crl-record.js';
import type { Executor } from './database.js';
import { toBuffer, toDate, toNumber } from './row-types.js';

interface Row {
  ca_id: string;
  crl_number: unknown;
  this_update: unknown;
  next_update: unknown;
  entries: unknown;
  der: unknown;
}

function fromRow(r: Row): CrlRecord {
  return {
    caId: r.ca_id,
    crlNumber: toNumber(r.crl_number),
    thisUpdate: toDate(r.this_update),
    nextUpdate: toDate(r.next_update),
    entries: toNumber(r.entries),
    der: toBuffer(r.der),
  };
}

export async function latestCrl(db: Executor, caId: string): Promise<CrlRecord | undefined> {
  const row = (await db('crls').where({ ca_id: caId }).orderBy('crl_number', 'desc').first()) as
    Row | undefined;
  return row ? fromRow(row) : undefined;
}

export async function latestCrlNumber(db: Executor, caId: string): Promise<number> {
  const row = (await db('crls').where({ ca_id: caId }).max<{ n: unknown }[]>({ n: 'crl_number' }))[0];
  return row?.n === null || row?.n === undefined ? 0 : toNumber(row.n);
}

export async function insertCrl(db: Executor, c: CrlRecord): Promise<void> {
  await db('crls').insert({
    ca_id: c.caId,
    crl_number: c.crlNumber,
    this_update: c.thisUpdate,
    next_update: c.nextUpdate,
    entries: c.entries,
    der: c.der,
  });
}
