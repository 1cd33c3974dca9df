// C2SP tlog-tiles layout, SM3 profile: the same paths, tile shapes and partial-tile rules as tlog-tiles, but the
// hashes are SM3 (tlog-tiles fixes SHA-256, so SealTrust never claims plain tlog-tiles conformance).

import type { NodeId } from './compact-range.js';
import { TlogError } from './tlog-error.js';
import { checkTreeSize, pow2, shiftRight } from './tree-math.js';

/** Production tile height: 2^8 = 256 hashes (8,192 bytes) per full tile, as tlog-tiles. Tests use 2 or 3. */
export const TILE_HEIGHT = 8;

/** A hash tile: `width` hashes of tree level `level · height`, starting at hash `index · 2^height`. */
export interface TileRef {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** Where a tree-level node hash sits inside the tiles, if it is one a tile stores (level a multiple of height). */
export interface TileSlot {
  readonly tileLevel: number;
  readonly tileIndex: number;
  readonly offset: number;
}

export function checkTileHeight(height: number): void {
  if (!Number.isInteger(height) || height < 1 || height > 8) {
    throw new TlogError('MALFORMED_TILE', `瓦片高度无效 / tile height must be 1..8, got ${String(height)}`);
  }
}

export function tileWidth(height = TILE_HEIGHT): number {
  checkTileHeight(height);
  return pow2(height);
}

/** tlog-tiles index encoding: 3-digit groups, all but the last prefixed with x (1234067 → x001/x234/067). */
export function formatTileIndex(n: number): string {
  checkTreeSize(n, 'tile index');
  let s = String(n % 1000).padStart(3, '0');
  while (n >= 1000) {
    n = Math.floor(n / 1000);
    s = `x${String(n % 1000).padStart(3, '0')}/${s}`;
  }
  return s;
}

function partialSuffix(width: number, full: number): string {
  if (!Number.isInteger(width) || width < 1 || width > full) {
    throw new TlogError(
      'MALFORMED_TILE',
      `瓦片宽度无效 / tile width must be 1..${full}, got ${String(width)}`,
    );
  }
  return width === full ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`, relative to the log's prefix. */
export function tilePath(tile: TileRef, height = TILE_HEIGHT): string {
  checkTreeSize(tile.level, 'tile level');
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${partialSuffix(tile.width, tileWidth(height))}`;
}

/** `tile/entries/<N>[.p/<W>]`: the entry bundle of leaves [N·2^height, N·2^height + W). */
export function entryBundlePath(index: number, width: number, height = TILE_HEIGHT): string {
  return `tile/entries/${formatTileIndex(index)}${partialSuffix(width, tileWidth(height))}`;
}

export type ParsedTilePath =
  | { readonly kind: 'hash'; readonly level: number; readonly index: number; readonly width: number }
  | { readonly kind: 'entries'; readonly index: number; readonly width: number };

const PATH_RE = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** Parses a tile or entry-bundle path strictly: only the canonical form `tilePath`/`entryBundlePath` writes. */
export function parseTilePath(path: string, height = TILE_HEIGHT): ParsedTilePath {
  const full = tileWidth(height);
  const bad = () =>
    new TlogError('MALFORMED_TILE_PATH', `瓦片路径无效 / malformed tile path: ${JSON.stringify(path)}`);
  if (typeof path !== 'string') throw bad();
  const m = PATH_RE.exec(path);
  if (!m) throw bad();
  const index = Number((m[2] as string).replaceAll('x', '').replaceAll('/', ''));
  const width = m[3] === undefined ? full : Number(m[3]);
  if (!Number.isSafeInteger(index) || width < 1 || width >= full + (m[3] === undefined ? 1 : 0)) throw bad();
  const kindPart = m[1] as string;
  const parsed: ParsedTilePath =
    kindPart === 'entries'
      ? { kind: 'entries', index, width }
      : { kind: 'hash', level: Number(kindPart), index, width };
  // Only one spelling per tile (no x000 groups, no ".p/<full width>"), so caches and signatures see one path.
  const again = parsed.kind === 'entries' ? entryBundlePath(index, width, height) : tilePath(parsed, height);
  if (again !== path) throw bad();
  return parsed;
}

/** The slot of node (level, index) when tiles of this height store it, else undefined (it is tile-internal). */
export function tileSlot(level: number, index: number, height = TILE_HEIGHT): TileSlot | undefined {
  const w = tileWidth(height);
  if (level % height !== 0) return undefined;
  const tileIndex = Math.floor(index / w);
  return { tileLevel: level / height, tileIndex, offset: index - tileIndex * w };
}

/** The tile of tile-level `tileLevel`, index `tileIndex`, as it exists in a tree of `size` leaves (partial or full). */
export function tileInTree(
  tileLevel: number,
  tileIndex: number,
  size: number,
  height = TILE_HEIGHT,
): TileRef {
  const w = tileWidth(height);
  const hashesAtLevel = shiftRight(size, tileLevel * height);
  const width = Math.min(w, hashesAtLevel - tileIndex * w);
  if (width < 1) {
    throw new TlogError(
      'INDEX_OUT_OF_RANGE',
      `树 ${size} 中没有该瓦片 / tile ${tileLevel}/${tileIndex} is not in tree ${size}`,
    );
  }
  return { level: tileLevel, index: tileIndex, width };
}

/**
 * The tile from which node (level, index) of a tree of `size` leaves is read: the tile holding its base hashes at
 * tree level tileLevel·height (a tile-internal node is recomputed from those, or read from internal storage).
 */
export function tileForNode(id: NodeId, size: number, height = TILE_HEIGHT): TileRef {
  checkTreeSize(size);
  const w = tileWidth(height);
  const tileLevel = Math.floor(id.level / height);
  const within = id.level - tileLevel * height;
  const firstBase = id.index * pow2(within);
  if ((id.index + 1) * pow2(id.level) > size) {
    throw new TlogError(
      'INDEX_OUT_OF_RANGE',
      `树 ${size} 中没有节点 ${id.level}/${id.index} / node not in tree ${size}`,
    );
  }
  return tileInTree(tileLevel, Math.floor(firstBase / w), size, height);
}

/** The distinct tiles a set of nodes (e.g. `proofNodeIds(...)`) needs, in first-use order. */
export function tilesForNodes(ids: readonly NodeId[], size: number, height = TILE_HEIGHT): TileRef[] {
  const seen = new Map<string, TileRef>();
  for (const id of ids) {
    const t = tileForNode(id, size, height);
    const key = `${t.level}/${t.index}`;
    if (!seen.has(key)) seen.set(key, t);
  }
  return [...seen.values()];
}

/**
 * Every hash tile a tree of `size` leaves has (tlog-tiles §Partial Tiles): per level, the full tiles and at most
 * one partial tile. Level L has floor(size / 2^(L·height)) hashes.
 */
export function tilesForTreeSize(size: number, height = TILE_HEIGHT): TileRef[] {
  checkTreeSize(size);
  const w = tileWidth(height);
  const out: TileRef[] = [];
  for (let level = 0; ; level++) {
    const hashes = shiftRight(size, level * height);
    if (hashes === 0) break;
    const full = Math.floor(hashes / w);
    for (let i = 0; i < full; i++) out.push({ level, index: i, width: w });
    const rest = hashes - full * w;
    if (rest > 0) out.push({ level, index: full, width: rest });
  }
  return out;
}
