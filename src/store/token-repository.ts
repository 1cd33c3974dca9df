import type { ApiToken } from '../access/api-token.js';
import type { Role } from '../access/role.js';
import type { Executor } from './database.js';
import { toPage } from './page.js';
import type { Page, PageRequest } from '../paging/page.js';
import { toDate, toDateOrNull, toNumber } from './row-types.js';

interface TokenRow {
  seq: unknown;
  id: string;
  role: Role;
  agency_id: string | null;
  province: string | null;
  label: string | null;
  created_at: unknown;
  revoked_at: unknown;
}

const COLUMNS = ['seq', 'id', 'role', 'agency_id', 'province', 'label', 'created_at', 'revoked_at'];

function fromRow(r: TokenRow): ApiToken {
  return {
    id: r.id,
    role: r.role,
    agencyId: r.agency_id,
    province: r.province,
    label: r.label,
    createdAt: toDate(r.created_at),
    revokedAt: toDateOrNull(r.revoked_at),
  };
}

export async function insertToken(db: Executor, t: ApiToken, tokenHash: Buffer): Promise<void> {
  await db('api_tokens').insert({
    id: t.id,
    token_hash: tokenHash,
    role: t.role,
    agency_id: t.agencyId,
    province: t.province,
    label: t.label,
    created_at: t.createdAt,
    revoked_at: t.revokedAt,
  });
}

/** The active token with this hash, if any. */
export async function findActiveTokenByHash(db: Executor, tokenHash: Buffer): Promise<ApiToken | undefined> {
  const row = (await db('api_tokens')
    .select(COLUMNS)
    .where('token_hash', tokenHash)
    .whereNull('revoked_at')
    .first()) as TokenRow | undefined;
  return row ? fromRow(row) : undefined;
}

export async function findTokenByHash(db: Executor, tokenHash: Buffer): Promise<ApiToken | undefined> {
  const row = (await db('api_tokens').select(COLUMNS).where('token_hash', tokenHash).first()) as
    TokenRow | undefined;
  return row ? fromRow(row) : undefined;
}

export async function findToken(db: Executor, id: string): Promise<ApiToken | undefined> {
  const row = (await db('api_tokens').select(COLUMNS).where({ id }).first()) as TokenRow | undefined;
  return row ? fromRow(row) : undefined;
}

export async function revokeToken(db: Executor, id: string, at: Date): Promise<boolean> {
  const n = await db('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: at });
  return toNumber(n) > 0;
}

export async function countActiveTokens(db: Executor, role: Role): Promise<number> {
  const row = await db('api_tokens')
    .where({ role })
    .whereNull('revoked_at')
    .count<{ n: unknown }[]>({ n: '*' });
  return toNumber(row[0]?.n ?? 0);
}

export async function listTokens(db: Executor, page: PageRequest): Promise<Page<ApiToken>> {
  const q = db('api_tokens')
    .select(COLUMNS)
    .orderBy('seq', 'asc')
    .limit(page.limit + 1);
  if (page.after !== undefined) q.where('seq', '>', page.after);
  return toPage((await q) as TokenRow[], page, fromRow, (r) => toNumber(r.seq));
}
