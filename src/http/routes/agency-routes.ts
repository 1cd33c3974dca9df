import { z } from 'zod';
import type { Agency } from '../../access/agency.js';
import type { Services } from '../../service/services.js';
import { provinceName } from '../../licence/region-code.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';
import { collection, collectionSchema, pageQuery, toPageRequest } from '../pagination.js';

const agencySchema = z.object({
  id: z.uuid(),
  name: z.string().describe('机构名称'),
  uscc: z.string().describe('统一社会信用代码'),
  regionCode: z.string().describe('GB/T 2260 行政区划代码'),
  province: z.string().describe('省级行政区划代码（两位）'),
  provinceName: z.string().optional(),
  createdAt: z.iso.datetime(),
});

const warningSchema = z.object({ code: z.string(), field: z.string(), message: z.string() });

export const newAgencyBody = z.strictObject({
  name: z.string().trim().min(2).max(200).describe('机构名称'),
  uscc: z.string().describe('统一社会信用代码 (GB 32100)'),
  regionCode: z.string().describe('六位行政区划代码 (GB/T 2260)'),
  province: z.string().describe('省级行政区划代码，两位，如 33 浙江'),
});

function present(a: Agency) {
  return {
    id: a.id,
    name: a.name,
    uscc: a.uscc,
    regionCode: a.regionCode,
    province: a.province,
    provinceName: provinceName(a.province),
    createdAt: a.createdAt.toISOString(),
  };
}

export function agencyRoutes(api: ApiRouter, { agencies }: Pick<Services, 'agencies'>): void {
  api.route({
    method: 'post',
    path: '/v1/agencies',
    operationId: 'createAgency',
    summary: '登记机构 / Register an agency',
    tags: ['agencies'],
    auth: ['admin'],
    body: newAgencyBody,
    responses: {
      201: { description: 'Created', schema: agencySchema.extend({ warnings: z.array(warningSchema) }) },
    },
    handler: async (ctx, { body }) => {
      const { agency, warnings } = await agencies.create(actionContext(ctx), body);
      ctx.status = 201;
      ctx.set('Location', `/v1/agencies/${agency.id}`);
      ctx.body = { ...present(agency), warnings };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/agencies/:id',
    operationId: 'getAgency',
    summary: '查询机构 / Get an agency',
    tags: ['agencies'],
    auth: ['admin', 'ca-operator', 'seal-maker', 'issuer', 'sync-peer'],
    params: z.object({ id: z.uuid() }),
    responses: { 200: { description: 'The agency', schema: agencySchema } },
    handler: async (ctx, { params }) => {
      ctx.body = present(await agencies.get(principalOf(ctx), params.id));
    },
  });

  api.route({
    method: 'get',
    path: '/v1/agencies',
    operationId: 'listAgencies',
    summary: '机构列表 / List agencies',
    tags: ['agencies'],
    auth: ['admin', 'ca-operator', 'seal-maker', 'issuer', 'sync-peer'],
    query: pageQuery,
    responses: { 200: { description: 'A page of agencies', schema: collectionSchema(agencySchema) } },
    handler: async (ctx, { query }) => {
      ctx.body = collection(await agencies.list(principalOf(ctx), toPageRequest(query)), present);
    },
  });
}
