/** Why log input (a proof, note, checkpoint, cosignature, tile path) was refused; stable strings callers may switch on. */
export type TlogErrorCode =
  // Trees and proofs (RFC 9162 §2.1)
  | 'INVALID_TREE_SIZE'
  | 'INDEX_OUT_OF_RANGE'
  | 'INVALID_HASH'
  | 'PROOF_LENGTH'
  | 'PROOF_MISMATCH'
  | 'CONSISTENCY_SIZE_ZERO'
  | 'CONSISTENCY_SIZES_REVERSED'
  | 'MISSING_NODE'
  // Signed notes (C2SP signed-note, SM2 profile)
  | 'MALFORMED_NOTE'
  | 'TOO_MANY_SIGNATURES'
  | 'INVALID_KEY_NAME'
  | 'MALFORMED_VERIFIER_KEY'
  | 'UNKNOWN_SIGNATURE_TYPE'
  | 'INVALID_SIGNATURE'
  | 'NO_KNOWN_SIGNATURE'
  // Checkpoints and cosignatures (C2SP tlog-checkpoint, tlog-cosignature)
  | 'MALFORMED_CHECKPOINT'
  | 'CHECKPOINT_EXTENSION_LINES'
  | 'WRONG_ORIGIN'
  | 'MALFORMED_COSIGNATURE'
  | 'CHECKPOINT_ROLLBACK'
  | 'CHECKPOINT_FORK'
  | 'NOT_ENOUGH_COSIGNATURES'
  // Tiles and entry bundles (C2SP tlog-tiles layout)
  | 'MALFORMED_TILE_PATH'
  | 'MALFORMED_TILE'
  | 'MALFORMED_ENTRY_BUNDLE'
  // Directory leaves (federation.md §2.2)
  | 'MALFORMED_LEAF';

/**
 * Every malformed or unacceptable log input ends in this error, never in another exception type, so the
 * HTTP layer can map it to a 4xx by `code` without reading messages. Messages are Chinese first (zh / en).
 */
export class TlogError extends Error {
  override readonly name = 'TlogError';

  constructor(
    readonly code: TlogErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
