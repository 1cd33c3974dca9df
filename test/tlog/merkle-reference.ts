// A naive RFC 9162 §2.1 implementation, written straight from the RFC's recursive definitions and sharing no code
// with src/tlog, so the product's iterative proof code is checked against an independent reading of the RFC.
import { createHash } from 'node:crypto';

export type Digest = (data: Uint8Array) => Buffer;

export const sm3Digest: Digest = (data) => createHash('sm3').update(data).digest();
export const sha256Digest: Digest = (data) => createHash('sha256').update(data).digest();

export class ReferenceTree {
  constructor(readonly digest: Digest) {}

  leafHash(leaf: Uint8Array): Buffer {
    return this.digest(Buffer.concat([Buffer.of(0), leaf]));
  }

  private node(l: Buffer, r: Buffer): Buffer {
    return this.digest(Buffer.concat([Buffer.of(1), l, r]));
  }

  /** k: the largest power of two smaller than n (§2.1.1). */
  private k(n: number): number {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  /** MTH(D[n]) (§2.1.1). */
  mth(d: readonly Uint8Array[]): Buffer {
    if (d.length === 0) return this.digest(new Uint8Array(0));
    if (d.length === 1) return this.leafHash(d[0] as Uint8Array);
    const k = this.k(d.length);
    return this.node(this.mth(d.slice(0, k)), this.mth(d.slice(k)));
  }

  /** PATH(m, D[n]) (§2.1.3.1). */
  path(m: number, d: readonly Uint8Array[]): Buffer[] {
    if (d.length === 1) return [];
    const k = this.k(d.length);
    if (m < k) return [...this.path(m, d.slice(0, k)), this.mth(d.slice(k))];
    return [...this.path(m - k, d.slice(k)), this.mth(d.slice(0, k))];
  }

  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (§2.1.4.1). */
  proof(m: number, d: readonly Uint8Array[]): Buffer[] {
    return this.subproof(m, d, true);
  }

  private subproof(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
    const n = d.length;
    if (m === n) return b ? [] : [this.mth(d)];
    const k = this.k(n);
    if (m <= k) return [...this.subproof(m, d.slice(0, k), b), this.mth(d.slice(k))];
    return [...this.subproof(m - k, d.slice(k), false), this.mth(d.slice(0, k))];
  }
}
