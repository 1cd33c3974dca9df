import type { LicenceUsage } from '../licence/licence-usage.js';
import type { Executor } from './database.js';
import { toPage } from './page.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toDate, toNumber } from './row-types.js';

type Row = Record<string, unknown>;

export async function insertLicenceUsage(db: Executor, u: LicenceUsage): Promise<void> {
  await db('licence_usages').insert({
    identifier: u.identifier,
    owner_agency_id: u.ownerAgencyId,
    user_agency_id: u.userAgencyId,
    user_node: u.userNode,
    requested_by: u.requestedBy,
    action: u.action,
    organization: u.organization,
    user_name: u.user,
    item_name: u.itemName,
    item_code: u.itemCode,
    business_number: u.businessNumber,
    actor_token_id: u.actorTokenId,
    at: u.at,
  });
}

export async function listLicenceUsages(
  db: Executor,
  filter: { ownerAgencyId: string; identifier?: string | undefined },
  page: PageRequest,
): Promise<Page<LicenceUsage>> {
  const q = db('licence_usages')
    .where('owner_agency_id', filter.ownerAgencyId)
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (filter.identifier) q.where('identifier', filter.identifier);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  const rows = (await q) as (Row & { seq: unknown })[];
  return toPage(
    rows,
    page,
    (r) => ({
      identifier: r.identifier as string,
      ownerAgencyId: r.owner_agency_id as string,
      userAgencyId: (r.user_agency_id as string | null) ?? null,
      userNode: (r.user_node as string | null) ?? null,
      requestedBy: (r.requested_by as string | null) ?? null,
      action: r.action as LicenceUsage['action'],
      organization: r.organization as string,
      user: r.user_name as string,
      itemName: r.item_name as string,
      itemCode: r.item_code as string,
      businessNumber: r.business_number as string,
      actorTokenId: (r.actor_token_id as string | null) ?? null,
      at: toDate(r.at),
    }),
    (r) => toNumber(r.seq),
  );
}
