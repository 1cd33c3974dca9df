import { sm3 } from '../crypto/sm3.js';

/**
 * The hash function of a log is a parameter of the tree (RFC 9162 §2.1; transparency-dev/merkle
 * `merkle.LogHasher`), so the SM3 log and a SHA-256 cross-check run the same proof code.
 */
export interface MerkleHasher {
  /** Output length in bytes. */
  readonly size: number;
  /** MTH({}) = HASH(""). */
  emptyRoot(): Uint8Array;
  /** HASH(0x00 ‖ leaf). */
  hashLeaf(leaf: Uint8Array): Uint8Array;
  /** HASH(0x01 ‖ left ‖ right). */
  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array;
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
const EMPTY = new Uint8Array(0);

/** RFC 9162 hashing with SM3 (GB/T 32905): the hasher of every SealTrust log. */
export const SM3_MERKLE_HASHER: MerkleHasher = Object.freeze({
  size: 32,
  emptyRoot: () => sm3(EMPTY),
  hashLeaf: (leaf: Uint8Array) => sm3(LEAF_PREFIX, leaf),
  hashChildren: (left: Uint8Array, right: Uint8Array) => sm3(NODE_PREFIX, left, right),
});

/** A hasher from a one-shot digest of concatenated parts (tests build SHA-256 this way). */
export function merkleHasherFrom(size: number, digest: (...parts: Uint8Array[]) => Uint8Array): MerkleHasher {
  return Object.freeze({
    size,
    emptyRoot: () => digest(EMPTY),
    hashLeaf: (leaf: Uint8Array) => digest(LEAF_PREFIX, leaf),
    hashChildren: (left: Uint8Array, right: Uint8Array) => digest(NODE_PREFIX, left, right),
  });
}
