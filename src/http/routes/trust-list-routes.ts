import { z } from 'zod';
import type { Services } from '../../service/services.js';
import type { StoredTrustList } from '../../service/federation/trust-list-service.js';
import { actionContext, principalOf } from '../context.js';
import type { ApiRouter } from '../api-router.js';
import type { Context } from 'koa';

// The national trust list (federation.md §3.3). /trust/* is byte-oriented and public: the exact signed bytes,
// their detached signature and their SM3 (the ETag, for cheap change detection). Editing and publishing are
// the hub admins' JSON API under /v1.

const PROBLEM = 'application/problem+json';

/** Serves one of a list's files with the list's SM3 as ETag (304 when the client has it). */
function serve(ctx: Context, l: StoredTrustList, part: 'json' | 'p7s' | 'sm3'): void {
  const etag = `"${l.sm3}"`;
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', 'no-cache');
  if (ctx.get('If-None-Match') === etag) {
    ctx.status = 304;
    return;
  }
  if (part === 'json') {
    ctx.type = 'application/json';
    ctx.body = l.bytes;
  } else if (part === 'p7s') {
    ctx.type = 'application/pkcs7-signature';
    ctx.body = l.p7s;
  } else {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `${l.sm3}\n`;
  }
}

const HISTORY_FILE = /^([1-9][0-9]{0,15})\.json(\.p7s)?$/;

export function trustListRoutes(api: ApiRouter, { trustLists }: Pick<Services, 'trustLists'>): void {
  for (const [suffix, part] of [
    ['', 'json'],
    ['.p7s', 'p7s'],
    ['.sm3', 'sm3'],
  ] as const) {
    api.route({
      method: 'get',
      path: `/trust/list.json${suffix}`,
      operationId: `trustList${part.toUpperCase()}`,
      summary: `当前信任列表${part === 'json' ? '' : part === 'p7s' ? '的分离签名' : '的 SM3'} / The current trust list${part === 'json' ? '' : part === 'p7s' ? ': detached CMS signature' : ': hex SM3'}`,
      tags: ['trust-list'],
      auth: 'public',
      responses: {
        200: {
          description: 'the exact published bytes',
          contentType:
            part === 'json'
              ? 'application/json'
              : part === 'p7s'
                ? 'application/pkcs7-signature'
                : 'text/plain',
        },
        304: { description: 'unchanged (If-None-Match)' },
        404: { description: 'nothing published', contentType: PROBLEM },
      },
      handler: async (ctx) => serve(ctx, await trustLists.current(), part),
    });
  }

  api.route({
    method: 'get',
    path: '/trust/lists/:file',
    operationId: 'trustListBySequence',
    summary: '历史信任列表（{seq}.json 或 {seq}.json.p7s）/ A published list by sequence number',
    tags: ['trust-list'],
    auth: 'public',
    params: z.object({ file: z.string().regex(HISTORY_FILE) }),
    responses: {
      200: { description: 'the list or its signature', contentType: 'application/json' },
      404: { description: 'no such list', contentType: PROBLEM },
    },
    handler: async (ctx, { params }) => {
      const [, seq, p7s] = HISTORY_FILE.exec(params.file)!;
      // A published list never changes: cacheable for good.
      const l = await trustLists.bySequence(Number(seq));
      serve(ctx, l, p7s ? 'p7s' : 'json');
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    },
  });

  const stateSchema = z.object({
    sequenceNumber: z.number().int().nullable(),
    issuedAt: z.string().nullable(),
    nextUpdate: z.string().nullable(),
    verifiedAt: z.string().nullable(),
    signer: z.string().nullable(),
    status: z.enum(['valid', 'expired', 'none']),
    sm3: z.string().nullable(),
    alerts: z.array(
      z.object({ kind: z.string(), at: z.string(), detail: z.record(z.string(), z.unknown()) }),
    ),
  });

  api.route({
    method: 'get',
    path: '/v1/trust-list/state',
    operationId: 'getTrustListState',
    summary: '本节点持有的信任列表状态 / The trust list this node holds',
    tags: ['trust-list'],
    auth: ['admin'],
    responses: {
      200: { description: 'sequence number, freshness, signer and recent alerts', schema: stateSchema },
    },
    handler: async (ctx) => {
      ctx.body = await trustLists.state(principalOf(ctx));
    },
  });

  api.route({
    method: 'post',
    path: '/v1/trust-list\\:refresh',
    operationId: 'refreshTrustList',
    summary: '立即从枢纽取信任列表 / Fetch the trust list from the hub now',
    tags: ['trust-list'],
    auth: ['admin'],
    responses: {
      200: { description: 'the state after the poll', schema: stateSchema },
      503: { description: 'trust-list-unreachable', contentType: PROBLEM },
    },
    handler: async (ctx) => {
      ctx.body = await trustLists.refresh(principalOf(ctx));
    },
  });

  const draftSchema = z.object({ draft: z.unknown() });

  api.route({
    method: 'get',
    path: '/v1/trust-list/draft',
    operationId: 'getTrustListDraft',
    summary: '下一版信任列表草稿 / The draft of the next trust list',
    tags: ['trust-list'],
    auth: ['admin'],
    responses: { 200: { description: 'the draft (null before the first edit)', schema: draftSchema } },
    handler: async (ctx) => {
      ctx.body = { draft: await trustLists.draft(principalOf(ctx)) };
    },
  });

  api.route({
    method: 'put',
    path: '/v1/trust-list/draft',
    operationId: 'putTrustListDraft',
    summary: '替换信任列表草稿 / Replace the draft',
    tags: ['trust-list'],
    auth: ['admin'],
    body: z.record(z.string(), z.unknown()),
    responses: { 200: { description: 'the draft as stored', schema: draftSchema } },
    handler: async (ctx, { body }) => {
      ctx.body = { draft: await trustLists.putDraft(actionContext(ctx), body) };
    },
  });

  const nodeParams = z.object({ nodeId: z.string().regex(/^[0-9A-Za-z-]{1,32}$/) });

  api.route({
    method: 'put',
    path: '/v1/trust-list/draft/nodes/:nodeId',
    operationId: 'putTrustListDraftNode',
    summary: '添加或替换草稿中的节点条目 / Add or replace a node of the draft',
    tags: ['trust-list'],
    auth: ['admin'],
    params: nodeParams,
    body: z.record(z.string(), z.unknown()),
    responses: { 200: { description: 'the draft as stored', schema: draftSchema } },
    handler: async (ctx, { params, body }) => {
      ctx.body = { draft: await trustLists.putNode(actionContext(ctx), params.nodeId, body) };
    },
  });

  api.route({
    method: 'delete',
    path: '/v1/trust-list/draft/nodes/:nodeId',
    operationId: 'deleteTrustListDraftNode',
    summary:
      '从草稿删除节点（已发布的节点应改为撤销状态）/ Remove a node from the draft (withdraw a published one)',
    tags: ['trust-list'],
    auth: ['admin'],
    params: nodeParams,
    responses: { 200: { description: 'the draft as stored', schema: draftSchema } },
    handler: async (ctx, { params }) => {
      ctx.body = { draft: await trustLists.deleteNode(actionContext(ctx), params.nodeId) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/trust-list/draft\\:publish',
    operationId: 'publishTrustList',
    summary: '发布信任列表 / Publish the draft as the next trust list',
    tags: ['trust-list'],
    auth: ['admin'],
    body: z.strictObject({
      nextUpdate: z.iso.datetime(),
      announceSigners: z
        .array(z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/))
        .max(8)
        .optional(),
    }),
    responses: {
      201: {
        description: 'published',
        schema: z.object({
          sequenceNumber: z.number().int(),
          sm3: z.string(),
          issuedAt: z.string(),
          nextUpdate: z.string(),
        }),
      },
      409: { description: 'nothing changed, no draft or no signer key', contentType: PROBLEM },
      422: {
        description: 'next-update-too-far, history-rewritten or an invalid draft',
        contentType: PROBLEM,
      },
    },
    handler: async (ctx, { body }) => {
      ctx.body = await trustLists.publish(actionContext(ctx), {
        nextUpdate: new Date(body.nextUpdate),
        ...(body.announceSigners ? { announceSigners: body.announceSigners } : {}),
      });
      ctx.status = 201;
    },
  });
}
