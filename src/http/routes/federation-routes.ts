import { z } from 'zod';

import type { Services } from '../../service/services.js';
import { alertId, type FedAlert } from '../../service/federation/federation-service.js';
import { MAX_INDEX_RECORD_RANGE } from '../../service/federation/log-source.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';
import { collection, collectionSchema, pageQuery, toPageRequest } from '../pagination.js';
import { ProblemError } from '../problem.js';

// Federation endpoints (federation.md §3.4): the province's side channel for the hub, and the hub's inspection of
// replication (nodes, sync, release, alerts with their evidence bundles).

const nodeSchema = z.object({
  nodeId: z.string(),
  origin: z.string(),
  witnessedSize: z.number().int(),
  mirroredSize: z.number().int(),
  sideSize: z.number().int(),
  lagSeconds: z.number().int(),
  state: z.enum(['ok', 'catching-up', 'quarantined', 'forked', 'unreachable', 'withdrawn']),
  lastError: z.string().nullable(),
});

const alertSchema = z.object({
  id: z.string().describe('<nodeId>-<n>'),
  nodeId: z.string(),
  kind: z.string(),
  at: z.iso.datetime(),
  summary: z.string(),
  resolvedAt: z.iso.datetime().nullable(),
});

const presentAlert = (a: FedAlert) => ({
  id: alertId(a),
  nodeId: a.nodeId,
  kind: a.kind,
  at: a.at.toISOString(),
  summary: a.summary,
  resolvedAt: a.resolvedAt?.toISOString() ?? null,
});

const nationalRecordSchema = z.object({
  nodeId: z.string(),
  origin: z.string(),
  record: z.object({
    identifier: z.string(),
    typeCode: z.string().nullable(),
    issuer: z.string().nullable(),
    version: z.number().nullable(),
    status: z.string(),
    predecessor: z.string().nullable(),
    successor: z.string().nullable(),
    firstIdx: z.number(),
    lastIdx: z.number(),
    flags: z.array(z.string()),
  }),
  checkpoint: z.string().nullable(),
  treeSize: z.number(),
  events: z.array(
    z.object({
      index: z.number(),
      kind: z.string(),
      op: z.string(),
      fromStatus: z.string().nullable(),
      toStatus: z.string().nullable(),
      related: z.string().nullable(),
      at: z.string(),
      flags: z.array(z.string()),
      leaf: z.string(),
      leafHash: z.string(),
      inclusion: z.array(z.string()).nullable(),
    }),
  ),
});

const nodeParams = z.object({ nodeId: z.string().regex(/^[0-9A-Za-z-]{1,32}$/) });
const INDEX = /^(0|[1-9][0-9]{0,15})$/;

/** What every log answer carries (federation.md §3.5): the proofs are under `checkpoint`. */
const logAnswerFields = {
  node: z.string(),
  origin: z.string(),
  checkpoint: z.string().nullable(),
  treeSize: z.number().int(),
  events: z.array(z.object({ index: z.number().int(), leaf: z.string(), inclusion: z.array(z.string()) })),
  consistency: z.object({ old: z.number().int(), hashes: z.array(z.string()) }).nullable(),
};

export const evidenceSchema = z.object({
  identifier: z.string(),
  ...logAnswerFields,
  nodeState: z.string(),
  pending: z.number().int(),
  statement: z.string().nullable(),
  issueProof: z.string().nullable(),
  latestProof: z.string().nullable(),
  stale: z.boolean(),
});

export const oldSizeQuery = z.object({
  old: z
    .string()
    .regex(INDEX)
    .optional()
    .describe('the tree size the caller verified last: the answer adds PROOF(old, treeSize)'),
});

const sealEvidenceSchema = z.object({
  esID: z.string(),
  ...logAnswerFields,
  statement: z
    .string()
    .nullable()
    .describe('枢纽签署的印章状态声明 / the hub’s signed seal-status statement (§2.7)'),
});

export function federationRoutes(
  api: ApiRouter,
  { federation, indexRecords, trustEntry }: Pick<Services, 'federation' | 'indexRecords' | 'trustEntry'>,
): void {
  api.route({
    method: 'get',
    path: '/v1/federation/licences/:identifier',
    operationId: 'getLicenceEvidence',
    summary:
      '跨省核验证据：证照事件、包含证明、枢纽联署检查点与状态声明 / Cross-node evidence for a licence (federation.md §3.5)',
    tags: ['federation'],
    auth: 'public',
    params: z.object({ identifier: z.string().min(1).max(128) }),
    query: oldSizeQuery,
    responses: {
      200: {
        description:
          'The licence’s events in its issuing node’s log, each leaf with its RFC 9162 path under `checkpoint` ' +
          '(the node’s checkpoint this hub cosigned and mirrors completely), and the hub’s status statement. ' +
          'Leaves hold no personal data.',
        schema: evidenceSchema,
      },
    },
    handler: async (ctx, { params, query }) => {
      ctx.body = await federation.licenceEvidence(
        params.identifier,
        query.old !== undefined ? { old: Number(query.old) } : {},
      );
    },
  });

  api.route({
    method: 'get',
    path: '/v1/federation/seals/:esID',
    operationId: 'getSealEvidence',
    summary:
      '印章在签发节点目录日志中的事件及包含证明 / A seal’s events in its node’s log, with inclusion proofs (federation.md §4.3)',
    tags: ['federation'],
    auth: 'public',
    params: z.object({ esID: z.string().min(1).max(64) }),
    query: oldSizeQuery,
    responses: {
      200: {
        description:
          'The seal’s make and status events, each leaf with its RFC 9162 path under `checkpoint` (the node’s ' +
          'checkpoint this hub cosigned and mirrors completely)',
        schema: sealEvidenceSchema,
      },
    },
    handler: async (ctx, { params, query }) => {
      ctx.body = await federation.sealEvidence(
        params.esID,
        query.old !== undefined ? { old: Number(query.old) } : {},
      );
    },
  });

  api.route({
    method: 'get',
    path: '/v1/federation/trust-entry',
    operationId: 'getNodeTrustEntry',
    summary:
      '本节点的信任列表条目（提交枢纽审核）/ This node’s entry for the national trust list, for the hub’s admins',
    tags: ['federation'],
    auth: ['admin'],
    query: z.object({
      name: z.string().min(1).max(200).optional().describe('节点名称, default the CA operator’s name'),
      regionCode: z
        .string()
        .regex(/^\d{6}$/)
        .optional()
        .describe('GB/T 2260; default <node id>0000'),
      kind: z.enum(['province', 'hub', 'ministry']).optional(),
    }),
    responses: { 200: { description: 'A trust-list node entry (federation.md §2.8)' } },
    handler: async (ctx, { query }) => {
      ctx.body = trustEntry(principalOf(ctx), query);
    },
  });

  api.route({
    method: 'get',
    path: '/v1/federation/index-records',
    operationId: 'listIndexRecords',
    summary: '持证主体旁路记录（仅国家枢纽）/ Holder side-channel records for the hub',
    tags: ['federation'],
    auth: ['hub'],
    query: z.object({ start: z.string(), end: z.string() }),
    responses: {
      200: {
        description: 'One JSON record per line, per file-bearing licence leaf in [start, end)',
        contentType: 'application/x-ndjson',
      },
    },
    handler: async (ctx, { query }) => {
      if (!INDEX.test(query.start) || !INDEX.test(query.end) || Number(query.end) < Number(query.start))
        throw new ProblemError(400, 'index-range-invalid', '序号区间无效 / invalid index range', {
          field: 'start',
        });
      const start = Number(query.start);
      const end = Number(query.end);
      if (end - start > MAX_INDEX_RECORD_RANGE)
        throw new ProblemError(
          400,
          'index-range-too-long',
          `区间最多 ${MAX_INDEX_RECORD_RANGE} 个序号 / at most ${MAX_INDEX_RECORD_RANGE} indices per request`,
          { field: 'end' },
        );
      const records = await indexRecords.list(principalOf(ctx), start, end);
      // Holder data: never cached anywhere on the way.
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'application/x-ndjson';
      ctx.body = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    },
  });

  api.route({
    method: 'get',
    path: '/v1/federation/nodes',
    operationId: 'listFederationNodes',
    summary: '镜像节点状态 / Replication state of the mirrored nodes',
    tags: ['federation'],
    auth: ['admin', 'sync-peer'],
    responses: { 200: { description: 'The nodes', schema: z.object({ items: z.array(nodeSchema) }) } },
    handler: async (ctx) => {
      ctx.body = { items: await federation.nodes(principalOf(ctx)) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/federation/nodes/:nodeId\\:sync',
    operationId: 'syncFederationNode',
    summary: '立即同步节点 / Pull a node now',
    tags: ['federation'],
    auth: ['admin'],
    params: nodeParams,
    responses: { 202: { description: 'The pull was started' } },
    handler: async (ctx, { params }) => {
      await federation.sync(actionContext(ctx), params.nodeId);
      ctx.status = 202;
    },
  });

  api.route({
    method: 'get',
    path: '/v1/federation/nodes/:nodeId/licences/:identifier',
    operationId: 'getNationalLicenceRecord',
    summary:
      '全国目录中的证照记录及其包含证明 / A licence in the national index, each event with its inclusion proof',
    tags: ['federation'],
    auth: ['admin'],
    params: nodeParams.extend({ identifier: z.string().min(1).max(128) }),
    responses: {
      200: {
        description:
          'The record and each event with its leaf and RFC 9162 path under `checkpoint`, the latest checkpoint ' +
          'of the node that this hub cosigned and mirrors completely: check its signature with the node’s log ' +
          'key, then each leaf against its root',
        schema: nationalRecordSchema,
      },
    },
    handler: async (ctx, { params }) => {
      ctx.body = await federation.licence(principalOf(ctx), params.nodeId, params.identifier);
    },
  });

  api.route({
    method: 'post',
    path: '/v1/federation/nodes/:nodeId\\:release',
    operationId: 'releaseFederationNode',
    summary: '解除节点隔离 / Release a quarantined node after investigation',
    tags: ['federation'],
    auth: ['admin'],
    params: nodeParams,
    responses: { 204: { description: 'Released; replication resumes from the last proven size' } },
    handler: async (ctx, { params }) => {
      await federation.release(actionContext(ctx), params.nodeId);
      ctx.status = 204;
    },
  });

  api.route({
    method: 'get',
    path: '/v1/federation/alerts',
    operationId: 'listFederationAlerts',
    summary: '联邦告警 / Federation alerts',
    tags: ['federation'],
    auth: ['admin'],
    query: pageQuery.extend({
      nodeId: z.string().max(32).optional(),
      kind: z.enum(['fork', 'entries-inconsistent', 'semantic-violation', 'side-record-mismatch']).optional(),
    }),
    responses: {
      200: { description: 'A page of alerts, newest first', schema: collectionSchema(alertSchema) },
    },
    handler: async (ctx, { query }) => {
      const page = await federation.alerts(
        principalOf(ctx),
        { nodeId: query.nodeId, kind: query.kind },
        toPageRequest(query),
      );
      ctx.body = collection(page, presentAlert);
    },
  });

  api.route({
    method: 'get',
    path: '/v1/federation/alerts/:id',
    operationId: 'getFederationAlert',
    summary: '告警与证据包 / An alert with its evidence bundle',
    tags: ['federation'],
    auth: ['admin'],
    params: z.object({ id: z.string().max(64) }),
    responses: {
      200: {
        description: 'The alert and its evidence',
        schema: alertSchema.extend({ evidence: z.record(z.string(), z.unknown()) }),
      },
    },
    handler: async (ctx, { params }) => {
      const a = await federation.alert(principalOf(ctx), params.id);
      ctx.body = { ...presentAlert(a), evidence: a.evidence };
    },
  });
}
