import type { MerkleHasher } from './merkle-hasher.js';
import { TlogError } from './tlog-error.js';
import { checkTreeSize, isOdd, pow2 } from './tree-math.js';

/** A perfect subtree: the node at `level` (0 = leaves) and `index` covers leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Called for every perfect node a range computes (the appended leaf hash included), e.g. to fill tiles. */
export type NodeVisitor = (level: number, index: number, hash: Uint8Array) => void;

/**
 * The perfect subtrees that exactly cover [begin, end), left to right: levels rise and then fall, at most two
 * per level (transparency-dev/merkle `compact.RangeNodes`). Each is the largest aligned one that fits.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  checkTreeSize(begin, 'range begin');
  checkTreeSize(end, 'range end');
  if (begin > end) throw new TlogError('INVALID_TREE_SIZE', `区间无效 / invalid range [${begin}, ${end})`);
  const out: NodeId[] = [];
  let pos = begin;
  while (pos < end) {
    let level = 0;
    while (pos % pow2(level + 1) === 0 && pos + pow2(level + 1) <= end) level++;
    out.push({ level, index: pos / pow2(level) });
    pos += pow2(level);
  }
  return out;
}

/**
 * Hash of the leaves [begin, end) from the hashes of the perfect subtrees covering it (left to right): folded
 * right to left, which is how RFC 9162 §2.1.1's MTH treats a ragged right edge. For begin = 0 this is MTH.
 */
export function foldRangeHashes(hasher: MerkleHasher, hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return hasher.emptyRoot();
  let acc = hashes[hashes.length - 1] as Uint8Array;
  for (let i = hashes.length - 2; i >= 0; i--) acc = hasher.hashChildren(hashes[i] as Uint8Array, acc);
  return acc;
}

/**
 * A compact range (transparency-dev/merkle `compact.Range`): the hashes of the perfect subtrees covering
 * [begin, end), enough to extend the range leaf by leaf and to compute its root, in O(log n) memory.
 */
export class CompactRange {
  private readonly ids: NodeId[];
  private readonly nodeHashes: Uint8Array[];
  private endIndex: number;

  /** `hashes` are the hashes of `rangeNodes(begin, end)`, in that order. */
  constructor(
    private readonly hasher: MerkleHasher,
    readonly begin = 0,
    end = begin,
    hashes: readonly Uint8Array[] = [],
  ) {
    this.ids = rangeNodes(begin, end);
    if (hashes.length !== this.ids.length) {
      throw new TlogError(
        'PROOF_LENGTH',
        `紧凑区间哈希个数应为 ${this.ids.length} / compact range [${begin}, ${end}) needs ${this.ids.length} hashes, got ${hashes.length}`,
      );
    }
    for (const h of hashes) checkHash(hasher, h);
    this.nodeHashes = hashes.map((h) => Uint8Array.from(h));
    this.endIndex = end;
  }

  get end(): number {
    return this.endIndex;
  }

  /** The covering nodes and their hashes, left to right (what an integrator persists). */
  nodes(): { id: NodeId; hash: Uint8Array }[] {
    return this.ids.map((id, i) => ({ id, hash: this.nodeHashes[i] as Uint8Array }));
  }

  /** Appends one leaf hash, merging completed subtrees; `visit` sees the leaf and every new parent. */
  append(leafHash: Uint8Array, visit?: NodeVisitor): void {
    checkHash(this.hasher, leafHash);
    let id: NodeId = { level: 0, index: this.endIndex };
    let hash: Uint8Array = Uint8Array.from(leafHash);
    visit?.(id.level, id.index, hash);
    // A right child whose left sibling is the last node merges with it, repeatedly.
    for (;;) {
      const last = this.ids[this.ids.length - 1];
      if (!last || last.level !== id.level || !isOdd(id.index) || last.index !== id.index - 1) break;
      const left = this.nodeHashes.pop() as Uint8Array;
      this.ids.pop();
      hash = this.hasher.hashChildren(left, hash);
      id = { level: id.level + 1, index: (id.index - 1) / 2 };
      visit?.(id.level, id.index, hash);
    }
    this.ids.push(id);
    this.nodeHashes.push(hash);
    this.endIndex++;
  }

  /** The hash of [begin, end); for a range starting at 0 this is the tree head MTH(D[end]). */
  rootHash(): Uint8Array {
    return foldRangeHashes(this.hasher, this.nodeHashes);
  }
}

export function checkHash(hasher: MerkleHasher, h: unknown): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== hasher.size) {
    throw new TlogError(
      'INVALID_HASH',
      `哈希长度应为 ${hasher.size} 字节 / a hash must be ${hasher.size} bytes`,
    );
  }
}
