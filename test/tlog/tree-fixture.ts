// Builds a tree with the product's CompactRange and stores it the way a log does: base hashes in hash tiles of a
// given height (levels 0, h, 2h, …), read back through tileHashSource.
import { CompactRange } from '../../src/tlog/compact-range.js';
import type { MerkleHasher } from '../../src/tlog/merkle-hasher.js';
import type { NodeHashSource } from '../../src/tlog/node-hash-source.js';
import { tileHashSource } from '../../src/tlog/tile-hash-source.js';
import { tileSlot, type TileRef } from '../../src/tlog/tiles.js';

export class TiledTree {
  /** tileLevel/tileIndex → slot hashes (sparse while the tree grows). */
  readonly tiles = new Map<string, (Uint8Array | undefined)[]>();
  readonly range: CompactRange;
  readonly tileReads: TileRef[] = [];

  constructor(
    readonly hasher: MerkleHasher,
    readonly height: number,
  ) {
    this.range = new CompactRange(hasher);
  }

  append(leaf: Uint8Array): void {
    this.range.append(this.hasher.hashLeaf(leaf), (level, index, hash) => {
      const slot = tileSlot(level, index, this.height);
      if (!slot) return;
      const key = `${slot.tileLevel}/${slot.tileIndex}`;
      const tile = this.tiles.get(key) ?? [];
      tile[slot.offset] = hash;
      this.tiles.set(key, tile);
    });
  }

  /** The hashes as the tree of `size` leaves serves them; a tile wider than that tree does not exist yet. */
  source(size: number): NodeHashSource {
    return tileHashSource(
      this.hasher,
      size,
      (t) => {
        this.tileReads.push(t);
        const slots = this.tiles.get(`${t.level}/${t.index}`);
        if (!slots) return undefined;
        const parts = slots.slice(0, t.width);
        if (parts.length < t.width || parts.some((p) => p === undefined)) return undefined;
        return Buffer.concat(parts as Uint8Array[]);
      },
      this.height,
    );
  }
}
