import { z } from 'zod';
import type { CertificateRecord } from '../../pki/certificate-record.js';
import { toPem } from '../../crypto/pem.js';
import { CRL_REASON_NAMES, type CrlReason } from '../../pki/crl-builder.js';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { actionContext, principalOf } from '../context.js';
import { collection, collectionSchema, pageQuery, toPageRequest } from '../pagination.js';

const serialParam = z.object({
  serial: z
    .string()
    .regex(/^[0-9A-Fa-f]{2,40}$/)
    .transform((s) => s.toUpperCase()),
});

const certificateSchema = z.object({
  serial: z.string().describe('upper-case hex'),
  caId: z.string(),
  agencyId: z.uuid().nullable(),
  profile: z.string(),
  subject: z.string(),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  status: z.enum(['good', 'hold', 'revoked']),
  revokedAt: z.iso.datetime().nullable(),
  revocationReason: z.string().nullable(),
  invalidityDate: z.iso.datetime().nullable(),
  certificate: z.string().describe('PEM'),
});

function present(c: CertificateRecord) {
  return {
    serial: c.serial,
    caId: c.caId,
    agencyId: c.agencyId,
    profile: c.profile,
    subject: c.subject,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    status: c.status,
    revokedAt: c.revokedAt?.toISOString() ?? null,
    revocationReason: c.revocationReason,
    invalidityDate: c.invalidityDate?.toISOString() ?? null,
    certificate: toPem('CERTIFICATE', c.der),
  };
}

export function certificateRoutes(api: ApiRouter, s: Services): void {
  api.route({
    method: 'post',
    path: '/v1/certificates',
    operationId: 'issueCertificate',
    summary:
      '签发证书（CSR 或服务端生成密钥）/ Issue a certificate (from a CSR, or with a server-generated key)',
    tags: ['certificates'],
    auth: ['ca-operator', 'admin'],
    body: z.strictObject({
      profile: z.string().describe('seal-signer | seal-maker | ocsp-responder | tsa | log-signer'),
      agencyId: z.uuid(),
      csr: z
        .string()
        .max(16_384)
        .optional()
        .describe('PEM PKCS#10 with an SM2 key, signed with the standard ID'),
      passphrase: z
        .string()
        .min(12)
        .max(1024)
        .optional()
        .describe('server-side key generation: encrypts the returned key'),
      commonName: z.string().min(1).max(64).optional().describe('for profiles that allow one (seal-signer)'),
    }),
    responses: {
      201: {
        description: 'Issued',
        schema: z.object({
          serial: z.string(),
          certificate: z.string(),
          chain: z.array(z.string()),
          privateKey: z
            .string()
            .optional()
            .describe(
              'ENCRYPTED PRIVATE KEY PEM; only with server-side key generation; never retrievable again',
            ),
        }),
      },
    },
    handler: async (ctx, { body }) => {
      const issued = await s.certificates.issue(actionContext(ctx), body);
      ctx.status = 201;
      ctx.set('Location', `/v1/certificates/${issued.record.serial}`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        serial: issued.record.serial,
        certificate: issued.certificatePem,
        chain: issued.chainPem,
        ...(issued.privateKeyPem ? { privateKey: issued.privateKeyPem } : {}),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/certificates/:serial',
    operationId: 'getCertificate',
    summary: '查询证书（JSON 或 PEM，按 Accept）/ Get a certificate (JSON, or PEM by Accept)',
    tags: ['certificates'],
    auth: 'public',
    params: serialParam,
    responses: {
      200: {
        description: 'The certificate with its status',
        schema: certificateSchema.extend({
          history: z.array(
            z.object({ at: z.iso.datetime(), status: z.string(), reason: z.string().nullable() }),
          ),
        }),
      },
    },
    handler: async (ctx, { params }) => {
      const c = await s.certificates.get(params.serial);
      const want = ctx.accepts(
        'application/json',
        'application/pem-certificate-chain',
        'application/x-pem-file',
        'application/pkix-cert',
      );
      if (want === 'application/pem-certificate-chain' || want === 'application/x-pem-file') {
        ctx.type = want;
        ctx.body = toPem('CERTIFICATE', c.der);
      } else if (want === 'application/pkix-cert') {
        ctx.type = want;
        ctx.body = c.der;
      } else {
        const history = await s.certificates.history(c.serial);
        ctx.body = {
          ...present(c),
          history: history.map((h) => ({ at: h.at.toISOString(), status: h.status, reason: h.reason })),
        };
      }
    },
  });

  api.route({
    method: 'get',
    path: '/v1/certificates',
    operationId: 'listCertificates',
    summary: '证书列表（按机构、模板、状态）/ List certificates by agency, profile, status',
    tags: ['certificates'],
    auth: ['admin', 'ca-operator', 'seal-maker', 'issuer'],
    query: pageQuery.extend({
      agencyId: z.uuid().optional(),
      profile: z.string().optional(),
      status: z.enum(['good', 'hold', 'revoked']).optional(),
    }),
    responses: {
      200: { description: 'A page of certificates', schema: collectionSchema(certificateSchema) },
    },
    handler: async (ctx, { query }) => {
      const page = await s.certificates.list(
        principalOf(ctx),
        { agencyId: query.agencyId, profile: query.profile, status: query.status },
        toPageRequest(query),
      );
      ctx.body = collection(page, present);
    },
  });

  api.route({
    method: 'post',
    path: '/v1/certificates/:serial/revoke',
    operationId: 'revokeCertificate',
    summary: '吊销证书（幂等）/ Revoke a certificate (idempotent)',
    tags: ['certificates'],
    auth: ['ca-operator', 'admin'],
    params: serialParam,
    body: z.strictObject({
      reason: z.enum(CRL_REASON_NAMES as [CrlReason, ...CrlReason[]]),
      invalidityDate: z.iso.datetime({ offset: true }).optional(),
    }),
    responses: { 200: { description: 'The certificate after revocation', schema: certificateSchema } },
    handler: async (ctx, { params, body }) => {
      const c = await s.certificates.revoke(actionContext(ctx), params.serial, {
        reason: body.reason,
        invalidityDate: body.invalidityDate ? new Date(body.invalidityDate) : undefined,
      });
      ctx.body = present(c);
    },
  });

  api.route({
    method: 'post',
    path: '/v1/certificates/:serial/release',
    operationId: 'releaseCertificate',
    summary: '解除暂停（certificateHold）/ Release a held certificate',
    tags: ['certificates'],
    auth: ['ca-operator', 'admin'],
    params: serialParam,
    responses: { 200: { description: 'The certificate, good again', schema: certificateSchema } },
    handler: async (ctx, { params }) => {
      ctx.body = present(await s.certificates.release(actionContext(ctx), params.serial));
    },
  });
}
