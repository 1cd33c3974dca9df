import type { Executor } from './database.js';
import { toBuffer, toDate, toDateOrNull, toJson, toNumber } from './row-types.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'completed-with-errors' | 'failed';

export interface JobLineError {
  line: number;
  type: string;
  detail: string;
  field?: string | undefined;
}

export interface JobRecord {
  id: string;
  kind: string;
  agencyId: string | null;
  tokenId: string | null;
  status: JobStatus;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  errors: JobLineError[];
  results: { line: number; identifier: string }[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

type Row = Record<string, unknown>;

function fromRow(r: Row): JobRecord {
  return {
    id: r.id as string,
    kind: r.kind as string,
    agencyId: (r.agency_id as string | null) ?? null,
    tokenId: (r.token_id as string | null) ?? null,
    status: r.status as JobStatus,
    total: toNumber(r.total),
    processed: toNumber(r.processed),
    succeeded: toNumber(r.succeeded),
    failed: toNumber(r.failed),
    errors: toJson(r.errors),
    results: toJson(r.results),
    createdAt: toDate(r.created_at),
    startedAt: toDateOrNull(r.started_at),
    finishedAt: toDateOrNull(r.finished_at),
  };
}

const COLUMNS = [
  'id',
  'kind',
  'agency_id',
  'token_id',
  'status',
  'total',
  'processed',
  'succeeded',
  'failed',
  'errors',
  'results',
  'created_at',
  'started_at',
  'finished_at',
];

export async function insertJob(db: Executor, job: JobRecord, input: Buffer): Promise<void> {
  await db('jobs').insert({
    id: job.id,
    kind: job.kind,
    agency_id: job.agencyId,
    token_id: job.tokenId,
    status: job.status,
    total: job.total,
    processed: job.processed,
    succeeded: job.succeeded,
    failed: job.failed,
    errors: JSON.stringify(job.errors),
    results: JSON.stringify(job.results),
    input,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  });
}

export async function findJob(db: Executor, id: string): Promise<JobRecord | undefined> {
  const row = (await db('jobs').select(COLUMNS).where({ id }).first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

export async function findJobInput(db: Executor, id: string): Promise<Buffer | null> {
  const row = (await db('jobs').select('input').where({ id }).first()) as Row | undefined;
  return row?.input ? toBuffer(row.input) : null;
}

/** Jobs left queued or running by a previous process (resumed at start). */
export async function listUnfinishedJobs(db: Executor): Promise<JobRecord[]> {
  const rows = (await db('jobs')
    .select(COLUMNS)
    .whereIn('status', ['queued', 'running'])
    .orderBy('created_at')) as Row[];
  return rows.map(fromRow);
}

export async function updateJobProgress(
  db: Executor,
  id: string,
  p: Pick<JobRecord, 'status' | 'processed' | 'succeeded' | 'failed' | 'errors' | 'results'> & {
    startedAt?: Date | null;
    finishedAt?: Date | null;
  },
): Promise<void> {
  const done = p.status !== 'queued' && p.status !== 'running';
  await db('jobs')
    .where({ id })
    .update({
      status: p.status,
      processed: p.processed,
      succeeded: p.succeeded,
      failed: p.failed,
      errors: JSON.stringify(p.errors),
      results: JSON.stringify(p.results),
      ...(p.startedAt !== undefined ? { started_at: p.startedAt } : {}),
      ...(p.finishedAt !== undefined ? { finished_at: p.finishedAt } : {}),
      // The input holds holder codes: drop it once the job is done.
      ...(done ? { input: null } : {}),
    });
}
