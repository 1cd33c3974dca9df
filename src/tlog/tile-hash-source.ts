import type { MerkleHasher } from './merkle-hasher.js';
import type { NodeHashSource } from './node-hash-source.js';
import { TlogError } from './tlog-error.js';
import { tileInternalNodeCount, tileInternalNodeIndex } from './tile-internal-nodes.js';
import { tileForNode, TILE_HEIGHT, type TileRef } from './tiles.js';
import { pow2 } from './tree-math.js';

/** Returns the bytes of a tile (`width` hashes back to back), or undefined if it is not at hand. */
export type TileReader = (tile: TileRef) => Uint8Array | undefined;

/** Returns a tile's stored internal nodes as of its width (`computeTileInternalNodes` layout), or undefined. */
export type TileInternalReader = (tile: TileRef) => Uint8Array | undefined;

/**
 * Node hashes of a tree of `size` leaves read from hash tiles: a node a tile stores is sliced out, a tile-internal
 * node is read from the tile's stored internal nodes when `readInternal` has them, else rehashed from
 * the tile's base hashes (up to 2^height − 1 hashes).
 */
export function tileHashSource(
  hasher: MerkleHasher,
  size: number,
  readTile: TileReader,
  height = TILE_HEIGHT,
  readInternal?: TileInternalReader,
): NodeHashSource {
  return {
    nodeHash(level: number, index: number): Uint8Array | undefined {
      const tile = tileForNode({ level, index }, size, height);
      const within = level - tile.level * height;
      if (within > 0 && readInternal) {
        const internal = readInternal(tile);
        if (internal !== undefined) {
          if (
            !(internal instanceof Uint8Array) ||
            internal.length !== tileInternalNodeCount(height) * hasher.size
          ) {
            throw new TlogError(
              'MALFORMED_TILE',
              `瓦片内部节点长度错误 / internal nodes of tile ${tile.level}/${tile.index} have the wrong length`,
            );
          }
          const at =
            tileInternalNodeIndex(within, index - tile.index * pow2(height - within), height) * hasher.size;
          return internal.slice(at, at + hasher.size);
        }
      }
      const data = readTile(tile);
      if (data === undefined) return undefined;
      if (!(data instanceof Uint8Array) || data.length !== tile.width * hasher.size) {
        throw new TlogError(
          'MALFORMED_TILE',
          `瓦片长度错误 / tile ${tile.level}/${tile.index} must be ${tile.width * hasher.size} bytes`,
        );
      }
      const count = pow2(within);
      const first = index * count - tile.index * pow2(height);
      let layer: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const at = (first + i) * hasher.size;
        layer.push(data.subarray(at, at + hasher.size));
      }
      while (layer.length > 1) {
        const next: Uint8Array[] = [];
        for (let i = 0; i < layer.length; i += 2)
          next.push(hasher.hashChildren(layer[i] as Uint8Array, layer[i + 1] as Uint8Array));
        layer = next;
      }
      return Uint8Array.from(layer[0] as Uint8Array);
    },
  };
}
