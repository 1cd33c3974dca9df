/** What an API token may do is decided by its role (one per token). */
// `hub`: the national hub at a province node (federation.md §4.3): the side channel of holder data (§3.4), not a
// sync-peer (which acts for a province at the hub).
export const ROLES = ['admin', 'ca-operator', 'seal-maker', 'issuer', 'sync-peer', 'hub'] as const;

export type Role = (typeof ROLES)[number];
