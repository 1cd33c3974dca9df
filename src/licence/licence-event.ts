import type { LicenceStatus } from './licence-lifecycle.js';

/** One step in a licence's history (issue, suspend, revoke, renew…), with who took it. */
export interface LicenceEvent {
  seq: number;
  identifier: string;
  operation: string;
  fromStatus: LicenceStatus | null;
  toStatus: LicenceStatus;
  reason: string | null;
  relatedIdentifier: string | null;
  actorRole: string;
  actorTokenId: string | null;
  at: Date;
}
