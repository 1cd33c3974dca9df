import type { Executor } from './database.js';
import { toBuffer, toNumber } from './row-types.js';

/** A stored hash tile (migration 011): `width` hashes of its level, and its tile-internal nodes. */
export interface StoredTile {
  level: number;
  index: number;
  width: number;
  /** `width` × 32 bytes. */
  hashes: Buffer;
  /** Internal nodes in the full-tile layout (`computeTileInternalNodes`); slots beyond `width` are zero. */
  internal: Buffer;
}

export interface TileRow {
  level: unknown;
  idx: unknown;
  width: unknown;
  hashes: unknown;
  internal: unknown;
}

/** A tile row of tlog_tiles or mirror_tiles (migration 015), as stored. */
export const tileFromRow = (r: TileRow): StoredTile => ({
  level: toNumber(r.level),
  index: toNumber(r.idx),
  width: toNumber(r.width),
  hashes: toBuffer(r.hashes),
  internal: toBuffer(r.internal),
});

export const tileKey = (level: number, index: number): string => `${level}/${index}`;

/** The stored tiles among `refs`, by `tileKey`. */
export async function readTiles(
  db: Executor,
  refs: readonly { level: number; index: number }[],
): Promise<Map<string, StoredTile>> {
  const out = new Map<string, StoredTile>();
  if (refs.length === 0) return out;
  const rows = (await db.raw(
    `SELECT t.level, t.idx, t.width, t.hashes, t.internal
       FROM tlog_tiles t JOIN unnest(?::smallint[], ?::bigint[]) AS k(level, idx)
         ON t.level = k.level AND t.idx = k.idx`,
    [refs.map((r) => r.level), refs.map((r) => r.index)],
  )) as { rows: TileRow[] };
  for (const r of rows.rows) {
    const t = tileFromRow(r);
    out.set(tileKey(t.level, t.index), t);
  }
  return out;
}

/** Writes tiles, replacing a stored tile of the same level and index (a partial tile grows in place). */
export async function upsertTiles(trx: Executor, tiles: readonly StoredTile[]): Promise<void> {
  if (tiles.length === 0) return;
  await trx.raw(
    `INSERT INTO tlog_tiles (level, idx, width, hashes, internal)
     VALUES ${tiles.map(() => '(?, ?, ?, ?, ?)').join(', ')}
     ON CONFLICT (level, idx) DO UPDATE SET width = EXCLUDED.width, hashes = EXCLUDED.hashes,
       internal = EXCLUDED.internal`,
    tiles.flatMap((t) => [t.level, t.index, t.width, t.hashes, t.internal]),
  );
}

/** Stored tiles in (level, index) order after (level, index), `limit` at a time (for verification). */
export async function listTiles(
  db: Executor,
  after: { level: number; index: number } | undefined,
  limit: number,
): Promise<StoredTile[]> {
  const q = db<TileRow>('tlog_tiles').orderBy([
    { column: 'level', order: 'asc' },
    { column: 'idx', order: 'asc' },
  ]);
  if (after) q.whereRaw('(level, idx) > (?, ?)', [after.level, after.index]);
  return ((await q.limit(limit)) as TileRow[]).map(tileFromRow);
}

export async function countTiles(db: Executor): Promise<number> {
  const r = (await db('tlog_tiles').count<{ n: unknown }[]>({ n: '*' })) as { n: unknown }[];
  return toNumber(r[0]?.n ?? 0);
}

export async function deleteAllTiles(trx: Executor): Promise<void> {
  await trx('tlog_tiles').delete();
}
