import type { Context } from 'koa';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { Services } from '../../service/services.js';
import { parseTilePath } from '../../tlog/tiles.js';
import type { ApiRouter } from '../api-router.js';
import { ProblemError } from '../problem.js';

// The directory log on every node (federation.md §2.6, §3.1), anonymous: leaves hold no personal data. Byte
// resources (tiles, bundles) stay outside /v1 as tlog-tiles lays them out; JSON APIs are under /v1. Parameters
// are checked here so that malformed ones answer 400 with the spec's problem types (the route schemas are
// for the OpenAPI document only).

/** Full tiles never change, and neither does a partial one: its width is in its path (tlog-tiles). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const OCTETS = 'application/octet-stream';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;

/** A non-negative integer query parameter, given once. */
function intParam(ctx: Context, name: string, required: true): number;
function intParam(ctx: Context, name: string, required: false): number | undefined;
function intParam(ctx: Context, name: string, required: boolean): number | undefined {
  const v = ctx.query[name];
  if (v === undefined && !required) return undefined;
  const n = typeof v === 'string' && DECIMAL.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new ProblemError(
      400,
      'invalid-parameter',
      `参数 ${name} 须为一个非负整数 / ${name} must be one non-negative decimal integer`,
      { field: name },
    );
  }
  return n;
}

/** A leaf hash in the query: base64url of 32 bytes (standard base64 would lose its "+" to the query syntax). */
function leafHashParam(ctx: Context): Buffer {
  const v = ctx.query.leafHash;
  if (typeof v === 'string' && /^[A-Za-z0-9_-]{43}=?$/.test(v)) {
    const bytes = Buffer.from(v, 'base64url');
    // One spelling: the unused low bits of the last character must be zero.
    if (bytes.length === 32 && bytes.toString('base64url') === v.replace(/=$/, '')) return bytes;
  }
  throw new ProblemError(
    400,
    'invalid-parameter',
    'leafHash 须为 32 字节的 base64url / leafHash must be base64url of 32 bytes',
    { field: 'leafHash' },
  );
}

const param = (description: string) => z.string().optional().describe(description);

const entriesSchema = z.object({
  origin: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  entries: z.array(z.object({ index: z.number().int(), leaf: z.string(), leafHash: z.string() })),
});
const inclusionSchema = z.object({
  origin: z.string(),
  index: z.number().int(),
  size: z.number().int(),
  leafHash: z.string(),
  hashes: z.array(z.string()),
});
const consistencySchema = z.object({
  origin: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  hashes: z.array(z.string()),
});
const licenceSchema = z.object({
  origin: z.string(),
  identifier: z.string(),
  entries: z.array(
    z.object({ index: z.number().int(), op: z.string(), status: z.string().nullable(), at: z.string() }),
  ),
  proof: z.string().nullable().describe('sealtrust.org.cn/tlog-proof-sm3@v1 text for the latest entry'),
});

export function tlogRoutes(api: ApiRouter, s: Services): void {
  const log = s.tlog;

  api.route({
    method: 'get',
    path: '/tlog/tile/{*path}',
    operationId: 'getTlogTile',
    summary:
      '目录日志瓦片或条目包（tlog-tiles 布局，SM3）/ Directory log hash tile or entry bundle (tlog-tiles layout, SM3 profile)',
    tags: ['tlog'],
    auth: 'public',
    params: z.object({
      path: z
        .string()
        .optional()
        .describe(
          '<L>/<N>[.p/<W>] for a hash tile, entries/<N>[.p/<W>] for an entry bundle; N in x-prefixed 3-digit groups',
        ),
    }),
    responses: {
      200: {
        description:
          'Hash tile: W × 32-byte SM3 hashes; entry bundle: uint16-BE length-prefixed leaves (gzip when accepted)',
        contentType: OCTETS,
      },
      404: { description: 'tile-not-found (also a partial tile at a size never checkpointed)' },
    },
    handler: async (ctx) => {
      let parsed;
      try {
        parsed = parseTilePath(ctx.path.slice('/tlog/'.length), log.tileHeight);
      } catch {
        throw new ProblemError(404, 'tile-not-found', '没有这个瓦片 / no such tile');
      }
      if (parsed.kind === 'hash') {
        const body = await log.tile(parsed.level, parsed.index, parsed.width);
        ctx.set('Cache-Control', IMMUTABLE);
        ctx.type = OCTETS;
        ctx.body = body;
        return;
      }
      const bundle = await log.entryBundle(parsed.index, parsed.width);
      ctx.set('Cache-Control', IMMUTABLE);
      ctx.set('Vary', 'Accept-Encoding');
      ctx.type = OCTETS;
      // tlog-tiles: entry bundles are served compressed to clients that accept it (leaves are JSON text).
      if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
        ctx.set('Content-Encoding', 'gzip');
        ctx.body = gzipSync(bundle);
      } else ctx.body = bundle;
    },
  });

  api.route({
    method: 'get',
    path: '/v1/tlog/entries',
    operationId: 'listTlogEntries',
    summary: '目录日志条目区间 / Directory log entries [start, end), at most 1,024',
    tags: ['tlog'],
    auth: 'public',
    query: z.object({ start: param('first index'), end: param('index after the last') }),
    responses: {
      200: { description: 'Entries, leaves and leaf hashes in base64', schema: entriesSchema },
      400: { description: 'invalid-range' },
      404: { description: 'beyond-integrated-size' },
    },
    handler: async (ctx) => {
      let start: number, end: number;
      try {
        start = intParam(ctx, 'start', true);
        end = intParam(ctx, 'end', true);
      } catch (err) {
        throw new ProblemError(400, 'invalid-range', (err as Error).message, (err as ProblemError).extra);
      }
      if (start >= end || end - start > 1024) {
        throw new ProblemError(
          400,
          'invalid-range',
          '区间须满足 start < end ≤ start + 1024 / the range must have start < end ≤ start + 1024',
          { field: 'end' },
        );
      }
      const r = await log.entries(start, end);
      ctx.set('Cache-Control', IMMUTABLE);
      ctx.body = {
        origin: r.origin,
        start: r.start,
        end: r.end,
        entries: r.entries.map((e) => ({ index: e.index, leaf: b64(e.leaf), leafHash: b64(e.leafHash) })),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/tlog/proofs/inclusion',
    operationId: 'getTlogInclusionProof',
    summary: '包含证明（RFC 9162 PATH）/ Inclusion proof of a leaf by index or leaf hash',
    tags: ['tlog'],
    auth: 'public',
    query: z.object({
      index: param('leaf index (or give leafHash)'),
      leafHash: param('base64url SM3 leaf hash (or give index)'),
      size: param('tree size, at most the published size'),
    }),
    responses: {
      200: { description: 'The proof, hashes leaf sibling first', schema: inclusionSchema },
      400: { description: 'invalid-parameter' },
      404: { description: 'index-out-of-range, size-not-published, leaf-not-found' },
    },
    handler: async (ctx) => {
      const size = intParam(ctx, 'size', true);
      const index = intParam(ctx, 'index', false);
      if ((index === undefined) === (ctx.query.leafHash === undefined)) {
        throw new ProblemError(
          400,
          'invalid-parameter',
          '须给出 index 或 leafHash 之一 / give exactly one of index and leafHash',
          {
            field: 'index',
          },
        );
      }
      const r = await log.inclusionProof(
        index === undefined ? { leafHash: leafHashParam(ctx), size } : { index, size },
      );
      ctx.set('Cache-Control', IMMUTABLE);
      ctx.body = {
        origin: r.origin,
        index: r.index,
        size: r.size,
        leafHash: b64(r.leafHash),
        hashes: r.hashes.map(b64),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/tlog/proofs/consistency',
    operationId: 'getTlogConsistencyProof',
    summary: '一致性证明（RFC 9162 PROOF）/ Consistency proof between two tree sizes',
    tags: ['tlog'],
    auth: 'public',
    query: z.object({
      from: param('older tree size, at least 1'),
      to: param('newer tree size, at most the published size'),
    }),
    responses: {
      200: { description: 'The proof', schema: consistencySchema },
      400: { description: 'invalid-parameter, consistency-from-zero, from-after-to' },
      404: { description: 'size-not-published' },
    },
    handler: async (ctx) => {
      const from = intParam(ctx, 'from', true);
      const to = intParam(ctx, 'to', true);
      if (from === 0) {
        throw new ProblemError(
          400,
          'consistency-from-zero',
          '旧树大小不能为 0 / from must be at least 1 (RFC 9162 §2.1.4)',
          {
            field: 'from',
          },
        );
      }
      if (from > to) {
        throw new ProblemError(400, 'from-after-to', `from ${from} 大于 to ${to} / from exceeds to`, {
          field: 'from',
        });
      }
      const r = await log.consistencyProof(from, to);
      ctx.set('Cache-Control', IMMUTABLE);
      ctx.body = { origin: r.origin, from: r.from, to: r.to, hashes: r.hashes.map(b64) };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/tlog/licences/:identifier',
    operationId: 'getTlogLicence',
    summary: '证照的目录日志记录及证明 / A licence’s log entries, with a proof bundle for the latest',
    tags: ['tlog'],
    auth: 'public',
    params: z.object({ identifier: z.string().min(1).max(128) }),
    responses: {
      200: {
        description: 'Entries up to the latest published checkpoint, and a tlog-proof-sm3@v1 bundle',
        schema: licenceSchema,
      },
      404: { description: 'licence-not-logged' },
    },
    handler: async (ctx, { params }) => {
      const r = await log.licence(params.identifier);
      // Answers change with every new event and checkpoint.
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = r;
    },
  });
}
