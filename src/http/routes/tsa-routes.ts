import type { IncomingMessage } from 'node:http';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { ProblemError } from '../problem.js';

// RFC 3161 §3.4 over HTTP: a DER TimeStampReq in, a DER TimeStampResp out. Anything that reaches the TSA,
// garbage included, is answered with a TimeStampResp (HTTP 200) whose status says why; only the HTTP
// envelope (media type, size) is refused with problem+json.

const TIMESTAMP_QUERY = 'application/timestamp-query';
const TIMESTAMP_REPLY = 'application/timestamp-reply';
/** A TimeStampReq is under 200 bytes; the bound only keeps a hostile client from making us buffer much. */
const MAX_QUERY_BYTES = 16 * 1024;

async function readQuery(req: IncomingMessage): Promise<Buffer> {
  const tooLarge = () =>
    new ProblemError(
      413,
      'payload-too-large',
      `时间戳请求过大 / a timestamp query is at most ${MAX_QUERY_BYTES} bytes`,
      {
        headers: { Connection: 'close' },
      },
    );
  if (Number(req.headers['content-length'] ?? 0) > MAX_QUERY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_QUERY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function tsaRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'post',
    path: '/tsa',
    operationId: 'timestamp',
    summary:
      '时间戳（RFC 3161，请求体 application/timestamp-query）/ RFC 3161 time-stamp (body: application/timestamp-query)',
    tags: ['pki'],
    auth: 'public',
    responses: {
      200: {
        description: 'TimeStampResp: granted with a token, or a rejection with failInfo',
        contentType: TIMESTAMP_REPLY,
      },
    },
    handler: async (ctx) => {
      if (!ctx.is(TIMESTAMP_QUERY)) {
        throw new ProblemError(
          415,
          'unsupported-media-type',
          `请求体须为 ${TIMESTAMP_QUERY} / the body must be ${TIMESTAMP_QUERY}`,
        );
      }
      const answer = await s.tsa.respond(await readQuery(ctx.req));
      ctx.status = 200;
      ctx.type = TIMESTAMP_REPLY;
      // Every reply is for one request (its nonce, its serial).
      ctx.set('Cache-Control', 'no-store');
      ctx.body = answer.response;
    },
  });
}
