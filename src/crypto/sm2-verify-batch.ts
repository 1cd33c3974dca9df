import { sm2Verify } from './sm2.js';

/** One verification of a batch. */
export interface Sm2VerifyJob {
  /** SEC1 public key (65 or 33 bytes). */
  publicKey: Uint8Array;
  message: Uint8Array;
  /** DER or raw 64-byte r‖s. */
  signature: Uint8Array;
  /** Signer ID; default '1234567812345678'. */
  id?: string | Uint8Array;
}

/**
 * Verifies a batch: results[i] is 1 when jobs[i] verified. A malformed key or signature is simply "not valid"
 * (0), not an error: in bulk work one bad input must not void the others.
 */
export function sm2VerifyBatch(jobs: readonly Sm2VerifyJob[]): Uint8Array {
  return Uint8Array.from(jobs, (job) => {
    try {
      return sm2Verify(job.publicKey, job.message, job.signature, job.id === undefined ? {} : { id: job.id })
        ? 1
        : 0;
    } catch {
      return 0;
    }
  });
}
