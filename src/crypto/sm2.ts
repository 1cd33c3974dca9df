import { randomBytes } from 'node:crypto';
import { CryptoInputError } from './crypto-input-error.js';
import { LruCache } from './lru-cache.js';
import { noteBasePointUse } from './sm2-base-table.js';
import { SM2_N, Sm2Fn, Sm2Point } from './sm2-curve.js';
import { nativeSm2 } from './sm2-native.js';
import { sm2Nonce } from './sm2-nonce.js';
import { sm2PublicKeyCache, type Sm2CachedPublicKey } from './sm2-public-key-cache.js';
import { sm2PointToPublicKey } from './sm2-public-key-point.js';
import { decodeSm2Signature, encodeSm2SignatureDer } from './sm2-signature-encoding.js';
import { SM2_DEFAULT_ID, sm2IdBytes, sm2ZFromUncompressed, type Sm2Id } from './sm2-z.js';
import { sm3 } from './sm3.js';

export { SM2_DEFAULT_ID, sm2Z, type Sm2Id } from './sm2-z.js';
export { sm2WarmUp } from './sm2-base-table.js';

export interface Sm2KeyPair {
  /** 32-byte big-endian d, 1 ≤ d ≤ n−2. */
  privateKey: Uint8Array;
  /** 65-byte uncompressed 04‖x‖y. */
  publicKey: Uint8Array;
}

export interface Sm2SignOptions {
  /** Signer ID hashed into Z; default '1234567812345678'. */
  id?: Sm2Id;
}

export type Sm2VerifyOptions = Sm2SignOptions;

function bytesToBigint(bytes: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
}

/** Uniform d in [1, n−2] (GB/T 32918.1 §6.1) by rejection sampling; a retry has odds ~2^−32. */
export function generateSm2KeyPair(): Sm2KeyPair {
  for (;;) {
    const privateKey = randomBytes(32);
    const d = bytesToBigint(privateKey);
    if (d >= 1n && d <= SM2_N - 2n) {
      return {
        privateKey: new Uint8Array(privateKey),
        publicKey: sm2PointToPublicKey(Sm2Point.BASE.multiply(d)),
      };
    }
  }
}

function privateScalar(privateKey: Uint8Array): bigint {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new CryptoInputError('INVALID_PRIVATE_KEY', 'SM2 private key must be 32 bytes');
  }
  const d = bytesToBigint(privateKey);
  // n−1 is excluded too: signing divides by 1 + d.
  if (d < 1n || d > SM2_N - 2n)
    throw new CryptoInputError('INVALID_PRIVATE_KEY', 'SM2 private key out of range');
  return d;
}

/** The 65-byte public key d·G. */
export function sm2PublicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  return signingKey(privateKey).publicKey.slice();
}

interface SigningKey {
  d: bigint;
  /** (1 + d)^−1 mod n: an inversion per signature would cost about 8% of the signing time. */
  dPlus1Inv: bigint;
  publicKey: Uint8Array;
  defaultZ: Buffer;
}

// Keyed by SM3(d), not d, so the secret is not also kept as a map key. Deriving the public key
// costs as much as a signature, and Z needs it, so recurring signers must not pay it each time.
const signingKeys = new LruCache<string, SigningKey>(64);

function signingKey(privateKey: Uint8Array): SigningKey {
  const d = privateScalar(privateKey);
  const tag = sm3(privateKey).toString('hex');
  const cached = signingKeys.get(tag);
  if (cached) return cached;
  const publicKey = sm2PointToPublicKey(Sm2Point.BASE.multiply(d));
  const key: SigningKey = {
    d,
    dPlus1Inv: Sm2Fn.inv(d + 1n),
    publicKey,
    defaultZ: sm2ZFromUncompressed(publicKey, sm2IdBytes(SM2_DEFAULT_ID)),
  };
  signingKeys.set(tag, key);
  return key;
}

function zFor(defaultZ: Buffer, publicKey: Uint8Array, id: Sm2Id | undefined): Buffer {
  return id === undefined || id === SM2_DEFAULT_ID
    ? defaultZ
    : sm2ZFromUncompressed(publicKey, sm2IdBytes(id));
}

function checkDigest(digest: Uint8Array): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new CryptoInputError('INVALID_DIGEST', 'SM2 digest e must be the 32-byte SM3(Z ‖ M)');
  }
  return digest;
}

function digestScalar(digest: Uint8Array): bigint {
  return bytesToBigint(checkDigest(digest));
}

function signScalars(key: SigningKey, privateKey: Uint8Array, digest: Uint8Array): Buffer {
  const e = digestScalar(digest);
  const { d, dPlus1Inv } = key;
  noteBasePointUse();
  for (;;) {
    const k = sm2Nonce(privateKey, digest);
    const x1 = Sm2Point.BASE.multiply(k).x; // constant-time path
    const r = Sm2Fn.create(e + x1);
    if (r === 0n || r + k === SM2_N) continue;
    const s = Sm2Fn.mul(dPlus1Inv, Sm2Fn.sub(k, Sm2Fn.mul(r, d)));
    if (s === 0n) continue;
    return encodeSm2SignatureDer(r, s);
  }
}

/**
 * e = SM3(Z ‖ M) for a message and the signer's public key, for callers that want to hash
 * themselves (streams): hash Z (sm2Z) then the message with SM3.
 */
export function sm2Digest(publicKey: Uint8Array, message: Uint8Array, opts: Sm2SignOptions = {}): Buffer {
  const entry = sm2PublicKeyCache.lookup(publicKey);
  return sm3(zFor(entry.defaultZ, entry.uncompressed, opts.id), message);
}

/**
 * SM2 signature (GB/T 32918.2) over `message` with the signer ID; DER `SEQUENCE{r,s}`.
 * @throws CryptoInputError('INVALID_PRIVATE_KEY' | 'INVALID_ID')
 */
export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, opts: Sm2SignOptions = {}): Buffer {
  const key = signingKey(privateKey);
  const e = sm3(zFor(key.defaultZ, key.publicKey, opts.id), message);
  return signScalars(key, privateKey, e);
}

/** Sign a precomputed e = SM3(Z ‖ M) (32 bytes). */
export function sm2SignDigest(privateKey: Uint8Array, digest: Uint8Array): Buffer {
  return signScalars(signingKey(privateKey), privateKey, digest);
}

// Native or noble, measured with `node --import tsx native/bench-verify.ts` (µs per sm2Verify, 2-core
// machine under other load): a key seen for the first time costs noble 2,200–2,600 and OpenSSL
// 310–430; a recurring key with noble's window-8 table 460–650 and OpenSSL 310–410, OpenSSL ahead in
// every run. So with the addon loaded every verify goes through OpenSSL and sm2PublicKeyCache builds no
// tables. Caching OpenSSL's EVP_PKEY per key would save ~25 µs (8%) and was left out to keep the addon
// stateless.

/** `digest` is a checked 32-byte e. */
function verifyScalars(key: Sm2CachedPublicKey, digest: Uint8Array, signature: Uint8Array): boolean {
  const { r, s } = decodeSm2Signature(signature);
  if (r < 1n || r >= SM2_N || s < 1n || s >= SM2_N) return false;
  const t = Sm2Fn.create(r + s);
  if (t === 0n) return false;
  // Re-encoded: the input may be raw r‖s, and OpenSSL takes strict DER only.
  if (nativeSm2) return nativeSm2.verifyDigest(key.uncompressed, digest, encodeSm2SignatureDer(r, s));
  const e = bytesToBigint(digest);
  noteBasePointUse();
  // Public data only, so the variable-time table paths are fine.
  const sum = Sm2Point.BASE.multiplyUnsafe(s).add(key.point.multiplyUnsafe(t));
  if (sum.is0()) return false;
  // (e + x1) mod n = r  ⇔  x1 ∈ {r − e mod n, that + n}; comparing X = x1·Z in projective
  // coordinates skips the field inversion that the affine x would cost (~7% of a verify).
  const { Fp } = Sm2Point;
  const candidate = Sm2Fn.sub(r, Sm2Fn.create(e));
  if (Fp.eql(sum.X, Fp.mul(candidate, sum.Z))) return true;
  const wrapped = candidate + SM2_N;
  return wrapped < Fp.ORDER && Fp.eql(sum.X, Fp.mul(wrapped, sum.Z));
}

/**
 * Verify an SM2 signature (DER `SEQUENCE{r,s}` or raw 64-byte r‖s) over `message`.
 * Returns false for any well-formed but wrong signature, including r or s of 0 or ≥ n.
 * @throws CryptoInputError('INVALID_PUBLIC_KEY') if the key is not a point of the curve,
 *   ('INVALID_SIGNATURE_ENCODING') if the signature is neither strict DER nor 64 bytes,
 *   ('INVALID_ID') for an over-long ID.
 */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  opts: Sm2VerifyOptions = {},
): boolean {
  const key = sm2PublicKeyCache.lookup(publicKey);
  const e = sm3(zFor(key.defaultZ, key.uncompressed, opts.id), message);
  return verifyScalars(key, e, signature);
}

/** Verify against a precomputed e = SM3(Z ‖ M) (32 bytes). Same errors as sm2Verify. */
export function sm2VerifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  const key = sm2PublicKeyCache.lookup(publicKey);
  return verifyScalars(key, checkDigest(digest), signature);
}

/**
 * Build the verification table for a key now (CA, OCSP, seal-signer keys known at startup)
 * instead of on its second use. With the native verifier there is no table: the key is only
 * validated and cached.
 */
export function sm2PrecomputePublicKey(publicKey: Uint8Array): void {
  sm2PublicKeyCache.precompute(publicKey);
}
