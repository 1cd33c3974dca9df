import { sm2Digest, sm2PublicKeyFromPrivate, sm2SignDigest } from './sm2.js';

/**
 * A signing key behind a seam: software keys today, an HSM (GM/T 0018 SDF) later. SM2 signs
 * e = SM3(Z_A ‖ M); callers compute e with `digestFor` so the HSM only ever sees 32 bytes.
 */
export interface Signer {
  /** Uncompressed SM2 public key (65 bytes). */
  readonly publicKey: Uint8Array;
  /** DER SM2 signature over the 32-byte digest e. */
  signDigest(e: Uint8Array): Promise<Buffer>;
}

/** e = SM3(Z_A ‖ M) with the default ID 1234567812345678, for this signer's key. */
export function digestFor(signer: Signer, message: Uint8Array): Buffer {
  return sm2Digest(signer.publicKey, message);
}

/** Signs M (the whole message) through the seam. */
export async function signMessage(signer: Signer, message: Uint8Array): Promise<Buffer> {
  return signer.signDigest(digestFor(signer, message));
}

/** A key held in process memory (decrypted from the key vault). */
export function softwareSigner(privateKey: Uint8Array): Signer {
  const publicKey = sm2PublicKeyFromPrivate(privateKey);
  return {
    publicKey,
    signDigest: async (e) => sm2SignDigest(privateKey, e),
  };
}
