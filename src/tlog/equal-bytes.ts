import { timingSafeEqual } from 'node:crypto';

/** Byte equality without an early exit (roots and signatures are public, but there is no reason to leak where they differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
