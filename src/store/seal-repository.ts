import type { SealRecord, SealStatus } from '../seal/seal-record.js';
import type { SealStatusEvent } from '../seal/seal-status-event.js';
import type { Executor } from './database.js';
import { toPage } from './page.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toBuffer, toDate, toJson, toNumber } from './row-types.js';

interface Row {
  seq: unknown;
  es_id: string;
  agency_id: string;
  name: string;
  type: string;
  type_code: unknown;
  status: SealStatus;
  valid_from: unknown;
  valid_to: unknown;
  maker_certificate_serial: string;
  picture_type: string;
  picture_width_mm: unknown;
  picture_height_mm: unknown;
  picture: unknown;
  picture_paths: unknown;
  der: unknown;
  created_at: unknown;
}

function fromRow(r: Row, signers: string[]): SealRecord {
  return {
    esID: r.es_id,
    agencyId: r.agency_id,
    name: r.name,
    type: r.type,
    typeCode: toNumber(r.type_code),
    status: r.status,
    validFrom: toDate(r.valid_from),
    validTo: toDate(r.valid_to),
    makerCertificateSerial: r.maker_certificate_serial,
    signerCertificateSerials: signers,
    pictureType: r.picture_type,
    pictureWidthMm: toNumber(r.picture_width_mm),
    pictureHeightMm: toNumber(r.picture_height_mm),
    picture: toBuffer(r.picture),
    picturePaths: r.picture_paths === null ? null : toJson(r.picture_paths),
    der: toBuffer(r.der),
    createdAt: toDate(r.created_at),
  };
}

/** The next seal code for a region: region code + 8-digit sequence, allocated under a row lock. */
export async function nextSealCode(trx: Executor, regionCode: string): Promise<string> {
  const rows = (await trx.raw(
    `INSERT INTO seal_code_sequences (region_code, last_value) VALUES (?, 1)
     ON CONFLICT (region_code) DO UPDATE SET last_value = seal_code_sequences.last_value + 1
     RETURNING last_value`,
    [regionCode],
  )) as { rows: { last_value: unknown }[] };
  const n = toNumber(rows.rows[0]!.last_value);
  return regionCode + String(n).padStart(8, '0');
}

export async function insertSeal(trx: Executor, s: SealRecord): Promise<void> {
  await trx('seals').insert({
    es_id: s.esID,
    agency_id: s.agencyId,
    name: s.name,
    type: s.type,
    type_code: s.typeCode,
    status: s.status,
    valid_from: s.validFrom,
    valid_to: s.validTo,
    maker_certificate_serial: s.makerCertificateSerial,
    picture_type: s.pictureType,
    picture_width_mm: s.pictureWidthMm,
    picture_height_mm: s.pictureHeightMm,
    picture: s.picture,
    picture_paths: s.picturePaths === null ? null : JSON.stringify(s.picturePaths),
    der: s.der,
    created_at: s.createdAt,
  });
  if (s.signerCertificateSerials.length) {
    await trx('seal_signers').insert(
      s.signerCertificateSerials.map((serial) => ({ es_id: s.esID, certificate_serial: serial })),
    );
  }
  await insertSealEvent(trx, s.esID, s.createdAt, s.status, null);
}

async function signersOf(db: Executor, esIDs: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>(esIDs.map((id) => [id, []]));
  if (!esIDs.length) return map;
  const rows = (await db('seal_signers').whereIn('es_id', esIDs).orderBy('certificate_serial')) as {
    es_id: string;
    certificate_serial: string;
  }[];
  for (const r of rows) map.get(r.es_id)?.push(r.certificate_serial);
  return map;
}

export async function findSeal(
  db: Executor,
  esID: string,
  opts: { forUpdate?: boolean } = {},
): Promise<SealRecord | undefined> {
  const q = db('seals').where({ es_id: esID }).first();
  if (opts.forUpdate) q.forUpdate();
  const row = (await q) as Row | undefined;
  if (!row) return undefined;
  return fromRow(row, (await signersOf(db, [esID])).get(esID) ?? []);
}

export async function listSeals(
  db: Executor,
  filter: { agencyId?: string | undefined; agencyIds?: string[] },
  page: PageRequest,
): Promise<Page<SealRecord>> {
  const q = db('seals')
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  if (filter.agencyId !== undefined) q.where('agency_id', filter.agencyId);
  const rows = (await q) as Row[];
  const signers = await signersOf(
    db,
    rows.map((r) => r.es_id),
  );
  return toPage(
    rows,
    page,
    (r) => fromRow(r, signers.get(r.es_id) ?? []),
    (r) => toNumber(r.seq),
  );
}

export async function updateSealStatus(
  trx: Executor,
  esID: string,
  status: SealStatus,
  at: Date,
  reason: string | null,
): Promise<void> {
  await trx('seals').where({ es_id: esID }).update({ status });
  await insertSealEvent(trx, esID, at, status, reason);
}

async function insertSealEvent(
  trx: Executor,
  esID: string,
  at: Date,
  status: SealStatus,
  reason: string | null,
) {
  await trx('seal_status_events').insert({ es_id: esID, at, status, reason });
}

export async function listSealEvents(db: Executor, esID: string): Promise<SealStatusEvent[]> {
  const rows = (await db('seal_status_events').where({ es_id: esID }).orderBy('seq', 'asc')) as {
    at: unknown;
    status: SealStatus;
    reason: string | null;
  }[];
  return rows.map((r) => ({ at: toDate(r.at), status: r.status, reason: r.reason }));
}
