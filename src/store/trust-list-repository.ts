import type { Executor } from './database.js';
import { toBuffer, toDate, toJson, toNumber } from './row-types.js';

// The hub's trust lists (migration 016): the draft of the next one and every published one, as signed bytes.

export interface StoredTrustList {
  seq: number;
  bytes: Buffer;
  p7s: Buffer;
  sm3: string;
  issuedAt: Date;
  nextUpdate: Date;
}

const fromRow = (r: Record<string, unknown>): StoredTrustList => ({
  seq: toNumber(r.seq),
  bytes: toBuffer(r.bytes),
  p7s: toBuffer(r.p7s),
  sm3: String(r.sm3),
  issuedAt: toDate(r.issued_at),
  nextUpdate: toDate(r.next_update),
});

/** The draft as stored (JSON), locked for update when asked; undefined before the first edit. */
export async function readTrustListDraft(db: Executor, opts: { forUpdate?: boolean } = {}): Promise<unknown> {
  const res = await db.raw(
    `SELECT draft FROM trust_list_draft WHERE id = 1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
  );
  const row = (res.rows as { draft: unknown }[])[0];
  return row ? toJson(row.draft) : undefined;
}

export async function writeTrustListDraft(trx: Executor, draft: unknown, now: Date): Promise<void> {
  await trx.raw(
    `INSERT INTO trust_list_draft (id, draft, updated_at) VALUES (1, ?::jsonb, ?)
     ON CONFLICT (id) DO UPDATE SET draft = EXCLUDED.draft, updated_at = EXCLUDED.updated_at`,
    [JSON.stringify(draft), now],
  );
}

/** The published list with the highest sequence number, locked for update when asked (one publisher at a time). */
export async function latestTrustList(
  db: Executor,
  opts: { forUpdate?: boolean } = {},
): Promise<StoredTrustList | undefined> {
  const res = await db.raw(
    `SELECT seq, bytes, p7s, sm3, issued_at, next_update FROM trust_lists ORDER BY seq DESC LIMIT 1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
  );
  const row = (res.rows as Record<string, unknown>[])[0];
  return row && fromRow(row);
}

export async function findTrustList(db: Executor, seq: number): Promise<StoredTrustList | undefined> {
  const res = await db.raw(
    'SELECT seq, bytes, p7s, sm3, issued_at, next_update FROM trust_lists WHERE seq = ?',
    [seq],
  );
  const row = (res.rows as Record<string, unknown>[])[0];
  return row && fromRow(row);
}

export async function insertTrustList(trx: Executor, l: StoredTrustList): Promise<void> {
  await trx.raw(
    'INSERT INTO trust_lists (seq, bytes, p7s, sm3, issued_at, next_update) VALUES (?, ?, ?, ?, ?, ?)',
    [l.seq, l.bytes, l.p7s, l.sm3, l.issuedAt, l.nextUpdate],
  );
}

/** A node's accepted list (migration 017). */
export interface CachedTrustListRow extends StoredTrustList {
  signers: Buffer[];
  verifiedAt: Date;
}

export async function readTrustListCache(db: Executor): Promise<CachedTrustListRow | undefined> {
  const res = await db.raw(
    'SELECT seq, bytes, p7s, sm3, signers, issued_at, next_update, verified_at FROM trust_list_cache WHERE id = 1',
  );
  const row = (res.rows as Record<string, unknown>[])[0];
  if (!row) return undefined;
  return {
    ...fromRow(row),
    signers: (row.signers as unknown[]).map(toBuffer),
    verifiedAt: toDate(row.verified_at),
  };
}

export async function writeTrustListCache(trx: Executor, c: CachedTrustListRow): Promise<void> {
  await trx.raw(
    `INSERT INTO trust_list_cache (id, seq, bytes, p7s, sm3, signers, issued_at, next_update, verified_at)
     VALUES (1, ?, ?, ?, ?, ?::bytea[], ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, bytes = EXCLUDED.bytes, p7s = EXCLUDED.p7s,
       sm3 = EXCLUDED.sm3, signers = EXCLUDED.signers, issued_at = EXCLUDED.issued_at,
       next_update = EXCLUDED.next_update, verified_at = EXCLUDED.verified_at`,
    [c.seq, c.bytes, c.p7s, c.sm3, c.signers, c.issuedAt, c.nextUpdate, c.verifiedAt],
  );
}

/** The list was checked again and is unchanged: only its verification time moves. */
export async function touchTrustListCache(db: Executor, verifiedAt: Date): Promise<void> {
  await db.raw('UPDATE trust_list_cache SET verified_at = ? WHERE id = 1', [verifiedAt]);
}
