import { createHmac } from 'node:crypto';
import { unwrapKey, wrapKey, wrappedKekId, type KeyEncryptionKey } from './key-wrap.js';

// Personal data at rest (holder codes 持证主体代码, the stored licence PDFs that print them): encrypted with
// AES-256-GCM under a subkey of the KEK, and findable by exact match only through a keyed hash, so the
// database alone reveals neither the codes nor, by hashing guesses, which code a row holds (ID numbers are
// few enough to enumerate: an unkeyed hash would be no protection).

const ENCRYPTION_INFO = 'sealtrust/data-protection/aes-256-gcm/v1';
const INDEX_INFO = 'sealtrust/data-protection/index-hmac-sm3/v1';

/**
 * Holder codes as people type them: NFKC (full-width ０-９ Ａ-Ｚ to ASCII), no surrounding spaces, upper
 * case (the X check character of a citizen ID, lower-case USCC letters).
 */
export function normaliseForIndex(value: string): string {
  return value.normalize('NFKC').trim().toUpperCase();
}

export class DataProtector {
  readonly #encryptionKey: Buffer;
  readonly #indexKey: Buffer;
  /** The KEK the subkeys come from; every ciphertext names it. */
  readonly kekId: string;

  constructor(kek: KeyEncryptionKey) {
    this.kekId = kek.id;
    this.#encryptionKey = kek.deriveKey(ENCRYPTION_INFO);
    this.#indexKey = kek.deriveKey(INDEX_INFO);
  }

  /**
   * Encrypts for one record and purpose: `context` (e.g. `licence:<identifier>:holder-code`) must be given
   * again to decrypt, so a ciphertext moved to another row or field does not open.
   */
  encrypt(plain: Uint8Array | string, context: string): Buffer {
    const bytes = typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain;
    return wrapKey(this.#encryptionKey, this.kekId, bytes, aad(context));
  }

  /** @throws KeyWrapError (MALFORMED, WRONG_KEK, UNWRAP_FAILED) */
  decrypt(sealed: Uint8Array, context: string): Buffer {
    return unwrapKey(this.#encryptionKey, this.kekId, sealed, aad(context));
  }

  decryptText(sealed: Uint8Array, context: string): string {
    return this.decrypt(sealed, context).toString('utf8');
  }

  /** The KEK id a ciphertext was made under (for re-encryption after a KEK rotation). */
  kekIdOf(sealed: Uint8Array): string {
    return wrappedKekId(sealed);
  }

  /**
   * Keyed hash (HMAC-SM3, 32 bytes; federation.md §4.2) of the normalised value, for exact-match search. Tied to
   * this KEK: rotating the KEK means recomputing the index columns (as HolderIndexUpgrade does).
   */
  index(value: string): Buffer {
    return createHmac('sm3', this.#indexKey).update(normaliseForIndex(value), 'utf8').digest();
  }

  toJSON(): { kekId: string } {
    return { kekId: this.kekId };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DataProtector(${this.kekId})`;
  }
}

function aad(context: string): Buffer {
  if (typeof context !== 'string' || context.length === 0) throw new RangeError('context must be given');
  return Buffer.from(`sealtrust/data:${context}`, 'utf8');
}
