import { crlAnswer, parseCrls } from './crl-revocation.js';
import { ocspAnswer, parseOcspResponses } from './ocsp-revocation.js';
import type { RevocationAnswer, RevocationView } from './revocation-source.js';

/**
 * Revocation from data that travels with the signature: CRLs (CMS SignedData crls, PDF /DSS /CRLs) and OCSP
 * responses (CMS crls as id-ri-ocsp-response, PDF /DSS /OCSPs). Never the issuer's live record: whoever made
 * the document chose what to carry (the last CRL before a revocation is public), so an unlisted serial is good
 * only under the freshness rule, and for this node's own CAs the combination lets this source only add a
 * proof of revocation (combine-revocation-sources.ts).
 */
export function embeddedRevocationSource(
  crls: readonly Uint8Array[],
  ocsps: readonly Uint8Array[] = [],
): RevocationView {
  const parsedCrls = parseCrls(crls);
  const parsedOcsps = parseOcspResponses(ocsps);
  return {
    async statusAt(cert, issuer, at, times) {
      const fromCrls = crlAnswer(parsedCrls, cert, issuer, at, times, { source: 'crl:embedded' });
      if (parsedOcsps.length === 0) return fromCrls;
      const fromOcsp = ocspAnswer(parsedOcsps, cert, issuer, at, times, { source: 'ocsp:embedded' });
      return documentEvidence(fromCrls, fromOcsp);
    },
  };
}

/**
 * The document's CRL and OCSP answers as one: a revocation or hold from either stands; otherwise data that
 * is fresh outweighs data that is not (a stale CRL next to a fresh OCSP response is simply older evidence of
 * the same thing, not a doubt about it).
 */
function documentEvidence(a: RevocationAnswer, b: RevocationAnswer): RevocationAnswer {
  const rank = { revoked: 4, hold: 3, good: 2, unknown: 1, 'no-source': 0 } as const;
  const [first, second] = rank[b.status] > rank[a.status] ? [b, a] : [a, b];
  return { ...first, source: `${first.source}; ${second.source}` };
}
