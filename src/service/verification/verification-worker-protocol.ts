import type { DocumentFormat } from './document-format.js';

// What VerificationService (main thread) and its workers exchange over the worker runtime. Everything is
// structured-cloneable: certificates travel as DER and are parsed again on the other side; Dates clone as Dates.

export interface VerificationWorkerData {
  /** DER of the trust anchors (the node's root) and of the intermediates (its issuing CAs). */
  anchors: Uint8Array[];
  intermediates: Uint8Array[];
  /** DER of this node's seal-making systems: known makers whose every seal is in this node's registry. */
  sealMakers: Uint8Array[];
}

/** main → worker: validate this PDF or OFD (before the deadline the runtime gives the task). */
export interface VerifyTask {
  /** Which engine: sniffed on the main thread (document-format.ts). */
  format: DocumentFormat;
  bytes: Uint8Array;
  /**
   * The audit generation at dispatch, with the trust list's, when the main thread knew it without a query
   * (AuditGeneration is live): view answers received for tasks of the same generation are still the database's
   * answers, so the worker may reuse them instead of asking again.
   */
  generation?: string;
  /**
   * The generation of the trust list the task was started under (federated-trust.ts), when this node follows
   * one: the worker validates with that list's foreign anchors (view `trust`, asked once per generation), and
   * every view answers under that list.
   */
  trust?: string;
}

/** Another node's anchors from the trust list (DER), as the `trust` view answers for the task's list. */
export interface ForeignAnchors {
  roots: Uint8Array[];
  intermediates: Uint8Array[];
  /** Listed seal makers: known, but their seals are in their own node's registry, not this one's. */
  sealMakers: Uint8Array[];
}

/**
 * The views the engine asks (the task's questions to the main thread), answered there from the database. A
 * revocation answer comes back marked `authoritative` for certificates of this node's CAs (the service builds
 * the node's source over its root and issuing CAs); the worker combines it with the document's own revocation
 * data. The signing time and proof of existence are not sent: the node's record does not depend on them (only
 * data from elsewhere is judged for freshness, in the worker). A view that throws makes the engine report
 * INDETERMINATE.
 */
export type ViewCall =
  | { view: 'revocation'; cert: Uint8Array; issuer: Uint8Array; at: number }
  | { view: 'seal'; esID: string; at: number }
  | { view: 'licence'; identifier: string; fileSm3?: string }
  | { view: 'trust' };

/** `malformed` is a PDF the reader refuses; the OFD reader's refusals keep their own codes (OfdError). */
export type VerifyFailureKind =
  'not-a-pdf' | 'malformed' | 'not-an-ofd' | 'malformed-ofd' | 'too-complex' | 'internal';

/** worker → main: why a validation ended without a report. */
export interface VerifyFailure {
  kind: VerifyFailureKind;
  message: string;
  limit?: string;
  /** The OFD reader's rule that refused the file (OfdErrorReason), for the problem's detail. */
  reason?: string;
}

/** Cached view answers also expire with time (seal and licence validity windows close by the clock). */
export const VIEW_CACHE_MS = 5_000;

/**
 * Answers about another node's licence change without this node's audit generation moving (a revocation at
 * home reaches here through the hub): they are reused for this long only, in each cache.
 */
export const FOREIGN_VIEW_CACHE_MS = 1_000;

/** How long an answer may be reused: foreign directory records (built from the hub's evidence) briefly. */
export function viewCacheAge(value: unknown): number {
  return value && typeof value === 'object' && 'federation' in value ? FOREIGN_VIEW_CACHE_MS : VIEW_CACHE_MS;
}

/**
 * The cache key of a view question. "Status now" questions carry the engine's validation time, a new
 * millisecond for every file: within the cache's age limit they share one entry, or the cache would never
 * hit (the answer is then the database's as of at most VIEW_CACHE_MS ago; any change moves the generation).
 */
export function viewCacheKey(q: ViewCall, now: number): string {
  const when = (t: number) => (Math.abs(t - now) < VIEW_CACHE_MS ? 'now' : String(t));
  if (q.view === 'trust') return 't';
  return q.view === 'revocation'
    ? `r:${Buffer.from(q.cert).toString('base64')}:${Buffer.from(q.issuer).toString('base64')}:${when(q.at)}`
    : q.view === 'seal'
      ? `s:${q.esID}:${when(q.at)}`
      : `l:${q.identifier}:${q.fileSm3 ?? ''}`;
}
