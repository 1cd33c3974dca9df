import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { z, type ZodType } from 'zod';
import type { Role } from '../service/principal.js';
import { ProblemError } from './problem.js';
import { requirePrincipal } from './auth.js';
import { validationProblem } from './validation-problem.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  schema?: ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
}

export interface RouteSpec<P extends ZodType, Q extends ZodType, B extends ZodType> {
  method: Method;
  /** Koa-style path (`/v1/agencies/:id`); the OpenAPI document shows `{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** 'public' for anonymous endpoints, otherwise the roles allowed to call it. */
  auth: 'public' | Role[];
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  handler: (
    ctx: Context,
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
  ) => Promise<void>;
}

interface Operation {
  method: Method;
  path: string;
  spec: RouteSpec<ZodType, ZodType, ZodType>;
}

/**
 * One place where a route is declared: its validation, its access rule and its OpenAPI entry come from
 * the same zod schemas, so the document cannot drift from what the server enforces.
 */
export class ApiRouter {
  readonly router = new Router();
  private readonly operations: Operation[] = [];
  private readonly jsonBody: Middleware;

  constructor(bodyLimitBytes: number) {
    this.jsonBody = bodyParser({ enableTypes: ['json'], jsonLimit: bodyLimitBytes, jsonStrict: true });
  }

  route<P extends ZodType = ZodType, Q extends ZodType = ZodType, B extends ZodType = ZodType>(
    spec: RouteSpec<P, Q, B>,
  ): void {
    this.operations.push({
      method: spec.method,
      path: spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
      spec: spec as unknown as RouteSpec<ZodType, ZodType, ZodType>,
    });
    const stack: Middleware[] = [];
    if (spec.auth !== 'public')
      stack.push(requirePrincipal(spec.auth, `${spec.method.toUpperCase()} ${spec.path}`));
    if (spec.body) stack.push(requireJson, this.jsonBody);
    stack.push(async (ctx) => {
      const params = spec.params ? parseOr(spec.params, ctx.params, 'params', 404) : {};
      const query = spec.query ? parseOr(spec.query, ctx.query, 'query', 422) : {};
      const body = spec.body
        ? parseOr(spec.body, (ctx.request as { body?: unknown }).body, '', 422)
        : undefined;
      await spec.handler(ctx, { params, query, body } as never);
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
        responses[status] = r.schema
          ? {
              description: r.description,
              content: { [r.contentType ?? 'application/json']: { schema: jsonSchema(r.schema, 'output') } },
            }
          : r.contentType
            ? { description: r.description, content: { [r.contentType]: {} } }
            : { description: r.description };
      }
      responses.default = {
        description: 'RFC 9457 problem',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
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

const requireJson: Middleware = async (ctx, next) => {
  if (!ctx.is('application/json', 'application/*+json')) {
    throw new ProblemError(
      415,
      'unsupported-media-type',
      '请求体须为 application/json / the body must be application/json',
    );
  }
  await next();
};

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
