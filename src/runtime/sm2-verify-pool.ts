import { availableParallelism } from 'node:os';
import type { Sm2VerifyJob } from '../crypto/sm2-verify-batch.js';
import { workerModule } from './worker-module.js';
import { BoundedWorkerPool, WorkerTaskFailed } from './worker-pool.js';

export type { Sm2VerifyJob } from '../crypto/sm2-verify-batch.js';

export interface Sm2VerifyPoolOptions {
  /** Worker threads; default: one per core. */
  size?: number;
  /** Jobs per task sent to a worker; large enough to amortise messaging, small enough to balance. */
  chunkSize?: number;
  /** Chunks waiting for a worker before a batch is refused (default 1024). */
  maxQueue?: number;
}

/**
 * Bulk SM2 verification across all cores, on the worker runtime. Each worker keeps its own key cache, so
 * recurring keys get their tables in every worker. Idle workers do not keep the process alive; call close()
 * for a clean shutdown anyway.
 */
export class Sm2VerifyPool {
  readonly size: number;
  readonly #chunkSize: number;
  readonly #pool: BoundedWorkerPool<Sm2VerifyJob[], Uint8Array, string>;
  #closed = false;

  constructor(options: Sm2VerifyPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.#chunkSize = Math.max(1, options.chunkSize ?? 64);
    this.#pool = new BoundedWorkerPool(
      workerModule(import.meta.url, 'sm2-verify-worker'),
      {},
      {
        name: 'sm2-verify',
        workers: this.size,
        // Two chunks per worker hide the message round trip behind computation.
        perWorker: 2,
        maxQueue: options.maxQueue ?? 1024,
        // A chunk takes milliseconds; the deadline only ends a worker that is stuck.
        deadlineMs: 30_000,
        resourceLimits: { maxOldGenerationSizeMb: 256 },
        retryAfterSeconds: 1,
      },
    );
  }

  /**
   * Verify every job; results[i] is whether jobs[i] verified. A malformed key or signature in a job gives false
   * for that job (not a rejection). Rejects if the pool is closed or busy, or a worker dies.
   */
  async verifyMany(jobs: readonly Sm2VerifyJob[]): Promise<boolean[]> {
    if (this.#closed) throw new Error('Sm2VerifyPool is closed');
    const chunks: Promise<Uint8Array>[] = [];
    for (let offset = 0; offset < jobs.length; offset += this.#chunkSize) {
      const chunk = jobs.slice(offset, offset + this.#chunkSize).map(plainJob);
      chunks.push(this.#pool.run(chunk));
    }
    // Settled all before answering, so that no chunk's failure is left unhandled.
    const settled = await Promise.allSettled(chunks);
    const results: boolean[] = [];
    for (const s of settled) {
      if (s.status === 'rejected')
        throw s.reason instanceof WorkerTaskFailed
          ? new Error(`SM2 verify worker failed: ${String(s.reason.failure)}`)
          : s.reason;
      for (const ok of s.value) results.push(ok === 1);
    }
    return results;
  }

  /** Finish queued work, then stop the workers. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#pool.close();
  }
}

// Structured clone copies typed arrays; Buffers arrive as plain Uint8Arrays, which is all we need.
function plainJob(job: Sm2VerifyJob): Sm2VerifyJob {
  const { publicKey, message, signature, id } = job;
  return id === undefined ? { publicKey, message, signature } : { publicKey, message, signature, id };
}
