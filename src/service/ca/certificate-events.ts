import { EventEmitter } from 'node:events';

/** Told after a certificate's status change has committed, so caches (OCSP) can drop stale answers. */
export interface CertificateStatusChanged {
  caId: string;
  serial: string;
}

export class CertificateEvents extends EventEmitter<{ 'status-changed': [CertificateStatusChanged] }> {}
