import type { ValidationReport } from '../verify/report.js';

// Messages between VerificationService (main thread) and its workers. Everything is structured-cloneable:
// certificates travel as DER and are parsed again on the other side; Dates clone as Dates.

export interface VerificationWorkerData {
  /** The worker module to load (the bootstrap imports it through tsx when running from sources). */
  entry: string;
  /** DER of the trust anchors (the node's root) and of the intermediates (its issuing CAs). */
  anchors: Uint8Array[];
  intermediates: Uint8Array[];
}

/** main → worker: validate this PDF. */
export interface VerifyRequest {
  type: 'verify';
  job: number;
  pdf: Uint8Array;
  /** Absolute deadline (ms since the epoch) handed to the engine. */
  deadline: number;
}

/** The views the engine asks, answered on the main thread from the database. */
export type ViewCall =
  | { view: 'revocation'; cert: Uint8Array; issuer: Uint8Array; at: number }
  | { view: 'seal'; esID: string; at: number }
  | { view: 'licence'; identifier: string; fileSm3?: string };

/** worker → main: a view call made while validating job `job`. */
export interface ViewRequest {
  type: 'view';
  call: number;
  job: number;
  request: ViewCall;
}

/** main → worker: the answer to a view call (`error`: the view threw; the engine reports INDETERMINATE). */
export interface ViewResponse {
  type: 'view-result';
  call: number;
  value?: unknown;
  error?: string;
}

export type VerifyFailureKind = 'not-a-pdf' | 'malformed' | 'too-complex' | 'internal';

/** worker → main: the outcome of a job. */
export type VerifyResponse =
  | { type: 'done'; job: number; report: ValidationReport }
  | { type: 'failed'; job: number; kind: VerifyFailureKind; message: string; limit?: string };

export type MainToWorker = VerifyRequest | ViewResponse;
export type WorkerToMain = ViewRequest | VerifyResponse | { type: 'ready' };
