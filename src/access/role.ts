/** What an API token may do is decided by its role (one per token). */
export const ROLES = ['admin', 'ca-operator', 'seal-maker', 'issuer', 'sync-peer'] as const;

export type Role = (typeof ROLES)[number];
