import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import type { RateLimiter } from '../rate-limit.js';

// RFC 3161 §3.4 over HTTP: a DER TimeStampReq in, a DER TimeStampResp out. Anything that reaches the TSA,
// garbage included, is answered with a TimeStampResp (HTTP 200) whose status says why; only the HTTP
// envelope (media type, size) is refused with problem+json.

const TIMESTAMP_QUERY = 'application/timestamp-query';
const TIMESTAMP_REPLY = 'application/timestamp-reply';
/** A TimeStampReq is under 200 bytes; the bound only keeps a hostile client from making us buffer much. */
const MAX_QUERY_BYTES = 16 * 1024;

/** `limiter`: the per-client limit of anonymous work (every time-stamp costs an SM2 signature). */
export function tsaRoutes(api: ApiRouter, s: Services, limiter?: RateLimiter): void {
  api.route({
    method: 'post',
    path: '/tsa',
    operationId: 'timestamp',
    summary:
      '时间戳（RFC 3161，请求体 application/timestamp-query）/ RFC 3161 time-stamp (body: application/timestamp-query)',
    tags: ['pki'],
    auth: 'public',
    ...(limiter ? { rateLimit: limiter } : {}),
    rawBody: {
      contentTypes: [TIMESTAMP_QUERY],
      limitBytes: MAX_QUERY_BYTES,
      tooLargeDetail: `时间戳请求过大 / a timestamp query is at most ${MAX_QUERY_BYTES} bytes`,
    },
    responses: {
      200: {
        description: 'TimeStampResp: granted with a token, or a rejection with failInfo',
        contentType: TIMESTAMP_REPLY,
      },
    },
    handler: async (ctx, { rawBody }) => {
      const answer = await s.tsa.respond(await rawBody());
      ctx.status = 200;
      ctx.type = TIMESTAMP_REPLY;
      // Every reply is for one request (its nonce, its serial).
      ctx.set('Cache-Control', 'no-store');
      ctx.body = answer.response;
    },
  });
}
