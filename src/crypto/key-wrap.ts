import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { sm3 } from './sm3.js';

// Envelope for secrets at rest (agency signing keys, holder codes, stored PDFs): AES-256-GCM under a
// 32-byte key-encryption key (KEK). The blob names the KEK that sealed it, so a later KEK rotation knows
// what to re-wrap, and the caller's AAD binds it to its record: a blob copied into another row fails.
//
//   version (1) ‖ kekId length (1) ‖ kekId (ASCII) ‖ nonce (12) ‖ tag (16) ‖ ciphertext
//
// The header (version, kekId) is authenticated together with the AAD.

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEK_BYTES = 32;

export type KeyWrapErrorCode = 'MALFORMED' | 'WRONG_KEK' | 'UNWRAP_FAILED';

/** A blob that cannot be opened: unreadable, sealed under another KEK, or altered / bound to another record. */
export class KeyWrapError extends Error {
  override readonly name = 'KeyWrapError';
  constructor(
    readonly code: KeyWrapErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function checkKek(kek: Uint8Array): void {
  if (!(kek instanceof Uint8Array) || kek.length !== KEK_BYTES) {
    throw new RangeError(`the key-encryption key must be ${KEK_BYTES} bytes`);
  }
}

function checkKekId(kekId: string): Buffer {
  const id = Buffer.from(kekId, 'ascii');
  if (id.length < 1 || id.length > 64 || id.toString('ascii') !== kekId || !/^[\x21-\x7e]+$/.test(kekId)) {
    throw new RangeError('kekId must be 1–64 printable ASCII characters');
  }
  return id;
}

/** The name records carry for a KEK: the first 8 bytes of SM3(kek), hex. Reveals nothing usable about it. */
export function kekIdOf(kek: Uint8Array): string {
  checkKek(kek);
  return sm3(kek).subarray(0, 8).toString('hex');
}

function header(kekId: Buffer): Buffer {
  return Buffer.concat([Buffer.from([VERSION, kekId.length]), kekId]);
}

/** Seals `plaintext` under the KEK; `aad` (e.g. agency id ‖ certificate serial) must be given again to open it. */
export function wrapKey(kek: Uint8Array, kekId: string, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  checkKek(kek);
  const head = header(checkKekId(kekId));
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(Buffer.concat([head, aad]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([head, nonce, cipher.getAuthTag(), ciphertext]);
}

/** The KEK id a blob names, without opening it. @throws KeyWrapError('MALFORMED') */
export function wrappedKekId(wrapped: Uint8Array): string {
  return parse(wrapped).kekId;
}

function parse(wrapped: Uint8Array): {
  head: Buffer;
  kekId: string;
  nonce: Buffer;
  tag: Buffer;
  body: Buffer;
} {
  const b = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
  if (b.length < 2 || b[0] !== VERSION) throw new KeyWrapError('MALFORMED', 'unknown wrapped-key format');
  const idLength = b[1]!;
  const bodyAt = 2 + idLength + NONCE_BYTES + TAG_BYTES;
  if (idLength < 1 || b.length < bodyAt) throw new KeyWrapError('MALFORMED', 'truncated wrapped key');
  return {
    head: b.subarray(0, 2 + idLength),
    kekId: b.subarray(2, 2 + idLength).toString('latin1'),
    nonce: b.subarray(2 + idLength, 2 + idLength + NONCE_BYTES),
    tag: b.subarray(2 + idLength + NONCE_BYTES, bodyAt),
    body: b.subarray(bodyAt),
  };
}

/**
 * Opens a blob made by wrapKey with the same KEK, kekId and AAD.
 * @throws KeyWrapError: MALFORMED, WRONG_KEK (the blob names another KEK), UNWRAP_FAILED (altered, or other AAD)
 */
export function unwrapKey(kek: Uint8Array, kekId: string, wrapped: Uint8Array, aad: Uint8Array): Buffer {
  checkKek(kek);
  const p = parse(wrapped);
  if (p.kekId !== kekId) {
    throw new KeyWrapError('WRONG_KEK', `sealed under key-encryption key ${p.kekId}, not ${kekId}`);
  }
  const decipher = createDecipheriv('aes-256-gcm', kek, p.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.concat([p.head, aad]));
  decipher.setAuthTag(p.tag);
  try {
    return Buffer.concat([decipher.update(p.body), decipher.final()]);
  } catch {
    throw new KeyWrapError('UNWRAP_FAILED', 'wrapped key altered or bound to another record');
  }
}

/**
 * The KEK as an object that never shows its bytes: not in JSON, not in util.inspect (so not in a log line
 * or an error dump). Subkeys for other purposes come from HKDF, never from the KEK itself.
 */
export class KeyEncryptionKey {
  readonly #key: Buffer;
  readonly id: string;

  constructor(key: Uint8Array) {
    checkKek(key);
    this.#key = Buffer.from(key);
    this.id = kekIdOf(this.#key);
  }

  wrap(plaintext: Uint8Array, aad: Uint8Array): Buffer {
    return wrapKey(this.#key, this.id, plaintext, aad);
  }

  unwrap(wrapped: Uint8Array, aad: Uint8Array): Buffer {
    return unwrapKey(this.#key, this.id, wrapped, aad);
  }

  /** HKDF-SHA256 subkey for one named purpose (distinct `info` ⇒ independent keys). */
  deriveKey(info: string, length = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), Buffer.from(info, 'utf8'), length));
  }

  equals(other: KeyEncryptionKey): boolean {
    return this.id === other.id && this.#key.equals(other.#key);
  }

  toJSON(): { kekId: string } {
    return { kekId: this.id };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `KeyEncryptionKey(${this.id})`;
  }
}
