import type { StatusChange, TrustList } from './trust-list.js';

/** A certificate the list depends on is announced this long before it expires (§2.8 rule 6: 30 days). */
export const EXPIRY_WARNING_MS = 30 * 86_400_000;

/** Whether a list may still be relied on at `now` (§2.8 rule 5; DSS TLExpirationDetection). */
export function trustListFreshness(list: Pick<TrustList, 'nextUpdate'>, now: Date): 'valid' | 'expired' {
  return now.getTime() < Date.parse(list.nextUpdate) ? 'valid' : 'expired';
}

/**
 * The status a history gave at instant `at` (§2.8 rule 7; TS 119 612 ServiceHistory, DSS TrustServiceStatusCheck): a
 * signature made at T is judged by the status at T, so a service withdrawn later still vouches for what it did
 * before. Undefined before the first entry (the service was not listed yet).
 */
export function statusAt<S extends string>(history: readonly StatusChange<S>[], at: Date): S | undefined {
  let status: S | undefined;
  for (const h of history) {
    if (Date.parse(h.since) > at.getTime()) break;
    status = h.status;
  }
  return status;
}
