import type { Knex } from 'knex';

import type { Executor } from './database.js';
import type { LoggedCertificate } from '../trust-list/log-key-certificate.js';
import { toBuffer, toDate, toNumber } from './row-types.js';

// The national index the hub derives from mirrored leaves (federation.md §4.2): agencies (a reference table),
// licences and their events, seals, certificates. Written set-based, one statement per table per batch
// (`INSERT … SELECT FROM unnest(…)`, §6.2), inside the replication transaction of the batch; every statement on
// a distributed table names its node_id (§4.4).

export interface PriorLicenceRow {
  identifier: string;
  status: string;
  version: number | null;
  issuer: string | null;
}

/** The licences, agencies and seals of node `nodeId` a batch names (three single-shard or reference reads). */
export async function readNationalPrior(
  trx: Executor,
  nodeId: string,
  keys: { identifiers: string[]; usccs: string[]; esIds: string[] },
): Promise<{ licences: PriorLicenceRow[]; agencies: { uscc: string; nodeId: string }[]; esIds: string[] }> {
  const licences = keys.identifiers.length
    ? ((
        await trx.raw(
          `SELECT identifier, status, version, issuer FROM national_licences
           WHERE node_id = ? AND identifier = ANY(?::text[])`,
          [nodeId, keys.identifiers],
        )
      ).rows as { identifier: string; status: string; version: unknown; issuer: string | null }[])
    : [];
  const agencies = keys.usccs.length
    ? ((
        await trx.raw('SELECT uscc, node_id FROM national_agencies WHERE uscc = ANY(?::text[])', [keys.usccs])
      ).rows as { uscc: string; node_id: string }[])
    : [];
  const seals = keys.esIds.length
    ? ((
        await trx.raw('SELECT es_id FROM national_seals WHERE node_id = ? AND es_id = ANY(?::text[])', [
          nodeId,
          keys.esIds,
        ])
      ).rows as { es_id: string }[])
    : [];
  return {
    licences: licences.map((r) => ({
      identifier: r.identifier,
      status: r.status,
      version: r.version === null ? null : toNumber(r.version),
      issuer: r.issuer,
    })),
    agencies: agencies.map((r) => ({ uscc: r.uscc, nodeId: r.node_id })),
    esIds: seals.map((r) => r.es_id),
  };
}

/** Flags travel as one comma-joined text per row: unnest cannot take ragged two-dimensional arrays. */
const flagsText = (f: readonly string[]) => f.join(',');
const FLAGS_SQL = (col: string) => `COALESCE(string_to_array(NULLIF(${col}, ''), ','), '{}')`;
const MERGE_FLAGS = (table: string) =>
  `ARRAY(SELECT DISTINCT f FROM unnest(${table}.flags || excluded.flags) AS u(f) ORDER BY f)`;

export interface NationalWrite {
  events: {
    idx: number;
    kind: string;
    identifier: string;
    op: string;
    fromStatus: string | null;
    toStatus: string | null;
    related: string | null;
    at: string;
    flags: string[];
  }[];
  licences: {
    identifier: string;
    typeCode: string | null;
    issuer: string | null;
    version: number | null;
    status: string;
    issueDate: string | null;
    validFrom: string | null;
    validTo: string | null;
    pdfSm3: string | null;
    pdfBytes: number | null;
    ofdSm3: string | null;
    ofdBytes: number | null;
    signatureFormat: string | null;
    esId: string | null;
    signer: string | null;
    predecessor: string | null;
    successor: string | null;
    firstIdx: number;
    lastIdx: number;
    at: string;
    flags: string[];
  }[];
  seals: {
    esId: string;
    agency: string;
    type: string;
    status: string;
    validFrom: string;
    validTo: string;
    maker: string;
    signers: string[];
    sm3: string | null;
    firstIdx: number;
    lastIdx: number;
    history: unknown[];
    flags: string[];
  }[];
  certificates: {
    serial: string;
    ca: string;
    profile: string;
    agency: string | null;
    status: string;
    notBefore: string;
    notAfter: string;
    sm3: string | null;
    reason: string | null;
    revokedAt: string | null;
    invalidityDate: string | null;
    firstIdx: number;
    lastIdx: number;
    history: unknown[];
  }[];
  agencies: { uscc: string; name: string; region: string; idx: number }[];
}

/** Writes one batch's national rows for node `nodeId`. */
export async function writeNationalBatch(trx: Executor, nodeId: string, w: NationalWrite): Promise<void> {
  if (w.agencies.length) {
    // A USCC another node registered first stays theirs (the plan raised a violation for it).
    await trx.raw(
      `INSERT INTO national_agencies (uscc, node_id, name, region, idx)
       SELECT u, ?, n, r, i FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS t(u, n, r, i)
       ON CONFLICT (uscc) DO NOTHING`,
      [
        nodeId,
        w.agencies.map((a) => a.uscc),
        w.agencies.map((a) => a.name),
        w.agencies.map((a) => a.region),
        w.agencies.map((a) => a.idx),
      ] as Knex.RawBinding[],
    );
  }
  if (w.licences.length) {
    const L = w.licences;
    await trx.raw(
      `INSERT INTO national_licences (node_id, identifier, type_code, issuer, version, status, issue_date, valid_from,
         valid_to, pdf_sm3, pdf_bytes, ofd_sm3, ofd_bytes, signature_format, es_id, signer, predecessor, successor, first_idx, last_idx,
         updated_at, flags)
       SELECT ?, id, ty, iss, ver, st, idt, vf, vt, sm3, nb, osm3, onb, ff, es, sg, pre, suc, fi, li, at, ${FLAGS_SQL('fl')}
       FROM unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
         ?::int[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[],
         ?::timestamptz[], ?::text[])
         AS t(id, ty, iss, ver, st, idt, vf, vt, sm3, nb, osm3, onb, ff, es, sg, pre, suc, fi, li, at, fl)
       ON CONFLICT (node_id, identifier) DO UPDATE SET
         type_code = COALESCE(excluded.type_code, national_licences.type_code),
         issuer = COALESCE(excluded.issuer, national_licences.issuer),
         version = COALESCE(excluded.version, national_licences.version),
         status = excluded.status,
         issue_date = COALESCE(excluded.issue_date, national_licences.issue_date),
         valid_from = COALESCE(excluded.valid_from, national_licences.valid_from),
         valid_to = COALESCE(excluded.valid_to, national_licences.valid_to),
         pdf_sm3 = COALESCE(excluded.pdf_sm3, national_licences.pdf_sm3),
         pdf_bytes = COALESCE(excluded.pdf_bytes, national_licences.pdf_bytes),
         ofd_sm3 = COALESCE(excluded.ofd_sm3, national_licences.ofd_sm3),
         ofd_bytes = COALESCE(excluded.ofd_bytes, national_licences.ofd_bytes),
         signature_format = COALESCE(excluded.signature_format, national_licences.signature_format),
         es_id = COALESCE(excluded.es_id, national_licences.es_id),
         signer = COALESCE(excluded.signer, national_licences.signer),
         predecessor = COALESCE(excluded.predecessor, national_licences.predecessor),
         successor = COALESCE(excluded.successor, national_licences.successor),
         last_idx = excluded.last_idx,
         updated_at = excluded.updated_at,
         flags = ${MERGE_FLAGS('national_licences')}`,
      [
        nodeId,
        L.map((r) => r.identifier),
        L.map((r) => r.typeCode),
        L.map((r) => r.issuer),
        L.map((r) => r.version),
        L.map((r) => r.status),
        L.map((r) => r.issueDate),
        L.map((r) => r.validFrom),
        L.map((r) => r.validTo),
        L.map((r) => r.pdfSm3),
        L.map((r) => r.pdfBytes),
        L.map((r) => r.ofdSm3),
        L.map((r) => r.ofdBytes),
        L.map((r) => r.signatureFormat),
        L.map((r) => r.esId),
        L.map((r) => r.signer),
        L.map((r) => r.predecessor),
        L.map((r) => r.successor),
        L.map((r) => r.firstIdx),
        L.map((r) => r.lastIdx),
        L.map((r) => r.at),
        L.map((r) => flagsText(r.flags)),
      ] as Knex.RawBinding[],
    );
  }
  if (w.events.length) {
    const E = w.events;
    await trx.raw(
      `INSERT INTO national_licence_events (node_id, idx, kind, identifier, op, from_status, to_status, related, at, flags)
       SELECT ?, i, k, id, op, fs, ts, rel, at, ${FLAGS_SQL('fl')}
       FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[],
         ?::text[]) AS t(i, k, id, op, fs, ts, rel, at, fl)`,
      [
        nodeId,
        E.map((e) => e.idx),
        E.map((e) => e.kind),
        E.map((e) => e.identifier),
        E.map((e) => e.op),
        E.map((e) => e.fromStatus),
        E.map((e) => e.toStatus),
        E.map((e) => e.related),
        E.map((e) => e.at),
        E.map((e) => flagsText(e.flags)),
      ] as Knex.RawBinding[],
    );
  }
  if (w.seals.length) {
    const S = w.seals;
    await trx.raw(
      `INSERT INTO national_seals (node_id, es_id, agency, type, status, valid_from, valid_to, maker, signers, sm3,
         first_idx, last_idx, history, flags)
       SELECT ?, es, ag, ty, st, vf, vt, mk, COALESCE(string_to_array(NULLIF(sg, ''), ','), '{}'), sm3, fi, li,
         h::jsonb, ${FLAGS_SQL('fl')}
       FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[],
         ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[])
         AS t(es, ag, ty, st, vf, vt, mk, sg, sm3, fi, li, h, fl)
       ON CONFLICT (node_id, es_id) DO UPDATE SET
         agency = excluded.agency, type = excluded.type, status = excluded.status, valid_from = excluded.valid_from,
         valid_to = excluded.valid_to, maker = excluded.maker, signers = excluded.signers,
         sm3 = COALESCE(excluded.sm3, national_seals.sm3), last_idx = excluded.last_idx,
         history = national_seals.history || excluded.history, flags = ${MERGE_FLAGS('national_seals')}`,
      [
        nodeId,
        S.map((s) => s.esId),
        S.map((s) => s.agency),
        S.map((s) => s.type),
        S.map((s) => s.status),
        S.map((s) => s.validFrom),
        S.map((s) => s.validTo),
        S.map((s) => s.maker),
        S.map((s) => s.signers.join(',')),
        S.map((s) => s.sm3),
        S.map((s) => s.firstIdx),
        S.map((s) => s.lastIdx),
        S.map((s) => JSON.stringify(s.history)),
        S.map((s) => flagsText(s.flags)),
      ] as Knex.RawBinding[],
    );
  }
  if (w.certificates.length) {
    const C = w.certificates;
    await trx.raw(
      `INSERT INTO national_certificates (node_id, serial, ca, profile, agency, status, not_before, not_after, sm3,
         reason, revoked_at, invalidity_date, first_idx, last_idx, history)
       SELECT ?, se, ca, pr, ag, st, nb, na, sm3, re, ra, inv, fi, li, h::jsonb
       FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[],
         ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::bigint[], ?::bigint[], ?::text[])
         AS t(se, ca, pr, ag, st, nb, na, sm3, re, ra, inv, fi, li, h)
       ON CONFLICT (node_id, serial) DO UPDATE SET
         status = excluded.status, sm3 = COALESCE(excluded.sm3, national_certificates.sm3),
         reason = excluded.reason, revoked_at = excluded.revoked_at, invalidity_date = excluded.invalidity_date,
         last_idx = excluded.last_idx, history = national_certificates.history || excluded.history`,
      [
        nodeId,
        C.map((c) => c.serial),
        C.map((c) => c.ca),
        C.map((c) => c.profile),
        C.map((c) => c.agency),
        C.map((c) => c.status),
        C.map((c) => c.notBefore),
        C.map((c) => c.notAfter),
        C.map((c) => c.sm3),
        C.map((c) => c.reason),
        C.map((c) => c.revokedAt),
        C.map((c) => c.invalidityDate),
        C.map((c) => c.firstIdx),
        C.map((c) => c.lastIdx),
        C.map((c) => JSON.stringify(c.history)),
      ] as Knex.RawBinding[],
    );
  }
}

export interface NationalLicence {
  identifier: string;
  typeCode: string | null;
  issuer: string | null;
  version: number | null;
  status: string;
  predecessor: string | null;
  successor: string | null;
  firstIdx: number;
  lastIdx: number;
  flags: string[];
}

/** A licence of node `nodeId` in the national index. */
export async function findNationalLicence(
  db: Executor,
  nodeId: string,
  identifier: string,
): Promise<NationalLicence | undefined> {
  const res = await db.raw(
    `SELECT identifier, type_code, issuer, version, status, predecessor, successor, first_idx, last_idx, flags
     FROM national_licences WHERE node_id = ? AND identifier = ?`,
    [nodeId, identifier],
  );
  const r = (res.rows as Record<string, unknown>[])[0];
  if (!r) return undefined;
  return {
    identifier: r.identifier as string,
    typeCode: r.type_code as string | null,
    issuer: r.issuer as string | null,
    version: r.version === null ? null : toNumber(r.version),
    status: r.status as string,
    predecessor: r.predecessor as string | null,
    successor: r.successor as string | null,
    firstIdx: toNumber(r.first_idx),
    lastIdx: toNumber(r.last_idx),
    flags: r.flags as string[],
  };
}

/**
 * The node an agency (by USCC) is registered at in the national index: the routing of a licence to its issuing
 * node (federation.md §4.4: national_agencies is the reference table for agency → node). Undefined when unknown.
 */
export async function findAgencyNode(db: Executor, uscc: string): Promise<string | undefined> {
  const res = await db.raw('SELECT node_id FROM national_agencies WHERE uscc = ?', [uscc]);
  return (res.rows as { node_id: string }[])[0]?.node_id;
}

/** How many national events node `nodeId` has (for the inspection and the tests). */
export async function countNationalEvents(db: Executor, nodeId: string): Promise<number> {
  const res = await db.raw('SELECT count(*) AS n FROM national_licence_events WHERE node_id = ?', [nodeId]);
  return toNumber((res.rows as { n: unknown }[])[0]?.n ?? 0);
}

/** A national event of a licence with the mirrored leaf it came from. */
export interface NationalLicenceEntry {
  idx: number;
  kind: string;
  op: string;
  fromStatus: string | null;
  toStatus: string | null;
  related: string | null;
  at: Date;
  flags: string[];
  leaf: Buffer;
  leafHash: Buffer;
}

/** Every national event of licence `identifier` of node `nodeId`, in log order, with its leaf. */
export async function listNationalLicenceEntries(
  db: Executor,
  nodeId: string,
  identifier: string,
): Promise<NationalLicenceEntry[]> {
  const res = await db.raw(
    `SELECT e.idx, e.kind, e.op, e.from_status, e.to_status, e.related, e.at, e.flags, m.leaf, m.leaf_hash
       FROM national_licence_events e JOIN mirror_entries m ON m.node_id = e.node_id AND m.idx = e.idx
      WHERE e.node_id = ? AND e.identifier = ? ORDER BY e.idx`,
    [nodeId, identifier],
  );
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    idx: toNumber(r.idx),
    kind: r.kind as string,
    op: r.op as string,
    fromStatus: r.from_status as string | null,
    toStatus: r.to_status as string | null,
    related: r.related as string | null,
    at: toDate(r.at),
    flags: r.flags as string[],
    leaf: toBuffer(r.leaf),
    leafHash: toBuffer(r.leaf_hash),
  }));
}

/** A seal in the national index with the log indices of its events (national_seals.history). */
export interface NationalSealEvents {
  nodeId: string;
  events: { idx: number; leaf: Buffer }[];
}

/**
 * The node holding seal `esID` and each of its events' mirrored leaves, in log order; undefined when no node, or
 * more than one, holds it (a node that logs another's seal is never the one asked about it).
 */
export async function findNationalSealEvents(
  db: Executor,
  esID: string,
): Promise<NationalSealEvents | undefined> {
  const res = await db.raw('SELECT node_id, history FROM national_seals WHERE es_id = ? LIMIT 2', [esID]);
  const rows = res.rows as { node_id: string; history: { idx: number | string }[] }[];
  if (rows.length !== 1) return undefined;
  const { node_id: nodeId, history } = rows[0]!;
  const idxs = history.map((h) => toNumber(h.idx));
  const leaves = await db.raw(
    'SELECT idx, leaf FROM mirror_entries WHERE node_id = ? AND idx = ANY(?::bigint[]) ORDER BY idx',
    [nodeId, idxs],
  );
  return {
    nodeId,
    events: (leaves.rows as Record<string, unknown>[]).map((r) => ({
      idx: toNumber(r.idx),
      leaf: toBuffer(r.leaf),
    })),
  };
}

/**
 * The mirrored state (national_certificates) of each (node, serial) asked for that the hub holds, keyed
 * `<node id> <serial>`.
 */
export async function findNationalCertificates(
  db: Executor,
  keys: readonly { nodeId: string; serial: string }[],
): Promise<Map<string, LoggedCertificate>> {
  const out = new Map<string, LoggedCertificate>();
  if (keys.length === 0) return out;
  const res = await db.raw(
    `SELECT c.node_id, c.serial, c.status, c.revoked_at, c.invalidity_date, c.reason
     FROM unnest(?::text[], ?::text[]) AS k(node_id, serial)
     JOIN national_certificates c ON c.node_id = k.node_id AND c.serial = k.serial`,
    [keys.map((k) => k.nodeId), keys.map((k) => k.serial)],
  );
  for (const r of res.rows as Record<string, unknown>[])
    out.set(`${r.node_id as string} ${r.serial as string}`, {
      status: r.status as LoggedCertificate['status'],
      revokedAt: r.revoked_at === null ? null : toDate(r.revoked_at),
      invalidityDate: r.invalidity_date === null ? null : toDate(r.invalidity_date),
      reason: (r.reason as string | null) ?? null,
    });
  return out;
}
