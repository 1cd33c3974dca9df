import { parentPort } from 'node:worker_threads';
import { prepareLicenceFile, type LicenceFileJob } from '../../licence/licence-file-preparation.js';
import { LicenceRenderError } from '../../licence/licence-render-error.js';

// One worker of the licence production pool: renders and prepares licence files (see prepareLicenceFile).
// Replies carry the file as a transferred ArrayBuffer; failures as plain data (render errors keep their
// code and field so the API can answer 422 naming the field).

export type ProductionRequest = { id: number; job: LicenceFileJob };
export type ProductionReply =
  | {
      id: number;
      ok: true;
      pdf: ArrayBuffer;
      byteRange: number[];
      digest: Uint8Array;
      contentsStart: number;
      contentsBytes: number;
    }
  | { id: number; ok: false; render?: { code: string; field: string; message: string }; message: string };

const port = parentPort;
if (port) {
  port.on('message', (msg: ProductionRequest) => {
    void (async () => {
      try {
        const job = { ...msg.job, signingTime: new Date(msg.job.signingTime) };
        const p = await prepareLicenceFile(job);
        // A fresh copy of the file in its own ArrayBuffer, transferred (not copied again) to the main thread.
        const pdf = new Uint8Array(p.pdf).buffer;
        const reply: ProductionReply = {
          id: msg.id,
          ok: true,
          pdf,
          byteRange: p.byteRange,
          digest: new Uint8Array(p.digest),
          contentsStart: p.contentsStart,
          contentsBytes: p.contentsBytes,
        };
        port.postMessage(reply, [pdf]);
      } catch (err) {
        const reply: ProductionReply =
          err instanceof LicenceRenderError
            ? {
                id: msg.id,
                ok: false,
                render: { code: err.code, field: err.field, message: err.message },
                message: err.message,
              }
            : { id: msg.id, ok: false, message: (err as Error)?.message ?? String(err) };
        port.postMessage(reply);
      }
    })();
  });
}
