import type { MerkleHasher } from './merkle-hasher.js';
import type { NodeHashSource } from './node-hash-source.js';
import { pow2 } from './tree-math.js';

/**
 * A NodeHashSource over a list of leaf hashes held in memory: perfect subtree hashes computed on demand and
 * memoised. For small trees (evidence bundles, tests); a log's own proofs come from its stored tiles.
 */
export class LeafHashTree implements NodeHashSource {
  private readonly memo = new Map<string, Uint8Array>();

  constructor(
    private readonly hasher: MerkleHasher,
    private readonly leafHashes: readonly Uint8Array[],
  ) {}

  get size(): number {
    return this.leafHashes.length;
  }

  nodeHash(level: number, index: number): Uint8Array | undefined {
    if ((index + 1) * pow2(level) > this.leafHashes.length) return undefined;
    if (level === 0) return this.leafHashes[index];
    const key = `${level}/${index}`;
    let h = this.memo.get(key);
    if (h === undefined) {
      const left = this.nodeHash(level - 1, 2 * index) as Uint8Array;
      const right = this.nodeHash(level - 1, 2 * index + 1) as Uint8Array;
      h = this.hasher.hashChildren(left, right);
      this.memo.set(key, h);
    }
    return h;
  }
}
