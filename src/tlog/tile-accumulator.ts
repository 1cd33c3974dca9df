// Cutting a growing tree into stored tiles (federation.md §2.6): the integrator feeds every node a compact
// range computes while appending (CompactRange.append's visitor) and gets back the tiles those nodes changed,
// base hashes and tile-internal nodes alike, without rehashing anything.

import type { MerkleHasher } from './merkle-hasher.js';
import { tileInternalNodeCount, tileInternalNodeIndex } from './tile-internal-nodes.js';
import { checkTileHeight, tileWidth } from './tiles.js';
import { TlogError } from './tlog-error.js';
import { pow2 } from './tree-math.js';

/** A tile as stored: `width` base hashes back to back, and its internal nodes in the full-tile layout. */
export interface TileBytes {
  readonly level: number;
  readonly index: number;
  readonly width: number;
  readonly hashes: Uint8Array;
  readonly internal: Uint8Array;
}

interface OpenTile {
  level: number;
  index: number;
  width: number;
  hashes: Uint8Array;
  internal: Uint8Array;
}

export class TileAccumulator {
  readonly #open = new Map<string, OpenTile>();
  readonly #full: number;

  constructor(
    private readonly hasher: MerkleHasher,
    private readonly height: number,
  ) {
    checkTileHeight(height);
    this.#full = tileWidth(height);
  }

  /** A stored (partial) tile the appends continue; it must be loaded before any of its nodes is visited. */
  load(tile: TileBytes): void {
    const n = this.hasher.size;
    if (
      tile.hashes.length !== tile.width * n ||
      tile.internal.length !== tileInternalNodeCount(this.height) * n
    ) {
      throw new TlogError(
        'MALFORMED_TILE',
        `瓦片 ${tile.level}/${tile.index} 长度错误 / stored tile has the wrong length`,
      );
    }
    const hashes = new Uint8Array(this.#full * n);
    hashes.set(tile.hashes);
    this.#open.set(`${tile.level}/${tile.index}`, {
      level: tile.level,
      index: tile.index,
      width: tile.width,
      hashes,
      internal: Uint8Array.from(tile.internal),
    });
  }

  /** Records node (level, index): a base hash of a tile when level is a multiple of the height, else internal. */
  visit(level: number, index: number, hash: Uint8Array): void {
    const n = this.hasher.size;
    const within = level % this.height;
    const tileLevel = (level - within) / this.height;
    const perTile = pow2(this.height - within);
    const tileIndex = Math.floor(index / perTile);
    const position = index - tileIndex * perTile;
    const tile = this.#tile(tileLevel, tileIndex);
    if (within === 0) {
      // Appends are contiguous, so a tile's base hashes arrive in order: anything else is a bug upstream.
      if (position !== tile.width) {
        throw new TlogError(
          'MALFORMED_TILE',
          `瓦片 ${tileLevel}/${tileIndex} 追加位置 ${position} 不连续（宽度 ${tile.width}）/ non-contiguous tile append`,
        );
      }
      tile.hashes.set(hash, position * n);
      tile.width++;
    } else {
      tile.internal.set(hash, tileInternalNodeIndex(within, position, this.height) * n);
    }
  }

  /** Every tile touched since construction, with its width now. */
  tiles(): TileBytes[] {
    const n = this.hasher.size;
    return [...this.#open.values()].map((t) => ({
      level: t.level,
      index: t.index,
      width: t.width,
      hashes: t.hashes.slice(0, t.width * n),
      internal: t.internal,
    }));
  }

  /** Removes and returns the tiles that are full (they can no longer change), for streaming over a large tree. */
  takeFull(): TileBytes[] {
    const out: TileBytes[] = [];
    for (const [key, t] of this.#open) {
      if (t.width !== this.#full) continue;
      out.push({ level: t.level, index: t.index, width: t.width, hashes: t.hashes, internal: t.internal });
      this.#open.delete(key);
    }
    return out;
  }

  #tile(level: number, index: number): OpenTile {
    const key = `${level}/${index}`;
    let t = this.#open.get(key);
    if (!t) {
      const n = this.hasher.size;
      t = {
        level,
        index,
        width: 0,
        hashes: new Uint8Array(this.#full * n),
        internal: new Uint8Array(tileInternalNodeCount(this.height) * n),
      };
      this.#open.set(key, t);
    }
    return t;
  }
}

/**
 * The tiles that are partial in a tree of `size` leaves (at most one per level, the right edge): the ones an
 * integrator extending that tree must load first.
 */
export function rightEdgeTiles(size: number, height: number): { level: number; index: number }[] {
  const w = tileWidth(height);
  const out: { level: number; index: number }[] = [];
  for (let level = 0; ; level++) {
    const hashes = Math.floor(size / pow2(level * height));
    if (hashes === 0) break;
    if (hashes % w !== 0) out.push({ level, index: Math.floor(hashes / w) });
  }
  return out;
}
