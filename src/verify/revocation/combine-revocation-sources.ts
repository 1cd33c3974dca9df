import type { RevocationAnswer, RevocationView } from './revocation-source.js';

// How answers of several revocation sources become one, written once.
//
// 1. Authority. An answer marked `authoritative` is the issuer's own live record (this node's CA database for
//    its own CAs, or the CRL the node currently publishes). When there is one, only authoritative answers and
//    proofs of revocation from elsewhere count: data carried in a document may add evidence (a CRL listing
//    the serial), never take it away (an old CRL not listing it). A hold from elsewhere does not count
//    against the live record either: holds are temporary, and the record knows when one was released.
// 2. Worst wins among what counts: revoked > hold > unknown > good (EU DSS likewise never lets a "good"
//    outweigh a known revocation). 'no-source' is silence, not an answer.
// 3. When nothing counts (every source silent), the status is unknown: EN 319 102-1 concludes
//    INDETERMINATE / TRY_LATER for a certificate without revocation data. Unless a source says the
//    certificate names no revocation source at all (code NO_REVOCATION_SOURCE): then it is "not checked",
//    as the engine has always reported such certificates.
// Every source stays named in `source`, for the report.

/** Rank of each status, worst highest. */
export const REVOCATION_SEVERITY: Readonly<Record<RevocationAnswer['status'], number>> = {
  'no-source': 0,
  good: 1,
  unknown: 2,
  hold: 3,
  revoked: 4,
};

function earlier(a: Date | undefined, b: Date | undefined): boolean {
  return a !== undefined && (b === undefined || a.getTime() < b.getTime());
}

/** The worst of `answers` (the earliest revocation among equals); undefined for none. */
export function worstRevocationAnswer(answers: readonly RevocationAnswer[]): RevocationAnswer | undefined {
  let worst: RevocationAnswer | undefined;
  for (const a of answers) {
    if (
      !worst ||
      REVOCATION_SEVERITY[a.status] > REVOCATION_SEVERITY[worst.status] ||
      (a.status === worst.status && earlier(a.revokedAt, worst.revokedAt))
    )
      worst = a;
  }
  return worst;
}

/** The combination rule above, over the answers of all sources (in source order). */
export function combineRevocationAnswers(answers: readonly RevocationAnswer[]): RevocationAnswer {
  const sources = answers.map((a) => a.source).join('; ') || 'no-revocation-data';
  const authoritative = answers.filter((a) => a.authoritative);
  const counted = (
    authoritative.length
      ? [...authoritative, ...answers.filter((a) => !a.authoritative && a.status === 'revoked')]
      : answers
  ).filter((a) => a.status !== 'no-source');
  const worst = worstRevocationAnswer(counted) ??
    answers.find((a) => a.status === 'no-source' && a.code === 'NO_REVOCATION_SOURCE') ?? {
      status: 'unknown',
      source: sources,
    };
  return {
    ...worst,
    source: sources,
    ...(authoritative.length ? { authoritative: true } : {}),
  };
}

/** The sources of each combined view, so that combining a combination flattens it. */
const partsOf = new WeakMap<RevocationView, readonly RevocationView[]>();

/**
 * One view over several sources (undefined entries are left out): each is asked, a source that throws
 * answers 'unknown' / TRY_LATER, and the answers combine by the rule above. A combined view given as a
 * source is flattened (a CMS signature inside a PDF adds its own CRLs to the document's), so the rule sees
 * every answer once. Undefined when there is no source at all (the revocation check then says "not checked").
 */
export function combineRevocationSources(
  sources: readonly (RevocationView | undefined)[],
): RevocationView | undefined {
  const views = sources
    .filter((s): s is RevocationView => s !== undefined)
    .flatMap((s) => partsOf.get(s) ?? [s]);
  if (views.length === 0) return undefined;
  const combined: RevocationView = {
    async statusAt(cert, issuer, at, times) {
      const answers = await Promise.all(
        views.map((v) =>
          v.statusAt(cert, issuer, at, times).catch((err: unknown): RevocationAnswer => ({
            status: 'unknown',
            code: 'TRY_LATER',
            source: `error: ${(err as Error)?.message ?? String(err)}`,
          })),
        ),
      );
      return combineRevocationAnswers(answers);
    },
  };
  partsOf.set(combined, views);
  return combined;
}
