import { rangeNodes, type NodeId } from './compact-range.js';
import { TlogError } from './tlog-error.js';
import { checkTreeSize, splitPoint } from './tree-math.js';

/**
 * One hash of a proof: MTH of the leaves [begin, end). It is a stored node when `nodes` has one element; on the
 * ragged right edge of the tree it is an ephemeral node, rehashed from the perfect subtrees in `nodes` (the
 * `Nodes.Rehash` step of transparency-dev/merkle `proof/proof.go`).
 */
export interface ProofElement {
  readonly begin: number;
  readonly end: number;
  readonly nodes: readonly NodeId[];
}

function element(begin: number, end: number): ProofElement {
  return { begin, end, nodes: rangeNodes(begin, end) };
}

/**
 * The elements of PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf level first. The recursion
 * PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k, else PATH(m − k, D[k:n]) : MTH(D[0:k]) is walked from
 * the root down, then reversed.
 */
export function inclusionProofElements(index: number, size: number): ProofElement[] {
  checkTreeSize(index, 'leaf index');
  checkTreeSize(size);
  if (index >= size) {
    throw new TlogError(
      'INDEX_OUT_OF_RANGE',
      `叶子序号 ${index} 超出树大小 ${size} / leaf index ${index} is not below tree size ${size}`,
    );
  }
  const out: ProofElement[] = [];
  let begin = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      out.push(element(begin + k, begin + n));
      n = k;
    } else {
      out.push(element(begin, begin + k));
      begin += k;
      m -= k;
      n -= k;
    }
  }
  return out.reverse();
}

/**
 * The elements of PROOF(size1, D[size2]) = SUBPROOF(size1, D[size2], true) (RFC 9162 §2.1.4.1), smallest
 * subtree first. size1 = size2 gives the empty proof; size1 = 0 is refused (an empty tree proves nothing, and
 * accepting it would let a log "extend" any claimed history).
 */
export function consistencyProofElements(size1: number, size2: number): ProofElement[] {
  checkTreeSize(size1);
  checkTreeSize(size2);
  if (size1 === 0)
    throw new TlogError('CONSISTENCY_SIZE_ZERO', '旧树大小不能为 0 / consistency from size 0 is not defined');
  if (size1 > size2) {
    throw new TlogError(
      'CONSISTENCY_SIZES_REVERSED',
      `旧树 ${size1} 大于新树 ${size2} / size1 ${size1} exceeds size2 ${size2}`,
    );
  }
  const out: ProofElement[] = [];
  let begin = 0;
  let n = size2;
  let m = size1;
  let whole = true; // SUBPROOF's b: the subtree [begin, begin + m) is the whole old tree, known to the verifier.
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      out.push(element(begin + k, begin + n));
      n = k;
    } else {
      out.push(element(begin, begin + k));
      begin += k;
      m -= k;
      n -= k;
      whole = false;
    }
  }
  if (!whole) out.push(element(begin, begin + n));
  return out.reverse();
}

/** Every stored node a set of proof elements reads, without duplicates (what to fetch from tiles). */
export function proofNodeIds(elements: readonly ProofElement[]): NodeId[] {
  const seen = new Set<string>();
  const out: NodeId[] = [];
  for (const e of elements) {
    for (const id of e.nodes) {
      const key = `${id.level}/${id.index}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(id);
      }
    }
  }
  return out;
}
