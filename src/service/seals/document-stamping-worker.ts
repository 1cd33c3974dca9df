import { PdfBudget, PdfBudgetExceeded } from '../../pdf/pdf-budget.js';
import { PdfError, type PdfErrorCode } from '../../pdf/pdf-error.js';
import { PlacementError, type PlacementErrorCode, type PlacementRequest } from '../../pdf/pdf-placement.js';
import type { SealAppearance } from '../../pdf/pdf-seal-appearance.js';
import type { SealPlacement } from '../../pdf/pdf-seal-signing.js';
import { prepareStamp } from '../../pdf/pdf-stamping.js';
import { warmUpTextExtraction } from '../../pdf/pdf-text-positions.js';
import { serveWorkerTasks, type TaskContext, type TaskOutcome } from '../../runtime/serve-worker-tasks.js';
import {
  ofdStampTaskFailure,
  OfdTooManyPages,
  runOfdStampTask,
  type OfdSignAnswer,
  type OfdSignQuestion,
  type OfdStampTask,
  type OfdStampTaskFailure,
  type OfdStampTaskResult,
} from './ofd-stamping-task.js';

// A stamping worker: reads the uploaded PDF (within a per-file budget and the task's deadline), loads it into
// pdf-lib, finds keywords with pdfjs and writes the incremental update up to the digest to sign. No key ever
// comes here: the main thread signs the digest with the vault key and writes the signature in. An OFD is
// stamped here from end to end (ofd-stamping-task.ts), asking the main thread only for the signed value.

/** main → worker. The PNG of a picture seal travels as bytes (structured clone turns a Buffer into them). */
export interface StampTask {
  format?: 'pdf';
  pdf: Uint8Array;
  placements: PlacementRequest[];
  appearance:
    | { paths: { d: string; fill: string }[]; widthMm: number; heightMm: number }
    | { png: Uint8Array; widthMm: number; heightMm: number };
  contentsBytes: number;
  maxPages: number;
  reason?: string;
  location?: string;
  name?: string;
  /** ms since the epoch (/M of the signature dictionary). */
  signingTime: number;
}

/** worker → main: the prepared file (transferred) and what the response and audit record need. */
export interface StampTaskResult {
  pdf: Uint8Array;
  byteRange: number[];
  digest: Uint8Array;
  contentsStart: number;
  contentsBytes: number;
  placements: SealPlacement[];
  pageCount: number;
}

/** Either format's task; a PDF task has no `format`. */
export type DocumentStampTask = StampTask | OfdStampTask;
export type DocumentStampTaskResult = StampTaskResult | OfdStampTaskResult;

export type StampTaskFailure =
  | OfdStampTaskFailure
  | { kind: 'pdf'; code: PdfErrorCode; message: string }
  | { kind: 'placement'; code: PlacementErrorCode; field: string; message: string }
  | { kind: 'too-many-pages'; pages: number }
  | { kind: 'too-complex'; limit: string; message: string }
  | { kind: 'internal'; message: string };

class TooManyPages extends Error {
  constructor(readonly pages: number) {
    super(`${pages} pages`);
  }
}

export function stampTaskFailure(err: unknown): StampTaskFailure {
  if (err instanceof PdfBudgetExceeded)
    return { kind: 'too-complex', limit: err.limit, message: err.message };
  if (err instanceof TooManyPages || err instanceof OfdTooManyPages)
    return { kind: 'too-many-pages', pages: err.pages };
  const ofd = ofdStampTaskFailure(err);
  if (ofd) return ofd;
  if (err instanceof PlacementError)
    return { kind: 'placement', code: err.code, field: err.field, message: err.message };
  if (err instanceof PdfError) return { kind: 'pdf', code: err.code, message: err.message };
  return { kind: 'internal', message: String((err as Error)?.message ?? err) };
}

export async function runStampTask(
  task: StampTask,
  { deadline }: Pick<TaskContext<never, never>, 'deadline'>,
): Promise<TaskOutcome<StampTaskResult>> {
  const a = task.appearance;
  const appearance: SealAppearance =
    'png' in a ? { ...a, png: Buffer.from(a.png.buffer, a.png.byteOffset, a.png.byteLength) } : a;
  const { prepared, placements, pageCount } = await prepareStamp(
    task.pdf,
    {
      placements: task.placements,
      appearance,
      contentsBytes: task.contentsBytes,
      checkPageCount: (pages) => {
        if (pages > task.maxPages) throw new TooManyPages(pages);
      },
      signingTime: new Date(task.signingTime),
      ...(task.reason !== undefined ? { reason: task.reason } : {}),
      ...(task.location !== undefined ? { location: task.location } : {}),
      ...(task.name !== undefined ? { name: task.name } : {}),
    },
    PdfBudget.forFile(task.pdf.byteLength, { deadline }),
  );
  // The prepared file in its own ArrayBuffer, moved (not copied again) to the main thread.
  const pdf = new Uint8Array(prepared.pdf);
  return {
    result: {
      pdf,
      byteRange: prepared.byteRange,
      digest: new Uint8Array(prepared.digest),
      contentsStart: prepared.contentsStart,
      contentsBytes: prepared.contentsBytes,
      placements,
      pageCount,
    },
    transfer: [pdf.buffer],
  };
}

export function runDocumentStampTask(
  task: DocumentStampTask,
  context: TaskContext<OfdSignQuestion, OfdSignAnswer>,
): Promise<TaskOutcome<DocumentStampTaskResult>> {
  return task.format === 'ofd' ? runOfdStampTask(task, context) : runStampTask(task, context);
}

// pdfjs loads and starts its fake worker on first use (about a second): done before the worker says it is
// ready, so that no document's deadline pays for it.
await warmUpTextExtraction().catch(() => {});
serveWorkerTasks(runDocumentStampTask, stampTaskFailure);
