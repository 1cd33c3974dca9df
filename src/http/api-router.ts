import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { z, type ZodType } from 'zod';
import type { Role } from '../access/role.js';
import { ProblemError } from './problem.js';
import { readRawBody } from './raw-body.js';
import { requirePrincipal } from './auth.js';
import type { AuditService } from '../service/audit/audit-service.js';
import type { RateLimiter } from './rate-limit.js';
import type { UploadSlots } from './upload-slots.js';
import { validationProblem } from './validation-problem.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Raw bodies allowed past this size count as uploads and are bounded by the upload slots. */
const LARGE_BODY_BYTES = 1024 * 1024;

export interface ResponseSpec {
  description: string;
  schema?: ZodType;
  /** Defaults to application/json when a schema is given; several for a body in one of several formats. */
  contentType?: string | string[];
}

/** A body read as bytes rather than parsed JSON (DER and other binary protocols). */
export interface RawBodySpec {
  /** Request media types, for the OpenAPI document and, unless `anyContentType`, a 415 for any other. */
  contentTypes: string[];
  limitBytes: number;
  /** Pass the body on whatever its Content-Type says (the handler answers bad input in its own protocol). */
  anyContentType?: boolean;
  /** The 413 detail when the body is over the limit. */
  tooLargeDetail?: string;
  /** JSON schema of the body for the OpenAPI document (e.g. the parts of a multipart/form-data body). */
  schema?: Record<string, unknown>;
  /** OpenAPI Encoding Objects of a multipart body's parts (e.g. the media types a file part may have). */
  encoding?: Record<string, { contentType: string }>;
}

const PROBLEM_TYPE = 'application/problem+json';
const PROBLEM_REF = '#/components/schemas/Problem';

/** Reads the raw body on demand. @throws BodyTooLargeError over the limit (a 413 unless the handler catches it). */
export type RawBodyReader = () => Promise<Buffer>;

export interface RouteSpec<
  P extends ZodType,
  Q extends ZodType,
  B extends ZodType,
  R extends RawBodySpec | undefined = undefined,
> {
  method: Method;
  /** Koa-style path (`/v1/agencies/:id`); the OpenAPI document shows `{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** 'public' for anonymous endpoints, otherwise the roles allowed to call it. */
  auth: 'public' | Role[];
  /** A per-client rate limit, checked before any body is read (429 with Retry-After). */
  rateLimit?: RateLimiter;
  params?: P;
  query?: Q;
  /** A JSON body, validated. */
  body?: B;
  /** A binary body instead of a JSON one: the handler gets `rawBody` to read it. */
  rawBody?: R;
  responses: Record<number, ResponseSpec>;
  handler: (
    ctx: Context,
    input: {
      params: z.output<P>;
      query: z.output<Q>;
      body: z.output<B>;
      rawBody: R extends RawBodySpec ? RawBodyReader : undefined;
    },
  ) => Promise<void>;
}

interface Operation {
  method: Method;
  path: string;
  spec: RouteSpec<ZodType, ZodType, ZodType, RawBodySpec | undefined>;
}

/**
 * One place where a route is declared: its validation, its access rule and its OpenAPI entry come from
 * the same zod schemas, so the document cannot drift from what the server enforces.
 */
export class ApiRouter {
  readonly router = new Router();
  private readonly operations: Operation[] = [];
  private readonly jsonBody: Middleware;
  private readonly uploadSlot: Middleware | undefined;
  private readonly audit: Pick<AuditService, 'denied'>;

  constructor(
    bodyLimitBytes: number,
    opts: {
      /** Where refused state changes are recorded. */
      audit: Pick<AuditService, 'denied'>;
      uploadSlots?: UploadSlots | undefined;
    },
  ) {
    this.audit = opts.audit;
    this.jsonBody = bodyParser({ enableTypes: ['json'], jsonLimit: bodyLimitBytes, jsonStrict: true });
    this.uploadSlot = opts.uploadSlots?.middleware();
  }

  route<
    P extends ZodType = ZodType,
    Q extends ZodType = ZodType,
    B extends ZodType = ZodType,
    R extends RawBodySpec | undefined = undefined,
  >(spec: RouteSpec<P, Q, B, R>): void {
    const raw: RawBodySpec | undefined = spec.rawBody;
    if (spec.body && raw) throw new Error(`${spec.operationId}: a route takes a JSON body or a raw one`);
    this.operations.push({
      method: spec.method,
      // `:id` and the `{*rest}` wildcard both become `{id}`, `{rest}`.
      // A backslash-escaped colon is literal (custom methods such as `/v1/licences:batch`), not a parameter.
      path: spec.path
        .replace(/(?<!\\):([A-Za-z0-9_]+)/g, '{$1}')
        .replace(/\{\*([A-Za-z0-9_]+)\}/g, '{$1}')
        .replaceAll('\\:', ':'),
      spec: spec as unknown as RouteSpec<ZodType, ZodType, ZodType, RawBodySpec | undefined>,
    });
    const stack: Middleware[] = [];
    if (spec.auth !== 'public')
      stack.push(requirePrincipal(spec.auth, `${spec.method.toUpperCase()} ${spec.path}`, this.audit));
    if (spec.body) stack.push(requireJson, this.jsonBody);
    const limiter = spec.rateLimit;
    if (limiter)
      stack.push(async (ctx, next) => {
        limiter.check(ctx);
        await next();
      });
    if (raw && !raw.anyContentType) stack.push(requireMediaType(raw.contentTypes));
    // Large bodies take an upload slot before they are read (small DER requests do not need one).
    if (raw && raw.limitBytes > LARGE_BODY_BYTES && this.uploadSlot) stack.push(this.uploadSlot);
    stack.push(async (ctx) => {
      const params = spec.params ? parseOr(spec.params, ctx.params, 'params', 404) : {};
      const query = spec.query ? parseOr(spec.query, ctx.query, 'query', 422) : {};
      const body = spec.body
        ? parseOr(spec.body, (ctx.request as { body?: unknown }).body, '', 422)
        : undefined;
      const rawBody = raw ? () => readRawBody(ctx.req, raw.limitBytes, raw.tooLargeDetail) : undefined;
      await spec.handler(ctx, { params, query, body, rawBody } as never);
    });
    this.router[spec.method](spec.operationId, spec.path, ...stack);
  }

  openApiDocument(info: { title: string; version: string; description?: string }, serverUrl: string): object {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const { method, path, spec } of this.operations) {
      const parameters: unknown[] = [];
      for (const [where, schema] of [
        ['path', spec.params],
        ['query', spec.query],
      ] as const) {
        if (!schema) continue;
        const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
          properties?: Record<string, unknown>;
          required?: string[];
        };
        for (const [name, s] of Object.entries(js.properties ?? {})) {
          parameters.push({
            name,
            in: where,
            required: where === 'path' || (js.required ?? []).includes(name),
            schema: s,
          });
        }
      }
      const responses: Record<string, unknown> = {};
      for (const [status, r] of Object.entries(spec.responses)) {
        const types = r.contentType === undefined ? [] : [r.contentType].flat();
        responses[status] = r.schema
          ? {
              description: r.description,
              content: Object.fromEntries(
                (types.length ? types : ['application/json']).map((t) => [
                  t,
                  { schema: jsonSchema(r.schema!, 'output') },
                ]),
              ),
            }
          : types.length
            ? {
                description: r.description,
                content: Object.fromEntries(
                  types.map((t) => [t, t === PROBLEM_TYPE ? { schema: { $ref: PROBLEM_REF } } : {}]),
                ),
              }
            : { description: r.description };
      }
      responses.default = {
        description: 'RFC 9457 problem',
        content: { [PROBLEM_TYPE]: { schema: { $ref: PROBLEM_REF } } },
      };
      (paths[path] ??= {})[method] = {
        operationId: spec.operationId,
        summary: spec.summary,
        tags: spec.tags,
        ...(parameters.length ? { parameters } : {}),
        ...(spec.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
              },
            }
          : spec.rawBody
            ? {
                requestBody: {
                  required: true,
                  content: Object.fromEntries(
                    spec.rawBody.contentTypes.map((type) => [
                      type,
                      {
                        ...(spec.rawBody?.schema ? { schema: spec.rawBody.schema } : {}),
                        ...(spec.rawBody?.encoding ? { encoding: spec.rawBody.encoding } : {}),
                      },
                    ]),
                  ),
                },
              }
            : {}),
        responses,
        ...(spec.auth === 'public' ? { security: [] } : { security: [{ bearer: [] }], 'x-roles': spec.auth }),
      };
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: serverUrl }],
      paths,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'SealTrust API token (st_…)' },
        },
        schemas: { Problem: PROBLEM_SCHEMA },
      },
    };
  }
}

function jsonSchema(schema: ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function parseOr<T extends ZodType>(schema: T, value: unknown, prefix: string, status: number): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  if (status === 404) {
    // A malformed path parameter names nothing that could exist.
    throw new ProblemError(404, 'not-found', `没有这个资源 / no resource with this ${field}`, { field });
  }
  throw validationProblem(r.error, prefix);
}

/** 415 unless the body is one of `accepted`; `shown` names what to send. */
function requireMediaType(accepted: string[], shown = accepted.join(', ')): Middleware {
  return async (ctx, next) => {
    if (!ctx.is(...accepted)) {
      throw new ProblemError(
        415,
        'unsupported-media-type',
        `请求体须为 ${shown} / the body must be ${shown}`,
      );
    }
    await next();
  };
}

const requireJson = requireMediaType(['application/json', 'application/*+json'], 'application/json');

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    field: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'code', 'message'],
        properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};
