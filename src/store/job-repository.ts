import type { JobRecord, JobStatus } from '../licence/licence-batch-job.js';
import type { Executor } from './database.js';
import { toBuffer, toDate, toDateOrNull, toJson, toNumber } from './row-types.js';

const UNFINISHED: JobStatus[] = ['queued', 'running'];

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

/** `input` is the NDJSON sealed by the data protector (see `findJobInput`). */
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
    input_encrypted: true,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  });
}

export async function findJob(db: Executor, id: string): Promise<JobRecord | undefined> {
  const row = (await db('jobs').select(COLUMNS).where({ id }).first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

/** The stored input: sealed (`encrypted`) unless written before migration 009. */
export async function findJobInput(
  db: Executor,
  id: string,
): Promise<{ input: Buffer; encrypted: boolean } | null> {
  const row = (await db('jobs').select('input', 'input_encrypted').where({ id }).first()) as Row | undefined;
  return row?.input ? { input: toBuffer(row.input), encrypted: row.input_encrypted === true } : null;
}

/** Jobs left queued or running by a previous process (resumed at start). */
export async function listUnfinishedJobs(db: Executor): Promise<JobRecord[]> {
  const rows = (await db('jobs')
    .select(COLUMNS)
    .whereIn('status', UNFINISHED)
    .orderBy('created_at')) as Row[];
  return rows.map(fromRow);
}

/**
 * Writes a job's progress, only while it is unfinished (and, for `cancelled`, also over the bare cancellation
 * that revoking its token wrote, so the counters it reached are kept). Returns false when the row was not
 * written: the job was finished or cancelled meanwhile.
 */
export async function updateJobProgress(
  db: Executor,
  id: string,
  p: Pick<JobRecord, 'status' | 'processed' | 'succeeded' | 'failed' | 'errors' | 'results'> & {
    startedAt?: Date | null;
    finishedAt?: Date | null;
  },
): Promise<boolean> {
  const done = !UNFINISHED.includes(p.status);
  const updated = await db('jobs')
    .where({ id })
    .whereIn('status', p.status === 'cancelled' ? [...UNFINISHED, 'cancelled'] : UNFINISHED)
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
  return updated > 0;
}

/** Cancels the unfinished jobs a token submitted (its revocation); their input is dropped. */
export async function cancelJobsOfToken(db: Executor, tokenId: string, at: Date): Promise<string[]> {
  const rows = (await db('jobs')
    .where({ token_id: tokenId })
    .whereIn('status', UNFINISHED)
    .update({ status: 'cancelled', finished_at: at, input: null })
    .returning('id')) as { id: string }[];
  return rows.map((r) => r.id);
}
