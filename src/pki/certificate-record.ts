/** A certificate's revocation status as the CA publishes it (CRL, OCSP): `hold` is certificateHold. */
export type CertificateStatus = 'good' | 'hold' | 'revoked';

/** A certificate this CA issued, with its current status. */
export interface CertificateRecord {
  serial: string; // upper-case hex
  caId: string;
  agencyId: string | null;
  profile: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  status: CertificateStatus;
  revokedAt: Date | null;
  revocationReason: string | null;
  invalidityDate: Date | null;
  publicKey: Buffer;
  der: Buffer;
  createdAt: Date;
}
