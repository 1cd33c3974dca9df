import { prepareLicenceFile, type LicenceFileJob } from '../../licence/licence-file-preparation.js';
import { LicenceRenderError } from '../../licence/licence-render-error.js';
import { serveWorkerTasks } from '../../runtime/serve-worker-tasks.js';

// A licence production worker: renders and prepares licence files (see prepareLicenceFile) up to the digest to
// sign; no key ever comes here. The file goes back as a transferred buffer; failures as plain data (a render
// error keeps its code and field so the API can answer 422 naming the field).

/** worker → main: the prepared file (its `pdf` moved, not copied). */
export interface ProductionResult {
  pdf: Uint8Array;
  byteRange: number[];
  digest: Uint8Array;
  contentsStart: number;
  contentsBytes: number;
}

export interface ProductionFailure {
  render?: { code: string; field: string; message: string };
  message: string;
}

serveWorkerTasks<LicenceFileJob, ProductionResult, ProductionFailure>(
  async (job) => {
    const p = await prepareLicenceFile(job);
    // A fresh copy of the file in its own ArrayBuffer, moved to the main thread.
    const pdf = new Uint8Array(p.pdf);
    return {
      result: {
        pdf,
        byteRange: p.byteRange,
        digest: new Uint8Array(p.digest),
        contentsStart: p.contentsStart,
        contentsBytes: p.contentsBytes,
      },
      transfer: [pdf.buffer],
    };
  },
  (err) =>
    err instanceof LicenceRenderError
      ? { render: { code: err.code, field: err.field, message: err.message }, message: err.message }
      : { message: String((err as Error)?.message ?? err) },
);
