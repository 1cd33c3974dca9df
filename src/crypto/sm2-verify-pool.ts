import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Sm2VerifyJob, Sm2VerifyRequest, Sm2VerifyResponse } from './sm2-verify-worker-protocol.js';

export type { Sm2VerifyJob } from './sm2-verify-worker-protocol.js';

export interface Sm2VerifyPoolOptions {
  /** Worker threads; default: one per core. */
  size?: number;
  /** Jobs per message to a worker; large enough to amortise messaging, small enough to balance. */
  chunkSize?: number;
}

interface Batch {
  results: boolean[];
  remaining: number;
  resolve: (results: boolean[]) => void;
  reject: (err: Error) => void;
  failed: boolean;
}

interface Chunk {
  seq: number;
  batch: Batch;
  offset: number;
  jobs: Sm2VerifyJob[];
}

interface PoolWorker {
  worker: Worker;
  inFlight: Map<number, Chunk>;
}

// Two chunks in flight per worker hide the message round trip behind computation.
const MAX_IN_FLIGHT = 2;

const selfUrl = import.meta.url;
const fromTypeScript = selfUrl.endsWith('.ts');
const workerEntry = new URL(fromTypeScript ? './sm2-verify-worker.ts' : './sm2-verify-worker.js', selfUrl);
const workerScript = fromTypeScript ? new URL('./sm2-verify-worker-bootstrap.mjs', selfUrl) : workerEntry;

/**
 * Worker-thread pool for bulk SM2 verification across all cores. Each worker keeps its own key
 * cache, so recurring keys get their tables in every worker. Idle workers do not keep the process
 * alive; call close() for a clean shutdown anyway.
 */
export class Sm2VerifyPool {
  readonly size: number;
  readonly #chunkSize: number;
  readonly #workers: PoolWorker[] = [];
  readonly #queue: Chunk[] = [];
  #seq = 0;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: Sm2VerifyPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.#chunkSize = Math.max(1, options.chunkSize ?? 64);
    for (let i = 0; i < this.size; i++) this.#workers.push(this.#spawn());
  }

  /**
   * Verify every job; results[i] is whether jobs[i] verified. A malformed key or signature in a
   * job gives false for that job (not a rejection). Rejects only if the pool is closed or a worker dies.
   */
  verifyMany(jobs: readonly Sm2VerifyJob[]): Promise<boolean[]> {
    if (this.#closing) return Promise.reject(new Error('Sm2VerifyPool is closed'));
    if (jobs.length === 0) return Promise.resolve([]);
    return new Promise<boolean[]>((resolve, reject) => {
      const batch: Batch = {
        results: new Array<boolean>(jobs.length).fill(false),
        remaining: 0,
        resolve,
        reject,
        failed: false,
      };
      for (let offset = 0; offset < jobs.length; offset += this.#chunkSize) {
        const slice = jobs.slice(offset, offset + this.#chunkSize).map(plainJob);
        this.#queue.push({ seq: this.#seq++, batch, offset, jobs: slice });
        batch.remaining++;
      }
      this.#pump();
    });
  }

  /** Finish queued work, then stop the workers. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#drained = resolve;
      this.#maybeFinishClose();
    }).then(async () => {
      await Promise.all(this.#workers.map((w) => w.worker.terminate()));
    });
    return this.#closing;
  }

  #spawn(): PoolWorker {
    const worker = new Worker(workerScript, { workerData: { entry: workerEntry.href } });
    const entry: PoolWorker = { worker, inFlight: new Map() };
    worker.unref();
    worker.on('message', (response: Sm2VerifyResponse) => this.#onResponse(entry, response));
    worker.on('error', (err) => this.#onWorkerDeath(entry, err));
    worker.on('exit', (code) => {
      if (!this.#closing || entry.inFlight.size > 0) {
        this.#onWorkerDeath(entry, new Error(`SM2 verify worker exited with code ${code}`));
      }
    });
    return entry;
  }

  #pump(): void {
    for (const w of this.#workers) {
      while (w.inFlight.size < MAX_IN_FLIGHT) {
        const chunk = this.#queue.shift();
        if (!chunk) return;
        if (chunk.batch.failed) continue;
        w.inFlight.set(chunk.seq, chunk);
        w.worker.ref(); // busy workers keep the process alive until their answers arrive
        const request: Sm2VerifyRequest = { seq: chunk.seq, jobs: chunk.jobs };
        w.worker.postMessage(request);
      }
    }
  }

  #onResponse(w: PoolWorker, response: Sm2VerifyResponse): void {
    const chunk = w.inFlight.get(response.seq);
    if (!chunk) return;
    w.inFlight.delete(response.seq);
    if (w.inFlight.size === 0) w.worker.unref();
    const { batch } = chunk;
    if ('error' in response) {
      this.#fail(batch, new Error(`SM2 verify worker failed: ${response.error}`));
    } else if (!batch.failed) {
      response.results.forEach((ok, i) => (batch.results[chunk.offset + i] = ok === 1));
      if (--batch.remaining === 0) batch.resolve(batch.results);
    }
    this.#pump();
    this.#maybeFinishClose();
  }

  #onWorkerDeath(w: PoolWorker, err: Error): void {
    const index = this.#workers.indexOf(w);
    if (index === -1) return;
    for (const chunk of w.inFlight.values()) this.#fail(chunk.batch, err);
    w.inFlight.clear();
    if (this.#closing) {
      this.#workers.splice(index, 1);
      this.#maybeFinishClose();
    } else {
      this.#workers[index] = this.#spawn();
      this.#pump();
    }
  }

  #fail(batch: Batch, err: Error): void {
    if (batch.failed) return;
    batch.failed = true;
    batch.reject(err);
  }

  #maybeFinishClose(): void {
    if (!this.#drained) return;
    const busy = this.#queue.some((c) => !c.batch.failed) || this.#workers.some((w) => w.inFlight.size > 0);
    if (!busy) this.#drained();
  }
}

// Structured clone copies typed arrays; Buffers arrive as plain Uint8Arrays, which is all we need.
function plainJob(job: Sm2VerifyJob): Sm2VerifyJob {
  const { publicKey, message, signature, id } = job;
  return id === undefined ? { publicKey, message, signature } : { publicKey, message, signature, id };
}
