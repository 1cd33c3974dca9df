// Index arithmetic for trees of up to 2^53 − 1 leaves. JavaScript bit operators work on 32 bits only, so
// everything here is plain integer arithmetic that stays exact below Number.MAX_SAFE_INTEGER.

import { TlogError } from './tlog-error.js';

/** A tree size or leaf index is a non-negative safe integer. */
export function isTreeSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

export function checkTreeSize(n: number, what = 'tree size'): void {
  if (!isTreeSize(n)) throw new TlogError('INVALID_TREE_SIZE', `树大小无效 / invalid ${what}: ${String(n)}`);
}

export function pow2(k: number): number {
  return 2 ** k;
}

/** floor(x / 2^k). */
export function shiftRight(x: number, k: number): number {
  return Math.floor(x / 2 ** k);
}

export function isOdd(x: number): boolean {
  return x % 2 === 1;
}

/** Number of trailing zero bits of x > 0. */
export function trailingZeros(x: number): number {
  let k = 0;
  while (x % 2 === 0) {
    x /= 2;
    k++;
  }
  return k;
}

/** Number of bits needed to write x (0 for 0), as Go's bits.Len64. */
export function bitLength(x: number): number {
  let k = 0;
  while (x >= 1) {
    x = Math.floor(x / 2);
    k++;
  }
  return k;
}

/** Number of one bits of x. */
export function popCount(x: number): number {
  let c = 0;
  while (x >= 1) {
    if (x % 2 === 1) c++;
    x = Math.floor(x / 2);
  }
  return c;
}

/** RFC 9162 §2.1.1: the largest power of two smaller than n, for n ≥ 2. */
export function splitPoint(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

export function isPowerOfTwo(x: number): boolean {
  return x >= 1 && 2 ** (bitLength(x) - 1) === x;
}
