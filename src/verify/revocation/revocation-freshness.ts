import type { RevocationTimes } from './revocation-source.js';

// When does revocation data that is not the issuer's live record (a CRL carried in the document, a CRL of a
// foreign CA) say anything about a signature? EN 319 102-1 §5.2.5 (revocation freshness checker) and EU DSS's
// "revocation data issued after the best-signature-time" rule:
//
// - With a proof of existence (POE: a trusted timestamp), the data must have been issued at or after the POE.
//   Not revoked then means not revoked before the signature provably existed; a later revocation does not
//   matter, so the data need not still be current (long-term validation data).
// - Without a POE the signature may have been made at any time up to now. The data must have been issued at or
//   after the claimed signing time (the engine judges revocation at that time; DSS uses the validation time
//   here, which no data carried in a document could ever meet) and still be current at the validation time
//   (nextUpdate ≥ validation time, DSS's default freshness when no maximum age is configured), so it covers
//   the time from the claim until now.
//
// A listed serial needs no freshness: a proof of revocation stays one.

export type Freshness =
  /** The data speaks for the signature. */
  | { fresh: true }
  /** Issued before the time it must cover: it proves nothing about a later revocation. */
  | { fresh: false; code: 'REVOCATION_OUT_OF_BOUNDS_NO_POE'; detail: string }
  /** Issued late enough, but no longer current and no POE: a newer CRL is needed. */
  | { fresh: false; code: 'TRY_LATER'; detail: string };

/** Tolerated clock difference for data issued "in the future" (RFC 6960 clients use a few minutes). */
export const REVOCATION_CLOCK_SKEW_MS = 5 * 60_000;

export function revocationFreshness(
  thisUpdate: Date,
  nextUpdate: Date | null,
  validationTime: Date,
  times: RevocationTimes = {},
): Freshness {
  const poe = times.poe ?? null;
  const bound = poe ?? times.signingTime ?? null;
  if (bound && thisUpdate.getTime() < bound.getTime()) {
    return {
      fresh: false,
      code: 'REVOCATION_OUT_OF_BOUNDS_NO_POE',
      detail: `thisUpdate ${thisUpdate.toISOString()} < ${poe ? 'POE' : 'signing time'} ${bound.toISOString()}`,
    };
  }
  if (poe) return { fresh: true };
  if (nextUpdate !== null && nextUpdate.getTime() < validationTime.getTime()) {
    return {
      fresh: false,
      code: 'TRY_LATER',
      detail: `nextUpdate ${nextUpdate.toISOString()} < validation time ${validationTime.toISOString()}, no POE`,
    };
  }
  return { fresh: true };
}
