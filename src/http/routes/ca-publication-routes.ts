import { z } from 'zod';
import type { Services } from '../../service/services.js';
import type { ApiRouter } from '../api-router.js';
import { ProblemError } from '../problem.js';

/**
 * Certificates relying parties fetch by name: the root and issuing CAs (AIA caIssuers targets), and each
 * issuing CA's OCSP responder, TSA and seal maker (`<caId>-ocsp`, `<caId>-tsa`, `<caId>-seal-maker`), so a
 * timestamp requested without certReq or a seal's maker can still be checked.
 */
function publishedCertificates(s: Services): Map<string, { der: Buffer; pem: string }> {
  const out = new Map<string, { der: Buffer; pem: string }>([
    [s.node.root.id, { der: s.node.root.cert.der, pem: s.node.root.pem }],
  ]);
  for (const ca of s.node.issuingCas.values()) {
    out.set(ca.id, { der: ca.ca.cert.der, pem: ca.ca.pem });
    out.set(`${ca.id}-ocsp`, { der: ca.ocspResponder.cert.der, pem: ca.ocspResponder.pem });
    if (ca.tsa) out.set(`${ca.id}-tsa`, { der: ca.tsa.cert.der, pem: ca.tsa.pem });
    if (ca.sealMaker) out.set(`${ca.id}-seal-maker`, { der: ca.sealMaker.cert.der, pem: ca.sealMaker.pem });
  }
  return out;
}

/** What a relying party fetches without credentials: CRLs and CA certificates (CDP and AIA targets). */
export function caPublicationRoutes(api: ApiRouter, s: Services): void {
  const published = publishedCertificates(s);
  api.route({
    method: 'get',
    path: '/crl/:file',
    operationId: 'getCrl',
    summary: '证书吊销列表（DER）/ Certificate revocation list (DER)',
    tags: ['pki'],
    auth: 'public',
    params: z.object({ file: z.string().regex(/^[a-z0-9-]{2,40}\.crl$/) }),
    responses: { 200: { description: 'X.509 v2 CRL', contentType: 'application/pkix-crl' } },
    handler: async (ctx, { params }) => {
      const caId = params.file.slice(0, -4);
      if (caId === s.node.root.id) {
        ctx.type = 'application/pkix-crl';
        ctx.set('Cache-Control', 'public, max-age=3600');
        ctx.body = s.node.root.crl;
        return;
      }
      if (!s.node.issuingCas.has(caId))
        throw new ProblemError(404, 'not-found', `没有这个CA / no CA ${caId}`);
      const crl = await s.crls.current(caId);
      const maxAge = Math.max(0, Math.floor((crl.nextUpdate.getTime() - Date.now()) / 1000));
      ctx.type = 'application/pkix-crl';
      // Caches may keep it until nextUpdate, but should revalidate: a revocation publishes a new one at once.
      ctx.set('Cache-Control', `public, max-age=${Math.min(maxAge, 300)}, must-revalidate`);
      ctx.set('Last-Modified', crl.thisUpdate.toUTCString());
      ctx.set('Expires', crl.nextUpdate.toUTCString());
      ctx.set('ETag', `"${caId}-${crl.crlNumber}"`);
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.body = crl.der;
    },
  });

  api.route({
    method: 'get',
    path: '/ca/:file',
    operationId: 'getCaCertificate',
    summary: 'CA 证书（DER，或 .pem）/ CA certificate (DER, or PEM with .pem)',
    tags: ['pki'],
    auth: 'public',
    params: z.object({ file: z.string().regex(/^[a-z0-9-]{2,40}\.(crt|pem)$/) }),
    responses: { 200: { description: 'The certificate', contentType: 'application/pkix-cert' } },
    handler: async (ctx, { params }) => {
      const [id, ext] = params.file.split('.') as [string, string];
      const cert = published.get(id);
      if (!cert) throw new ProblemError(404, 'not-found', `没有这个CA / no CA ${id}`);
      ctx.set('Cache-Control', 'public, max-age=86400');
      if (ext === 'pem') {
        ctx.type = 'application/x-pem-file';
        ctx.body = cert.pem;
      } else {
        ctx.type = 'application/pkix-cert';
        ctx.body = cert.der;
      }
    },
  });
}
