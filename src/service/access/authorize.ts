import type { Principal, Role } from '../principal.js';
import { ServiceError } from '../service-error.js';

// One place for the licence directory's access rules: which principal may do which action on which resource.
// Each action names, per role, the scope it is allowed in; anything not in the table is refused with the
// action's own problem type. Route guards (`auth:` on a route) still decide who may call an endpoint at all;
// this table decides what a caller who got through may do with a given agency's data.

export type Action =
  /** Issue a licence (or a batch of them) for the agency the token is bound to. */
  | 'licence.issue'
  /** A lifecycle event (suspend, revoke, expire…) on a licence. */
  | 'licence.change'
  /** Renew or replace: makes a new file, signed with the issuing agency's own seal. */
  | 'licence.reissue'
  /** Read a licence's record, file or personal columns without a usage record (its issuer, admins). */
  | 'licence.read-as-owner'
  /** Read another agency's licence with the five usage elements, recorded as a use (用证). */
  | 'licence.use'
  /** Search the directory by holder code (keyed index), within the caller's own agency. */
  | 'licence.search-by-holder'
  /** List the uses of an agency's licences. */
  | 'licence.list-uses'
  /** Read a background job (batch issuance) and its results. */
  | 'job.read';

/** Who acts: a token's role, the service itself, or the anonymous public. */
type Subject = Role | 'system' | 'anonymous';

/**
 * - `any`: whatever the resource;
 * - `bound`: the token is bound to an agency (the resource is then that agency's);
 * - `own`: the token is bound to the agency that owns the resource.
 */
type Scope = 'any' | 'bound' | 'own';

interface Denial {
  code: string;
  message: string;
}

interface Rule {
  allow: Partial<Record<Subject, Scope>>;
  denied: Denial;
  /** Subjects refused with their own reason rather than the action's. */
  refuse?: Partial<Record<Subject, Denial>>;
}

const SYNC_PEER_NOT_YET: Denial = {
  code: 'sync-peer-not-yet-supported',
  message:
    '同步节点令牌尚不能读取证照：跨省用证规则待联邦对接定义 / sync-peer tokens cannot read licences yet: province-bound use awaits the federation rules',
};

const RULES: Record<Action, Rule> = {
  'licence.issue': {
    allow: { issuer: 'bound' },
    denied: {
      code: 'issuer-required',
      message:
        '仅发证机构（issuer 角色并绑定机构）可颁发证照 / only an issuer token bound to an agency may issue licences',
    },
  },
  'licence.change': {
    allow: { system: 'any', admin: 'any', issuer: 'own' },
    denied: {
      code: 'licence-of-another-agency',
      message: '只能变更本机构颁发的证照 / only the issuing agency may change this licence',
    },
  },
  'licence.reissue': {
    allow: { issuer: 'own' },
    denied: {
      code: 'issuer-required',
      message:
        '换发、延续须由发证机构办理（需其印章）/ renew and replace are done by the issuing agency (its seal signs)',
    },
  },
  'licence.read-as-owner': {
    allow: { system: 'any', admin: 'any', issuer: 'own' },
    denied: {
      code: 'licence-of-another-agency',
      message: '该证照由其他机构颁发 / the licence was issued by another agency',
    },
  },
  'licence.use': {
    allow: { issuer: 'bound' },
    denied: {
      code: 'licence-use-not-allowed',
      message:
        '仅政务机构（issuer 令牌并绑定机构）可用证 / only agency (issuer) tokens bound to an agency may use licences',
    },
    refuse: { 'sync-peer': SYNC_PEER_NOT_YET },
  },
  'licence.search-by-holder': {
    allow: { issuer: 'bound' },
    denied: {
      code: 'holder-search-issuer-only',
      message:
        '仅发证机构可按持证主体代码查询本机构证照 / only an issuing agency may search its licences by holder code',
    },
  },
  'licence.list-uses': {
    allow: { system: 'any', admin: 'any', issuer: 'own' },
    denied: { code: 'forbidden', message: '仅发证机构可查询用证记录 / issuers only' },
  },
  'job.read': {
    allow: { system: 'any', admin: 'any', issuer: 'own' },
    denied: { code: 'job-not-found', message: '任务不存在 / no such job' },
  },
};

/** What an action is done to: the agency that owns it (absent for actions on the caller's own agency). */
export interface Resource {
  agencyId?: string | null | undefined;
}

export type Decision = { allowed: true } | { allowed: false; code: string; message: string };

function subjectOf(p: Principal): Subject {
  return p.kind === 'token' ? p.role : p.kind;
}

/** Whether `principal` may do `action` on `resource`, and if not, the problem type and text to answer. */
export function authorize(principal: Principal, action: Action, resource: Resource = {}): Decision {
  const rule = RULES[action];
  const subject = subjectOf(principal);
  const refused = rule.refuse?.[subject];
  if (refused) return { allowed: false, ...refused };
  const scope = rule.allow[subject];
  const agencyId = principal.kind === 'token' ? principal.agencyId : null;
  const ok =
    scope === 'any' ||
    (scope === 'bound' && agencyId !== null) ||
    (scope === 'own' && agencyId !== null && agencyId === resource.agencyId);
  return ok ? { allowed: true } : { allowed: false, ...rule.denied };
}

export function isAllowed(principal: Principal, action: Action, resource: Resource = {}): boolean {
  return authorize(principal, action, resource).allowed;
}

/**
 * @throws ServiceError 403 with the action's problem type when `principal` may not do `action` on
 *   `resource` (`field` names the input that chose the resource, if any).
 */
export function ensureAllowed(
  principal: Principal,
  action: Action,
  resource: Resource = {},
  field?: string,
): void {
  const d = authorize(principal, action, resource);
  if (!d.allowed) throw new ServiceError('forbidden', d.code, d.message, field);
}

/** The agency a token acts for, once `ensureAllowed` has let a `bound` action through. */
export function boundAgencyOf(principal: Principal): string {
  if (principal.kind === 'token' && principal.agencyId) return principal.agencyId;
  throw new ServiceError('forbidden', 'agency-required', '令牌未绑定机构 / the token is bound to no agency');
}
