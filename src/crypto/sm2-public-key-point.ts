import { CryptoInputError } from './crypto-input-error.js';
import { Sm2Point } from './sm2-curve.js';

/**
 * Decode a SEC1 public key (65-byte 04‖x‖y, or 33-byte compressed) into a validated curve point.
 * @throws CryptoInputError('INVALID_PUBLIC_KEY') if it is not a point of sm2p256v1 (off-curve,
 *   infinity, wrong length or prefix).
 */
export function sm2PublicKeyToPoint(publicKey: Uint8Array): Sm2Point {
  if (!(publicKey instanceof Uint8Array) || (publicKey.length !== 65 && publicKey.length !== 33)) {
    throw new CryptoInputError(
      'INVALID_PUBLIC_KEY',
      'SM2 public key must be a 65-byte (or 33-byte) SEC1 point',
    );
  }
  try {
    return Sm2Point.fromBytes(publicKey);
  } catch (cause) {
    throw new CryptoInputError('INVALID_PUBLIC_KEY', 'SM2 public key is not a point on sm2p256v1', { cause });
  }
}

/** Uncompressed 65-byte 04‖x‖y encoding. */
export function sm2PointToPublicKey(point: Sm2Point): Uint8Array {
  return point.toBytes(false);
}
