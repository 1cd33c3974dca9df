import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { Db } from '../store/database.js';
import {
  findJob,
  findJobInput,
  insertJob,
  listUnfinishedJobs,
  updateJobProgress,
  type JobLineError,
  type JobRecord,
} from '../store/job-repository.js';
import { withAudit } from './audit-service.js';
import type { IssueLicenceRequest, LicenceService } from './licence-service.js';
import type { ActionContext, Principal } from './principal.js';
import { ServiceError } from './service-error.js';

export const MAX_BATCH_LINES = 10_000;
/** Progress is written at most this often (lines), so a poll sees movement without a write per licence. */
const PROGRESS_EVERY = 25;

/**
 * Batch issuance from NDJSON: the job is recorded first, then processed in the background one licence at a
 * time, each one atomic (a licence is issued completely or not at all). Every line is issued under the
 * idempotency key `batch:<job>:<line>`, so a job resumed after a restart never issues a line twice.
 */
export class LicenceBatchService {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly licences: LicenceService,
    /** Validates one line (the same schema as POST /v1/licences). */
    private readonly lineSchema: ZodType<IssueLicenceRequest>,
    private readonly logger?: Logger,
  ) {}

  async submit(ctx: ActionContext, ndjson: Buffer): Promise<JobRecord> {
    const p = ctx.principal;
    if (!(p.kind === 'token' && p.role === 'issuer' && p.agencyId))
      throw new ServiceError('forbidden', 'issuer-required', '仅发证机构可批量颁发 / issuers only');
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
      agencyId: p.agencyId,
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
      await insertJob(trx, job, ndjson);
      return { result: undefined, target: { type: 'job', id: job.id }, details: { lines: job.total } };
    });
    this.launch(job, p);
    return job;
  }

  async get(principal: Principal, id: string): Promise<JobRecord> {
    const job = await findJob(this.db, id);
    const mine =
      principal.kind === 'system' ||
      (principal.kind === 'token' && (principal.role === 'admin' || principal.agencyId === job?.agencyId));
    if (!job || !mine) throw new ServiceError('not-found', 'job-not-found', '任务不存在 / no such job', 'id');
    return job;
  }

  /** Resumes jobs a previous process left unfinished. */
  async resume(): Promise<void> {
    for (const job of await listUnfinishedJobs(this.db)) {
      if (!job.tokenId || !job.agencyId) continue;
      this.launch(job, {
        kind: 'token',
        tokenId: job.tokenId,
        role: 'issuer',
        agencyId: job.agencyId,
        province: null,
      });
    }
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
    const run = this.process(job, principal)
      .catch(async (err: unknown) => {
        this.logger?.error({ err, jobId: job.id }, 'batch job failed');
        await updateJobProgress(this.db, job.id, { ...job, status: 'failed', finishedAt: new Date() }).catch(
          () => undefined,
        );
      })
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
  }

  private async process(job: JobRecord, principal: Principal): Promise<void> {
    const input = await findJobInput(this.db, job.id);
    if (!input) return;
    const lines = splitLines(input);
    const state = { ...job, status: 'running' as const };
    const startedAt = job.startedAt ?? new Date();
    await updateJobProgress(this.db, job.id, { ...state, startedAt });
    const ctx: ActionContext = { principal, requestId: `job:${job.id}` };
    for (let i = state.processed; i < lines.length; i++) {
      if (this.stopping) return;
      const line = i + 1;
      const error = await this.issueLine(ctx, job.id, line, lines[i]!, state.results);
      if (error) {
        state.failed++;
        state.errors.push(error);
      } else state.succeeded++;
      state.processed++;
      if (state.processed % PROGRESS_EVERY === 0) await updateJobProgress(this.db, job.id, state);
    }
    await updateJobProgress(this.db, job.id, {
      ...state,
      status: state.failed === 0 ? 'succeeded' : 'completed-with-errors',
      finishedAt: new Date(),
    });
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
