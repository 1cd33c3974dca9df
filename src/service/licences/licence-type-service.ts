import type { Db } from '../../store/database.js';
import { findAgency } from '../../store/agency-repository.js';
import { findLicenceType, listLicenceTypes, upsertLicenceType } from '../../store/licence-type-repository.js';
import type { LicenceTypeRecord } from '../../licence/licence-type-record.js';
import type { LicenceTypeDefinition } from '../../licence/licence-type.js';
import { validateUscc } from '../../licence/uscc.js';
import { withAudit } from '../audit/audit-service.js';
import { licenceTypeLeaf } from '../../tlog/directory-leaf.js';
import type { Warning } from '../access/agency-service.js';
import { hasRole, type ActionContext, type Principal } from '../access/principal.js';
import { ServiceError } from '../service-error.js';

const CACHE_MS = 5_000;

/** Checks that a template exists and names the face fields it lays out (so a type and its template agree). */
export type TemplateFieldsLookup = (templateId: string) => string[] | undefined;

/** The licence catalogue (证照目录, GB/T 36902): which types exist, their face fields and who may issue them. */
export class LicenceTypeService {
  // Issuance reads its type on every request; the catalogue changes rarely. Definitions made here drop their
  // entry at once; another node's change shows within CACHE_MS.
  readonly #cache = new Map<string, { at: number; type: LicenceTypeRecord }>();

  constructor(
    private readonly db: Db,
    private readonly templateFields: TemplateFieldsLookup,
  ) {}

  /** Creates or replaces a type (admin). */
  async define(
    ctx: ActionContext,
    def: LicenceTypeDefinition & { issuerAgencyIds: string[] },
  ): Promise<{ type: LicenceTypeRecord; created: boolean; warnings: Warning[] }> {
    if (!hasRole(ctx.principal, 'admin'))
      throw new ServiceError('forbidden', 'forbidden', '仅管理员可维护证照目录 / admin only', 'code');
    const warnings = this.check(def);
    for (const [i, id] of def.issuerAgencyIds.entries()) {
      if (!(await findAgency(this.db, id)))
        throw new ServiceError(
          'validation',
          'unknown-agency',
          '发证机构不存在 / no such agency',
          `issuerAgencyIds.${i}`,
        );
    }
    const now = new Date();
    const outcome = await withAudit(this.db, ctx, 'licence-type.define', async (trx) => ({
      result: await upsertLicenceType(trx, def, now),
      target: { type: 'licence-type', id: def.code },
      details: { name: def.name, templateId: def.templateId, issuerAgencyIds: def.issuerAgencyIds },
      // Every define is logged, a redefinition too: the leaf's sm3 commits to the definition now in force.
      directory: [licenceTypeLeaf(def, now)],
    }));
    this.#cache.delete(def.code);
    const type = await findLicenceType(this.db, def.code);
    if (!type) throw new Error('licence type vanished after upsert');
    return { type, created: outcome === 'created', warnings };
  }

  private check(def: LicenceTypeDefinition): Warning[] {
    const warnings: Warning[] = [];
    const bad = (code: string, message: string, field: string) =>
      new ServiceError('validation', code, message, field);
    if (!/^[0-9A-HJ-NP-RTUW-Y]{18}[0-9]{3}$/.test(def.code))
      throw bad(
        'invalid-type-code',
        '证照类型代码应为定义机构统一社会信用代码（18位）加3位数字 / the type code is the authority USCC (18) + 3 digits',
        'code',
      );
    const uscc = validateUscc(def.code.slice(0, 18));
    if (!uscc.valid) throw bad(`type-code-uscc-${uscc.reason}`, uscc.message, 'code');
    if (uscc.warning) warnings.push({ code: uscc.warning, field: 'code', message: uscc.message });
    if (def.authority.code !== def.code.slice(0, 18))
      throw bad(
        'authority-code-mismatch',
        '定义机构代码须与证照类型代码前18位一致 / authority.code must equal the first 18 characters of the type code',
        'authority.code',
      );
    const keys = new Set<string>();
    for (const [i, f] of def.fields.entries()) {
      if (keys.has(f.key))
        throw bad('duplicate-field', `照面字段重复 / duplicate field key ${f.key}`, `fields.${i}.key`);
      keys.add(f.key);
    }
    const v = def.validity;
    if (v.maxYears === null && !v.longTermAllowed)
      throw bad(
        'invalid-validity',
        '未限定最长有效期时须允许长期有效 / maxYears null requires longTermAllowed',
        'validity',
      );
    const bound = this.templateFields(def.templateId);
    if (!bound) throw bad('unknown-template', `模板不存在 / no template ${def.templateId}`, 'templateId');
    for (const key of bound) {
      if (!keys.has(key))
        throw bad(
          'template-field-not-in-type',
          `模板使用的照面字段 ${key} 未在类型中定义 / the template lays out field ${key}, which the type does not define`,
          'fields',
        );
    }
    return warnings;
  }

  async get(code: string): Promise<LicenceTypeRecord> {
    const hit = this.#cache.get(code);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.type;
    const t = await findLicenceType(this.db, code);
    if (t) this.#cache.set(code, { at: Date.now(), type: t });
    if (!t)
      throw new ServiceError(
        'not-found',
        'licence-type-not-found',
        '证照类型不存在 / no such licence type',
        'code',
      );
    return t;
  }

  /** The catalogue is public within the platform; an issuer may filter to the types it may issue. */
  async list(
    _principal: Principal,
    filter: { issuerAgencyId?: string | undefined },
  ): Promise<LicenceTypeRecord[]> {
    return listLicenceTypes(this.db, filter.issuerAgencyId);
  }
}
