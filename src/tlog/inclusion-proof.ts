import { checkHash } from './compact-range.js';
import type { MerkleHasher } from './merkle-hasher.js';
import { proofElementHash, type NodeHashSource } from './node-hash-source.js';
import { inclusionProofElements } from './proof-nodes.js';
import { equalBytes } from './equal-bytes.js';
import { TlogError } from './tlog-error.js';
import { checkTreeSize, isOdd } from './tree-math.js';

/** PATH(index, D[size]) (RFC 9162 §2.1.3.1) from stored subtree hashes, leaf level first. */
export function generateInclusionProof(
  hasher: MerkleHasher,
  source: NodeHashSource,
  index: number,
  size: number,
): Uint8Array[] {
  return inclusionProofElements(index, size).map((e) => proofElementHash(hasher, source, e));
}

/**
 * The root an inclusion proof leads to, by the algorithm of RFC 9162 §2.1.3.2 steps 1–5 (without the final
 * comparison with a root). Fails with PROOF_LENGTH when the path is too short or too long for (index, size).
 */
export function rootFromInclusionProof(
  hasher: MerkleHasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkTreeSize(index, 'leaf index');
  checkTreeSize(size);
  if (index >= size) {
    throw new TlogError(
      'INDEX_OUT_OF_RANGE',
      `叶子序号 ${index} 超出树大小 ${size} / leaf index ${index} is not below tree size ${size}`,
    );
  }
  checkHash(hasher, leafHash);
  if (!Array.isArray(proof))
    throw new TlogError('PROOF_LENGTH', '证明须为哈希数组 / a proof is an array of hashes');
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    checkHash(hasher, p);
    if (sn === 0) throw tooLong();
    if (isOdd(fn) || fn === sn) {
      r = hasher.hashChildren(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hasher.hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) {
    throw new TlogError(
      'PROOF_LENGTH',
      `包含证明过短 / inclusion proof too short for leaf ${index} in tree ${size}`,
    );
  }
  return r;
}

/**
 * RFC 9162 §2.1.3.2: verifies that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`.
 * Returns normally on success; throws TlogError (PROOF_MISMATCH, PROOF_LENGTH, INDEX_OUT_OF_RANGE, …) otherwise.
 */
export function verifyInclusionProof(
  hasher: MerkleHasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash(hasher, root);
  const computed = rootFromInclusionProof(hasher, index, size, leafHash, proof);
  if (!equalBytes(computed, root)) {
    throw new TlogError(
      'PROOF_MISMATCH',
      `包含证明与根哈希不符 / inclusion proof does not lead to the root of tree ${size}`,
    );
  }
}

function tooLong(): TlogError {
  return new TlogError('PROOF_LENGTH', '证明过长 / proof has extra hashes');
}
