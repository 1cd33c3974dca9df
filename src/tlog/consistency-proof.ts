import { checkHash } from './compact-range.js';
import { equalBytes } from './equal-bytes.js';
import type { MerkleHasher } from './merkle-hasher.js';
import { proofElementHash, type NodeHashSource } from './node-hash-source.js';
import { consistencyProofElements } from './proof-nodes.js';
import { TlogError } from './tlog-error.js';
import { checkTreeSize, isOdd, isPowerOfTwo } from './tree-math.js';

/** PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1) from stored subtree hashes; empty when size1 = size2. */
export function generateConsistencyProof(
  hasher: MerkleHasher,
  source: NodeHashSource,
  size1: number,
  size2: number,
): Uint8Array[] {
  return consistencyProofElements(size1, size2).map((e) => proofElementHash(hasher, source, e));
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of `size1` leaves with root `root1` is a prefix of the tree of
 * `size2` leaves with root `root2`. Equal sizes need an empty proof and equal roots (the RFC's algorithm fails
 * on an empty path, and PROOF(n, D[n]) is empty); size1 = 0 is refused. Throws TlogError on any failure.
 */
export function verifyConsistencyProof(
  hasher: MerkleHasher,
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  checkTreeSize(size1);
  checkTreeSize(size2);
  checkHash(hasher, root1);
  checkHash(hasher, root2);
  if (!Array.isArray(proof))
    throw new TlogError('PROOF_LENGTH', '证明须为哈希数组 / a proof is an array of hashes');
  for (const p of proof) checkHash(hasher, p);
  if (size1 === 0)
    throw new TlogError('CONSISTENCY_SIZE_ZERO', '旧树大小不能为 0 / consistency from size 0 is not defined');
  if (size1 > size2) {
    throw new TlogError(
      'CONSISTENCY_SIZES_REVERSED',
      `旧树 ${size1} 大于新树 ${size2} / size1 ${size1} exceeds size2 ${size2}`,
    );
  }
  if (size1 === size2) {
    if (proof.length !== 0)
      throw new TlogError('PROOF_LENGTH', '同大小的一致性证明须为空 / equal sizes need an empty proof');
    if (!equalBytes(root1, root2)) {
      throw new TlogError(
        'PROOF_MISMATCH',
        `同大小 ${size1} 的两个根哈希不同 / two different roots for size ${size1}`,
      );
    }
    return;
  }
  // Step 1: an empty path proves nothing.
  if (proof.length === 0) throw new TlogError('PROOF_LENGTH', '一致性证明为空 / empty consistency proof');
  // Step 2: when size1 is a power of two the old root is itself a node of the new tree and is not sent.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4.
  while (isOdd(fn)) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) throw new TlogError('PROOF_LENGTH', '一致性证明过长 / consistency proof has extra hashes');
    if (isOdd(fn) || fn === sn) {
      fr = hasher.hashChildren(c, fr);
      sr = hasher.hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hasher.hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 7.
  if (sn !== 0) throw new TlogError('PROOF_LENGTH', '一致性证明过短 / consistency proof too short');
  if (!equalBytes(fr, root1) || !equalBytes(sr, root2)) {
    throw new TlogError(
      'PROOF_MISMATCH',
      `一致性证明与根哈希不符 / consistency proof does not link tree ${size1} to tree ${size2}`,
    );
  }
}
