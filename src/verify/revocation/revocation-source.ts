import type { CertificateInfo } from '../../pki/certificate.js';

// The one port every revocation source answers through (the node's CA database, data embedded in the document,
// CRLs and OCSP fetched over HTTP by the CLI). How several answers combine is decided once, by
// combineRevocationSources, never by the checks that consume the answer.

export interface RevocationAnswer {
  /** 'no-source': the view has no way to learn this certificate's status (e.g. it names no CRL): not checked. */
  status: 'good' | 'revoked' | 'hold' | 'unknown' | 'no-source';
  revokedAt?: Date;
  reason?: string;
  /** Where the answer comes from ('ca-database', 'ocsp:…', 'crl:…'), for the report. */
  source: string;
  /**
   * For 'unknown': why no usable answer exists, as the check's code (e.g. 'REVOCATION_OUT_OF_BOUNDS_NO_POE'
   * when revocation data exists but is not fresh relative to the signing time, 'TRY_LATER' when a source could
   * not be reached). Absent: 'REVOCATION_UNKNOWN'.
   * For 'no-source': 'NO_REVOCATION_SOURCE' when the certificate itself names no revocation source (no CRL
   * distribution point), so nobody can check it; absent, the source merely has nothing about this
   * certificate (data for other CAs, or not this node's CA) and is silent in the combination.
   */
  code?: string;
  /**
   * The answer is the issuer's own live record: this node's CA database for its own CAs, or the CRL the node
   * currently publishes for them (it publishes a new one after every revocation). Such an answer cannot be
   * overruled by data from elsewhere, only made worse by a proof of revocation. Absent: false.
   */
  authoritative?: boolean;
}

/**
 * The times a revocation answer must speak for, besides the validation time: what the signer claims and the
 * proof of existence (a trusted timestamp's genTime). Sources of non-authoritative data (CRLs carried in the
 * document, CRLs of foreign CAs) use them for the freshness rule (revocation-freshness.ts).
 */
export interface RevocationTimes {
  signingTime?: Date | null;
  poe?: Date | null;
}

/** Revocation status of `cert` (issued by `issuer`) as of `at` (the validation time). */
export interface RevocationView {
  statusAt(
    cert: CertificateInfo,
    issuer: CertificateInfo,
    at: Date,
    times?: RevocationTimes,
  ): Promise<RevocationAnswer>;
}
