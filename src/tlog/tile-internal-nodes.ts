// Internal storage beyond tlog-tiles (spec §2.6): next to each hash tile a log keeps the tile's internal
// nodes, levels 1 … height−1 inside the tile (254 hashes at height 8), so a proof reads siblings instead of
// rehashing up to 2^height − 1 base hashes per tile level (measured: ~1.2 ms → ~70 µs per proof at 2^20).

import type { MerkleHasher } from './merkle-hasher.js';
import { TlogError } from './tlog-error.js';
import { checkTileHeight, TILE_HEIGHT } from './tiles.js';
import { pow2 } from './tree-math.js';

/** How many internal hashes a full tile has: 2^height − 2 (levels 1 … height−1). */
export function tileInternalNodeCount(height = TILE_HEIGHT): number {
  checkTileHeight(height);
  return pow2(height) - 2;
}

/** Position of the node at in-tile `level` (1 … height−1) and `position` in the internal-node array. */
export function tileInternalNodeIndex(level: number, position: number, height = TILE_HEIGHT): number {
  checkTileHeight(height);
  if (
    !Number.isInteger(level) ||
    level < 1 ||
    level >= height ||
    position < 0 ||
    position >= pow2(height - level)
  ) {
    throw new TlogError(
      'MALFORMED_TILE',
      `瓦片内部节点位置无效 / no internal node ${level}/${position} at height ${height}`,
    );
  }
  let at = 0;
  for (let l = 1; l < level; l++) at += pow2(height - l);
  return at + position;
}

/**
 * The internal nodes of a tile, level 1 first, each level left to right, hashes back to back, always in the
 * full-tile layout. For a partial tile of width w only the nodes over complete pairs exist (position p at level l
 * when (p + 1)·2^l ≤ w); the other slots are zero and are never read, because a proof only asks for nodes
 * inside the tree.
 */
export function computeTileInternalNodes(
  hasher: MerkleHasher,
  tile: Uint8Array,
  height = TILE_HEIGHT,
): Uint8Array {
  const full = pow2(height);
  const width = tile instanceof Uint8Array ? tile.length / hasher.size : NaN;
  if (!Number.isInteger(width) || width < 1 || width > full) {
    throw new TlogError(
      'MALFORMED_TILE',
      `瓦片长度错误 / a tile is 1..${full} hashes of ${hasher.size} bytes`,
    );
  }
  const out = new Uint8Array(tileInternalNodeCount(height) * hasher.size);
  let layer: Uint8Array[] = [];
  for (let i = 0; i < width; i++) layer.push(tile.subarray(i * hasher.size, (i + 1) * hasher.size));
  let at = 0;
  for (let level = 1; level < height; level++) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < layer.length; i += 2) {
      const h = hasher.hashChildren(layer[i] as Uint8Array, layer[i + 1] as Uint8Array);
      out.set(h, at + next.length * hasher.size);
      next.push(h);
    }
    at += pow2(height - level) * hasher.size;
    layer = next;
  }
  return out;
}
