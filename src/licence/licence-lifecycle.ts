// Licence statuses and the operations that move between them: the status of a licence directory record
// (证照目录信息, GB/T 36902) with the code lists of the national integrated online government service platform
// (statuses 01 有效 … 07 吊销, 99 其他; operations 01 issue … 10 cancel a transfer-out). Pure: the directory
// service applies a transition together with its event and audit record.

/** Directory statuses with their national-platform codes (01 有效 … 07 吊销, 99 其他). */
export const LICENCE_STATUSES = {
  valid: { code: '01', zh: '有效' },
  suspended: { code: '02', zh: '暂扣' },
  annulled: { code: '03', zh: '撤销' },
  cancelled: { code: '04', zh: '注销' },
  expired: { code: '05', zh: '失效（有效期届满）' },
  lapsed: { code: '05', zh: '失效（已被换发）' },
  'transferred-out': { code: '06', zh: '办理转出' },
  revoked: { code: '07', zh: '吊销' },
  superseded: { code: '99', zh: '已被新版本替代' },
} as const;
export type LicenceStatus = keyof typeof LICENCE_STATUSES;

/** The Chinese name of a status; an unknown status (e.g. from another node) is shown as it is. */
export function licenceStatusZh(status: string): string {
  return (LICENCE_STATUSES as Record<string, { zh: string } | undefined>)[status]?.zh ?? status;
}

/** Operations with their national-platform operation codes. */
export const LICENCE_OPERATIONS = {
  issue: { code: '01', zh: '颁发' },
  renew: { code: '02', zh: '延续（新版本）' },
  suspend: { code: '03', zh: '暂扣' },
  expire: { code: '04', zh: '失效' },
  annul: { code: '05', zh: '撤销' },
  cancel: { code: '05', zh: '注销' },
  revoke: { code: '05', zh: '吊销' },
  'transfer-out': { code: '05', zh: '办理转出' },
  resume: { code: '06', zh: '恢复（暂扣期满发还）' },
  replace: { code: '09', zh: '换发（新证照）' },
  'cancel-transfer-out': { code: '10', zh: '撤回转出' },
} as const;
export type LicenceOperation = keyof typeof LICENCE_OPERATIONS;
/** Operations a caller may request through the events API (issue has its own endpoint). */
export type LicenceEventOperation = Exclude<LicenceOperation, 'issue'>;
export const LICENCE_EVENT_OPERATIONS = Object.keys(LICENCE_OPERATIONS).filter(
  (o) => o !== 'issue',
) as LicenceEventOperation[];

interface Transition {
  from: readonly LicenceStatus[];
  /** The status of the licence the operation is applied to, afterwards. */
  to: LicenceStatus;
  /** Whether the operation produces a new file: a new version (renew) or a new licence (replace). */
  produces?: 'version' | 'licence';
}

const TRANSITIONS: Readonly<Record<LicenceEventOperation, Transition>> = {
  suspend: { from: ['valid'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'valid' },
  annul: { from: ['valid', 'suspended'], to: 'annulled' },
  cancel: { from: ['valid', 'suspended', 'expired'], to: 'cancelled' },
  revoke: { from: ['valid', 'suspended'], to: 'revoked' },
  'transfer-out': { from: ['valid'], to: 'transferred-out' },
  'cancel-transfer-out': { from: ['transferred-out'], to: 'valid' },
  expire: { from: ['valid', 'suspended'], to: 'expired' },
  // Renewal (annual check, same number): the old file is superseded by version + 1.
  renew: { from: ['valid', 'expired'], to: 'superseded', produces: 'version' },
  // Replacement by a new licence (new number/identifier); the predecessor lapses.
  replace: { from: ['valid', 'expired'], to: 'lapsed', produces: 'licence' },
};

export type TransitionResult =
  | { ok: true; to: LicenceStatus; produces?: 'version' | 'licence' | undefined }
  | { ok: false; allowedFrom: readonly LicenceStatus[] };

export function transition(current: LicenceStatus, op: LicenceEventOperation): TransitionResult {
  const t = TRANSITIONS[op];
  if (!t.from.includes(current)) return { ok: false, allowedFrom: t.from };
  return { ok: true, to: t.to, produces: t.produces };
}

/** Whether the operation makes a new file (renew: a version; replace: a licence), whatever the status. */
export function producesFile(op: LicenceEventOperation): boolean {
  return TRANSITIONS[op].produces !== undefined;
}

/** Operations allowed from a status (for API hints). */
export function allowedOperations(current: LicenceStatus): LicenceEventOperation[] {
  return LICENCE_EVENT_OPERATIONS.filter((op) => TRANSITIONS[op].from.includes(current));
}

/** A status is final when no operation leaves it. */
export function isFinalStatus(status: LicenceStatus): boolean {
  return allowedOperations(status).length === 0;
}
