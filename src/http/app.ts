import Koa from 'koa';
import type { Logger } from 'pino';
import type { Services } from '../service/services.js';
import { ApiRouter } from './api-router.js';
import { identify } from './auth.js';
import { errorHandler } from './error-handler.js';
import { HttpMetrics } from './metrics.js';
import { ProblemError } from './problem.js';
import { RateLimiter } from './rate-limit.js';
import { requestId } from './request-id.js';
import { DEFAULT_UPLOAD_SLOTS } from '../config.js';
import { UploadSlots } from './upload-slots.js';
import { agencyRoutes } from './routes/agency-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { certificateRoutes } from './routes/certificate-routes.js';
import { caPublicationRoutes } from './routes/ca-publication-routes.js';
import { sealRoutes } from './routes/seal-routes.js';
import { tsaRoutes } from './routes/tsa-routes.js';
import { ocspRoutes } from './routes/ocsp-routes.js';
import { signerKeyRoutes } from './routes/signer-key-routes.js';
import { documentRoutes } from './routes/document-routes.js';
import { licenceTypeRoutes } from './routes/licence-type-routes.js';
import { licenceCopyAndUsageRoutes, licenceRoutes } from './routes/licence-routes.js';
import { jobRoutes } from './routes/job-routes.js';
import { verifyRoutes } from './routes/verify-routes.js';
import { pageRoutes } from './routes/page-routes.js';
import { witnessRoutes } from './routes/witness-routes.js';
import { tlogCheckpointRoutes } from './routes/tlog-checkpoint-routes.js';
import { tlogRoutes } from './routes/tlog-routes.js';
import { federationRoutes } from './routes/federation-routes.js';
import { trustListRoutes } from './routes/trust-list-routes.js';
import { shareRoutes } from './routes/share-routes.js';

export interface AppDeps {
  services: Services;
  logger: Logger;
  publicUrl: string;
  bodyLimitBytes: number;
  /** Trusted reverse-proxy hops (SEALTRUST_TRUST_PROXY); 0 believes no X-Forwarded-For. */
  trustProxyHops?: number | undefined;
  /** Large uploads read and held at once (SEALTRUST_UPLOAD_SLOTS, default 8). */
  uploadSlots?: number | undefined;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // X-Forwarded-For is a client-written header unless a proxy we run rewrites it: believed only from as many
  // trusted hops as configured (the rightmost N entries, which those proxies appended), so a client cannot
  // choose its own address and with it its rate-limit bucket.
  const hops = deps.trustProxyHops ?? 0;
  app.proxy = hops > 0;
  app.maxIpsCount = hops;
  const metrics = new HttpMetrics();
  const api = new ApiRouter(deps.bodyLimitBytes, {
    audit: deps.services.audit,
    uploadSlots: new UploadSlots(deps.uploadSlots ?? DEFAULT_UPLOAD_SLOTS),
  });
  // One per-client limiter for everything anonymous that costs the node real work: validation (/v1/verify),
  // directory look-ups, and an SM2 signature per request (/tsa, nonce-carrying /ocsp).
  const publicLimiter = new RateLimiter(deps.services.verification.options.rate);

  let openapi: object | undefined;
  const document = () =>
    (openapi ??= api.openApiDocument(
      {
        title: 'SealTrust API',
        version: '0.1.0',
        description:
          '统一电子印章与电子证照信任服务 / Trust service for unified electronic seals and licences',
      },
      deps.publicUrl,
    ));

  healthRoutes(api, deps.services.health, metrics, document);
  tokenRoutes(api, deps.services);
  agencyRoutes(api, deps.services);
  auditRoutes(api, deps.services);
  certificateRoutes(api, deps.services);
  caPublicationRoutes(api, deps.services);
  sealRoutes(api, deps.services);
  tsaRoutes(api, deps.services, publicLimiter);
  ocspRoutes(api, deps.services, publicLimiter);
  signerKeyRoutes(api, deps.services);
  documentRoutes(api, deps.services);
  licenceTypeRoutes(api, deps.services);
  jobRoutes(api, deps.services);
  licenceRoutes(api, deps.services);
  verifyRoutes(api, deps.services, publicLimiter);
  pageRoutes(api);
  licenceCopyAndUsageRoutes(api, deps.services);
  witnessRoutes(api, deps.services);
  tlogCheckpointRoutes(api, deps.services);
  if (deps.services.tlogPublisher) metrics.registry.registerMetric(deps.services.tlogPublisher.alerts);
  tlogRoutes(api, deps.services);
  federationRoutes(api, deps.services);
  trustListRoutes(api, deps.services);
  shareRoutes(api, deps.services, publicLimiter);
  metrics.countFedAlerts(() => deps.services.federation.alertCounts());
  metrics.countTrustListAlerts(() => deps.services.trustLists.alertCounts());
  metrics.trustListExpired(() => deps.services.trustLists.freshness());
  metrics.trustListSignerExpiry(() => deps.services.trustLists.signerNotAfter());
  metrics.logKeyAlerts(() => deps.services.trustLists.logKeyAlertCounts());

  app.use(requestId());
  app.use(metrics.middleware());
  app.use(accessLog(deps.logger));
  app.use(errorHandler(deps.logger));
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  });
  app.use(identify(deps.services.tokens));
  app.use(api.router.routes());
  app.use(
    api.router.allowedMethods({
      throw: true,
      methodNotAllowed: () =>
        new ProblemError(
          405,
          'method-not-allowed',
          '该资源不支持此方法 / method not allowed on this resource',
        ),
      notImplemented: () =>
        new ProblemError(405, 'method-not-allowed', '不支持的方法 / method not supported'),
    }),
  );
  // Koa's own error output is never used: everything goes through errorHandler above.
  app.silent = true;
  return app;
}

function accessLog(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute;
      logger.info(
        {
          requestId: ctx.state.requestId,
          method: ctx.method,
          path: ctx.path,
          route,
          status: ctx.status,
          ms: Math.round((performance.now() - start) * 10) / 10,
        },
        'request',
      );
    }
  };
}
