import type { Role } from './role.js';

/**
 * An API token as the service knows it: its secret is never kept (only its SM3 hash, in the store). Issuers
 * are bound to one agency, sync peers to one province node; other roles to neither.
 */
export interface ApiToken {
  id: string;
  role: Role;
  agencyId: string | null;
  province: string | null;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}
