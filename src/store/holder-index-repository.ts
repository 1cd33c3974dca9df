import type { Knex } from 'knex';
import type { Executor } from './database.js';
import { toBuffer, toNumber } from './row-types.js';

/** The keyed-hash scheme the stored holder-code indices are in (migration 021). */
export type HolderIndexScheme = 'hmac-sha256' | 'hmac-sm3';

/** The scheme, with the row locked for one upgrader at a time when `forUpdate`. */
export async function readHolderIndexScheme(
  db: Executor,
  opts: { forUpdate?: boolean } = {},
): Promise<HolderIndexScheme> {
  const q = db('data_protection_state').select('holder_index').where({ id: 1 }).first();
  if (opts.forUpdate) q.forUpdate();
  const row = (await q) as { holder_index: HolderIndexScheme } | undefined;
  if (!row) throw new Error('data_protection_state is missing (migration 021)');
  return row.holder_index;
}

export async function setHolderIndexScheme(trx: Executor, scheme: HolderIndexScheme): Promise<void> {
  await trx('data_protection_state').where({ id: 1 }).update({ holder_index: scheme });
}

/** Licences after `afterIdentifier` with their encrypted holder codes, in identifier order. */
export async function listLicenceHolderCodes(
  db: Executor,
  afterIdentifier: string,
  limit: number,
): Promise<{ identifier: string; holderCodeEnc: Buffer }[]> {
  const rows = (await db('licences')
    .select('identifier', 'holder_code_enc')
    .where('identifier', '>', afterIdentifier)
    .orderBy('identifier')
    .limit(limit)) as { identifier: string; holder_code_enc: unknown }[];
  return rows.map((r) => ({ identifier: r.identifier, holderCodeEnc: toBuffer(r.holder_code_enc) }));
}

export async function updateLicenceHolderIndexes(
  trx: Executor,
  rows: readonly { identifier: string; index: Buffer }[],
): Promise<void> {
  if (rows.length === 0) return;
  await trx.raw(
    `UPDATE licences l SET holder_code_index = u.hi
       FROM unnest(?::text[], ?::bytea[]) AS u(id, hi) WHERE l.identifier = u.id`,
    [rows.map((r) => r.identifier), rows.map((r) => r.index)] as unknown as Knex.Value[],
  );
}

/** Side records after (nodeId, idx), with their encrypted holder codes, in key order. */
export async function listSideHolderCodes(
  db: Executor,
  after: { nodeId: string; idx: number },
  limit: number,
): Promise<{ nodeId: string; idx: number; identifier: string; codeType: string; holderCodeEnc: Buffer }[]> {
  const rows = (
    (await db.raw(
      `SELECT node_id, idx, identifier, holder_code_type, holder_code_enc FROM national_side_records
        WHERE (node_id, idx) > (?, ?) ORDER BY node_id, idx LIMIT ?`,
      [after.nodeId, after.idx, limit],
    )) as {
      rows: {
        node_id: string;
        idx: unknown;
        identifier: string;
        holder_code_type: string;
        holder_code_enc: unknown;
      }[];
    }
  ).rows;
  return rows.map((r) => ({
    nodeId: r.node_id,
    idx: toNumber(r.idx),
    identifier: r.identifier,
    codeType: r.holder_code_type,
    holderCodeEnc: toBuffer(r.holder_code_enc),
  }));
}

/** Forgets every national holder index row (they are rebuilt from the side records in the same transaction). */
export async function clearNationalHolderIndex(trx: Executor): Promise<void> {
  await trx.raw('DELETE FROM national_holder_index');
}
