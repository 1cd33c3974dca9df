import { Worker } from 'node:worker_threads';
import type { PreparedPdfSeal } from '../../pdf/pdf-seal-signing.js';
import { LicenceRenderError } from '../../licence/licence-render-error.js';
import { prepareLicenceFile, type LicenceFileJob } from '../../licence/licence-file-preparation.js';
import type { ProductionReply, ProductionRequest } from './licence-production-worker.js';
import { workerModule } from '../../runtime/worker-module.js';

/** Produces licence files up to their signature: in worker threads (LicenceProductionPool) or in process. */
export type LicenceProducer = (job: LicenceFileJob) => Promise<PreparedPdfSeal>;

export const inProcessProducer: LicenceProducer = (job) => prepareLicenceFile(job);

const { script: workerScript, entry: workerEntry } = workerModule(
  import.meta.url,
  'licence-production-worker',
);

interface Pending {
  resolve: (p: PreparedPdfSeal) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Rendering and preparing a licence PDF is most of an issuance's CPU: a pool of worker threads spreads it over
 * the cores while the main thread keeps HTTP, the database and the signing keys. Each worker loads the fonts
 * and templates once. Jobs go to the worker with the fewest in flight; a worker that dies fails its jobs and
 * is replaced.
 */
export class LicenceProductionPool {
  readonly #workers: PoolWorker[] = [];
  #seq = 0;
  #closed = false;

  /** Workers start on the first job: a node that only verifies never pays for them (fonts, renderer). */
  constructor(readonly size: number) {}

  readonly produce: LicenceProducer = (job) => {
    if (this.#closed) return Promise.reject(new Error('the licence production pool is closed'));
    while (this.#workers.length < this.size) this.#workers.push(this.#spawn());
    const w = this.#workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++this.#seq;
    return new Promise<PreparedPdfSeal>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      const msg: ProductionRequest = { id, job };
      w.worker.postMessage(msg);
    });
  };

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }

  #spawn(): PoolWorker {
    // Fonts and templates are the same for every job; a heap far beyond them means a runaway job.
    const worker = new Worker(workerScript, {
      workerData: { entry: workerEntry.href },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    worker.unref();
    const pw: PoolWorker = { worker, pending: new Map() };
    worker.on('message', (reply: ProductionReply) => {
      const p = pw.pending.get(reply.id);
      if (!p) return;
      pw.pending.delete(reply.id);
      if (reply.ok)
        p.resolve({
          pdf: Buffer.from(reply.pdf),
          byteRange: reply.byteRange,
          digest: Buffer.from(reply.digest),
          contentsStart: reply.contentsStart,
          contentsBytes: reply.contentsBytes,
        });
      else if (reply.render)
        p.reject(
          new LicenceRenderError([
            {
              code: reply.render.code as LicenceRenderError['code'],
              field: reply.render.field,
              message: reply.render.message,
            },
          ]),
        );
      else p.reject(new Error(reply.message));
    });
    const fail = (err: Error) => {
      for (const p of pw.pending.values()) p.reject(err);
      pw.pending.clear();
      if (this.#closed) return;
      const i = this.#workers.indexOf(pw);
      if (i >= 0) this.#workers[i] = this.#spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0 || pw.pending.size > 0) fail(new Error(`licence production worker exited (${code})`));
    });
    return pw;
  }
}
