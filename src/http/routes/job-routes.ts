import { z } from 'zod';
import type { JobRecord } from '../../licence/licence-batch-job.js';
import { MAX_BATCH_LINES } from '../../service/licences/licence-batch-service.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';

const BATCH_LIMIT_BYTES = 64 * 1024 * 1024;

const jobSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  status: z
    .enum(['queued', 'running', 'succeeded', 'completed-with-errors', 'failed', 'cancelled'])
    .describe('cancelled: 提交令牌已吊销 / the submitting token was revoked'),
  total: z.number(),
  processed: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  progress: z.number().describe('0–1'),
  errors: z.array(
    z.object({ line: z.number(), type: z.string(), detail: z.string(), field: z.string().optional() }),
  ),
  results: z.array(z.object({ line: z.number(), identifier: z.string() })),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});

function present(j: JobRecord) {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    total: j.total,
    processed: j.processed,
    succeeded: j.succeeded,
    failed: j.failed,
    progress: j.total === 0 ? 1 : j.processed / j.total,
    errors: j.errors,
    results: j.results,
    createdAt: j.createdAt.toISOString(),
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
  };
}

export function jobRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'post',
    path: '/v1/licences\\:batch',
    operationId: 'issueLicencesBatch',
    summary: `批量颁发证照（NDJSON，每行一个颁发请求，最多 ${MAX_BATCH_LINES} 行）/ Batch issuance from NDJSON`,
    tags: ['licences'],
    auth: ['issuer'],
    rawBody: {
      contentTypes: ['application/x-ndjson'],
      limitBytes: BATCH_LIMIT_BYTES,
      tooLargeDetail: `批量请求体不能超过 ${BATCH_LIMIT_BYTES / 1024 / 1024} MB / the batch body is at most ${BATCH_LIMIT_BYTES} bytes`,
    },
    responses: { 202: { description: 'Accepted: poll the job', schema: jobSchema } },
    handler: async (ctx, { rawBody }) => {
      const job = await s.licenceBatches.submit(actionContext(ctx), await rawBody());
      ctx.status = 202;
      ctx.set('Location', `/v1/jobs/${job.id}`);
      ctx.body = present(job);
    },
  });

  api.route({
    method: 'get',
    path: '/v1/jobs/:id',
    operationId: 'getJob',
    summary: '查询后台任务进度 / Get a background job',
    tags: ['licences'],
    auth: ['issuer', 'admin'],
    params: z.object({ id: z.uuid() }),
    responses: { 200: { description: 'The job', schema: jobSchema } },
    handler: async (ctx, { params }) => {
      ctx.body = present(await s.licenceBatches.get(principalOf(ctx), params.id));
    },
  });
}
