import { checkHash, foldRangeHashes } from './compact-range.js';
import type { MerkleHasher } from './merkle-hasher.js';
import type { ProofElement } from './proof-nodes.js';
import { TlogError } from './tlog-error.js';

/**
 * Where proof generation reads perfect-subtree hashes: (level, index) → hash, or undefined when not stored.
 * Synchronous on purpose: the caller first computes the node ids a proof needs (`proofNodeIds`, `tilesForNodes`),
 * fetches those tiles however it likes, then generates the proof from memory.
 */
export interface NodeHashSource {
  nodeHash(level: number, index: number): Uint8Array | undefined;
}

/** The hash of one proof element: the stored node, or the rehash of the right-edge nodes it is made of. */
export function proofElementHash(hasher: MerkleHasher, source: NodeHashSource, e: ProofElement): Uint8Array {
  const hashes = e.nodes.map(({ level, index }) => {
    const h = source.nodeHash(level, index);
    if (h === undefined) {
      throw new TlogError(
        'MISSING_NODE',
        `缺少节点 ${level}/${index} / node (level ${level}, index ${index}) is not available`,
      );
    }
    checkHash(hasher, h);
    return h;
  });
  return foldRangeHashes(hasher, hashes);
}
