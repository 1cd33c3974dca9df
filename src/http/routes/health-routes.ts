import { z } from 'zod';
import type { HealthProbe } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { ProblemError } from '../problem.js';
import type { HttpMetrics } from '../metrics.js';

export function healthRoutes(
  api: ApiRouter,
  health: HealthProbe,
  metrics: HttpMetrics,
  openapi: () => object,
): void {
  api.route({
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: '进程存活 / Process is up',
    tags: ['operations'],
    auth: 'public',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
    handler: async (ctx) => {
      ctx.body = { status: 'ok' };
    },
  });

  api.route({
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    summary: '数据库可达 / Database reachable',
    tags: ['operations'],
    auth: 'public',
    responses: { 200: { description: 'Ready', schema: z.object({ status: z.literal('ready') }) } },
    handler: async (ctx) => {
      if (!(await health.databaseReachable())) {
        throw new ProblemError(503, 'database-unreachable', '数据库不可达 / the database is unreachable');
      }
      ctx.body = { status: 'ready' };
    },
  });

  api.route({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus 指标 / Prometheus metrics',
    tags: ['operations'],
    auth: 'public',
    responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain; version=0.0.4' } },
    handler: async (ctx) => {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    },
  });

  api.route({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'OpenAPI 3.1 文档 / OpenAPI 3.1 document',
    tags: ['operations'],
    auth: 'public',
    responses: { 200: { description: 'OpenAPI document', contentType: 'application/json' } },
    handler: async (ctx) => {
      ctx.body = openapi();
    },
  });
}
