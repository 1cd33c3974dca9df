import type { Executor } from './database.js';
import { toPage, type Page, type PageRequest } from './page.js';
import { toDate, toNumber } from './row-types.js';

export interface Agency {
  id: string;
  name: string;
  uscc: string;
  regionCode: string;
  province: string;
  createdAt: Date;
}

interface AgencyRow {
  seq: unknown;
  id: string;
  name: string;
  uscc: string;
  region_code: string;
  province: string;
  created_at: unknown;
}

function fromRow(r: AgencyRow): Agency {
  return {
    id: r.id,
    name: r.name,
    uscc: r.uscc,
    regionCode: r.region_code,
    province: r.province,
    createdAt: toDate(r.created_at),
  };
}

export async function insertAgency(db: Executor, a: Agency): Promise<void> {
  await db('agencies').insert({
    id: a.id,
    name: a.name,
    uscc: a.uscc,
    region_code: a.regionCode,
    province: a.province,
    created_at: a.createdAt,
  });
}

export async function findAgency(db: Executor, id: string): Promise<Agency | undefined> {
  const row = await db<AgencyRow>('agencies').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

export async function findAgencyByUscc(db: Executor, uscc: string): Promise<Agency | undefined> {
  const row = await db<AgencyRow>('agencies').where({ uscc }).first();
  return row ? fromRow(row) : undefined;
}

export interface AgencyFilter {
  /** Restrict to one agency (an issuer sees only its own). */
  id?: string | undefined;
  province?: string | undefined;
}

export async function listAgencies(
  db: Executor,
  filter: AgencyFilter,
  page: PageRequest,
): Promise<Page<Agency>> {
  const q = db<AgencyRow>('agencies')
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  if (filter.id !== undefined) q.where('id', filter.id);
  if (filter.province !== undefined) q.where('province', filter.province);
  const rows = await q;
  return toPage(rows, page, fromRow, (r) => toNumber(r.seq));
}
