import { prepareLicenceFiles, type LicenceFileJob } from '../../licence/licence-file-preparation.js';
import { LicenceRenderError } from '../../licence/licence-render-error.js';
import type { OfdSealParts } from '../../ofd/ofd-stamping.js';
import { serveWorkerTasks } from '../../runtime/serve-worker-tasks.js';

// A licence production worker: renders and prepares licence files (see prepareLicenceFiles) up to the digests
// to sign; no key ever comes here. The files go back as transferred buffers; failures as plain data (a render
// error keeps its code and field so the API can answer 422 naming the field).

/** worker → main: the prepared files (their bytes moved, not copied). */
export interface ProductionResult {
  pdf?: {
    pdf: Uint8Array;
    byteRange: number[];
    digest: Uint8Array;
    contentsStart: number;
    contentsBytes: number;
  };
  ofd?: {
    parts: OfdSealParts;
    digest: Uint8Array;
    propertyInfo: string;
    /** ms since the epoch. */
    signingTime: number;
  };
}

export interface ProductionFailure {
  render?: { code: string; field: string; message: string };
  message: string;
}

serveWorkerTasks<LicenceFileJob, ProductionResult, ProductionFailure>(
  async (job) => {
    const p = await prepareLicenceFiles(job);
    const result: ProductionResult = {};
    const transfer: ArrayBuffer[] = [];
    if (p.pdf) {
      // A fresh copy of the file in its own ArrayBuffer, moved to the main thread.
      const pdf = new Uint8Array(p.pdf.pdf);
      transfer.push(pdf.buffer);
      result.pdf = {
        pdf,
        byteRange: p.pdf.byteRange,
        digest: new Uint8Array(p.pdf.digest),
        contentsStart: p.pdf.contentsStart,
        contentsBytes: p.pdf.contentsBytes,
      };
    }
    if (p.ofd) {
      // The packed entries are fresh buffers of their own (packZipEntries): moved, not copied.
      const { head } = p.ofd.parts;
      if ('locals' in head)
        transfer.push(head.locals.buffer as ArrayBuffer, head.centrals.buffer as ArrayBuffer);
      result.ofd = {
        parts: p.ofd.parts,
        digest: new Uint8Array(p.ofd.digest),
        propertyInfo: p.ofd.propertyInfo,
        signingTime: p.ofd.signingTime.getTime(),
      };
    }
    return { result, transfer };
  },
  (err) =>
    err instanceof LicenceRenderError
      ? { render: { code: err.code, field: err.field, message: err.message }, message: err.message }
      : { message: String((err as Error)?.message ?? err) },
);
