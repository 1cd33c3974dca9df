import { z } from 'zod';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';

// A node's own checkpoints (federation.md §3.1). /tlog/checkpoint is the C2SP tlog-tiles path (plain text,
// mutable); the stored checkpoints by size are JSON under /v1.

const TEXT = 'text/plain; charset=utf-8';

export function tlogCheckpointRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'get',
    path: '/tlog/checkpoint',
    operationId: 'tlogCheckpoint',
    summary:
      '本节点目录日志的最新已发布检查点（?state=latest：最新签名检查点）/ Latest published checkpoint (?state=latest: latest signed)',
    tags: ['tlog'],
    auth: 'public',
    query: z.object({ state: z.enum(['published', 'latest']).optional() }),
    responses: {
      200: { description: 'signed checkpoint note', contentType: TEXT },
      404: { description: 'no checkpoint yet', contentType: 'application/problem+json' },
    },
    handler: async (ctx, { query }) => {
      const note =
        query.state === 'latest' ? await s.tlogCheckpoints.latest() : await s.tlogCheckpoints.published();
      ctx.type = TEXT;
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = note;
    },
  });
  api.route({
    method: 'get',
    path: '/v1/tlog/checkpoints/:size',
    operationId: 'tlogCheckpointAt',
    summary: '按大小取已发布的检查点 / A published checkpoint by tree size',
    tags: ['tlog'],
    auth: 'public',
    params: z.object({ size: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
    responses: {
      200: {
        description: 'the stored checkpoint',
        schema: z.object({
          size: z.number().int(),
          root: z.string(),
          checkpoint: z.string(),
          witnessTime: z.string().nullable(),
          signedAt: z.string(),
          published: z.boolean(),
        }),
      },
      404: { description: 'no published checkpoint of that size', contentType: 'application/problem+json' },
    },
    handler: async (ctx, { params }) => {
      const cp = await s.tlogCheckpoints.at(params.size);
      // A stored checkpoint of a size never changes except for a fresher cosignature.
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = cp;
    },
  });
}
