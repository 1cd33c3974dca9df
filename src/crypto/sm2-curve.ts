import { weierstrass, type WeierstrassOpts } from '@noble/curves/abstract/weierstrass.js';

/** sm2p256v1, the SM2 recommended curve (GB/T 32918.5-2017). */
export const SM2_CURVE_PARAMS: WeierstrassOpts<bigint> = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/**
 * Point constructor for sm2p256v1 (noble weierstrass, projective coordinates).
 *
 * noble blinds secret scalars (k + β·n, 128 random bits) when given an RNG; declining its RNG
 * probe leaves the plain constant-time path. The only secret scalars multiplied here are SM2
 * nonces, fresh for every signature, and private keys once when deriving the public key, so
 * blinding (a defence against averaging many traces of one scalar) buys nothing and would cost
 * about 40% of signing speed.
 */
export const Sm2Point = weierstrass(SM2_CURVE_PARAMS, {
  randomBytes: () => {
    throw new Error('scalar blinding disabled for SM2');
  },
});
export type Sm2Point = InstanceType<typeof Sm2Point>;

/** Scalar field mod n. */
export const Sm2Fn = Sm2Point.Fn;

export const SM2_N = SM2_CURVE_PARAMS.n;

/** Window size for per-public-key wNAF tables: 33 windows of 128 points, built in 40–100 ms. */
export const SM2_KEY_PRECOMPUTE_WINDOW = 8;

/**
 * Window size for the base point's big table. The base point is in every sign and verify, so a busy
 * process builds one larger table (26 windows of 512 points) once: k·G then costs 26 additions
 * instead of 33 at window 8. Window 12 (23 additions) was measured only 4% faster per k·G but cost
 * 47 MB of RSS per thread to build (16 MB at window 10) and 0.5 s instead of 0.16 s; a server runs
 * the table in several threads, so memory wins. See sm2-base-table.ts for when it is built.
 */
export const SM2_BASE_PRECOMPUTE_WINDOW = 10;

/** Big-endian 32-byte encodings of the curve constants, as hashed into Z. */
export const SM2_Z_CURVE_BYTES: Uint8Array = Buffer.concat(
  [SM2_CURVE_PARAMS.a, SM2_CURVE_PARAMS.b, SM2_CURVE_PARAMS.Gx, SM2_CURVE_PARAMS.Gy].map((v) =>
    Buffer.from(v.toString(16).padStart(64, '0'), 'hex'),
  ),
);
