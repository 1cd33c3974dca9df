import type { LicenceEvent } from '../licence/licence-event.js';
import type { LicenceRecord, LicenceSummary } from '../licence/licence-record.js';
import type { LicenceStatus } from '../licence/licence-lifecycle.js';
import type { Executor } from './database.js';
import type { InlineStatement } from './sql-literal.js';
import { toPage } from './page.js';
import { preparedRaw } from './prepared-statement.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toBuffer, toDate, toJson, toNumber } from './row-types.js';
import { filesColumn, filesFromRow, filesInsert, type StoredLicenceFile } from './licence-file-repository.js';

const SUMMARY_COLUMNS = [
  'seq',
  'identifier',
  'type_code',
  'agency_id',
  'issuer_code',
  'serial',
  'version',
  'number',
  'holder_name',
  'holder_code_enc',
  'holder_code_index',
  'holder_code_masked',
  'holder_code_type',
  'issue_date',
  'valid_from',
  'valid_to',
  'region_code',
  'metadata',
  'es_id',
  'signer_serial',
  'signature_format',
  'status',
  'status_reason',
  'predecessor',
  'successor',
  'signed_at',
  'created_at',
  'updated_at',
];

type Row = Record<string, unknown>;

/** The record's columns and its files' entries (never their bytes). */
function summaryColumns(db: Executor) {
  return [...SUMMARY_COLUMNS, filesColumn(db, 'licence_files', 'identifier', 'licences.identifier')];
}

function summaryFromRow(r: Row): LicenceSummary {
  return {
    identifier: r.identifier as string,
    typeCode: r.type_code as string,
    agencyId: r.agency_id as string,
    issuerCode: r.issuer_code as string,
    serial: r.serial as string,
    version: toNumber(r.version),
    number: r.number as string,
    holderName: r.holder_name as string,
    holderCodeEnc: toBuffer(r.holder_code_enc),
    holderCodeIndex: toBuffer(r.holder_code_index),
    holderCodeMasked: r.holder_code_masked as string,
    holderCodeType: r.holder_code_type as string,
    issueDate: r.issue_date as string,
    validFrom: r.valid_from as string,
    validTo: (r.valid_to as string | null) ?? null,
    regionCode: r.region_code as string,
    metadata: toJson(r.metadata),
    files: filesFromRow(r.files),
    esID: r.es_id as string,
    signerSerial: r.signer_serial as string,
    signatureFormat: r.signature_format as 'ses' | 'cms',
    status: r.status as LicenceStatus,
    statusReason: (r.status_reason as string | null) ?? null,
    predecessor: (r.predecessor as string | null) ?? null,
    successor: (r.successor as string | null) ?? null,
    signedAt: toDate(r.signed_at),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

/**
 * The new licence, its files (`files` must match `l.files`) and its first event in one statement (one round
 * trip on the issuance path; the foreign keys are checked at the statement's end).
 */
export async function insertLicenceWithEvent(
  db: Executor,
  l: LicenceRecord,
  files: readonly StoredLicenceFile[],
  e: Omit<LicenceEvent, 'seq'>,
): Promise<void> {
  const lic = Object.entries(licenceRow(l));
  const ev = Object.entries(eventRow(e));
  // Column names are this module's constants, written into the text so that it is one prepared statement per
  // number of files (preparedRaw: the files are most of what it sends).
  const columns = (row: [string, unknown][]) => row.map(([k]) => `"${k}"`).join(', ');
  const values = (row: [string, unknown][]) => row.map(() => '?').join(', ');
  const f = filesInsert('licence_files', 'identifier', l.identifier, files);
  const withFiles = files.length ? `, f AS (${f.sql} RETURNING 1)` : '';
  await preparedRaw(
    db,
    `WITH l AS (INSERT INTO licences (${columns(lic)}) VALUES (${values(lic)}) RETURNING 1)${withFiles}
     INSERT INTO licence_events (${columns(ev)}) SELECT ${values(ev)} FROM l`,
    [...lic.map(([, v]) => v), ...f.bindings, ...ev.map(([, v]) => v)],
  );
}

function licenceRow(l: LicenceRecord) {
  return {
    identifier: l.identifier,
    type_code: l.typeCode,
    agency_id: l.agencyId,
    issuer_code: l.issuerCode,
    serial: l.serial,
    version: l.version,
    number: l.number,
    holder_name: l.holderName,
    holder_code_enc: l.holderCodeEnc,
    holder_code_index: l.holderCodeIndex,
    holder_code_masked: l.holderCodeMasked,
    holder_code_type: l.holderCodeType,
    issue_date: l.issueDate,
    valid_from: l.validFrom,
    valid_to: l.validTo,
    region_code: l.regionCode,
    metadata: JSON.stringify(l.metadata),
    es_id: l.esID,
    signer_serial: l.signerSerial,
    signature_format: l.signatureFormat,
    status: l.status,
    status_reason: l.statusReason,
    predecessor: l.predecessor,
    successor: l.successor,
    signed_at: l.signedAt,
    created_at: l.createdAt,
    updated_at: l.updatedAt,
  };
}

/** The record without the file; `forUpdate` locks the row for a status change. */
export async function findLicence(
  db: Executor,
  identifier: string,
  opts: { forUpdate?: boolean } = {},
): Promise<LicenceSummary | undefined> {
  const q = db('licences')
    .select(...summaryColumns(db))
    .where({ identifier })
    .first();
  if (opts.forUpdate) q.forUpdate();
  const row = (await q) as Row | undefined;
  return row ? summaryFromRow(row) : undefined;
}

/**
 * Licences read under their row locks, in one statement. Rows are locked in identifier order, so two such reads
 * over overlapping sets never deadlock (a lone `findLicence(…, { forUpdate })` holds one row only).
 */
export async function lockLicences(
  db: Executor,
  identifiers: readonly string[],
): Promise<Map<string, LicenceSummary>> {
  const rows = (await db('licences')
    .select(...summaryColumns(db))
    .whereIn('identifier', [...identifiers])
    .orderBy('identifier')
    .forUpdate()) as Row[];
  return new Map(rows.map(summaryFromRow).map((l) => [l.identifier, l]));
}

/** All versions of one licence (same type, issuer and serial), oldest first. */
export async function listVersions(
  db: Executor,
  key: { typeCode: string; issuerCode: string; serial: string },
): Promise<LicenceSummary[]> {
  const rows = (await db('licences')
    .select(...summaryColumns(db))
    .where({ type_code: key.typeCode, issuer_code: key.issuerCode, serial: key.serial })
    .orderBy('version')) as Row[];
  return rows.map(summaryFromRow);
}

export async function updateLicenceStatus(
  db: Executor,
  identifier: string,
  change: { status: LicenceStatus; reason: string | null; successor?: string | null; at: Date },
): Promise<void> {
  await db('licences')
    .where({ identifier })
    .update({
      status: change.status,
      status_reason: change.reason,
      ...(change.successor !== undefined ? { successor: change.successor } : {}),
      updated_at: change.at,
    });
}

export interface LicenceFilter {
  agencyId?: string | undefined;
  typeCode?: string | undefined;
  status?: LicenceStatus | undefined;
  issuedFrom?: string | undefined;
  issuedTo?: string | undefined;
  holderCodeIndex?: Buffer | undefined;
}

export async function listLicences(
  db: Executor,
  filter: LicenceFilter,
  page: PageRequest,
): Promise<Page<LicenceSummary>> {
  const q = db('licences')
    .select(...summaryColumns(db))
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  if (filter.agencyId) q.where('agency_id', filter.agencyId);
  if (filter.typeCode) q.where('type_code', filter.typeCode);
  if (filter.status) q.where('status', filter.status);
  if (filter.issuedFrom) q.where('issue_date', '>=', filter.issuedFrom);
  if (filter.issuedTo) q.where('issue_date', '<=', filter.issuedTo);
  if (filter.holderCodeIndex) q.where('holder_code_index', filter.holderCodeIndex);
  const rows = (await q) as (Row & { seq: unknown })[];
  return toPage(rows, page, summaryFromRow, (r) => toNumber(r.seq));
}

/** Licences whose validity ended before `today` (YYYY-MM-DD) and are still valid or suspended. */
export async function listExpiring(db: Executor, today: string, limit: number): Promise<string[]> {
  const rows = await db('licences')
    .select('identifier')
    .whereIn('status', ['valid', 'suspended'])
    .whereNotNull('valid_to')
    .where('valid_to', '<', today)
    .orderBy('seq')
    .limit(limit);
  return rows.map((r: { identifier: string }) => r.identifier);
}

/** licence_events columns that are not text, for literals (which PostgreSQL would otherwise read as text). */
const EVENT_COLUMN_TYPES: Record<string, string> = { actor_token_id: 'uuid', at: 'timestamptz' };

/**
 * Status changes and their events as one statement: each event's licence takes its `toStatus`, `reason` and `at`,
 * and the event is recorded only if the licence was there to change. For the caller's transaction to run last (it
 * travels with the audit records and the COMMIT). One event per licence; rows travel as one array per column and
 * casts are explicit, since the values may be sent as literals.
 */
export function licenceStatusChangesStatement(events: readonly Omit<LicenceEvent, 'seq'>[]): InlineStatement {
  if (events.length === 0) throw new RangeError('no status changes');
  if (new Set(events.map((e) => e.identifier)).size !== events.length) {
    throw new RangeError('one status change per licence in one statement');
  }
  const rows = events.map(eventRow);
  const columns = Object.keys(rows[0]!) as (keyof (typeof rows)[number])[];
  return {
    sql: `WITH ev AS (
       SELECT * FROM unnest(${columns.map((c) => `?::${EVENT_COLUMN_TYPES[c] ?? 'text'}[]`).join(', ')})
                WITH ORDINALITY AS ev(${columns.join(', ')}, n)),
     changed AS (
       UPDATE licences l SET status = ev.to_status, status_reason = ev.reason, updated_at = ev.at
         FROM ev WHERE l.identifier = ev.identifier RETURNING l.identifier)
     INSERT INTO licence_events (${columns.join(', ')})
     SELECT ${columns.map((c) => `ev.${c}`).join(', ')} FROM ev JOIN changed USING (identifier) ORDER BY ev.n`,
    bindings: columns.map((c) => rows.map((r) => (r[c] instanceof Date ? r[c].toISOString() : r[c]))),
  };
}

export async function insertLicenceEvent(db: Executor, e: Omit<LicenceEvent, 'seq'>): Promise<void> {
  await db('licence_events').insert(eventRow(e));
}

function eventRow(e: Omit<LicenceEvent, 'seq'>) {
  return {
    identifier: e.identifier,
    operation: e.operation,
    from_status: e.fromStatus,
    to_status: e.toStatus,
    reason: e.reason,
    related_identifier: e.relatedIdentifier,
    actor_role: e.actorRole,
    actor_token_id: e.actorTokenId,
    at: e.at,
  };
}

export async function listLicenceEvents(db: Executor, identifiers: string[]): Promise<LicenceEvent[]> {
  if (identifiers.length === 0) return [];
  const rows = (await db('licence_events').whereIn('identifier', identifiers).orderBy('seq')) as Row[];
  return rows.map(eventFromRow);
}

/** A licence's versions as a view lists them (no files, no holder data), oldest first. */
export interface LicenceVersionStatus {
  identifier: string;
  version: number;
  status: LicenceStatus;
}

/**
 * What a licence view adds to the record, in one statement: its versions (same type, issuer and serial) and its
 * latest `limit` events, oldest first, with whether older ones exist.
 */
export async function readLicenceVersionsAndLatestEvents(
  db: Executor,
  licence: { identifier: string; typeCode: string; issuerCode: string; serial: string },
  limit: number,
): Promise<{ versions: LicenceVersionStatus[]; events: LicenceEvent[]; truncated: boolean }> {
  const res = await db.raw(
    `SELECT
       (SELECT coalesce(json_agg(json_build_object('identifier', v.identifier, 'version', v.version,
                'status', v.status) ORDER BY v.version), '[]')
          FROM licences v WHERE v.type_code = ? AND v.issuer_code = ? AND v.serial = ?) AS versions,
       (SELECT coalesce(json_agg(e ORDER BY e.seq), '[]')
          FROM (SELECT * FROM licence_events WHERE identifier = ? ORDER BY seq DESC LIMIT ?) e) AS events`,
    [licence.typeCode, licence.issuerCode, licence.serial, licence.identifier, limit + 1],
  );
  const row = (res.rows as { versions: unknown; events: unknown }[])[0]!;
  const versions = toJson<{ identifier: string; version: unknown; status: LicenceStatus }[]>(
    row.versions,
  ).map((v) => ({ identifier: v.identifier, version: toNumber(v.version), status: v.status }));
  const rows = toJson<Row[]>(row.events);
  const truncated = rows.length > limit;
  return { versions, events: (truncated ? rows.slice(1) : rows).map(eventFromRow), truncated };
}

/** One page of a licence's events, oldest first. */
export async function listLicenceEventsPage(
  db: Executor,
  identifier: string,
  page: PageRequest,
): Promise<Page<LicenceEvent>> {
  const q = db('licence_events')
    .where({ identifier })
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.andWhere('seq', '>', page.after);
  return toPage((await q) as (Row & { seq: unknown })[], page, eventFromRow, (r) => toNumber(r.seq));
}

function eventFromRow(r: Row): LicenceEvent {
  return {
    seq: toNumber(r.seq),
    identifier: r.identifier as string,
    operation: r.operation as string,
    fromStatus: (r.from_status as LicenceStatus | null) ?? null,
    toStatus: r.to_status as LicenceStatus,
    reason: (r.reason as string | null) ?? null,
    relatedIdentifier: (r.related_identifier as string | null) ?? null,
    actorRole: r.actor_role as string,
    actorTokenId: (r.actor_token_id as string | null) ?? null,
    at: toDate(r.at),
  };
}
