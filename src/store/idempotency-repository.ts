import type { Executor } from './database.js';
import { toJson, toNumber } from './row-types.js';

export interface IdempotentResponse {
  requestSm3: string;
  statusCode: number;
  response: unknown;
}

export async function findIdempotentResponse(
  db: Executor,
  scope: string,
  key: string,
): Promise<IdempotentResponse | undefined> {
  const row = (await db('idempotency_keys').where({ scope, key }).first()) as
    { request_sm3: string; status_code: unknown; response: unknown } | undefined;
  return row
    ? { requestSm3: row.request_sm3, statusCode: toNumber(row.status_code), response: toJson(row.response) }
    : undefined;
}

/** Records the response in the same transaction as the change; a concurrent duplicate hits the primary key. */
export async function insertIdempotentResponse(
  db: Executor,
  scope: string,
  key: string,
  r: IdempotentResponse,
  at: Date,
): Promise<void> {
  await db('idempotency_keys').insert({
    scope,
    key,
    request_sm3: r.requestSm3,
    status_code: r.statusCode,
    response: JSON.stringify(r.response),
    created_at: at,
  });
}
