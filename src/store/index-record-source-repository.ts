import type { Executor } from './database.js';
import { toBuffer, toNumber } from './row-types.js';

// What a province's side channel reads (federation.md §3.4): the licence leaves of a log range joined with the
// licence rows they are about, for the holder data the leaves never carry (§2.2). The holder code stays
// encrypted here; the service decrypts it for the hub's answer only.

export interface IndexRecordSource {
  idx: number;
  leaf: Buffer;
  leafHash: Buffer;
  identifier: string;
  holderName: string;
  holderCodeEnc: Buffer;
  holderCodeType: string;
  number: string;
  typeName: string;
  issuerName: string;
}

/** Licence leaves in [start, end) whose licence row exists, in index order. */
export async function listIndexRecordSources(
  db: Executor,
  start: number,
  end: number,
): Promise<IndexRecordSource[]> {
  const res = await db.raw(
    `SELECT e.idx, e.leaf, e.leaf_hash, l.identifier, l.holder_name, l.holder_code_enc, l.holder_code_type, l.number,
       t.name AS type_name, a.name AS issuer_name
     FROM tlog_entries e
     JOIN licences l ON l.identifier = e.subject
     JOIN licence_types t ON t.code = l.type_code
     JOIN agencies a ON a.id = l.agency_id
     WHERE e.idx >= ? AND e.idx < ? AND e.kind = 'licence'
     ORDER BY e.idx`,
    [start, end],
  );
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    idx: toNumber(r.idx),
    leaf: toBuffer(r.leaf),
    leafHash: toBuffer(r.leaf_hash),
    identifier: r.identifier as string,
    holderName: r.holder_name as string,
    holderCodeEnc: toBuffer(r.holder_code_enc),
    holderCodeType: r.holder_code_type as string,
    number: r.number as string,
    typeName: r.type_name as string,
    issuerName: r.issuer_name as string,
  }));
}
