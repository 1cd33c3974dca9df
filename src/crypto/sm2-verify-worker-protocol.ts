/** One verification as sent to a pool worker. */
export interface Sm2VerifyJob {
  /** SEC1 public key (65 or 33 bytes). */
  publicKey: Uint8Array;
  message: Uint8Array;
  /** DER or raw 64-byte r‖s. */
  signature: Uint8Array;
  /** Signer ID; default '1234567812345678'. */
  id?: string | Uint8Array;
}

export interface Sm2VerifyRequest {
  seq: number;
  jobs: Sm2VerifyJob[];
}

/** results[i] is 1 when jobs[i] verified. */
export type Sm2VerifyResponse = { seq: number; results: Uint8Array } | { seq: number; error: string };
