import type { CertificateInfo } from '../../pki/certificate.js';

// The one port every revocation source answers through (the node's CA database, data embedded in the document,
// CRLs and OCSP fetched over HTTP by the CLI). How several answers combine is decided once, by the combining
// source, never by the checks that consume the answer.

export interface RevocationAnswer {
  /** 'no-source': the view has no way to learn this certificate's status (e.g. it names no CRL): not checked. */
  status: 'good' | 'revoked' | 'hold' | 'unknown' | 'no-source';
  revokedAt?: Date;
  reason?: string;
  /** Where the answer comes from ('ca-database', 'ocsp:…', 'crl:…'), for the report. */
  source: string;
  /**
   * For 'unknown' only: why no usable answer exists, as the check's code (e.g. 'REVOCATION_OUT_OF_BOUNDS_NO_POE'
   * when revocation data exists but is not fresh relative to the signing time, 'TRY_LATER' when a source could
   * not be reached). Absent: 'REVOCATION_UNKNOWN'.
   */
  code?: string;
}

/** Revocation status of `cert` (issued by `issuer`) as of `at`. */
export interface RevocationView {
  statusAt(cert: CertificateInfo, issuer: CertificateInfo, at: Date): Promise<RevocationAnswer>;
}
