import { randomBytes, randomUUID } from 'node:crypto';
import { sm3 } from '../../crypto/sm3.js';
import type { Db } from '../../store/database.js';
import { findAgency } from '../../store/agency-repository.js';
import { cancelJobsOfToken } from '../../store/job-repository.js';
import {
  countActiveTokens,
  findActiveTokenByHash,
  findToken,
  findTokenByHash,
  insertToken,
  listTokens,
  revokeToken as revokeTokenRow,
} from '../../store/token-repository.js';
import type { ApiToken } from '../../access/api-token.js';
import type { Role } from '../../access/role.js';
import type { Page, PageRequest } from '../../paging/page.js';
import { isProvinceCode } from '../../licence/region-code.js';
import { GenerationCache } from '../../runtime/generation-cache.js';
import { withAudit } from '../audit/audit-service.js';
import type { ActionContext, Principal } from './principal.js';
import { ServiceError } from '../service-error.js';

const TOKEN_PREFIX = 'st_';

/** 32 random bytes, base64url, with a prefix so leaked tokens are easy to recognise in scans. */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function tokenHash(secret: string): Buffer {
  return sm3(Buffer.from(secret, 'utf8'));
}

export interface NewToken {
  role: Role;
  agencyId?: string | undefined;
  province?: string | undefined;
  label?: string | undefined;
}

/**
 * API tokens: made and revoked by admins (audited), resolved on every request. A secret is shown once and
 * only its SM3 hash is kept.
 */
export class TokenService {
  // Every API call authenticates; tokens change only with an audit record (revocation included), so the
  // lookup is cached per audit generation. Unknown tokens are not kept: guessing must not evict real ones.
  readonly #active: GenerationCache<ApiToken | undefined>;

  constructor(private readonly db: Db) {
    this.#active = new GenerationCache(db, ['token', 'agency'], 1024, 60_000);
  }

  /** Creates a token; the secret is returned once and only its SM3 hash is kept. */
  async create(ctx: ActionContext, input: NewToken): Promise<{ token: ApiToken; secret: string }> {
    const binding = await checkBinding(this.db, input);
    const secret = newTokenSecret();
    const token: ApiToken = {
      id: randomUUID(),
      role: input.role,
      ...binding,
      label: input.label ?? null,
      createdAt: new Date(),
      revokedAt: null,
    };
    await withAudit(this.db, ctx, 'token.create', async (trx) => {
      await insertToken(trx, token, tokenHash(secret));
      return {
        result: undefined,
        target: { type: 'token', id: token.id },
        details: { role: token.role, ...binding },
      };
    });
    return { token, secret };
  }

  async revoke(ctx: ActionContext, id: string): Promise<void> {
    const existing = await findToken(this.db, id);
    if (!existing) throw new ServiceError('not-found', 'token-not-found', '令牌不存在 / no such token', 'id');
    if (existing.revokedAt) return; // idempotent: already revoked
    await withAudit(this.db, ctx, 'token.revoke', async (trx) => {
      const at = new Date();
      await revokeTokenRow(trx, id, at);
      // A job acts with its token's authority: revoking the token ends the jobs it submitted (a running one
      // stops before its next line, keeping the counts it reached).
      const cancelledJobs = await cancelJobsOfToken(trx, id, at);
      return {
        result: undefined,
        target: { type: 'token', id },
        ...(cancelledJobs.length > 0 ? { details: { cancelledJobs } } : {}),
      };
    });
  }

  list(page: PageRequest): Promise<Page<ApiToken>> {
    return listTokens(this.db, page);
  }

  /** Resolves a bearer secret to its principal, or undefined for an unknown or revoked token. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return undefined;
    const hash = tokenHash(secret);
    const t = await this.#active.get(
      hash.toString('hex'),
      () => findActiveTokenByHash(this.db, hash),
      (found) => found !== undefined,
    );
    if (!t) return undefined;
    return { kind: 'token', tokenId: t.id, role: t.role, agencyId: t.agencyId, province: t.province };
  }

  /**
   * At start: registers SEALTRUST_ADMIN_TOKEN when given (idempotently), otherwise creates a first admin
   * token if none is active. Returns the secret only when it created one, so the caller can print it once.
   */
  async bootstrapAdmin(configured: string | undefined): Promise<string | undefined> {
    const ctx: ActionContext = { principal: { kind: 'system' }, requestId: null };
    if (configured) {
      if (!configured.startsWith(TOKEN_PREFIX) || configured.length < 40) {
        throw new ServiceError(
          'validation',
          'weak-admin-token',
          `SEALTRUST_ADMIN_TOKEN must start with ${TOKEN_PREFIX} and carry at least 32 random bytes (use \`sealtrust token generate\`)`,
          'SEALTRUST_ADMIN_TOKEN',
        );
      }
      const hash = tokenHash(configured);
      if (await findTokenByHash(this.db, hash)) return undefined;
      const token: ApiToken = {
        id: randomUUID(),
        role: 'admin',
        agencyId: null,
        province: null,
        label: 'SEALTRUST_ADMIN_TOKEN',
        createdAt: new Date(),
        revokedAt: null,
      };
      await withAudit(this.db, ctx, 'token.bootstrap', async (trx) => {
        await insertToken(trx, token, hash);
        return {
          result: undefined,
          target: { type: 'token', id: token.id },
          details: { role: 'admin', source: 'environment' },
        };
      });
      return undefined;
    }
    if ((await countActiveTokens(this.db, 'admin')) > 0) return undefined;
    const { secret } = await this.create(ctx, { role: 'admin', label: 'first start' });
    return secret;
  }
}

/** Checks that the binding fits the role: issuers belong to one agency, sync peers to one province node. */
async function checkBinding(
  db: Db,
  input: NewToken,
): Promise<{ agencyId: string | null; province: string | null }> {
  if (input.role === 'issuer') {
    if (!input.agencyId)
      throw new ServiceError(
        'validation',
        'agency-required',
        '签发者令牌必须绑定机构 / an issuer token must name its agency',
        'agencyId',
      );
    if (input.province)
      throw new ServiceError(
        'validation',
        'field-not-allowed',
        'issuer tokens are bound to an agency, not a province',
        'province',
      );
    if (!(await findAgency(db, input.agencyId))) {
      throw new ServiceError('validation', 'unknown-agency', '机构不存在 / no such agency', 'agencyId');
    }
    return { agencyId: input.agencyId, province: null };
  }
  if (input.role === 'sync-peer') {
    if (!input.province)
      throw new ServiceError(
        'validation',
        'province-required',
        '同步节点令牌必须绑定省级节点 / a sync-peer token must name its province node',
        'province',
      );
    if (input.agencyId)
      throw new ServiceError(
        'validation',
        'field-not-allowed',
        'sync-peer tokens are bound to a province, not an agency',
        'agencyId',
      );
    // Bound to a node: a province (GB/T 2260) or a ministry node `m-<USCC>` (federation.md §4.3); never the hub.
    if (!isProvinceCode(input.province) && !/^m-[0-9A-HJ-NPQRTUWXY]{18}$/.test(input.province)) {
      throw new ServiceError(
        'validation',
        'unknown-province',
        '省级行政区划代码无效 / unknown province code',
        'province',
      );
    }
    return { agencyId: null, province: input.province };
  }
  if (input.agencyId)
    throw new ServiceError(
      'validation',
      'field-not-allowed',
      `${input.role} tokens are not bound to an agency`,
      'agencyId',
    );
  if (input.province)
    throw new ServiceError(
      'validation',
      'field-not-allowed',
      `${input.role} tokens are not bound to a province`,
      'province',
    );
  return { agencyId: null, province: null };
}
