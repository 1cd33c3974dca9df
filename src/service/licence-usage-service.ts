import type { Db } from '../store/database.js';
import type { LicenceSummary } from '../store/licence-repository.js';
import {
  insertLicenceUsage,
  listLicenceUsages,
  type LicenceUsage,
  type UsageElements,
} from '../store/licence-usage-repository.js';
import type { Page, PageRequest } from '../store/page.js';
import { withAudit } from './audit-service.js';
import { hasRole, type ActionContext, type Principal } from './principal.js';
import { ServiceError } from './service-error.js';

export type { UsageElements };

/** 用证五要素 in the order they are asked for, with the names shown in errors. */
export const USAGE_ELEMENTS: readonly (readonly [keyof UsageElements, string])[] = [
  ['organization', '用证机构'],
  ['user', '用证人'],
  ['itemName', '事项名称'],
  ['itemCode', '事项编码'],
  ['businessNumber', '业务流水号'],
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
    return (
      principal.kind === 'system' ||
      hasRole(principal, 'admin') ||
      (principal.kind === 'token' && principal.agencyId === licence.agencyId)
    );
  }

  /**
   * Lets the owner through; for anyone else, checks the five elements and records the use.
   * @throws ServiceError 422 naming the first missing element.
   */
  async authorize(
    ctx: ActionContext,
    licence: Pick<LicenceSummary, 'identifier' | 'agencyId'>,
    action: LicenceUsage['action'],
    elements: Partial<UsageElements>,
  ): Promise<void> {
    const usage = this.prepare(ctx, licence, action, elements);
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
  prepare(
    ctx: ActionContext,
    licence: Pick<LicenceSummary, 'identifier' | 'agencyId'>,
    action: LicenceUsage['action'],
    elements: Partial<UsageElements>,
  ): LicenceUsage | null {
    const p = ctx.principal;
    if (this.isOwner(p, licence)) return null;
    if (!(p.kind === 'token' && (p.role === 'issuer' || p.role === 'sync-peer') && p.agencyId))
      throw new ServiceError(
        'forbidden',
        'licence-use-not-allowed',
        '仅政务机构（issuer 或 sync-peer 令牌并绑定机构）可用证 / only agency tokens (issuer, sync-peer) may use licences',
      );
    for (const [key, name] of USAGE_ELEMENTS) {
      const v = elements[key];
      if (typeof v !== 'string' || v.trim() === '')
        throw new ServiceError(
          'validation',
          'usage-elements-required',
          `用证须提供五要素，缺少「${name}」/ using another agency's licence requires the five elements; ${key} is missing`,
          key,
        );
    }
    const e = elements as UsageElements;
    return {
      identifier: licence.identifier,
      ownerAgencyId: licence.agencyId,
      userAgencyId: p.agencyId,
      action,
      organization: e.organization.trim(),
      user: e.user.trim(),
      itemName: e.itemName.trim(),
      itemCode: e.itemCode.trim(),
      businessNumber: e.businessNumber.trim(),
      actorTokenId: p.tokenId,
      at: new Date(),
    };
  }

  /** The uses of an agency's licences (its issuer tokens, or an admin naming the agency). */
  async list(
    principal: Principal,
    filter: { agencyId?: string | undefined; identifier?: string | undefined },
    page: PageRequest,
  ): Promise<Page<LicenceUsage>> {
    let owner = filter.agencyId;
    if (!hasRole(principal, 'admin')) {
      if (!(principal.kind === 'token' && principal.role === 'issuer' && principal.agencyId))
        throw new ServiceError('forbidden', 'forbidden', '仅发证机构可查询用证记录 / issuers only');
      if (owner && owner !== principal.agencyId)
        throw new ServiceError(
          'forbidden',
          'usage-of-another-agency',
          '只能查询本机构证照的用证记录 / only your own licences’ uses',
          'agencyId',
        );
      owner = principal.agencyId;
    }
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
      organization: u.organization,
      itemCode: u.itemCode,
      businessNumber: u.businessNumber,
    },
  };
}
