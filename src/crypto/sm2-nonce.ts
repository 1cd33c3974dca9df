import { randomBytes } from 'node:crypto';
import { SM2_N } from './sm2-curve.js';
import { sm3 } from './sm3.js';

/**
 * A fresh SM2 nonce k in [1, n−1], hedged: 32 bytes from the CSPRNG hashed together with the private
 * key and the digest (the idea of RFC 6979 §3.6 with extra entropy). k is unpredictable while the
 * CSPRNG works, and a failing CSPRNG that repeats still yields different k for different messages.
 * 512 hashed bits reduced mod n−1 leave a bias below 2^−250.
 */
export function sm2Nonce(privateKey: Uint8Array, digest: Uint8Array): bigint {
  const seed = randomBytes(32);
  const wide = Buffer.concat([
    sm3(seed, privateKey, digest, Uint8Array.of(1)),
    sm3(seed, privateKey, digest, Uint8Array.of(2)),
  ]);
  return (BigInt('0x' + wide.toString('hex')) % (SM2_N - 1n)) + 1n;
}
