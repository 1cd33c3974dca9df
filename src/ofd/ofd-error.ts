/**
 * Every refusal of the OFD format layer is an OfdError. `code` is the stable problem type the API maps to 422
 * (`not-an-ofd`, `malformed-ofd`, `too-complex`); `reason` names the exact rule that refused the input, so tests
 * and reports can say which one. No other exception type escapes src/ofd for hostile or malformed input:
 * recoverable oddities are findings (ofd-finding.ts), not exceptions.
 */
export type OfdErrorCode = 'not-an-ofd' | 'malformed-ofd' | 'too-complex';

export type OfdErrorReason =
  // container (ZIP, APPNOTE 6.3.x)
  | 'zip-no-end-record'
  | 'zip-multi-disk'
  | 'zip64-unsupported'
  | 'zip-central-directory'
  | 'zip-local-header'
  | 'zip-header-mismatch'
  | 'zip-overlap'
  | 'zip-duplicate-name'
  | 'zip-case-duplicate-name'
  | 'zip-unsafe-name'
  | 'zip-name-encoding'
  | 'zip-encrypted'
  | 'zip-unsupported-method'
  | 'zip-crc-mismatch'
  | 'zip-size-mismatch'
  | 'zip-inflate'
  | 'zip-too-many-entries'
  | 'zip-inflated-total'
  | 'zip-ratio'
  // XML 1.0 / Namespaces in XML
  | 'xml-doctype'
  | 'xml-syntax'
  | 'xml-encoding'
  | 'xml-namespace'
  | 'xml-too-large'
  | 'xml-too-deep'
  | 'xml-too-many-elements'
  // package (GB/T 33190 §7)
  | 'ofd-no-entry'
  | 'ofd-root'
  | 'ofd-doc-root'
  | 'ofd-document'
  | 'ofd-signatures'
  | 'ofd-too-many-signatures'
  | 'ofd-too-many-references'
  | 'ofd-too-many-unresolved';

export class OfdError extends Error {
  override readonly name = 'OfdError';

  constructor(
    readonly code: OfdErrorCode,
    readonly reason: OfdErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const malformed = (reason: OfdErrorReason, message: string, cause?: unknown): OfdError =>
  new OfdError('malformed-ofd', reason, message, cause === undefined ? undefined : { cause });

export const tooComplex = (reason: OfdErrorReason, message: string): OfdError =>
  new OfdError('too-complex', reason, message);
