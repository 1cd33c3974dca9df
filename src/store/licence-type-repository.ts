import type { LicenceTypeRecord } from '../licence/licence-type-record.js';
import type { LicenceTypeDefinition } from '../licence/licence-type.js';
import type { Executor } from './database.js';
import { toDate, toJson } from './row-types.js';

interface Row {
  code: string;
  name: string;
  authority: unknown;
  holder_category: LicenceTypeDefinition['holderCategory'];
  validity: unknown;
  template_id: string;
  fields: unknown;
  service_item: unknown;
  created_at: unknown;
  updated_at: unknown;
}

function fromRow(r: Row, issuers: string[]): LicenceTypeRecord {
  return {
    code: r.code,
    name: r.name,
    authority: toJson(r.authority),
    holderCategory: r.holder_category,
    validity: toJson(r.validity),
    templateId: r.template_id,
    fields: toJson(r.fields),
    serviceItem: r.service_item === null ? undefined : toJson(r.service_item),
    issuerAgencyIds: issuers,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

function toRow(t: LicenceTypeDefinition, at: Date) {
  return {
    code: t.code,
    name: t.name,
    authority: JSON.stringify(t.authority),
    holder_category: t.holderCategory,
    validity: JSON.stringify(t.validity),
    template_id: t.templateId,
    fields: JSON.stringify(t.fields),
    service_item: t.serviceItem ? JSON.stringify(t.serviceItem) : null,
    updated_at: at,
  };
}

async function issuersOf(db: Executor, codes: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>(codes.map((c) => [c, []]));
  if (codes.length === 0) return map;
  const rows = await db<{ type_code: string; agency_id: string }>('licence_type_issuers')
    .whereIn('type_code', codes)
    .orderBy(['type_code', 'agency_id']);
  for (const r of rows) map.get(r.type_code)?.push(r.agency_id);
  return map;
}

/** Inserts or replaces a type definition and its issuer list. */
export async function upsertLicenceType(
  db: Executor,
  t: LicenceTypeDefinition & { issuerAgencyIds: string[] },
  at: Date,
): Promise<'created' | 'updated'> {
  const existing = await db('licence_types').where({ code: t.code }).forUpdate().first();
  if (existing) await db('licence_types').where({ code: t.code }).update(toRow(t, at));
  else await db('licence_types').insert({ ...toRow(t, at), created_at: at });
  await db('licence_type_issuers').where({ type_code: t.code }).delete();
  if (t.issuerAgencyIds.length > 0)
    await db('licence_type_issuers').insert(
      [...new Set(t.issuerAgencyIds)].map((agency_id) => ({ type_code: t.code, agency_id })),
    );
  return existing ? 'updated' : 'created';
}

export async function findLicenceType(db: Executor, code: string): Promise<LicenceTypeRecord | undefined> {
  const row = await db<Row>('licence_types').where({ code }).first();
  if (!row) return undefined;
  return fromRow(row, (await issuersOf(db, [code])).get(code) ?? []);
}

/** All types (the catalogue is small: tens to hundreds), optionally those one agency may issue. */
export async function listLicenceTypes(db: Executor, issuerAgencyId?: string): Promise<LicenceTypeRecord[]> {
  const q = db<Row>('licence_types').orderBy('code');
  if (issuerAgencyId)
    q.whereIn('code', db('licence_type_issuers').select('type_code').where({ agency_id: issuerAgencyId }));
  const rows = await q;
  const issuers = await issuersOf(
    db,
    rows.map((r) => r.code),
  );
  return rows.map((r) => fromRow(r, issuers.get(r.code) ?? []));
}

export async function mayIssue(db: Executor, typeCode: string, agencyId: string): Promise<boolean> {
  return !!(await db('licence_type_issuers').where({ type_code: typeCode, agency_id: agencyId }).first());
}
