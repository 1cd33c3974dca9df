import { z } from 'zod';
import type { AuditRecord } from '../../audit/audit-chain.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { collection, collectionSchema, pageQuery, toPageRequest } from '../pagination.js';

const auditSchema = z.object({
  seq: z.number().int(),
  at: z.iso.datetime(),
  actorTokenId: z.uuid().nullable(),
  actorRole: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  requestId: z.string().nullable(),
  outcome: z.enum(['success', 'denied', 'failure']),
  details: z.record(z.string(), z.unknown()),
  prevHash: z
    .string()
    .nullable()
    .describe('hex; null until the chainer reaches the record (after its commit)'),
  hash: z.string().nullable().describe('hex, SM3(prevHash ‖ canonical record); null like prevHash'),
});

function present(r: AuditRecord) {
  return {
    ...r,
    at: r.at.toISOString(),
    prevHash: r.prevHash?.toString('hex') ?? null,
    hash: r.hash?.toString('hex') ?? null,
  };
}

export function auditRoutes(api: ApiRouter, { audit }: Pick<Services, 'audit'>): void {
  api.route({
    method: 'get',
    path: '/v1/audit',
    operationId: 'listAudit',
    summary: '审计记录（哈希链）/ Audit trail (hash chain)',
    tags: ['audit'],
    auth: ['admin'],
    query: pageQuery,
    responses: {
      200: { description: 'A page of audit records, oldest first', schema: collectionSchema(auditSchema) },
    },
    handler: async (ctx, { query }) => {
      ctx.body = collection(await audit.list(toPageRequest(query)), present);
    },
  });
}
