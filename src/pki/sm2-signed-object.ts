import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { sm2Sign, sm2Verify } from '../crypto/sm2.js';
import { PKI_OID } from './pki-oids.js';

/** AlgorithmIdentifier for SM2-with-SM3: parameters absent (GM/T 0015). */
export function sm2WithSm3Algorithm(): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: PKI_OID.sm2WithSm3 });
}

/** Signs the exact to-be-signed bytes with the standard signer ID; DER SEQUENCE{r,s}. */
export function signTbs(privateKey: Uint8Array, tbs: Uint8Array): asn1js.BitString {
  return new asn1js.BitString({ valueHex: sm2Sign(privateKey, tbs) });
}

/** Verifies a signature over bytes exactly as they were received (never re-encoded). */
export function verifyTbs(publicKey: Uint8Array, tbs: Uint8Array, signature: Uint8Array): boolean {
  try {
    return sm2Verify(publicKey, tbs, signature);
  } catch {
    return false;
  }
}

export function isSm2WithSm3(alg: pkijs.AlgorithmIdentifier): boolean {
  return alg.algorithmId === PKI_OID.sm2WithSm3;
}
