import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { ServiceError } from '../service/service-error.js';
import { ProblemError } from './problem.js';
import { validationProblem } from './validation-problem.js';
import { CryptoInputError } from '../crypto/crypto-input-error.js';

const SERVICE_STATUS: Record<ServiceError['kind'], number> = {
  validation: 422,
  'not-found': 404,
  conflict: 409,
  forbidden: 403,
  unauthorized: 401,
  unavailable: 503,
  'bad-gateway': 502,
  'gateway-timeout': 504,
};

/** Turns anything thrown below into a problem+json body; unknown errors become a logged, opaque 500. */
export function toProblem(err: unknown): ProblemError | undefined {
  if (err instanceof ProblemError) return err;
  if (err instanceof ServiceError) {
    return new ProblemError(SERVICE_STATUS[err.kind], err.code, err.message, {
      ...(err.field ? { field: err.field } : {}),
      ...(err.extensions ? { extensions: err.extensions } : {}),
      ...(err.retryAfterSeconds !== undefined
        ? { headers: { 'Retry-After': String(err.retryAfterSeconds) } }
        : {}),
    });
  }
  if (err instanceof ZodError) {
    return validationProblem(err);
  }
  if (err instanceof CryptoInputError) {
    return new ProblemError(422, err.code.toLowerCase().replaceAll('_', '-'), err.message);
  }
  // Errors from koa / co-body / http-errors carry an expose flag and a status for client faults.
  const e = err as {
    status?: number;
    statusCode?: number;
    expose?: boolean;
    type?: string;
    message?: string;
  };
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413)
      return new ProblemError(
        413,
        'payload-too-large',
        '请求体超过大小限制 / request body exceeds the size limit',
      );
    if (status === 415)
      return new ProblemError(415, 'unsupported-media-type', '不支持的内容类型 / unsupported Content-Type');
    if (status === 400 && (e.type === 'entity.parse.failed' || /JSON/i.test(e.message ?? ''))) {
      return new ProblemError(
        400,
        'malformed-json',
        '请求体不是有效的 JSON / request body is not valid JSON',
      );
    }
    return new ProblemError(status, `http-${status}`, e.expose && e.message ? e.message : 'client error');
  }
  return undefined;
}

export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new ProblemError(404, 'not-found', `没有这个资源 / no resource at ${ctx.path}`);
      }
    } catch (err) {
      let problem = toProblem(err);
      if (!problem) {
        logger.error({ err, requestId: ctx.state.requestId }, 'unhandled error');
        problem = new ProblemError(
          500,
          'internal-error',
          '服务器内部错误，请凭请求编号联系运维 / internal error; quote the request id',
        );
      }
      ctx.status = problem.status;
      for (const [k, v] of Object.entries(problem.extra.headers ?? {})) ctx.set(k, v);
      ctx.type = 'application/problem+json';
      ctx.body = problem.toBody(ctx.state.requestId as string | undefined, ctx.path);
    }
  };
}
