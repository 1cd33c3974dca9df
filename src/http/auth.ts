import type { Middleware } from 'koa';
import type { TokenService } from '../service/access/token-service.js';
import type { AuditService } from '../service/audit/audit-service.js';
import type { Role } from '../access/role.js';
import type { Principal } from '../service/access/principal.js';
import { ProblemError } from './problem.js';

const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/;

/**
 * Resolves the caller. No Authorization header means anonymous; a header that is present but
 * wrong is a 401 everywhere, so a client never silently falls back to anonymous access.
 */
export function identify(tokens: Pick<TokenService, 'authenticate'>): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    let principal: Principal = { kind: 'anonymous' };
    if (header) {
      const m = BEARER.exec(header);
      const found = m?.[1] ? await tokens.authenticate(m[1]) : undefined;
      if (!found) {
        throw new ProblemError(
          401,
          'invalid-token',
          '令牌无效或已吊销 / the API token is invalid or revoked',
          {
            headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
          },
        );
      }
      principal = found;
    }
    ctx.state.principal = principal;
    await next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Route guard: 401 without a token, 403 (audited for state changes) with a token of another role. */
export function requirePrincipal(
  roles: Role[],
  action: string,
  audit: Pick<AuditService, 'denied'>,
): Middleware {
  return async (ctx, next) => {
    const p = ctx.state.principal as Principal;
    if (p.kind === 'anonymous') {
      throw new ProblemError(401, 'authentication-required', '需要 API 令牌 / an API token is required', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    if (p.kind === 'token' && !roles.includes(p.role)) {
      if (!SAFE_METHODS.has(ctx.method)) {
        await audit.denied(
          { principal: p, requestId: ctx.state.requestId ?? null },
          action,
          { type: 'route', id: ctx.path },
          `role ${p.role} not in ${roles.join(',')}`,
        );
      }
      throw new ProblemError(
        403,
        'role-not-allowed',
        `该令牌角色（${p.role}）无权执行此操作 / role ${p.role} may not do this`,
      );
    }
    await next();
  };
}
