import type { Role } from '../../access/role.js';

/** Who is acting: an API token's holder, the anonymous public, or the service itself. */
export type Principal =
  | { kind: 'token'; tokenId: string; role: Role; agencyId: string | null; province: string | null }
  | { kind: 'anonymous' }
  | { kind: 'system' };

/** Everything a state change needs to attribute itself in the audit trail. */
export interface ActionContext {
  principal: Principal;
  requestId: string | null;
}

export function actorOf(p: Principal): { actorTokenId: string | null; actorRole: string } {
  switch (p.kind) {
    case 'token':
      return { actorTokenId: p.tokenId, actorRole: p.role };
    case 'anonymous':
      return { actorTokenId: null, actorRole: 'anonymous' };
    case 'system':
      return { actorTokenId: null, actorRole: 'system' };
  }
}

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return p.kind === 'system' || (p.kind === 'token' && roles.includes(p.role));
}
