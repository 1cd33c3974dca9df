import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/database.js';
import { findAgency, findAgencyByUscc, insertAgency, listAgencies } from '../../store/agency-repository.js';
import type { Agency } from '../../access/agency.js';
import type { Page, PageRequest } from '../../paging/page.js';
import { validateUscc } from '../../licence/uscc.js';
import { isProvinceCode, isRegionCode } from '../../licence/region-code.js';
import { withAudit } from '../audit/audit-service.js';
import { agencyLeaf } from '../../tlog/directory-leaf.js';
import { ensureAllowed, listScope } from './authorize.js';
import type { ActionContext, Principal } from './principal.js';
import { ServiceError } from '../service-error.js';

export interface NewAgency {
  name: string;
  uscc: string;
  regionCode: string;
  province: string;
}

export interface Warning {
  code: string;
  field: string;
  message: string;
}

/** The agency register (机构): who may hold seals and issue licences. Agencies are never updated once made. */
export class AgencyService {
  constructor(private readonly db: Db) {}

  async create(ctx: ActionContext, input: NewAgency): Promise<{ agency: Agency; warnings: Warning[] }> {
    const warnings: Warning[] = [];
    const uscc = validateUscc(input.uscc);
    if (!uscc.valid) throw new ServiceError('validation', `uscc-${uscc.reason}`, uscc.message, 'uscc');
    if (uscc.warning) warnings.push({ code: uscc.warning, field: 'uscc', message: uscc.message });
    if (!isProvinceCode(input.province)) {
      throw new ServiceError(
        'validation',
        'unknown-province',
        '省级行政区划代码无效 / unknown province code (GB/T 2260, two digits)',
        'province',
      );
    }
    if (!isRegionCode(input.regionCode)) {
      throw new ServiceError(
        'validation',
        'invalid-region-code',
        '行政区划代码无效 / not a GB/T 2260 region code',
        'regionCode',
      );
    }
    if (!input.regionCode.startsWith(input.province)) {
      throw new ServiceError(
        'validation',
        'region-outside-province',
        '行政区划代码不属于所填省份 / region code is outside the given province',
        'regionCode',
      );
    }
    if (await findAgencyByUscc(this.db, input.uscc)) throw agencyExists();
    const agency: Agency = { id: randomUUID(), ...input, name: input.name.trim(), createdAt: new Date() };
    try {
      await withAudit(this.db, ctx, 'agency.create', async (trx) => {
        await insertAgency(trx, agency);
        return {
          result: undefined,
          target: { type: 'agency', id: agency.id },
          details: { uscc: agency.uscc, name: agency.name },
          directory: [agencyLeaf(agency, agency.createdAt)],
        };
      });
    } catch (err) {
      // A concurrent create with the same USCC loses on the unique index.
      if ((err as { code?: string }).code === '23505') throw agencyExists();
      throw err;
    }
    return { agency, warnings };
  }

  /** Issuers see only their own agency; sync peers the agencies of their province; other roles all. */
  async get(p: Principal, id: string): Promise<Agency> {
    const agency = await findAgency(this.db, id);
    if (!agency) throw new ServiceError('not-found', 'agency-not-found', '机构不存在 / no such agency', 'id');
    ensureAllowed(p, 'agency.read', { agencyId: agency.id, province: agency.province }, 'id');
    return agency;
  }

  list(p: Principal, page: PageRequest): Promise<Page<Agency>> {
    const scope = listScope(p, 'agency.list', undefined);
    if ('province' in scope) return listAgencies(this.db, { province: scope.province }, page);
    return listAgencies(this.db, scope.agencyId ? { id: scope.agencyId } : {}, page);
  }

  /** True while no agency is registered: a fresh node (where development start-up seeds demo data once). */
  async isEmpty(): Promise<boolean> {
    return (await listAgencies(this.db, {}, { limit: 1 })).items.length === 0;
  }
}

function agencyExists(): ServiceError {
  return new ServiceError(
    'conflict',
    'agency-exists',
    '该统一社会信用代码的机构已存在 / an agency with this USCC exists',
    'uscc',
  );
}
