import type { Knex } from 'knex';
import type { Executor } from './database.js';
import { toNumber } from './row-types.js';

// Holder data a province sends the hub over the side channel (federation.md §0 decision 1, §3.4): encrypted under
// the hub's KEK before it reaches this module, stored only for a leaf whose hash it matched, and indexed by a
// keyed hash of the holder code in national_holder_index (distributed by that hash, §4.4).

export interface SealedSideRecord {
  idx: number;
  leafHash: Buffer;
  identifier: string;
  holderNameEnc: Buffer;
  holderCodeEnc: Buffer;
  holderCodeType: string;
  holderMasked: string;
  numberEnc: Buffer;
  typeName: string;
  issuerName: string;
  holderIndex: Buffer;
}

/** Stores records of node `nodeId` (a retried range overwrites nothing: first write wins). */
export async function insertSideRecords(
  trx: Executor,
  nodeId: string,
  records: readonly SealedSideRecord[],
  now: Date,
): Promise<void> {
  if (records.length === 0) return;
  const R = records;
  await trx.raw(
    `INSERT INTO national_side_records (node_id, idx, leaf_hash, identifier, holder_name_enc, holder_code_enc,
       holder_code_type, holder_masked, number_enc, type_name, issuer_name, received_at)
     SELECT ?, i, h, id, hn, hc, ct, hm, nu, tn, inn, ?
     FROM unnest(?::bigint[], ?::bytea[], ?::text[], ?::bytea[], ?::bytea[], ?::text[], ?::text[], ?::bytea[],
       ?::text[], ?::text[]) AS t(i, h, id, hn, hc, ct, hm, nu, tn, inn)
     ON CONFLICT (node_id, idx) DO NOTHING`,
    [
      nodeId,
      now,
      R.map((r) => r.idx),
      R.map((r) => r.leafHash),
      R.map((r) => r.identifier),
      R.map((r) => r.holderNameEnc),
      R.map((r) => r.holderCodeEnc),
      R.map((r) => r.holderCodeType),
      R.map((r) => r.holderMasked),
      R.map((r) => r.numberEnc),
      R.map((r) => r.typeName),
      R.map((r) => r.issuerName),
    ],
  );
  await insertNationalHolderIndex(
    trx,
    R.map((r) => ({ index: r.holderIndex, nodeId, identifier: r.identifier })),
  );
}

/** Holder index rows (keyed hash of the holder → node and identifier); one already there is kept. */
export async function insertNationalHolderIndex(
  trx: Executor,
  rows: readonly { index: Buffer; nodeId: string; identifier: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await trx.raw(
    `INSERT INTO national_holder_index (holder_index, node_id, identifier)
     SELECT * FROM unnest(?::bytea[], ?::text[], ?::text[]) ON CONFLICT DO NOTHING`,
    [
      rows.map((r) => r.index),
      rows.map((r) => r.nodeId),
      rows.map((r) => r.identifier),
    ] as unknown as Knex.Value[],
  );
}

/** A stored record as read back: the sealed record without its search index. */
export type StoredSideRecord = Omit<SealedSideRecord, 'holderIndex'>;

export async function listSideRecords(
  db: Executor,
  nodeId: string,
  start: number,
  end: number,
): Promise<StoredSideRecord[]> {
  const res = await db.raw(
    `SELECT idx, leaf_hash, identifier, holder_name_enc, holder_code_enc, holder_code_type, holder_masked, number_enc,
       type_name, issuer_name FROM national_side_records WHERE node_id = ? AND idx >= ? AND idx < ? ORDER BY idx`,
    [nodeId, start, end],
  );
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    idx: toNumber(r.idx),
    leafHash: r.leaf_hash as Buffer,
    identifier: r.identifier as string,
    holderNameEnc: r.holder_name_enc as Buffer,
    holderCodeEnc: r.holder_code_enc as Buffer,
    holderCodeType: r.holder_code_type as string,
    holderMasked: r.holder_masked as string,
    numberEnc: r.number_enc as Buffer,
    typeName: r.type_name as string,
    issuerName: r.issuer_name as string,
  }));
}

/** Identifiers of node licences whose holder index is `holderIndex` (the single-shard holder search, §4.4). */
export async function findByHolderIndex(
  db: Executor,
  holderIndex: Buffer,
): Promise<{ nodeId: string; identifier: string }[]> {
  const res = await db.raw('SELECT node_id, identifier FROM national_holder_index WHERE holder_index = ?', [
    holderIndex,
  ]);
  return (res.rows as { node_id: string; identifier: string }[]).map((r) => ({
    nodeId: r.node_id,
    identifier: r.identifier,
  }));
}
