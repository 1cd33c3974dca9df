import { findAgencyCached } from '../../store/agency-repository.js';
import type { Db } from '../../store/database.js';
import type { LicenceSummary } from '../../licence/licence-record.js';
import { insertLicenceUsage, listLicenceUsages } from '../../store/licence-usage-repository.js';
import type { LicenceUsage, UsageElements } from '../../licence/licence-usage.js';
import type { Page, PageRequest } from '../../paging/page.js';
import { withAudit } from '../audit/audit-service.js';
import { boundAgencyOf, ensureAllowed, isAllowed } from '../access/authorize.js';
import type { ActionContext, Principal } from '../access/principal.js';
import { ServiceError } from '../service-error.js';

export type { UsageElements };

/** The elements a request states, and for a relay by the hub the node it asks on behalf of (requestedBy). */
export type StatedUsage = Partial<UsageElements> & { requestedBy?: string | undefined };

/** The national hub's node id (config `isNodeId`): what a `hub` token's uses are recorded as. */
export const HUB_NODE_ID = '00';

const NODE_ID = /^(?:[0-9]{2}|m-[0-9A-HJ-NPQRTUWXY]{18})$/;

/** @throws ServiceError 422 `usage-elements-required` naming the first of `keys` that is missing or blank. */
export function requireUsageElements(
  elements: Partial<UsageElements>,
  keys: readonly (readonly [keyof UsageElements, string])[],
  prefix = '',
): UsageElements {
  for (const [key, name] of keys) {
    const v = elements[key];
    if (typeof v !== 'string' || v.trim() === '')
      throw new ServiceError(
        'validation',
        'usage-elements-required',
        `用证须提供五要素，缺少「${name}」/ using another agency's licence requires the five elements; ${key} is missing`,
        prefix + key,
      );
  }
  return elements as UsageElements;
}

/**
 * The usage elements the caller states, in the order they are asked for, with the names shown in errors. The
 * fifth, 用证机构 (organization), is not an agency token's to state: it is the name of the agency its token is
 * bound to, so a use cannot be recorded in another organisation's name. Node tokens state it (ALL_USAGE_ELEMENTS).
 */
export const USAGE_ELEMENTS: readonly (readonly [Exclude<keyof UsageElements, 'organization'>, string])[] = [
  ['user', '用证人'],
  ['itemName', '事项名称'],
  ['itemCode', '事项编码'],
  ['businessNumber', '业务流水号'],
];

/** All five, 用证机构 first: what a node's token (sync-peer, hub) states, having no agency of its own here. */
export const ALL_USAGE_ELEMENTS: readonly (readonly [keyof UsageElements, string])[] = [
  ['organization', '用证机构'],
  ...USAGE_ELEMENTS,
];

/**
 * Use of licences by agencies other than the issuer (用证): every fetch of another agency's licence file or
 * full record must say who uses it for which service item and business, and is recorded (with its audit
 * record) before the data is handed out. The issuing agency lists the uses of its licences.
 */
export class LicenceUsageService {
  constructor(private readonly db: Db) {}

  /** Whether this principal reads `licence` as its issuer (or as an admin): no usage record is needed. */
  isOwner(principal: Principal, licence: Pick<LicenceSummary, 'agencyId'>): boolean {
    return isAllowed(principal, 'licence.read-as-owner', licence);
  }

  /**
   * Lets the owner through; for anyone else, checks the five elements and records the use.
   * @throws ServiceError 422 naming the first missing element.
   */
  async authorize(
    ctx: ActionContext,
    licence: Pick<LicenceSummary, 'identifier' | 'agencyId'>,
    action: LicenceUsage['action'],
    elements: StatedUsage,
  ): Promise<void> {
    const usage = await this.prepare(ctx, licence, action, elements);
    if (!usage) return;
    await withAudit(this.db, ctx, 'licence.use', async (trx) => {
      await insertLicenceUsage(trx, usage);
      return usageAudit(usage);
    });
  }

  /**
   * The usage record a non-owner's request needs (null for the owner), checked but not written: for changes
   * that record the use in their own transaction.
   */
  async prepare(
    ctx: ActionContext,
    licence: Pick<LicenceSummary, 'identifier' | 'agencyId'>,
    action: LicenceUsage['action'],
    elements: StatedUsage,
  ): Promise<LicenceUsage | null> {
    const p = ctx.principal;
    if (this.isOwner(p, licence)) return null;
    ensureAllowed(p, 'licence.use', licence);
    const who = await this.#user(p, elements);
    const e = requireUsageElements(elements, USAGE_ELEMENTS);
    return {
      identifier: licence.identifier,
      ownerAgencyId: licence.agencyId,
      ...who,
      action,
      user: e.user.trim(),
      itemName: e.itemName.trim(),
      itemCode: e.itemCode.trim(),
      businessNumber: e.businessNumber.trim(),
      actorTokenId: p.kind === 'token' ? p.tokenId : null,
      at: new Date(),
    };
  }

  /**
   * Who uses it: an agency's token uses in its agency's name (whatever `organization` says). A node's token
   * has no agency here (token-service binds sync-peers to a node, and `hub` to nothing), so it states
   * 用证机构 itself and is recorded by node: a sync-peer as its bound node, the hub as 00 with the node it
   * relays for (`requestedBy`, required).
   */
  async #user(
    p: Principal,
    elements: StatedUsage,
  ): Promise<Pick<LicenceUsage, 'userAgencyId' | 'userNode' | 'requestedBy' | 'organization'>> {
    if (p.kind === 'token' && (p.role === 'sync-peer' || p.role === 'hub')) {
      const { organization } = requireUsageElements(elements, [['organization', '用证机构']]);
      let requestedBy: string | null = null;
      if (p.role === 'hub') {
        const r = elements.requestedBy;
        if (typeof r !== 'string' || !NODE_ID.test(r))
          throw new ServiceError(
            'validation',
            'requested-by-required',
            '枢纽转发须注明请求节点 / a relay by the hub names the node it asks for (requestedBy)',
            'requestedBy',
          );
        requestedBy = r;
      }
      const userNode = p.role === 'hub' ? HUB_NODE_ID : p.province;
      if (!userNode)
        throw new ServiceError(
          'forbidden',
          'node-required',
          '令牌未绑定节点 / the token is bound to no node',
        );
      return { userAgencyId: null, userNode, requestedBy, organization: organization.trim() };
    }
    const userAgencyId = boundAgencyOf(p);
    const agency = await findAgencyCached(this.db, userAgencyId);
    if (!agency)
      throw new ServiceError('forbidden', 'unknown-agency', '令牌绑定的机构不存在 / unknown agency');
    return { userAgencyId, userNode: null, requestedBy: null, organization: agency.name };
  }

  /**
   * Which of these search hits may show personal data (holder name and masked code): the caller's own
   * licences always; another agency's only when the caller states the usage elements, and then each such hit
   * is recorded as a use ('search') in one transaction with its audit record, before anything is shown.
   * Without elements the others are shown without personal columns.
   * @throws ServiceError 422 for incomplete elements, 403 for a caller that may not use licences.
   */
  async disclose(
    ctx: ActionContext,
    hits: readonly Pick<LicenceSummary, 'identifier' | 'agencyId'>[],
    elements: StatedUsage,
  ): Promise<Set<string>> {
    const shown = new Set<string>();
    const others: Pick<LicenceSummary, 'identifier' | 'agencyId'>[] = [];
    for (const h of hits) {
      if (this.isOwner(ctx.principal, h)) shown.add(h.identifier);
      else others.push(h);
    }
    const stated = ALL_USAGE_ELEMENTS.some(([key]) => elements[key] !== undefined);
    if (!stated) return shown;
    const uses: LicenceUsage[] = [];
    for (const h of others) {
      const u = await this.prepare(ctx, h, 'search', elements);
      if (u) uses.push(u);
    }
    if (uses.length > 0)
      await withAudit(this.db, ctx, 'licence.use', async (trx) => {
        for (const u of uses) await insertLicenceUsage(trx, u);
        const first = uses[0]!;
        return {
          result: undefined,
          target: { type: 'licence', id: uses.length === 1 ? first.identifier : null },
          details: { ...usageAudit(first).details, identifiers: uses.map((u) => u.identifier) },
        };
      });
    for (const u of uses) shown.add(u.identifier);
    return shown;
  }

  /** The uses of an agency's licences (its issuer tokens, or an admin naming the agency). */
  async list(
    principal: Principal,
    filter: { agencyId?: string | undefined; identifier?: string | undefined },
    page: PageRequest,
  ): Promise<Page<LicenceUsage>> {
    let owner = filter.agencyId;
    if (principal.kind === 'token' && principal.role !== 'admin') {
      // An issuer names no agency (its own is meant) or its own.
      ensureAllowed(principal, 'licence.list-uses', { agencyId: principal.agencyId });
      if (owner && !isAllowed(principal, 'licence.list-uses', { agencyId: owner }))
        throw new ServiceError(
          'forbidden',
          'usage-of-another-agency',
          '只能查询本机构证照的用证记录 / only your own licences’ uses',
          'agencyId',
        );
      owner = boundAgencyOf(principal);
    } else ensureAllowed(principal, 'licence.list-uses', { agencyId: owner });
    if (!owner)
      throw new ServiceError(
        'validation',
        'agency-required',
        '请指定机构 / agencyId is required',
        'agencyId',
      );
    return listLicenceUsages(this.db, { ownerAgencyId: owner, identifier: filter.identifier }, page);
  }
}

/** The audit record of a use (no personal data: the five elements name the using side only). */
export function usageAudit(u: LicenceUsage) {
  return {
    result: undefined,
    target: { type: 'licence', id: u.identifier },
    details: {
      action: u.action,
      userAgencyId: u.userAgencyId,
      ...(u.userNode ? { userNode: u.userNode, requestedBy: u.requestedBy } : {}),
      organization: u.organization,
      itemCode: u.itemCode,
      businessNumber: u.businessNumber,
    },
  };
}
