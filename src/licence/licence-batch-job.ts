/** Where a background job stands; the last four are final. */
export type JobStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'completed-with-errors'
  | 'failed'
  /** Stopped because the token that submitted it was revoked. */
  | 'cancelled';

/** Why one input line of a batch was not issued. */
export interface JobLineError {
  line: number;
  type: string;
  detail: string;
  field?: string | undefined;
}

/** A background job (today only batch licence issuance, kind `licence-batch`) and the progress it reached. */
export interface JobRecord {
  id: string;
  kind: string;
  agencyId: string | null;
  tokenId: string | null;
  status: JobStatus;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  errors: JobLineError[];
  results: { line: number; identifier: string }[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}
