/**
 * A failure a caller can act on. `kind` picks the HTTP status and problem type at the edge;
 * `field` names the input at fault (a JSON path such as `uscc` or `signerCertSerials.1`).
 */
export type ServiceErrorKind =
  | 'validation' // 422
  | 'not-found' // 404
  | 'conflict' // 409
  | 'forbidden' // 403
  | 'unauthorized' // 401
  | 'unavailable' // 503 with Retry-After: the node is busy or a worker failed; the caller may retry
  | 'bad-gateway' // 502: another node this one relays to failed or could not be reached
  | 'gateway-timeout'; // 504: another node this one relays to did not answer in time

export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly kind: ServiceErrorKind,
    /** Stable slug, part of the problem type URI. */
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra members for the problem body (RFC 9457 extensions), e.g. `currentStatus` on a 409. */
    readonly extensions?: Record<string, string | number | boolean | null>,
    /** For 'unavailable': when to try again (the Retry-After header). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
