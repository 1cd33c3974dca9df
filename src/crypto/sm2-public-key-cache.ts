import { LruCache } from './lru-cache.js';
import { nativeSm2 } from './sm2-native.js';
import { SM2_KEY_PRECOMPUTE_WINDOW, type Sm2Point } from './sm2-curve.js';
import { sm2PointToPublicKey, sm2PublicKeyToPoint } from './sm2-public-key-point.js';
import { SM2_DEFAULT_ID, sm2IdBytes, sm2ZFromUncompressed } from './sm2-z.js';

/** A validated public key with what verification reuses: its point and Z for the default ID. */
export interface Sm2CachedPublicKey {
  readonly point: Sm2Point;
  /** 65-byte 04‖x‖y. */
  readonly uncompressed: Uint8Array;
  readonly defaultZ: Buffer;
  readonly precomputed: boolean;
}

export interface Sm2PublicKeyCacheOptions {
  /** Keys holding a window-8 table (about 1 MB of heap each). */
  maxPrecomputed?: number;
  /** Keys seen once: decoded and validated, but no table yet. */
  maxSeen?: number;
  /** Build tables at all (default true). Without, every key stays a validated entry: OpenSSL verifies. */
  tables?: boolean;
}

const DEFAULT_ID_BYTES = sm2IdBytes(SM2_DEFAULT_ID);

/**
 * Two-stage LRU of public keys. A table costs 40–100 ms to build and pays off only after a few
 * dozen verifications, so a key gets one only when it recurs (second sight) or when a caller
 * says it will (precompute()). One-off keys cost a decode and a cheap entry in `seen`.
 */
export class Sm2PublicKeyCache {
  readonly #seen: LruCache<string, Sm2CachedPublicKey>;
  readonly #tables: LruCache<string, Sm2CachedPublicKey>;
  readonly #buildTables: boolean;

  constructor(options: Sm2PublicKeyCacheOptions = {}) {
    this.#tables = new LruCache(options.maxPrecomputed ?? 32);
    this.#seen = new LruCache(options.maxSeen ?? 1024);
    this.#buildTables = options.tables ?? true;
  }

  /**
   * The cached entry for a public key, validating it on first sight.
   * @throws CryptoInputError('INVALID_PUBLIC_KEY')
   */
  lookup(publicKey: Uint8Array): Sm2CachedPublicKey {
    const hex = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex');
    const withTable = this.#tables.get(hex);
    if (withTable) return withTable;
    const seen = this.#seen.get(hex);
    if (seen) {
      if (!this.#buildTables) return seen;
      this.#seen.delete(hex);
      return this.#promote(hex, seen.point);
    }
    const point = sm2PublicKeyToPoint(publicKey);
    const entry = makeEntry(point, false);
    this.#seen.set(hex, entry);
    return entry;
  }

  /** Build (or keep) the table for a key now, e.g. for CA and seal-signer keys known at startup. */
  precompute(publicKey: Uint8Array): Sm2CachedPublicKey {
    const entry = this.lookup(publicKey);
    return entry.precomputed || !this.#buildTables ? entry : this.lookup(publicKey);
  }

  clear(): void {
    this.#seen.clear();
    this.#tables.clear();
  }

  get stats(): { precomputed: number; seen: number } {
    return { precomputed: this.#tables.size, seen: this.#seen.size };
  }

  #promote(hex: string, point: Sm2Point): Sm2CachedPublicKey {
    // Tables live in noble's WeakMap keyed by the point object: evicting the entry frees them.
    point.precompute(SM2_KEY_PRECOMPUTE_WINDOW, false);
    const entry = makeEntry(point, true);
    this.#tables.set(hex, entry);
    return entry;
  }
}

function makeEntry(point: Sm2Point, precomputed: boolean): Sm2CachedPublicKey {
  const uncompressed = sm2PointToPublicKey(point);
  return { point, uncompressed, defaultZ: sm2ZFromUncompressed(uncompressed, DEFAULT_ID_BYTES), precomputed };
}

/**
 * The process-wide (per worker thread) cache used by sm2Verify. With the native verifier loaded every verify
 * goes through OpenSSL (faster than noble even with a table, see sm2.ts), so no table is ever built.
 */
export const sm2PublicKeyCache = new Sm2PublicKeyCache({ tables: !nativeSm2 });
