/** Why face data cannot be rendered; stable codes the issuance API maps to 422 problems. */
export type FaceFitCode = 'missing' | 'too-long' | 'unknown' | 'bad-format';

export interface FaceFitIssue {
  /**
   * The request field at fault: `fields.<key>` for face fields (照面信息), `holder.name` / `holder.code` for
   * the holder, `copy.purpose` for a copy, else the LicenceMetadata name (`number`, `issueDate`, …).
   */
  field: string;
  code: FaceFitCode;
  /** 中文 / English. */
  message: string;
}

/** The face data does not fit the template (or is malformed); `field` and `code` are those of the first issue. */
export class LicenceRenderError extends Error {
  override readonly name = 'LicenceRenderError';
  readonly code: FaceFitCode;
  readonly field: string;

  constructor(readonly issues: FaceFitIssue[]) {
    const first = issues[0] ?? { field: '', code: 'bad-format' as const, message: 'unrenderable licence' };
    super(first.message);
    this.code = first.code;
    this.field = first.field;
  }
}
