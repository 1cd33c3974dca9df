// Builds a tree with the product's CompactRange and stores it the way a log does: base hashes in hash tiles of a
// given height (levels 0, h, 2h, …), read back through tileHashSource.
import { CompactRange } from '../../src/tlog/compact-range.js';
import type { MerkleHasher } from '../../src/tlog/merkle-hasher.js';
import type { NodeHashSource } from '../../src/tlog/node-hash-source.js';
import { computeTileInternalNodes } from '../../src/tlog/tile-internal-nodes.js';
import { tileHashSource } from '../../src/tlog/tile-hash-source.js';
import { tileSlot, type TileRef } from '../../src/tlog/tiles.js';

export class TiledTree {
  /** tileLevel/tileIndex → slot hashes (sparse while the tree grows). */
  readonly tiles = new Map<string, (Uint8Array | undefined)[]>();
  readonly range: CompactRange;
  readonly tileReads: TileRef[] = [];
  internalReads = 0;

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

  private read(t: TileRef): Uint8Array | undefined {
    const slots = this.tiles.get(`${t.level}/${t.index}`);
    if (!slots) return undefined;
    const parts = slots.slice(0, t.width);
    if (parts.length < t.width || parts.some((p) => p === undefined)) return undefined;
    return Buffer.concat(parts as Uint8Array[]);
  }

  /**
   * The hashes as the tree of `size` leaves serves them; a tile wider than that tree does not exist yet. With
   * `internal`, full tiles also come with their stored internal nodes (spec §2.6 internal storage).
   */
  source(size: number, internal = false): NodeHashSource {
    return tileHashSource(
      this.hasher,
      size,
      (t) => {
        this.tileReads.push(t);
        return this.read(t);
      },
      this.height,
      internal
        ? (t) => {
            this.internalReads++;
            const data = this.read(t);
            return data && computeTileInternalNodes(this.hasher, data, this.height);
          }
        : undefined,
    );
  }
}
