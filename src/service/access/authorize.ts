import type { Role } from '../../access/role.js';
import type { Principal } from './principal.js';
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
  /**
   * Read another agency's licence with the five usage elements, recorded as a use (用证): an agency's issuer
   * token, another node's sync-peer token, or the hub relaying a sharing query (README "Roles").
   */
  | 'licence.use'
  /** Search the directory by holder code (keyed index), within the caller's own agency. */
  | 'licence.search-by-holder'
  /** List the uses of an agency's licences. */
  | 'licence.list-uses'
  /** Read a background job (batch issuance) and its results. */
  | 'job.read'
  /** Read an agency's record. */
  | 'agency.read'
  /** Read a seal's record. */
  | 'seal.read'
  /** List an agency's seal-signer keys. */
  | 'signer-key.list'
  /** List agencies (confined by `listScope`). */
  | 'agency.list'
  /** List seals (confined by `listScope`). */
  | 'seal.list'
  /** List certificates (confined by `listScope`). */
  | 'certificate.list'
  /** Issue a certificate from a profile (CSR, server-generated key, or the signer-key vault). */
  | 'certificate.issue'
  /** Report a seal lost (挂失), suspending it. */
  | 'seal.suspend'
  /** Resume or revoke (注销) a seal. */
  | 'seal.resume'
  | 'seal.revoke'
  /** Stamp a document with the caller's agency's seal and vault key (POST /v1/documents/seal). */
  | 'document.stamp'
  /** Read the hub witness's state per origin (GET /v1/witness/state). */
  | 'witness.read-state'
  /** Read the holder-data side channel of this node's log (federation.md §3.4): the national hub only. */
  | 'federation.index-records'
  /** List the nodes the hub mirrors and their replication state. */
  | 'federation.nodes.read'
  /** Start a node's replication now, or release a quarantined node after investigation. */
  | 'federation.nodes.operate'
  /** Read a national directory record with its inclusion proofs (no holder data in it). */
  | 'federation.records.read'
  /** Edit the draft of the next national trust list and publish it (the hub's admins, federation.md §3.3). */
  | 'trust-list.manage'
  /** Read federation alerts and their evidence bundles. */
  | 'federation.alerts.read'
  /** Read the hub's national licence-type catalogue (federation.md §3.6). */
  | 'share.catalogue'
  /** Search, read, fetch or copy licences through the hub, with useFor and the five elements (§3.6). */
  | 'share.use';

/** Who acts: a token's role, the service itself, or the anonymous public. */
type Subject = Role | 'system' | 'anonymous';

/**
 * - `any`: whatever the resource;
 * - `bound`: the token is bound to an agency (the resource is then that agency's);
 * - `own`: the token is bound to the agency that owns the resource;
 * - `province`: the token is bound to the province node of the agency that owns the resource.
 */
type Scope = 'any' | 'bound' | 'own' | 'province';

interface Denial {
  code: string;
  message: string;
}

interface Rule {
  allow: Partial<Record<Subject, Scope>>;
  /** A subject the action is not for at all. */
  denied: Denial;
  /** A subject the action is for, on a resource outside its scope (default: `denied`). */
  outOfScope?: Denial;
  /** Subjects refused with their own reason rather than the action's. */
  refuse?: Partial<Record<Subject, Denial>>;
}

const SEAL_ROLE: Denial = {
  code: 'role-not-allowed',
  message: '该角色不能执行此操作 / this role may not do this',
};
const SEAL_OTHER_AGENCY: Denial = {
  code: 'other-agency',
  message: "无权操作其他机构的印章 / this token may not act on another agency's seal",
};

const RULES: Record<Action, Rule> = {
  'witness.read-state': {
    allow: { system: 'any', admin: 'any' },
    denied: {
      code: 'role-not-allowed',
      message: '仅管理员可查看见证状态 / only admins may read the witness state',
    },
  },
  'federation.index-records': {
    allow: { system: 'any', hub: 'any' },
    denied: {
      code: 'hub-only',
      message: '仅国家枢纽可读取持证主体旁路记录 / only the national hub reads the holder side channel',
    },
  },
  'federation.nodes.read': {
    allow: { system: 'any', admin: 'any', 'sync-peer': 'any' },
    denied: {
      code: 'role-not-allowed',
      message: '无权查看联邦节点 / this token may not list federation nodes',
    },
  },
  'trust-list.manage': {
    allow: { system: 'any', admin: 'any' },
    denied: {
      code: 'role-not-allowed',
      message: '仅枢纽管理员可编辑和发布信任列表 / only the hub admins edit and publish the trust list',
    },
  },
  'federation.records.read': {
    allow: { system: 'any', admin: 'any' },
    denied: {
      code: 'role-not-allowed',
      message: '无权查看全国目录记录 / this token may not read national directory records',
    },
  },
  'federation.nodes.operate': {
    allow: { system: 'any', admin: 'any' },
    denied: {
      code: 'role-not-allowed',
      message: '仅管理员可操作联邦节点 / only admins operate federation nodes',
    },
  },
  'federation.alerts.read': {
    allow: { system: 'any', admin: 'any' },
    denied: {
      code: 'role-not-allowed',
      message: '仅管理员可查看联邦告警 / only admins read federation alerts',
    },
  },
  'document.stamp': {
    allow: { system: 'any', issuer: 'bound' },
    denied: {
      code: 'role-not-allowed',
      message: '仅机构的签发者令牌可以盖章 / only an agency issuer token may stamp documents',
    },
  },
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
    // sync-peer: bound to its node, states all five elements (organization included) and is recorded with
    // user_node; hub: relays a sharing query for a node, recorded with user_node 00 and requested_by.
    allow: { issuer: 'bound', 'sync-peer': 'any', hub: 'any' },
    denied: {
      code: 'licence-use-not-allowed',
      message:
        '仅政务机构、联邦节点或国家枢纽可用证 / only agency (issuer), sync-peer or hub tokens may use licences',
    },
  },
  'share.catalogue': {
    allow: { system: 'any', admin: 'any', 'sync-peer': 'any' },
    denied: {
      code: 'share-not-allowed',
      message: '无权查看全国证照目录 / this token may not read the national catalogue',
    },
  },
  'share.use': {
    allow: { system: 'any', 'sync-peer': 'any' },
    denied: {
      code: 'share-not-allowed',
      message:
        '仅联邦节点（sync-peer 令牌）可经枢纽共享用证 / only node (sync-peer) tokens use licences through the hub',
    },
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
  'agency.read': {
    allow: {
      system: 'any',
      admin: 'any',
      'ca-operator': 'any',
      'seal-maker': 'any',
      issuer: 'own',
      'sync-peer': 'province',
    },
    denied: { code: 'other-agency', message: '无权访问其他机构 / this token may not read another agency' },
  },
  'seal.read': {
    allow: {
      system: 'any',
      admin: 'any',
      'ca-operator': 'any',
      'seal-maker': 'any',
      issuer: 'own',
      'sync-peer': 'province',
    },
    denied: {
      code: 'other-agency',
      message: "无权查看其他机构的印章 / this token may not read another agency's seal",
    },
  },
  'signer-key.list': {
    allow: { system: 'any', admin: 'any', 'ca-operator': 'any', issuer: 'own' },
    denied: {
      code: 'other-agency',
      message: "无权查看其他机构的签名密钥 / this token may not list another agency's signer keys",
    },
  },
  'agency.list': {
    allow: {
      system: 'any',
      admin: 'any',
      'ca-operator': 'any',
      'seal-maker': 'any',
      issuer: 'own',
      'sync-peer': 'province',
    },
    denied: { code: 'role-not-allowed', message: '无权列出机构 / this token may not list agencies' },
  },
  'seal.list': {
    allow: {
      system: 'any',
      admin: 'any',
      'ca-operator': 'any',
      'seal-maker': 'any',
      issuer: 'own',
    },
    denied: { code: 'role-not-allowed', message: '无权列出印章 / this token may not list seals' },
    outOfScope: {
      code: 'other-agency',
      message: "无权查看其他机构的印章 / this token may not list another agency's seals",
    },
  },
  'certificate.list': {
    allow: {
      system: 'any',
      admin: 'any',
      'ca-operator': 'any',
      'seal-maker': 'any',
      issuer: 'own',
    },
    denied: { code: 'role-not-allowed', message: '无权列出证书 / this token may not list certificates' },
    outOfScope: {
      code: 'other-agency',
      message: "无权查看其他机构的证书 / this token may not list another agency's certificates",
    },
  },
  'certificate.issue': {
    allow: { system: 'any', admin: 'any', 'ca-operator': 'any' },
    denied: {
      code: 'role-not-allowed',
      message: '仅 CA 操作员或管理员可签发证书 / only CA operators and admins issue certificates',
    },
  },
  'seal.suspend': {
    allow: { system: 'any', admin: 'any', 'seal-maker': 'any', issuer: 'own' },
    denied: SEAL_ROLE,
    outOfScope: SEAL_OTHER_AGENCY,
  },
  'seal.resume': {
    allow: { system: 'any', admin: 'any', 'seal-maker': 'any' },
    denied: SEAL_ROLE,
  },
  'seal.revoke': {
    allow: { system: 'any', admin: 'any', 'seal-maker': 'any' },
    denied: SEAL_ROLE,
  },
};

/**
 * What an action is done to: the agency that owns it (absent for actions on the caller's own agency) and,
 * for rules by province, that agency's province.
 */
export interface Resource {
  agencyId?: string | null | undefined;
  province?: string | null | undefined;
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
  if (scope === undefined) return { allowed: false, ...rule.denied };
  const agencyId = principal.kind === 'token' ? principal.agencyId : null;
  const province = principal.kind === 'token' ? principal.province : null;
  const ok =
    scope === 'any' ||
    (scope === 'bound' && agencyId !== null) ||
    (scope === 'own' && agencyId !== null && agencyId === resource.agencyId) ||
    (scope === 'province' && province !== null && province === resource.province);
  return ok ? { allowed: true } : { allowed: false, ...(rule.outOfScope ?? rule.denied) };
}

/** Whether the action is for this principal at all (on some resource), before the resource is known. */
export function mayEverDo(principal: Principal, action: Action): boolean {
  const rule = RULES[action];
  const subject = subjectOf(principal);
  return !rule.refuse?.[subject] && rule.allow[subject] !== undefined;
}

/** What a listing is confined to: all (or the agency asked for), one agency, or one province's agencies. */
export type ListScope = { agencyId?: string | undefined } | { province: string };

/**
 * The confinement of a listing for `principal`: a subject allowed any agency lists what it asked for; one
 * allowed its own lists its own (naming another is refused); one allowed its province lists that province.
 * @throws ServiceError 403: the action is not for this subject, or `requested` is outside its scope.
 */
export function listScope(
  principal: Principal,
  action: Action,
  requested: string | undefined,
  field = 'agencyId',
): ListScope {
  const rule = RULES[action];
  const subject = subjectOf(principal);
  const scope = rule.refuse?.[subject] ? undefined : rule.allow[subject];
  const own = principal.kind === 'token' ? principal.agencyId : null;
  const province = principal.kind === 'token' ? principal.province : null;
  if (scope === 'any') return { agencyId: requested };
  if (scope === 'own' || scope === 'bound') {
    if (own === null) throw new ServiceError('forbidden', rule.denied.code, rule.denied.message);
    if (requested !== undefined && requested !== own) {
      const d = rule.outOfScope ?? rule.denied;
      throw new ServiceError('forbidden', d.code, d.message, field);
    }
    return { agencyId: own };
  }
  if (scope === 'province' && province !== null && requested === undefined) return { province };
  const d = scope === undefined ? (rule.refuse?.[subject] ?? rule.denied) : (rule.outOfScope ?? rule.denied);
  throw new ServiceError('forbidden', d.code, d.message, scope === undefined ? undefined : field);
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
