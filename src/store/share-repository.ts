import type { Knex } from 'knex';

import type { Executor } from './database.js';
import { toBuffer, toNumber } from './row-types.js';

// The hub's sharing queries (federation.md §3.6) over the national index: licences joined with the holder data
// the side channel brought (still encrypted; masked code in clear), the licence-type leaves of each mirror, and
// the share_usages record of every call. Every statement on a distributed table names node_id (§4.4).

/** A national licence as a sharing query shows it, with its side record's columns where one arrived. */
export interface ShareLicenceRow {
  nodeId: string;
  identifier: string;
  typeCode: string | null;
  issuer: string | null;
  status: string;
  validFrom: string | null;
  validTo: string | null;
  pdfSm3: string | null;
  ofdSm3: string | null;
  /** The side record (null until it arrived). */
  side: {
    idx: number;
    typeName: string;
    issuerName: string;
    holderMasked: string;
    numberEnc: Buffer;
  } | null;
}

/** Licences `identifiers` of node `nodeId`, each with its latest side record (one single-shard read). */
export async function listShareLicences(
  db: Executor,
  nodeId: string,
  identifiers: readonly string[],
): Promise<ShareLicenceRow[]> {
  if (identifiers.length === 0) return [];
  const res = await db.raw(
    `SELECT l.node_id, l.identifier, l.type_code, l.issuer, l.status, l.valid_from, l.valid_to, l.pdf_sm3, l.ofd_sm3,
       s.idx, s.type_name, s.issuer_name, s.holder_masked, s.number_enc
     FROM national_licences l
     LEFT JOIN LATERAL (
       SELECT idx, type_name, issuer_name, holder_masked, number_enc FROM national_side_records r
       WHERE r.node_id = l.node_id AND r.identifier = l.identifier ORDER BY idx DESC LIMIT 1) s ON true
     WHERE l.node_id = ? AND l.identifier = ANY(?::text[])
     ORDER BY l.identifier`,
    [nodeId, [...identifiers]] as Knex.RawBinding[],
  );
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    nodeId: r.node_id as string,
    identifier: r.identifier as string,
    typeCode: r.type_code as string | null,
    issuer: r.issuer as string | null,
    status: r.status as string,
    validFrom: r.valid_from as string | null,
    validTo: r.valid_to as string | null,
    pdfSm3: r.pdf_sm3 as string | null,
    ofdSm3: r.ofd_sm3 as string | null,
    side:
      r.idx === null
        ? null
        : {
            idx: toNumber(r.idx),
            typeName: r.type_name as string,
            issuerName: r.issuer_name as string,
            holderMasked: r.holder_masked as string,
            numberEnc: r.number_enc as Buffer,
          },
  }));
}

/** Which node registered the agency with this USCC (the reference table that routes identifiers, §4.4). */
export async function nodeOfAgency(db: Executor, uscc: string): Promise<string | undefined> {
  const res = await db.raw('SELECT node_id FROM national_agencies WHERE uscc = ?', [uscc]);
  return (res.rows as { node_id: string }[])[0]?.node_id;
}

/** The replication state of node `nodeId` at the hub (quarantined, forked, withdrawn…), if it is mirrored. */
export async function mirrorStateOf(db: Executor, nodeId: string): Promise<string | undefined> {
  const res = await db.raw('SELECT state FROM mirror_state WHERE node_id = ?', [nodeId]);
  return (res.rows as { state: string }[])[0]?.state;
}

/**
 * The licence-type leaves node `nodeId` logged at indices `from` ≤ idx < `to`, in log order (JSON text as logged):
 * a range scan of the node's mirror, so a caller keeps its place and reads only what was mirrored since.
 */
export async function listLicenceTypeLeaves(
  db: Executor,
  nodeId: string,
  from: number,
  to: number,
): Promise<{ idx: number; leaf: Buffer }[]> {
  // Leaves are RFC 8785 JSON, so the kind member is written exactly this way; the caller parses each hit.
  const res = await db.raw(
    `SELECT idx, leaf FROM mirror_entries
     WHERE node_id = ? AND idx >= ? AND idx < ? AND position(?::bytea in leaf) > 0 ORDER BY idx`,
    [nodeId, from, to, Buffer.from('"kind":"licence-type"', 'utf8')],
  );
  return (res.rows as { idx: unknown; leaf: unknown }[]).map((r) => ({
    idx: toNumber(r.idx),
    leaf: toBuffer(r.leaf),
  }));
}

export interface ShareUsage {
  ownerNodeId: string;
  action: 'search' | 'record' | 'file' | 'copy';
  identifier: string | null;
  requesterNode: string;
  actorTokenId: string | null;
  useFor: string;
  organization: string;
  user: string;
  itemName: string;
  itemCode: string;
  businessNumber: string;
  at: Date;
}

/** Records the uses of one sharing call (in the transaction of its audit record). */
export async function insertShareUsages(trx: Executor, uses: readonly ShareUsage[]): Promise<void> {
  if (uses.length === 0) return;
  await trx('share_usages').insert(
    uses.map((u) => ({
      owner_node_id: u.ownerNodeId,
      action: u.action,
      identifier: u.identifier,
      requester_node: u.requesterNode,
      actor_token_id: u.actorTokenId,
      use_for: u.useFor,
      organization: u.organization,
      user_name: u.user,
      item_name: u.itemName,
      item_code: u.itemCode,
      business_number: u.businessNumber,
      at: u.at,
    })),
  );
}
