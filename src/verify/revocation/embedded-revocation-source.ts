import { crlAnswer, parseCrls } from './crl-revocation.js';
import type { RevocationView } from './revocation-source.js';

/**
 * Revocation from CRLs that travel with the signature (CMS SignedData crls, PDF /DSS /CRLs). Never the
 * issuer's live record: whoever made the document chose what to carry (the last CRL before a revocation is
 * public), so an unlisted serial is good only under the freshness rule, and for this node's own CAs the
 * combination lets this source only add a proof of revocation (combine-revocation-sources.ts).
 */
export function embeddedRevocationSource(crls: readonly Uint8Array[]): RevocationView {
  const parsed = parseCrls(crls);
  return {
    async statusAt(cert, issuer, at, times) {
      return crlAnswer(parsed, cert, issuer, at, times, { source: 'crl:embedded' });
    },
  };
}
