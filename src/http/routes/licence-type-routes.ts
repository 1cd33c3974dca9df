import { z } from 'zod';
import { AUTHORITY_LEVELS, HOLDER_CATEGORIES } from '../../licence/licence-type.js';
import type { LicenceTypeRecord } from '../../licence/licence-type-record.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';

const faceField = z.strictObject({
  key: z
    .string()
    .regex(/^[a-z][A-Za-z0-9]{0,47}$/)
    .describe('照面字段键（camelCase）'),
  label: z.string().trim().min(1).max(32).describe('照面字段名称，如 注册编号'),
  type: z.enum(['text', 'multiline', 'date', 'number']),
  required: z.boolean(),
  maxLength: z.number().int().min(1).max(2000),
});

export const licenceTypeBody = z.strictObject({
  code: z.string().describe('证照类型代码：定义机构统一社会信用代码 + 3 位数字'),
  name: z.string().trim().min(2).max(64).describe('证照类型名称'),
  authority: z.strictObject({
    name: z.string().trim().min(2).max(100),
    code: z.string().describe('定义机构统一社会信用代码'),
    level: z.enum(AUTHORITY_LEVELS),
  }),
  holderCategory: z.enum(HOLDER_CATEGORIES).describe('持证主体类别'),
  validity: z.strictObject({
    maxYears: z.number().int().min(1).max(100).nullable(),
    longTermAllowed: z.boolean(),
  }),
  templateId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  fields: z.array(faceField).max(60),
  serviceItem: z
    .strictObject({ name: z.string().min(1).max(200), code: z.string().min(1).max(64) })
    .optional(),
  issuerAgencyIds: z.array(z.uuid()).max(10_000).describe('可颁发该证照的机构'),
});

const licenceTypeSchema = licenceTypeBody.extend({
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

function present(t: LicenceTypeRecord) {
  return {
    code: t.code,
    name: t.name,
    authority: t.authority,
    holderCategory: t.holderCategory,
    validity: t.validity,
    templateId: t.templateId,
    fields: t.fields,
    ...(t.serviceItem ? { serviceItem: t.serviceItem } : {}),
    issuerAgencyIds: t.issuerAgencyIds,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

const TYPE_CODE = /^[0-9A-Z]{21}$/;

export function licenceTypeRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'post',
    path: '/v1/licence-types',
    operationId: 'defineLicenceType',
    summary: '定义或更新证照类型（证照目录）/ Define or update a licence type (catalogue)',
    tags: ['licence-types'],
    auth: ['admin'],
    body: licenceTypeBody,
    responses: {
      201: { description: 'Created', schema: licenceTypeSchema },
      200: { description: 'Updated', schema: licenceTypeSchema },
    },
    handler: async (ctx, { body }) => {
      const { type, created, warnings } = await s.licenceTypes.define(actionContext(ctx), body);
      ctx.status = created ? 201 : 200;
      ctx.set('Location', `/v1/licence-types/${type.code}`);
      ctx.body = { ...present(type), ...(warnings.length ? { warnings } : {}) };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/licence-types',
    operationId: 'listLicenceTypes',
    summary: '证照目录 / The licence catalogue',
    tags: ['licence-types'],
    auth: 'public',
    query: z.strictObject({ issuerAgencyId: z.uuid().optional().describe('只列出该机构可颁发的类型') }),
    responses: { 200: { description: 'All types', schema: z.object({ items: z.array(licenceTypeSchema) }) } },
    handler: async (ctx, { query }) => {
      const types = await s.licenceTypes.list(principalOf(ctx), query);
      ctx.body = { items: types.map(present) };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/licence-types/:code',
    operationId: 'getLicenceType',
    summary: '查询证照类型 / Get a licence type',
    tags: ['licence-types'],
    auth: 'public',
    params: z.object({ code: z.string().regex(TYPE_CODE) }),
    responses: { 200: { description: 'The type', schema: licenceTypeSchema } },
    handler: async (ctx, { params }) => {
      ctx.body = present(await s.licenceTypes.get(params.code));
    },
  });
}
