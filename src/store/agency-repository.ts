import type { Agency } from '../access/agency.js';
import { LruCache } from '../crypto/lru-cache.js';
import type { Executor } from './database.js';
import { toPage } from './page.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toDate, toNumber } from './row-types.js';

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

/** How long findAgencyCached answers from memory. */
export const AGENCY_CACHE_MS = 60_000;

// Agencies are only ever inserted: nothing in SealTrust updates or deletes one (agency-service creates, and
// certificates, seals and licences reference them), so an agency once read stays right, and the certificate
// hot path need not read it again per request. Only agencies that exist are kept (a new one is found at once,
// from any node), per database handle, for AGENCY_CACHE_MS. Whoever adds an update or a delete must drop the
// entry here on the change, and decide whether other nodes may see it up to AGENCY_CACHE_MS late (subjects
// built from the old name meanwhile) or whether issuance must read the agency in its transaction again.
const agencyCaches = new WeakMap<object, LruCache<string, { at: number; agency: Agency }>>();

/**
 * findAgency, answered from memory for AGENCY_CACHE_MS after a hit. Inside a transaction it always reads
 * (the caller may rely on its locks and snapshot). The returned object is shared: do not modify it.
 */
export async function findAgencyCached(db: Executor, id: string): Promise<Agency | undefined> {
  if ('isTransaction' in db && db.isTransaction) return findAgency(db, id);
  let cache = agencyCaches.get(db);
  if (!cache) agencyCaches.set(db, (cache = new LruCache(10_000)));
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < AGENCY_CACHE_MS) return hit.agency;
  const agency = await findAgency(db, id);
  if (agency) cache.set(id, { at: Date.now(), agency });
  else cache.delete(id);
  return agency;
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
