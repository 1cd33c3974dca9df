import { licenceStatusZh, type LicenceEventOperation } from '../../licence/licence-lifecycle.js';
import type { LicenceSummary } from '../../licence/licence-record.js';
import { ServiceError } from '../service-error.js';

/** 404 `licence-not-found`: no licence has that identifier. */
export function licenceNotFound(): ServiceError {
  return new ServiceError('not-found', 'licence-not-found', '证照不存在 / no such licence', 'identifier');
}

/** 409 `invalid-transition`: the lifecycle (GB/T 36903 status rules) does not allow `op` from the current status. */
export function invalidTransition(
  current: Pick<LicenceSummary, 'status'>,
  op: LicenceEventOperation,
): ServiceError {
  return new ServiceError(
    'conflict',
    'invalid-transition',
    `证照当前状态为「${licenceStatusZh(current.status)}」(${current.status})，不能执行 ${op} / the licence is ${current.status}: ${op} is not allowed`,
    'operation',
    { currentStatus: current.status, operation: op },
  );
}
