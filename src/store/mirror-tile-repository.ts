import type { Executor } from './database.js';
import { tileFromRow, tileKey, type StoredTile, type TileRow } from './tlog-tile-repository.js';

// The hash tiles of each mirrored log (migration 015), the same layout as a node's own tlog_tiles, keyed by
// node_id first (the distribution column, federation.md §4.4).

/** The stored tiles of node `nodeId` among `refs`, by `tileKey`. */
export async function readMirrorTiles(
  db: Executor,
  nodeId: string,
  refs: readonly { level: number; index: number }[],
): Promise<Map<string, StoredTile>> {
  const out = new Map<string, StoredTile>();
  if (refs.length === 0) return out;
  const rows = (await db.raw(
    `SELECT t.level, t.idx, t.width, t.hashes, t.internal
       FROM mirror_tiles t JOIN unnest(?::smallint[], ?::bigint[]) AS k(level, idx)
         ON t.node_id = ? AND t.level = k.level AND t.idx = k.idx`,
    [refs.map((r) => r.level), refs.map((r) => r.index), nodeId],
  )) as { rows: TileRow[] };
  for (const r of rows.rows) {
    const t = tileFromRow(r);
    out.set(tileKey(t.level, t.index), t);
  }
  return out;
}

/** Writes node `nodeId`'s tiles, replacing a stored tile of the same level and index (a partial tile grows). */
export async function upsertMirrorTiles(
  trx: Executor,
  nodeId: string,
  tiles: readonly StoredTile[],
): Promise<void> {
  if (tiles.length === 0) return;
  await trx.raw(
    `INSERT INTO mirror_tiles (node_id, level, idx, width, hashes, internal)
     VALUES ${tiles.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
     ON CONFLICT (node_id, level, idx) DO UPDATE SET width = EXCLUDED.width, hashes = EXCLUDED.hashes,
       internal = EXCLUDED.internal`,
    tiles.flatMap((t) => [nodeId, t.level, t.index, t.width, t.hashes, t.internal]),
  );
}

/** Whether node `nodeId` has any stored tile (a mirror that predates migration 015 has none). */
export async function hasMirrorTiles(db: Executor, nodeId: string): Promise<boolean> {
  const res = await db.raw('SELECT 1 FROM mirror_tiles WHERE node_id = ? LIMIT 1', [nodeId]);
  return (res.rows as unknown[]).length > 0;
}
