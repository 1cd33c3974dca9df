import type { Hash } from 'node:crypto';
import { sm3, sm3Hasher } from '../crypto/sm3.js';

/**
 * SM3 of a PDF's signed byte ranges and of the whole file, without copying the file and hashing its common
 * part once. A valid /ByteRange starts at 0, so its first range is a prefix of the file: the hash state at
 * the end of that prefix continues into the second range for the signature's data hash, and into the rest
 * of the file for the licence directory's file hash.
 */
export class CoveredDigests {
  #prefix: { end: number; hash: Hash } | undefined;

  constructor(private readonly file: Buffer) {}

  /** SM3 over the ranges in order (views of the file, as coveredRanges returns them). */
  ofRanges(ranges: readonly Buffer[]): Buffer {
    const h = sm3Hasher();
    ranges.forEach((r, i) => {
      h.update(r);
      const end = r.byteOffset - this.file.byteOffset + r.length;
      if (i === 0 && r.buffer === this.file.buffer && r.byteOffset === this.file.byteOffset)
        if (!this.#prefix || end > this.#prefix.end) this.#prefix = { end, hash: h.copy() };
    });
    return h.digest();
  }

  /** SM3 of the whole file. */
  wholeFile(): Buffer {
    const p = this.#prefix;
    return p ? p.hash.copy().update(this.file.subarray(p.end)).digest() : sm3(this.file);
  }
}
