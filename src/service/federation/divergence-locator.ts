import { CompactRange } from '../../tlog/compact-range.js';
import { verifyConsistencyProof } from '../../tlog/consistency-proof.js';
import type { MerkleHasher } from '../../tlog/merkle-hasher.js';

// Naming the first bad index of a batch that failed its proof (federation.md §3.4, §5.4 "the evidence bundle names
// the first differing index"). The batch [start, end) extends a prefix [0, start) already proven part of the
// target tree. A prefix [0, m) is consistent with the target exactly when all its leaves are the target's, so
// "prefix m verifies" is monotonic in m and a binary search over consistency proofs PROOF(m, N) finds the first
// leaf that is not the target's in ⌈log₂(end − start)⌉ proofs. A proof that fails to verify cannot make a good
// prefix look bad unless the node also serves bad proofs; then the answer is `start`, and the evidence says how it
// was found.

export interface PrefixProver {
  /** PROOF(m, D[N]) from the node; may throw (then m counts as not proven). */
  consistencyProof(from: number, to: number): Promise<Uint8Array[]>;
}

/**
 * The first index in [start, end) whose leaf hash (from `leafHashes`, index start…) is not the target tree's, or
 * undefined if every prefix verifies (the failure was elsewhere, e.g. in the proof for `end`).
 */
export async function firstBadIndex(
  hasher: MerkleHasher,
  base: CompactRange,
  leafHashes: readonly Uint8Array[],
  target: { size: number; root: Uint8Array },
  prover: PrefixProver,
): Promise<number | undefined> {
  const start = base.end;
  const end = start + leafHashes.length;
  const rootAt = (m: number): Uint8Array => {
    const cr = new CompactRange(
      hasher,
      0,
      base.end,
      base.nodes().map((n) => n.hash),
    );
    for (let i = start; i < m; i++) cr.append(leafHashes[i - start] as Uint8Array);
    return cr.rootHash();
  };
  const proven = async (m: number): Promise<boolean> => {
    const root = rootAt(m);
    if (m === target.size) return Buffer.from(root).equals(Buffer.from(target.root));
    try {
      verifyConsistencyProof(
        hasher,
        m,
        target.size,
        root,
        target.root,
        await prover.consistencyProof(m, target.size),
      );
      return true;
    } catch {
      return false;
    }
  };
  if (await proven(end)) return undefined;
  // Invariant: prefix lo is proven (start is, by the earlier batches; 0 trivially), prefix hi is not.
  let lo = start;
  let hi = end;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (mid > 0 && (await proven(mid))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}
