import type { CertificateInfo } from '../pki/certificate.js';
import { parseCrl, verifyCrlSignature, type ParsedCrl } from '../pki/crl.js';
import type { RevocationAnswer, RevocationView } from './ses-validation.js';

/**
 * Revocation from CRLs that travel with the signature (CMS SignedData crls, PDF /DSS /CRLs): used offline, or
 * before the node's own view for CAs the node does not run. A CRL counts only when its issuer name is the
 * certificate's issuer and its SM2 signature verifies with the issuer's key; a listed serial is revoked, an
 * unlisted one is good while the CRL is current. Otherwise the fallback view (the node's) answers, else
 * 'unknown'. Unparseable CRLs are ignored.
 */
export function embeddedCrlView(crls: readonly Uint8Array[], fallback?: RevocationView): RevocationView {
  const parsed: ParsedCrl[] = [];
  for (const der of crls) {
    try {
      parsed.push(parseCrl(der));
    } catch {
      // not a CRL we can read: no evidence either way
    }
  }
  return {
    async statusAt(cert: CertificateInfo, issuer: CertificateInfo, at: Date): Promise<RevocationAnswer> {
      for (const crl of parsed) {
        if (!crl.issuerDer.equals(cert.issuerDer) || !verifyCrlSignature(crl, issuer.publicKey)) continue;
        const entry = crl.entries.get(cert.serialHex);
        if (entry)
          return {
            status: 'revoked',
            revokedAt: entry.revokedAt,
            reason: entry.reason,
            source: 'crl:embedded',
          };
        // Not listed: good while the CRL is current at the time asked about (a stale CRL proves nothing now).
        if (crl.thisUpdate <= at && (crl.nextUpdate === null || crl.nextUpdate >= at))
          return { status: 'good', source: 'crl:embedded' };
      }
      if (fallback) return fallback.statusAt(cert, issuer, at);
      return { status: 'unknown', source: 'no-revocation-data' };
    },
  };
}
