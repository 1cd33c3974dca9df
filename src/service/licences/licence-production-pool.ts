import { LicenceRenderError } from '../../licence/licence-render-error.js';
import {
  prepareLicenceFiles,
  type LicenceFileJob,
  type PreparedLicenceFiles,
} from '../../licence/licence-file-preparation.js';
import type { ProductionFailure, ProductionResult } from './licence-production-worker.js';
import { workerModule } from '../../runtime/worker-module.js';
import {
  BoundedWorkerPool,
  WorkerCrashed,
  WorkerPoolBusy,
  WorkerTaskFailed,
  WorkerTaskOverrun,
} from '../../runtime/worker-pool.js';
import { ServiceError } from '../service-error.js';

/**
 * Produces licence files (job.formats: PDF, OFD or both, from one layout) up to their signatures: in worker
 * threads (LicenceProductionPool) or in process.
 */
export type LicenceProducer = (job: LicenceFileJob) => Promise<PreparedLicenceFiles>;

export const inProcessProducer: LicenceProducer = (job) => prepareLicenceFiles(job);

/**
 * A production worker's old-generation bound. Fonts and templates (~30 MB, the same for every job) are most of
 * a worker's live heap; a heap far beyond them means a runaway job, which the bound stops. It is also what V8
 * sizes the heap's growth by: below 2 GB (x64) a full GC lets the old generation grow by at most 1.3–2× its live
 * size (heap-controller.cc, MaxGrowingFactor), from 2 GB on by up to 4×. Each render leaves ~250 KB of
 * short-lived objects in the old generation; with 512 MB a worker ran a full GC every ~30 licences (50 in 1,500
 * licences, one worker, `--trace-gc`), with 2048 MB every ~170 (9), for ~10 % less CPU per licence (issue 17).
 */
export const PRODUCTION_WORKER_OLD_GENERATION_MB = 2048;

/**
 * Rendering and preparing a licence PDF is most of an issuance's CPU: worker threads of the runtime spread it
 * over the cores while the main thread keeps HTTP, the database and the signing keys. Each worker loads the
 * fonts and templates once.
 */
export class LicenceProductionPool {
  readonly #pool: BoundedWorkerPool<LicenceFileJob, ProductionResult, ProductionFailure>;

  /** Workers start on the first job: a node that only verifies never pays for them (fonts, renderer). */
  constructor(readonly size: number) {
    this.#pool = new BoundedWorkerPool(
      workerModule(import.meta.url, 'licence-production-worker'),
      {},
      {
        name: 'licence-production',
        workers: size,
        // Issuance is by authenticated issuers and batches that wait for each licence: the queue bound only
        // guards against a runaway caller.
        maxQueue: 256,
        // A licence renders in well under a second; a minute means a stuck worker.
        deadlineMs: 60_000,
        resourceLimits: { maxOldGenerationSizeMb: PRODUCTION_WORKER_OLD_GENERATION_MB },
        retryAfterSeconds: 2,
      },
    );
  }

  readonly produce: LicenceProducer = async (job) => {
    try {
      const r = await this.#pool.run(job);
      const out: PreparedLicenceFiles = {};
      if (r.pdf)
        out.pdf = {
          ...r.pdf,
          pdf: Buffer.from(r.pdf.pdf.buffer, r.pdf.pdf.byteOffset, r.pdf.pdf.byteLength),
          digest: Buffer.from(r.pdf.digest),
        };
      if (r.ofd)
        out.ofd = {
          parts: r.ofd.parts,
          digest: Buffer.from(r.ofd.digest),
          propertyInfo: r.ofd.propertyInfo,
          signingTime: new Date(r.ofd.signingTime),
        };
      return out;
    } catch (err) {
      // The runtime's refusals are the node's condition, not the request's fault: 503, try again.
      if (err instanceof WorkerPoolBusy)
        throw new ServiceError(
          'unavailable',
          'licence-production-busy',
          '证照制作繁忙，请稍后重试 / licence production is busy; try again shortly',
          undefined,
          undefined,
          err.retryAfterSeconds,
        );
      if (err instanceof WorkerTaskOverrun || err instanceof WorkerCrashed)
        throw new ServiceError(
          'unavailable',
          'licence-production-failed',
          '证照制作未能完成，请稍后重试 / licence production did not complete; try again shortly',
          undefined,
          undefined,
          5,
        );
      if (!(err instanceof WorkerTaskFailed)) throw err;
      const f = (err as WorkerTaskFailed<ProductionFailure>).failure;
      if (f.render)
        throw new LicenceRenderError([
          {
            code: f.render.code as LicenceRenderError['code'],
            field: f.render.field,
            message: f.render.message,
          },
        ]);
      throw new Error(`licence production worker: ${f.message}`);
    }
  };

  /** Stops the workers; jobs under way fail (shutdown). */
  close(): Promise<void> {
    return this.#pool.stop();
  }
}
