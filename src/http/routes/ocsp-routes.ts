import type { Context } from 'koa';
import { z } from 'zod';
import type { OcspAnswer } from '../../service/ca/ocsp-service.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import type { RateLimiter } from '../rate-limit.js';

// OCSP (RFC 6960 appendix A, RFC 5019) speaks DER both ways. Every request gets an OCSPResponse: a request
// we cannot read (garbage, oversized, whatever its Content-Type) is an HTTP 200 carrying `malformedRequest`,
// as OCSP clients expect, never a problem+json.

const OCSP_REQUEST = 'application/ocsp-request';
const OCSP_RESPONSE = 'application/ocsp-response';
/** OCSP requests are a few hundred bytes; even signed ones with a certificate stay far below this. */
const MAX_REQUEST_BYTES = 64 * 1024;
/** RFC 5019 §5 suggests GET only below 255 bytes; leave room, but bound it. */
const MAX_GET_PATH = 8 * 1024;
const BASE64 = /^[A-Za-z0-9+/\-_]+={0,2}$/;

/** The DER request from a GET path: URL-encoded base64, standard or URL-safe alphabet. */
function decodeGetPath(encoded: string): Buffer | undefined {
  if (encoded.length === 0 || encoded.length > MAX_GET_PATH) return undefined;
  let b64: string;
  try {
    b64 = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  // A '+' turned into a space by a form-encoding client.
  b64 = b64.replaceAll(' ', '+');
  if (!BASE64.test(b64) || b64.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(b64, 'base64');
}

function send(ctx: Context, answer: OcspAnswer, method: 'GET' | 'POST'): void {
  ctx.status = 200;
  ctx.type = OCSP_RESPONSE;
  const c = answer.cacheable;
  if (c && method === 'GET') {
    // RFC 5019 §6.2: cacheable until nextUpdate (earlier for `unknown`), revalidated by ETag.
    const maxAge = Math.max(0, Math.floor((c.expires.getTime() - Date.now()) / 1000));
    ctx.set('Cache-Control', `public, max-age=${maxAge}, no-transform, must-revalidate`);
    ctx.set('Last-Modified', c.producedAt.toUTCString());
    ctx.set('Expires', c.expires.toUTCString());
    ctx.set('ETag', c.etag);
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
  } else {
    // A nonce answer is for one client only; POST answers are not cacheable by HTTP anyway.
    ctx.set('Cache-Control', 'no-store');
  }
  ctx.body = answer.der;
}

const SUMMARY = '证书状态查询（OCSP，RFC 6960）/ Certificate status (OCSP, RFC 6960)';

/**
 * `limiter`: the per-client limit of anonymous work. Answers made in advance are free; a request that needs a
 * signature of its own (a nonce, several certificates) takes a token, and past the limit is answered
 * `tryLater` (RFC 6960 §4.2.1) with Retry-After, still as an OCSPResponse.
 */
export function ocspRoutes(api: ApiRouter, s: Services, limiter?: RateLimiter): void {
  const respond = async (ctx: Context, der: Uint8Array): Promise<OcspAnswer> => {
    let wait = 0;
    const answer = await s.ocsp.respond(der, () => (wait = limiter?.take(ctx.ip) ?? 0) === 0);
    if (wait > 0) ctx.set('Retry-After', String(wait));
    return answer;
  };

  api.route({
    method: 'post',
    path: '/ocsp',
    operationId: 'ocspPost',
    summary: SUMMARY,
    tags: ['pki'],
    auth: 'public',
    rawBody: { contentTypes: [OCSP_REQUEST], limitBytes: MAX_REQUEST_BYTES, anyContentType: true },
    responses: {
      200: {
        description: 'OCSPResponse (malformedRequest for anything unreadable); never cached',
        contentType: OCSP_RESPONSE,
      },
    },
    handler: async (ctx, { rawBody }) => {
      let body: Buffer;
      try {
        body = await rawBody();
      } catch {
        // Too large, or the client went away: the rest of the body is not read, so close the connection.
        ctx.set('Connection', 'close');
        body = Buffer.alloc(0);
      }
      send(ctx, await respond(ctx, body), 'POST');
    },
  });

  api.route({
    method: 'get',
    path: '/ocsp/{*request}',
    operationId: 'ocspGet',
    summary: `${SUMMARY}, GET (RFC 5019)`,
    tags: ['pki'],
    auth: 'public',
    params: z.object({
      request: z
        .string()
        .optional()
        .describe('the DER OCSPRequest in base64 (standard or URL-safe), URL-encoded'),
    }),
    responses: {
      200: {
        description: 'OCSPResponse; cacheable until nextUpdate unless the request carried a nonce',
        contentType: OCSP_RESPONSE,
      },
      304: { description: 'Not modified (If-None-Match)' },
    },
    handler: async (ctx) => {
      // The raw path, not the router's decoded parameter: base64 may hold '/' either escaped or not.
      const der = decodeGetPath(ctx.path.slice('/ocsp/'.length));
      send(ctx, await respond(ctx, der ?? Buffer.alloc(0)), 'GET');
    },
  });
}
