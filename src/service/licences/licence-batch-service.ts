import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { DataProtector } from '../../crypto/data-protection.js';
import type { Db } from '../../store/database.js';
import {
  findJob,
  findJobInput,
  insertJob,
  listUnfinishedJobs,
  updateJobProgress,
} from '../../store/job-repository.js';
import type { JobLineError, JobRecord } from '../../licence/licence-batch-job.js';
import { findToken } from '../../store/token-repository.js';
import { boundAgencyOf, ensureAllowed, isAllowed } from '../access/authorize.js';
import { withAudit } from '../audit/audit-service.js';
import type { IssueLicenceRequest, LicenceService } from './licence-service.js';
import type { ActionContext, Principal } from '../access/principal.js';
import { ServiceError } from '../service-error.js';

/** The job input's encryption context: a sealed input moved to another job does not open. */
const inputContext = (jobId: string) => `job:${jobId}:input`;

export const MAX_BATCH_LINES = 10_000;
/** Progress is written at most this often (lines), so a poll sees movement without a write per licence. */
const PROGRESS_EVERY = 25;

/**
 * Batch issuance from NDJSON: the job is recorded first, then processed in the background one licence at a
 * time, each one atomic (a licence is issued completely or not at all). Every line is issued under the
 * idempotency key `batch:<job>:<line>`, so a job resumed after a restart never issues a line twice.
 *
 * A job acts with its submitter's authority for as long as it runs: the token is looked up again before
 * every line and on resume, and a revoked token stops the job (`cancelled`, with the progress it reached).
 * The input holds holder codes and is stored sealed by the data protector, dropped when the job ends.
 */
export class LicenceBatchService {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly licences: LicenceService,
    /** Validates one line (the same schema as POST /v1/licences). */
    private readonly lineSchema: ZodType<IssueLicenceRequest>,
    private readonly protector: DataProtector,
    private readonly logger?: Logger,
  ) {}

  async submit(ctx: ActionContext, ndjson: Buffer): Promise<JobRecord> {
    const p = ctx.principal;
    ensureAllowed(p, 'licence.issue');
    if (p.kind !== 'token') throw new ServiceError('forbidden', 'issuer-required', 'issuers only');
    const agencyId = boundAgencyOf(p);
    const lines = splitLines(ndjson);
    if (lines.length === 0)
      throw new ServiceError('validation', 'empty-batch', '批量请求为空 / the batch has no lines', 'body');
    if (lines.length > MAX_BATCH_LINES)
      throw new ServiceError(
        'validation',
        'batch-too-large',
        `批量请求最多 ${MAX_BATCH_LINES} 行 / at most ${MAX_BATCH_LINES} lines per batch (got ${lines.length})`,
        'body',
      );
    const job: JobRecord = {
      id: randomUUID(),
      kind: 'licence-batch',
      agencyId,
      tokenId: p.tokenId,
      status: 'queued',
      total: lines.length,
      processed: 0,
      succeeded: 0,
      failed: 0,
      errors: [],
      results: [],
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    };
    await withAudit(this.db, ctx, 'licence.batch.submit', async (trx) => {
      await insertJob(trx, job, this.protector.encrypt(ndjson, inputContext(job.id)));
      return { result: undefined, target: { type: 'job', id: job.id }, details: { lines: job.total } };
    });
    this.launch(job, p);
    return job;
  }

  async get(principal: Principal, id: string): Promise<JobRecord> {
    const job = await findJob(this.db, id);
    if (!job || !isAllowed(principal, 'job.read', job))
      throw new ServiceError('not-found', 'job-not-found', '任务不存在 / no such job', 'id');
    return job;
  }

  /**
   * Resumes jobs a previous process left unfinished, each with the authority its token has now: one whose
   * token was revoked (or no longer issues for the job's agency) is cancelled, not resumed.
   */
  async resume(): Promise<void> {
    for (const job of await listUnfinishedJobs(this.db)) {
      const principal = await this.submitter(job);
      if (principal) this.launch(job, principal);
      else await this.cancel(job);
    }
  }

  /** The job's submitter as it stands now, or null when its token may no longer issue for the job's agency. */
  private async submitter(job: JobRecord): Promise<Principal | null> {
    const token = job.tokenId ? await findToken(this.db, job.tokenId) : undefined;
    if (!token || token.revokedAt) return null;
    const principal: Principal = {
      kind: 'token',
      tokenId: token.id,
      role: token.role,
      agencyId: token.agencyId,
      province: token.province,
    };
    return isAllowed(principal, 'licence.issue') && token.agencyId === job.agencyId ? principal : null;
  }

  /** Ends the job as cancelled, keeping the progress it reached. */
  private async cancel(progress: JobRecord): Promise<void> {
    this.logger?.warn(
      { jobId: progress.id, tokenId: progress.tokenId },
      'batch job cancelled: its token was revoked',
    );
    await updateJobProgress(this.db, progress.id, {
      ...progress,
      status: 'cancelled',
      finishedAt: new Date(),
    });
  }

  /** Waits for running jobs to reach a line boundary and stop (they resume at the next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  /** For tests and the CLI: resolves when the job has finished. */
  async settled(id: string): Promise<void> {
    await this.running.get(id);
  }

  private launch(job: JobRecord, principal: Principal): void {
    if (this.running.has(job.id)) return;
    // The progress lives here, not in `process`, so a job that fails unexpectedly is written back with the
    // lines it reached and the identifiers it issued, not with its submit-time counters.
    const state: JobRecord = { ...job, errors: [...job.errors], results: [...job.results] };
    const run = this.process(state, principal)
      .catch(async (err: unknown) => {
        this.logger?.error({ err, jobId: job.id }, 'batch job failed');
        await updateJobProgress(this.db, job.id, {
          ...state,
          status: 'failed',
          finishedAt: new Date(),
        }).catch((e: unknown) =>
          this.logger?.error({ err: e, jobId: job.id }, 'recording the failed batch job failed'),
        );
      })
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
  }

  private async process(state: JobRecord, principal: Principal): Promise<void> {
    const stored = await findJobInput(this.db, state.id);
    if (!stored) return;
    const input = stored.encrypted
      ? this.protector.decrypt(stored.input, inputContext(state.id))
      : stored.input;
    const lines = splitLines(input);
    state.status = 'running';
    state.startedAt ??= new Date();
    if (!(await updateJobProgress(this.db, state.id, state))) return; // cancelled meanwhile
    const ctx: ActionContext = { principal, requestId: `job:${state.id}` };
    for (let i = state.processed; i < lines.length; i++) {
      if (this.stopping) {
        await updateJobProgress(this.db, state.id, state);
        return;
      }
      // The token may have been revoked since the last line: the job stops with what it has issued.
      if (!(await this.submitter(state))) return this.cancel(state);
      const line = i + 1;
      const error = await this.issueLine(ctx, state.id, line, lines[i]!, state.results);
      if (error) {
        state.failed++;
        state.errors.push(error);
      } else state.succeeded++;
      state.processed++;
      if (state.processed % PROGRESS_EVERY === 0 && !(await updateJobProgress(this.db, state.id, state)))
        return this.cancel(state);
    }
    const finished = await updateJobProgress(this.db, state.id, {
      ...state,
      status: state.failed === 0 ? 'succeeded' : 'completed-with-errors',
      finishedAt: new Date(),
    });
    if (!finished) await this.cancel(state);
  }

  private async issueLine(
    ctx: ActionContext,
    jobId: string,
    line: number,
    text: string,
    results: { line: number; identifier: string }[],
  ): Promise<JobLineError | null> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { line, type: 'invalid-json', detail: '该行不是 JSON / the line is not JSON' };
    }
    const parsed = this.lineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        line,
        type: 'validation',
        detail: issue?.message ?? 'invalid',
        field: issue?.path.join('.') || undefined,
      };
    }
    try {
      const { issued } = await this.licences.issue(ctx, parsed.data, `batch:${jobId}:${line}`);
      results.push({ line, identifier: issued.identifier });
      return null;
    } catch (err) {
      if (err instanceof ServiceError) return { line, type: err.code, detail: err.message, field: err.field };
      throw err;
    }
  }
}

function splitLines(ndjson: Buffer): string[] {
  return ndjson
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
}
