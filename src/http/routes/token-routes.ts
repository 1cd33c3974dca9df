import { z } from 'zod';
import type { ApiToken } from '../../access/api-token.js';
import { ROLES } from '../../access/role.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext } from '../context.js';
import { collection, collectionSchema, pageQuery, toPageRequest } from '../pagination.js';

const roleSchema = z.enum(ROLES);

const tokenSchema = z.object({
  id: z.uuid(),
  role: roleSchema,
  agencyId: z.uuid().nullable(),
  province: z.string().nullable(),
  label: z.string().nullable(),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});

function present(t: ApiToken) {
  return {
    id: t.id,
    role: t.role,
    agencyId: t.agencyId,
    province: t.province,
    label: t.label,
    createdAt: t.createdAt.toISOString(),
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

export function tokenRoutes(api: ApiRouter, { tokens }: Pick<Services, 'tokens'>): void {
  api.route({
    method: 'post',
    path: '/v1/tokens',
    operationId: 'createToken',
    summary: '创建 API 令牌（仅显示一次）/ Create an API token (shown once)',
    tags: ['tokens'],
    auth: ['admin'],
    body: z.strictObject({
      role: roleSchema,
      agencyId: z.uuid().optional().describe('issuer: the agency it acts for'),
      province: z
        .string()
        .optional()
        .describe('sync-peer: its node (two-digit GB/T 2260 province code, or m-<USCC> for a ministry node)'),
      label: z.string().max(200).optional(),
    }),
    responses: {
      201: {
        description: 'Created; `token` is not retrievable later',
        schema: tokenSchema.extend({ token: z.string() }),
      },
    },
    handler: async (ctx, { body }) => {
      const { token, secret } = await tokens.create(actionContext(ctx), body);
      ctx.status = 201;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { ...present(token), token: secret };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/tokens',
    operationId: 'listTokens',
    summary: '令牌列表（不含令牌本身）/ List tokens (without secrets)',
    tags: ['tokens'],
    auth: ['admin'],
    query: pageQuery,
    responses: { 200: { description: 'A page of tokens', schema: collectionSchema(tokenSchema) } },
    handler: async (ctx, { query }) => {
      ctx.body = collection(await tokens.list(toPageRequest(query)), present);
    },
  });

  api.route({
    method: 'delete',
    path: '/v1/tokens/:id',
    operationId: 'revokeToken',
    summary: '吊销令牌 / Revoke a token',
    tags: ['tokens'],
    auth: ['admin'],
    params: z.object({ id: z.uuid() }),
    responses: { 204: { description: 'Revoked (also when it already was)' } },
    handler: async (ctx, { params }) => {
      await tokens.revoke(actionContext(ctx), params.id);
      ctx.status = 204;
    },
  });
}
