import { z } from 'zod';
import type { Context } from 'koa';
import type { Services } from '../../service/services.js';
import { MAX_ADD_CHECKPOINT_BYTES } from '../../service/federation/witness-service.js';
import type { ApiRouter } from '../api-router.js';
import { principalOf } from '../context.js';
import { BodyTooLargeError } from '../raw-body.js';

// C2SP tlog-witness on the hub (federation.md §3.2). The witness endpoints answer in the protocol's plain text,
// not problem+json: clients are other nodes' publishers, which read the status and, on 409, the size.

const TEXT = 'text/plain; charset=utf-8';
/** tlog-witness: a 409 carries the witness's size as `text/x.tlog.size`. */
const TLOG_SIZE = 'text/x.tlog.size';

function plain(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = TEXT;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

export function witnessRoutes(api: ApiRouter, s: Services): void {
  const witness = s.witness;
  if (!witness) return;
  api.route({
    method: 'post',
    path: '/witness/add-checkpoint',
    operationId: 'witnessAddCheckpoint',
    summary: '见证联署检查点（C2SP tlog-witness）/ Cosign a log checkpoint (C2SP tlog-witness)',
    tags: ['federation'],
    auth: 'public',
    rawBody: { contentTypes: ['text/plain'], limitBytes: MAX_ADD_CHECKPOINT_BYTES, anyContentType: true },
    responses: {
      200: { description: 'cosignature line(s)', contentType: TEXT },
      400: { description: 'malformed request, or old size beyond the checkpoint', contentType: TEXT },
      403: { description: 'no valid signature by a key of that log', contentType: TEXT },
      404: { description: 'unknown origin', contentType: TEXT },
      409: { description: "old size is not the witness's size; body: the size", contentType: TLOG_SIZE },
      422: { description: 'inconsistent with the checkpoint cosigned before', contentType: TEXT },
      429: { description: 'busy; retry after Retry-After', contentType: TEXT },
    },
    handler: async (ctx, { rawBody }) => {
      let body: Buffer;
      try {
        body = await rawBody();
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        ctx.set('Connection', 'close');
        plain(ctx, 400, `request body over ${MAX_ADD_CHECKPOINT_BYTES} bytes\n`);
        return;
      }
      const a = await witness.addCheckpoint(body);
      switch (a.status) {
        case 200:
          plain(ctx, 200, a.cosignatures);
          return;
        case 409:
          plain(ctx, 409, `${a.size}\n`);
          // Set as is: Koa's ctx.type would append a charset, and tlog-witness names the bare media type.
          ctx.set('Content-Type', TLOG_SIZE);
          return;
        case 429:
          ctx.set('Retry-After', String(a.retryAfterSeconds));
          plain(ctx, 429, `${a.reason}\n`);
          return;
        default:
          plain(ctx, a.status, `${a.reason}\n`);
      }
    },
  });
  api.route({
    method: 'get',
    path: '/witness/:originSm3/checkpoint',
    operationId: 'witnessCheckpoint',
    summary:
      '见证者最近联署的检查点（按来源 SM3 十六进制）/ Latest checkpoint the witness cosigned, by hex SM3 of the origin',
    tags: ['federation'],
    auth: 'public',
    params: z.object({ originSm3: z.string().regex(/^[0-9a-f]{64}$/) }),
    responses: {
      200: { description: 'signed checkpoint with the cosignature', contentType: TEXT },
      404: { description: 'never cosigned for that origin', contentType: TEXT },
    },
    handler: async (ctx, { params }) => {
      const note = await witness.cosignedCheckpoint(params.originSm3);
      if (note === undefined) {
        plain(ctx, 404, 'no checkpoint cosigned for that origin\n');
        return;
      }
      plain(ctx, 200, note);
      ctx.set('Cache-Control', 'no-cache');
    },
  });
  api.route({
    method: 'get',
    path: '/v1/witness/state',
    operationId: 'witnessState',
    summary: '见证者对各日志的状态 / The witness state of each log',
    tags: ['federation'],
    auth: ['admin'],
    responses: {
      200: {
        description: 'per origin: the largest cosigned size and root, and the last outcome',
        schema: z.object({
          items: z.array(
            z.object({
              origin: z.string(),
              nodeId: z.string().nullable(),
              size: z.number().int(),
              root: z.string(),
              updatedAt: z.string(),
              lastOutcome: z.string().nullable(),
            }),
          ),
        }),
      },
    },
    handler: async (ctx) => {
      ctx.body = await witness.state(principalOf(ctx));
    },
  });
}
