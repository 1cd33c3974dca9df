// What the hub's replicator reads from a node (federation.md §3.1, §3.4): entry bundles, consistency proofs and the
// side channel. A port, so the replication core runs against a node over HTTP and against an in-test source alike.

/** One side-channel line: the holder data of one file-bearing licence leaf, tied to it by its leaf hash. */
export interface IndexRecord {
  index: number;
  /** base64 of SM3(0x00 ‖ leaf). */
  leafHash: string;
  identifier: string;
  holder: { name: string; code: string; codeType: string };
  number: string;
  typeName: string;
  issuerName: string;
}

/** The side channel answers at most this many indices per request (§3.4: 400 for a longer range). */
export const MAX_INDEX_RECORD_RANGE = 1024;

export interface LogSource {
  /**
   * The leaves of entry bundle `bundle` (leaves [bundle·2^h, bundle·2^h + width)), `width` = 2^h for a full
   * bundle. @throws LogSourceError when the node cannot be read; a malformed bundle is TlogError.
   */
  entryBundle(bundle: number, width: number): Promise<Uint8Array[]>;
  /** PROOF(from, D[to]) as the node computes it (1 ≤ from ≤ to). @throws LogSourceError */
  consistencyProof(from: number, to: number): Promise<Uint8Array[]>;
  /** Side-channel records for [start, end), end − start ≤ 1,024. @throws LogSourceError */
  indexRecords(start: number, end: number): Promise<IndexRecord[]>;
}

/** The node could not be read (network, HTTP status, a body that is not what the endpoint promises). */
export class LogSourceError extends Error {
  override readonly name = 'LogSourceError';

  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
