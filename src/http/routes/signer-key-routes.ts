import { z } from 'zod';
import { sm2PublicKeyToPem } from '../../crypto/sm2-keys.js';
import { toPem } from '../../crypto/pem.js';
import type { Services } from '../../service/services.js';
import type { SignerKeyWithCertificate } from '../../service/seals/signer-key-service.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';
import { ProblemError } from '../problem.js';
import { validationProblem } from '../validation-problem.js';

const agencyParam = z.object({ agencyId: z.uuid() });
const keyParams = z.object({ agencyId: z.uuid(), id: z.uuid() });

const createBody = z.strictObject({
  rotate: z.boolean().optional().describe('retire the active keys (their certificates stay good)'),
  commonName: z.string().trim().min(1).max(64).optional().describe('签章人名称 (default: the agency name)'),
});

const certificateStatus = z.enum(['good', 'hold', 'revoked']);

const signerKeySchema = z.object({
  id: z.uuid(),
  agencyId: z.uuid(),
  status: z.enum(['active', 'retired']),
  certificateSerial: z.string().describe('upper-case hex'),
  certificateStatus,
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  publicKey: z.string().describe('PEM SubjectPublicKeyInfo'),
  certificate: z.string().describe('PEM'),
  kekId: z.string().describe('which key-encryption key wraps it'),
  createdAt: z.iso.datetime(),
  retiredAt: z.iso.datetime().nullable(),
});

function present(k: SignerKeyWithCertificate) {
  return {
    id: k.id,
    agencyId: k.agencyId,
    status: k.status,
    certificateSerial: k.certificateSerial,
    certificateStatus: k.certificate.status,
    notBefore: k.certificate.notBefore.toISOString(),
    notAfter: k.certificate.notAfter.toISOString(),
    publicKey: sm2PublicKeyToPem(k.publicKey),
    certificate: toPem('CERTIFICATE', k.certificate.der),
    kekId: k.kekId,
    createdAt: k.createdAt.toISOString(),
    retiredAt: k.retiredAt?.toISOString() ?? null,
  };
}

const BODY_LIMIT = 4096;

export function signerKeyRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'post',
    path: '/v1/agencies/:agencyId/signer-keys',
    operationId: 'createSignerKey',
    summary:
      '为机构生成签章人密钥（服务端保管）/ Generate a vault-held seal-signer key and certificate for an agency',
    tags: ['signer-keys'],
    auth: ['admin', 'ca-operator'],
    params: agencyParam,
    // The body is optional ({} when absent), which a declared JSON body cannot express.
    rawBody: { contentTypes: ['application/json'], limitBytes: BODY_LIMIT, anyContentType: true },
    responses: {
      201: {
        description: 'Created; the private key stays in the vault and is never returned',
        schema: z.object({
          id: z.uuid(),
          agencyId: z.uuid(),
          certificateSerial: z.string(),
          certificate: z.string().describe('PEM'),
          chain: z.array(z.string()),
          publicKey: z.string().describe('PEM SubjectPublicKeyInfo'),
          retired: z.array(z.uuid()).describe('keys this rotation retired'),
          createdAt: z.iso.datetime(),
        }),
      },
    },
    handler: async (ctx, { params, rawBody }) => {
      const body = createBody.safeParse(
        await optionalJson(ctx.is('application/json', 'application/*+json'), rawBody),
      );
      if (!body.success) throw validationProblem(body.error);
      const created = await s.signerKeys.create(actionContext(ctx), params.agencyId, body.data);
      ctx.status = 201;
      ctx.set('Location', `/v1/agencies/${params.agencyId}/signer-keys`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        id: created.id,
        agencyId: created.agencyId,
        certificateSerial: created.certificateSerial,
        certificate: created.certificatePem,
        chain: created.chainPem,
        publicKey: sm2PublicKeyToPem(created.publicKey),
        retired: created.retired,
        createdAt: created.createdAt.toISOString(),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/agencies/:agencyId/signer-keys',
    operationId: 'listSignerKeys',
    summary: '机构的签章人密钥 / An agency’s vault-held signer keys (no key material)',
    tags: ['signer-keys'],
    auth: ['admin', 'ca-operator', 'issuer'],
    params: agencyParam,
    responses: {
      200: { description: 'Newest first', schema: z.object({ items: z.array(signerKeySchema) }) },
    },
    handler: async (ctx, { params }) => {
      const keys = await s.signerKeys.list(principalOf(ctx), params.agencyId);
      ctx.body = { items: keys.map(present) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/agencies/:agencyId/signer-keys/:id/retire',
    operationId: 'retireSignerKey',
    summary: '停用签章人密钥（证书不吊销）/ Retire a signer key (its certificate is not revoked)',
    tags: ['signer-keys'],
    auth: ['admin', 'ca-operator'],
    params: keyParams,
    responses: { 200: { description: 'The key, retired', schema: signerKeySchema } },
    handler: async (ctx, { params }) => {
      const p = principalOf(ctx);
      await s.signerKeys.retire(actionContext(ctx), params.id, params.agencyId);
      const key = (await s.signerKeys.list(p, params.agencyId)).find((k) => k.id === params.id)!;
      ctx.body = present(key);
    },
  });
}

/** An absent or empty body is `{}`; anything else must be JSON. */
async function optionalJson(isJson: string | false | null, read: () => Promise<Buffer>): Promise<unknown> {
  const raw = await read();
  if (raw.length === 0 || raw.toString('utf8').trim() === '') return {};
  if (!isJson) {
    throw new ProblemError(
      415,
      'unsupported-media-type',
      '请求体须为 application/json / the body must be application/json',
    );
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ProblemError(400, 'malformed-json', '请求体不是有效的 JSON / request body is not valid JSON');
  }
}
