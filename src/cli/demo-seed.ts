import {
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
  DEMO_ISSUERS,
  DEMO_LICENCE_TYPES,
} from '../licence/demo-licence-types.js';
import type { ActionContext } from '../service/access/principal.js';
import type { Services } from '../service/services.js';
import { chinaDate } from '../licence/china-date.js';

export interface DemoSeedResult {
  agencies: { id: string; name: string; issuerToken: string; esID: string }[];
  /** Each licence with the formats it was issued in (SEALTRUST_LICENCE_FORMATS: both by default). */
  licences: { identifier: string; typeName: string; holderName: string; formats: string[] }[];
}

const SYSTEM: ActionContext = { principal: { kind: 'system' }, requestId: 'demo-seed' };
const DAY = 86_400_000;

/**
 * Development data: one agency per demo licence type (each with a vault-held seal-signer key, an official
 * seal and an issuer token), the demo catalogue, and `perType` licences of each type, issued through the
 * same service path as the API. Everything is audited like any other change.
 */
export async function seedDemo(services: Services, perType = 3): Promise<DemoSeedResult> {
  const result: DemoSeedResult = { agencies: [], licences: [] };
  const byType = new Map<string, { agencyId: string; tokenId: string }>();
  for (const type of DEMO_LICENCE_TYPES) {
    const issuer = DEMO_ISSUERS[type.code]!;
    const { agency } = await services.agencies.create(SYSTEM, {
      name: issuer.name,
      uscc: issuer.code,
      regionCode: issuer.regionCode,
      province: issuer.regionCode.slice(0, 2),
    });
    const key = await services.signerKeys.create(SYSTEM, agency.id);
    const seal = await services.seals.make(SYSTEM, {
      agencyId: agency.id,
      name: agency.name,
      type: 'official',
      signerCertSerials: [key.certificateSerial],
      validFrom: new Date(Date.now() - 60_000),
      validTo: new Date(Date.now() + 5 * 365 * DAY),
    });
    const { token, secret } = await services.tokens.create(SYSTEM, {
      role: 'issuer',
      agencyId: agency.id,
      label: `演示发证机构 ${agency.name}`,
    });
    result.agencies.push({ id: agency.id, name: agency.name, issuerToken: secret, esID: seal.esID });
    byType.set(type.code, { agencyId: agency.id, tokenId: token.id });
  }
  for (const type of DEMO_LICENCE_TYPES) {
    await services.licenceTypes.define(SYSTEM, {
      ...type,
      issuerAgencyIds: [byType.get(type.code)!.agencyId],
    });
  }
  const today = chinaDate();
  const year = Number(today.slice(0, 4));
  for (const type of DEMO_LICENCE_TYPES) {
    const { agencyId, tokenId } = byType.get(type.code)!;
    const ctx: ActionContext = {
      principal: { kind: 'token', tokenId, role: 'issuer', agencyId, province: null },
      requestId: 'demo-seed',
    };
    const holder = DEMO_HOLDERS[type.code]!;
    for (let i = 0; i < perType; i++) {
      const validTo =
        type.validity.maxYears === null ? null : `${year + Math.min(type.validity.maxYears, 3) - 1}-12-31`;
      const { issued } = await services.licences.issue(ctx, {
        typeCode: type.code,
        holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
        validFrom: `${year}-01-01`,
        validTo: validTo && validTo < `${year}-01-01` ? null : validTo,
        fields: { ...DEMO_FACE_DATA[type.code] },
      });
      result.licences.push({
        identifier: issued.identifier,
        typeName: type.name,
        holderName: holder.name,
        formats: issued.files.map((f) => f.format),
      });
    }
  }
  return result;
}

/** What `npm start` and `sealtrust demo` print: where to look. */
export function describeDemo(seed: DemoSeedResult, publicUrl: string): string {
  const lines = ['', '演示数据已生成 / Demo data created:', ''];
  for (const a of seed.agencies)
    lines.push(`  ${a.name}  印章 ${a.esID}`, `    发证令牌 issuer token: ${a.issuerToken}`);
  lines.push('', '  证照 / licences:');
  for (const l of seed.licences)
    lines.push(
      `    ${l.typeName}（${l.holderName}）${l.formats.map((f) => f.toUpperCase()).join(' + ')}`,
      `      ${publicUrl}/l/${l.identifier}`,
    );
  lines.push('', `  验证页面 / verify page: ${publicUrl}/verify`, '');
  return lines.join('\n') + '\n';
}
