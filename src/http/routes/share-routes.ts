import { z } from 'zod';

import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';
import { RateLimiter } from '../rate-limit.js';
import { evidenceSchema, oldSizeQuery } from './federation-routes.js';

// Sharing queries at the hub (federation.md §3.6, GB/T 36906-style): a node's sync-peer token searches the
// national holder index and reads, fetches or copies a licence through the hub, which relays to the issuing
// node. The holder code travels in the POST body only: no route here takes a query string.

/**
 * useFor and the five elements. Every member is optional in the schema so that the service answers a missing
 * one with 422 `use-for-required` or `usage-elements-required` naming it, as the issuing nodes do.
 */
const useShape = {
  useFor: z.string().max(200).optional().describe('用途 / what the licence is used for'),
  usage: z
    .strictObject({
      organization: z.string().max(200).optional().describe('用证机构'),
      user: z.string().max(100).optional().describe('用证人'),
      itemName: z.string().max(200).optional().describe('事项名称'),
      itemCode: z.string().max(64).optional().describe('事项编码'),
      businessNumber: z.string().max(64).optional().describe('业务流水号'),
    })
    .optional()
    .describe('用证五要素，全部必填 / the five usage elements, all required'),
};

const noQuery = z.strictObject({});
const identifierParam = z.object({ identifier: z.string().regex(/^[0-9A-Za-z.\-_]{1,128}$/) });

const hitSchema = z.object({
  identifier: z.string(),
  typeCode: z.string().nullable(),
  typeName: z.string().nullable(),
  issuerName: z.string().nullable(),
  issuerCode: z.string().nullable(),
  node: z.string(),
  status: z.string(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  holderMasked: z.string().nullable(),
});

const typeSchema = z.object({
  code: z.string(),
  name: z.string(),
  authority: z.string(),
  holderCategory: z.string(),
  sm3: z.string(),
  nodes: z.array(z.string()),
  conflict: z.boolean().describe('各节点定义不一致 / the nodes logged different definitions'),
  definitions: z
    .array(
      z.object({
        node: z.string(),
        name: z.string(),
        authority: z.string(),
        holderCategory: z.string(),
        sm3: z.string(),
      }),
    )
    .optional(),
});

const RELAY_ERRORS =
  'problem+json：404 licence-not-found；409 licence-not-valid；422 use-for-required / usage-elements-required；' +
  '429 rate-limited（Retry-After）；502 issuing-node-unreachable；503 node-withdrawn / node-quarantined；' +
  '504 issuing-node-timeout';

/**
 * `publicLimiter` (per IP) guards the anonymous status route; the others take from one bucket per calling node, so
 * a province's batch job slows only itself, whichever of its addresses it calls from.
 */
export function shareRoutes(
  api: ApiRouter,
  { share, federation }: Pick<Services, 'share' | 'federation'>,
  publicLimiter: RateLimiter,
): void {
  const perNode = new RateLimiter({
    ...share.rate,
    clientOf: (ctx) => {
      const p = principalOf(ctx);
      if (p.kind !== 'token') return `ip:${ctx.ip}`;
      return p.province ? `node:${p.province}` : `token:${p.tokenId}`;
    },
  });
  api.route({
    method: 'get',
    path: '/v1/share/licence-types',
    operationId: 'sharedLicenceTypes',
    summary:
      '全国证照目录（各节点证照类型，标注定义冲突）/ The national licence-type catalogue, conflicts flagged',
    tags: ['share'],
    auth: ['admin', 'sync-peer'],
    rateLimit: perNode,
    query: noQuery,
    responses: { 200: { description: 'The catalogue', schema: z.object({ items: z.array(typeSchema) }) } },
    handler: async (ctx) => {
      ctx.body = { items: await share.licenceTypes(principalOf(ctx)) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/share/licences\\:search',
    operationId: 'shareSearchLicences',
    summary: '按持证主体检索全国证照（持证主体代码仅在请求体中）/ Search licences of a holder nationwide',
    tags: ['share'],
    auth: ['sync-peer'],
    rateLimit: perNode,
    query: noQuery,
    body: z.strictObject({
      holder: z.strictObject({
        code: z.string().trim().min(1).max(64).describe('持证主体代码'),
        codeType: z
          .string()
          .regex(/^[0-9]{3}$/)
          .describe('持证主体代码类型'),
      }),
      typeCode: z
        .string()
        .regex(/^[0-9A-Z]{21}$/)
        .optional(),
      number: z.string().trim().min(1).max(64).optional().describe('证照编号'),
      ...useShape,
    }),
    responses: {
      200: { description: 'The hits, holder masked', schema: z.object({ items: z.array(hitSchema) }) },
      422: { description: RELAY_ERRORS, contentType: 'application/problem+json' },
    },
    handler: async (ctx, { body }) => {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { items: await share.search(actionContext(ctx), body) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/share/licences/:identifier\\:get',
    operationId: 'shareGetLicence',
    summary:
      '经枢纽读取证照记录（发证节点提供，持证主体脱敏）及目录日志证据 / A licence record with its log evidence',
    tags: ['share'],
    auth: ['sync-peer'],
    rateLimit: perNode,
    params: identifierParam,
    query: noQuery,
    body: z.strictObject(useShape),
    responses: {
      200: {
        description: 'The record as the issuing node releases it, and the §3.5 evidence',
        schema: z.object({
          identifier: z.string(),
          node: z.string(),
          licence: z.unknown(),
          evidence: z.unknown(),
        }),
      },
      502: { description: RELAY_ERRORS, contentType: 'application/problem+json' },
    },
    handler: async (ctx, { params, body }) => {
      ctx.set('Cache-Control', 'private, no-store');
      ctx.body = await share.get(actionContext(ctx), params.identifier, body);
    },
  });

  api.route({
    method: 'post',
    path: '/v1/share/licences/:identifier\\:file',
    operationId: 'shareLicenceFile',
    summary:
      '经枢纽转发发证节点的已签章版式文件（枢纽不存储）/ The sealed file, relayed from the issuing node',
    tags: ['share'],
    auth: ['sync-peer'],
    rateLimit: perNode,
    params: identifierParam,
    query: noQuery,
    body: z.strictObject({ ...useShape, format: z.enum(['pdf', 'ofd']).optional() }),
    responses: {
      200: { description: 'The sealed file', contentType: ['application/pdf', 'application/ofd'] },
      502: { description: RELAY_ERRORS, contentType: 'application/problem+json' },
    },
    handler: async (ctx, { params, body }) => {
      const f = await share.file(actionContext(ctx), params.identifier, body);
      ctx.type = f.format === 'pdf' ? 'application/pdf' : 'application/ofd';
      ctx.set('Content-Disposition', `attachment; filename="${params.identifier}.${f.format}"`);
      ctx.set('X-Content-SM3', f.sm3);
      ctx.set('X-Issuing-Node', f.node);
      ctx.set('Cache-Control', 'private, no-store');
      ctx.body = f.data;
    },
  });

  api.route({
    method: 'post',
    path: '/v1/share/licences/:identifier\\:copy',
    operationId: 'shareLicenceCopy',
    summary: '经枢纽请发证节点制作加注件 / An annotated copy made and sealed by the issuing node',
    tags: ['share'],
    auth: ['sync-peer'],
    rateLimit: perNode,
    params: identifierParam,
    query: noQuery,
    body: z.strictObject({
      purpose: z.string().trim().min(2).max(40).describe('制作事由'),
      expiresAt: z.iso.datetime({ offset: true }).describe('加注件有效期截止时间'),
      maker: z.string().trim().min(2).max(100).describe('加注件制作者'),
      ...useShape,
    }),
    responses: {
      201: { description: 'The sealed copy (PDF)', contentType: 'application/pdf' },
      502: { description: RELAY_ERRORS, contentType: 'application/problem+json' },
    },
    handler: async (ctx, { params, body }) => {
      const c = await share.copy(actionContext(ctx), params.identifier, body);
      ctx.status = 201;
      ctx.type = 'application/pdf';
      ctx.set('Content-Disposition', `attachment; filename="${params.identifier}.copy.pdf"`);
      ctx.set('X-Content-SM3', c.sm3);
      ctx.set('X-Issuing-Node', c.node);
      if (c.copyId) ctx.set('X-Copy-Id', c.copyId);
      ctx.set('Cache-Control', 'private, no-store');
      ctx.body = c.data;
    },
  });

  api.route({
    method: 'get',
    path: '/v1/share/licences/:identifier/status',
    operationId: 'shareLicenceStatus',
    summary:
      '证照当前状态及目录日志证据（无照面信息，任何人可查）/ A licence’s status with its log evidence, no face data',
    tags: ['share'],
    auth: 'public',
    rateLimit: publicLimiter,
    params: identifierParam,
    query: oldSizeQuery,
    responses: {
      200: {
        description:
          'The same answer as GET /v1/federation/licences/{identifier}: the hub’s signed status statement and the ' +
          'issuing node’s log events with proofs; leaves hold no personal data',
        schema: evidenceSchema,
      },
      404: {
        description: 'licence-not-found (naming the issuing node when known)',
        contentType: 'application/problem+json',
      },
    },
    handler: async (ctx, { params, query }) => {
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = await federation.licenceEvidence(
        params.identifier,
        query.old !== undefined ? { old: Number(query.old) } : {},
      );
    },
  });
}
