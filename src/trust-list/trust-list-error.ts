/** Why a trust list (federation.md §2.8) was refused; stable strings the service maps to alerts and problems. */
export type TrustListErrorCode =
  // Reading a served list
  | 'MALFORMED_TRUST_LIST'
  | 'NOT_CANONICAL'
  // Its signature (detached CMS over the served bytes)
  | 'SIGNATURE_INVALID'
  | 'UNANNOUNCED_SIGNER'
  | 'SIGNER_NOT_VALID'
  // Accepting it after the cached one (§2.8 consumption rules 2–3)
  | 'ISSUED_IN_FUTURE'
  | 'EXPIRED'
  | 'ROLLBACK'
  | 'EQUIVOCATION'
  // Publishing the next one at the hub (§3.3)
  | 'NEXT_UPDATE_TOO_FAR'
  | 'HISTORY_REWRITTEN'
  | 'NOTHING_CHANGED';

/**
 * Every refusal of a trust list ends in this error, never in another exception type, so callers switch on `code`
 * without reading messages. Messages are Chinese first (zh / en).
 */
export class TrustListError extends Error {
  override readonly name = 'TrustListError';

  constructor(
    readonly code: TrustListErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
