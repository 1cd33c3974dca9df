import type { CertificateStatus } from './certificate-record.js';

/** One change of a certificate's status (revoke, hold, release), in the order they happened. */
export interface CertificateStatusEvent {
  at: Date;
  status: CertificateStatus;
  reason: string | null;
}
