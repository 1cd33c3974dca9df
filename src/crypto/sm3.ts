import { createHash, type Hash } from 'node:crypto';

/** SM3 (GB/T 32905) of the concatenation of the parts, via Node's native OpenSSL implementation. */
export function sm3(...parts: Uint8Array[]): Buffer {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sm3Hex(...parts: Uint8Array[]): string {
  return sm3(...parts).toString('hex');
}

/** An incremental SM3 (update, copy, digest) for data that arrives in parts or shares a prefix. */
export function sm3Hasher(): Hash {
  return createHash('sm3');
}
