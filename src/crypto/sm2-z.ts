import { CryptoInputError } from './crypto-input-error.js';
import { SM2_Z_CURVE_BYTES } from './sm2-curve.js';
import { sm2PointToPublicKey, sm2PublicKeyToPoint } from './sm2-public-key-point.js';
import { sm3 } from './sm3.js';

/** The signer ID every Chinese seal producer uses unless a protocol says otherwise (GM/T 0009). */
export const SM2_DEFAULT_ID = '1234567812345678';

export type Sm2Id = string | Uint8Array;

// ENTL is the ID's length in bits as two bytes, so an ID can be at most 8191 bytes.
const MAX_ID_BYTES = 0xffff >> 3;

/** The ID as bytes: strings are UTF-8 (the default ID is ASCII). */
export function sm2IdBytes(id: Sm2Id = SM2_DEFAULT_ID): Uint8Array {
  const bytes = typeof id === 'string' ? Buffer.from(id, 'utf8') : id;
  if (!(bytes instanceof Uint8Array))
    throw new CryptoInputError('INVALID_ID', 'SM2 ID must be a string or bytes');
  if (bytes.length > MAX_ID_BYTES) throw new CryptoInputError('INVALID_ID', 'SM2 ID longer than 8191 bytes');
  return bytes;
}

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ xA ‖ yA) from an uncompressed 65-byte key; no validation. */
export function sm2ZFromUncompressed(publicKey: Uint8Array, idBytes: Uint8Array): Buffer {
  const bits = idBytes.length * 8;
  return sm3(Uint8Array.of(bits >> 8, bits & 0xff), idBytes, SM2_Z_CURVE_BYTES, publicKey.subarray(1));
}

/**
 * The GB/T 32918.2 signer hash Z for a public key (SEC1, 65 or 33 bytes) and signer ID
 * (default '1234567812345678').
 * @throws CryptoInputError for an invalid public key or an over-long ID.
 */
export function sm2Z(publicKey: Uint8Array, id?: Sm2Id): Buffer {
  const uncompressed = sm2PointToPublicKey(sm2PublicKeyToPoint(publicKey));
  return sm2ZFromUncompressed(uncompressed, sm2IdBytes(id));
}
