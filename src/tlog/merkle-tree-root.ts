import { CompactRange } from './compact-range.js';
import type { MerkleHasher } from './merkle-hasher.js';

/** MTH(D[n]) (RFC 9162 §2.1.1) of leaves given by their leaf hashes, in O(n) hashes and O(log n) memory. */
export function merkleTreeRootFromLeafHashes(
  hasher: MerkleHasher,
  leafHashes: Iterable<Uint8Array>,
): Uint8Array {
  const range = new CompactRange(hasher);
  for (const h of leafHashes) range.append(h);
  return range.rootHash();
}

/** MTH(D[n]) of the leaves themselves. */
export function merkleTreeRoot(hasher: MerkleHasher, leaves: Iterable<Uint8Array>): Uint8Array {
  const range = new CompactRange(hasher);
  for (const leaf of leaves) range.append(hasher.hashLeaf(leaf));
  return range.rootHash();
}
