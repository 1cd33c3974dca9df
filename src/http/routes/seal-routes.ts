import { z } from 'zod';
import type { SealRecord } from '../../seal/seal-record.js';
import type { SealStatusEvent } from '../../seal/seal-status-event.js';
import { effectiveStatus } from '../../service/seals/seal-service.js';
import { SEAL_TYPE_NAMES, type SealType } from '../../seal/seal-type.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';
import { collection, collectionSchema, pageQuery, toPageRequest } from '../pagination.js';

const ES_ID = /^[0-9A-Za-z]{4,64}$/;

const sealSchema = z.object({
  esID: z.string().describe('印章编码'),
  agencyId: z.uuid(),
  name: z.string(),
  type: z.enum(SEAL_TYPE_NAMES as [SealType, ...SealType[]]),
  status: z.enum(['active', 'suspended', 'revoked', 'expired']),
  validFrom: z.iso.datetime(),
  validTo: z.iso.datetime(),
  makerCertificateSerial: z.string(),
  signerCertificateSerials: z.array(z.string()),
  picture: z.object({ url: z.string(), type: z.string(), widthMm: z.number(), heightMm: z.number() }),
  sealUrl: z.string().describe('DER SESeal'),
  createdAt: z.iso.datetime(),
});

function present(s: SealRecord, history?: SealStatusEvent[]) {
  return {
    esID: s.esID,
    agencyId: s.agencyId,
    name: s.name,
    type: s.type,
    status: effectiveStatus(s),
    validFrom: s.validFrom.toISOString(),
    validTo: s.validTo.toISOString(),
    makerCertificateSerial: s.makerCertificateSerial,
    signerCertificateSerials: s.signerCertificateSerials,
    picture: {
      url: `/v1/seals/${s.esID}.png`,
      type: s.pictureType,
      widthMm: s.pictureWidthMm,
      heightMm: s.pictureHeightMm,
    },
    sealUrl: `/v1/seals/${s.esID}.esl`,
    createdAt: s.createdAt.toISOString(),
    ...(history
      ? { history: history.map((h) => ({ at: h.at.toISOString(), status: h.status, reason: h.reason })) }
      : {}),
  };
}

const readers = ['admin', 'seal-maker', 'ca-operator', 'issuer', 'sync-peer'] as const;

export function sealRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'post',
    path: '/v1/seals',
    operationId: 'makeSeal',
    summary: '制作电子印章 / Make an electronic seal (GB/T 38540)',
    tags: ['seals'],
    auth: ['seal-maker', 'admin'],
    body: z.strictObject({
      agencyId: z.uuid(),
      name: z.string().trim().min(1).max(64).describe('印章名称，如 杭州市市场监督管理局 或 合同专用章'),
      type: z.enum(SEAL_TYPE_NAMES as [SealType, ...SealType[]]),
      signerCertSerials: z
        .array(z.string().regex(/^[0-9A-Fa-f]{2,40}$/))
        .min(1)
        .max(20),
      validFrom: z.iso.datetime({ offset: true }),
      validTo: z.iso.datetime({ offset: true }),
      picture: z
        .strictObject({
          png: z.base64().max(700_000).describe('PNG, base64'),
          widthMm: z.number().min(10).max(100),
          heightMm: z.number().min(10).max(100),
        })
        .optional()
        .describe('without it the service draws the round red official seal'),
    }),
    responses: { 201: { description: 'Made', schema: sealSchema } },
    handler: async (ctx, { body }) => {
      const seal = await s.seals.make(actionContext(ctx), {
        ...body,
        validFrom: new Date(body.validFrom),
        validTo: new Date(body.validTo),
        picture: body.picture
          ? {
              png: Buffer.from(body.picture.png, 'base64'),
              widthMm: body.picture.widthMm,
              heightMm: body.picture.heightMm,
            }
          : undefined,
      });
      ctx.status = 201;
      ctx.set('Location', `/v1/seals/${seal.esID}`);
      ctx.body = present(seal);
    },
  });

  api.route({
    method: 'get',
    path: '/v1/seals/:ref',
    operationId: 'getSeal',
    summary: '查询印章（JSON；.esl 为 DER 印章，.png 为印模图片）/ Get a seal (JSON; .esl DER; .png picture)',
    tags: ['seals'],
    auth: [...readers],
    params: z.object({ ref: z.string().regex(/^[0-9A-Za-z]{4,64}(\.esl|\.png)?$/) }),
    responses: { 200: { description: 'The seal with its status history', schema: sealSchema } },
    handler: async (ctx, { params }) => {
      const [esID, ext] = params.ref.split('.') as [string, string | undefined];
      const seal = await s.seals.get(principalOf(ctx), esID);
      if (ext === 'esl') {
        ctx.type = 'application/octet-stream';
        ctx.set('Content-Disposition', `attachment; filename="${esID}.esl"`);
        ctx.body = seal.der;
      } else if (ext === 'png') {
        ctx.type = 'image/png';
        ctx.body = seal.picture;
      } else {
        ctx.body = present(seal, await s.seals.history(esID));
      }
    },
  });

  api.route({
    method: 'get',
    path: '/v1/seals',
    operationId: 'listSeals',
    summary: '印章列表（按机构）/ List seals by agency',
    tags: ['seals'],
    auth: [...readers],
    query: pageQuery.extend({ agencyId: z.uuid().optional() }),
    responses: { 200: { description: 'A page of seals', schema: collectionSchema(sealSchema) } },
    handler: async (ctx, { query }) => {
      ctx.body = collection(await s.seals.list(principalOf(ctx), query.agencyId, toPageRequest(query)), (x) =>
        present(x),
      );
    },
  });

  for (const action of ['suspend', 'resume', 'revoke'] as const) {
    api.route({
      method: 'post',
      path: `/v1/seals/:esID/${action}`,
      operationId: `${action}Seal`,
      summary: {
        suspend: '挂失（暂停使用）/ Suspend (report lost)',
        resume: '解除挂失 / Resume',
        revoke: '注销（不可恢复）/ Revoke (final)',
      }[action],
      tags: ['seals'],
      auth: action === 'suspend' ? ['seal-maker', 'admin', 'issuer'] : ['seal-maker', 'admin'],
      params: z.object({ esID: z.string().regex(ES_ID) }),
      body: z.strictObject({ reason: z.string().trim().min(2).max(500).describe('原因') }),
      responses: { 200: { description: 'The seal after the change', schema: sealSchema } },
      handler: async (ctx, { params, body }) => {
        ctx.body = present(await s.seals.changeStatus(actionContext(ctx), params.esID, action, body.reason));
      },
    });
  }
}
