import type { SealStatus } from './seal-record.js';

/** One change of a seal's status, kept so a verifier can tell the status at the time of signing. */
export interface SealStatusEvent {
  at: Date;
  status: SealStatus;
  reason: string | null;
}
