/**
 * Every failure of the PDF layer (reading, revision analysis, signing) is a PdfError with a stable code; no
 * other exception type escapes src/pdf for malformed input.
 *
 *   NOT_A_PDF             no %PDF- header in the first 1024 bytes, or no %%EOF at all
 *   MALFORMED             the file could not be parsed well enough for the operation
 *   ENCRYPTED             the document is encrypted (signing encrypted PDFs is not supported)
 *   DOCMDP_FORBIDS        a certification signature (/Perms /DocMDP, /P 1) forbids any further change
 *   PAGE_OUT_OF_RANGE     a placement names a page the document does not have
 *   INVALID_OPTIONS       the signing options are inconsistent (sizes, clip, empty placements …)
 *   FIELD_EXISTS          the requested signature field name is already used in the document
 *   CONTENTS_TOO_SMALL    the signature returned by `sign` does not fit the /Contents placeholder
 *   SIGNER_FAILED         the `sign` callback threw or returned something that is not a non-empty Buffer
 */
export type PdfErrorCode =
  | 'NOT_A_PDF'
  | 'MALFORMED'
  | 'ENCRYPTED'
  | 'DOCMDP_FORBIDS'
  | 'PAGE_OUT_OF_RANGE'
  | 'INVALID_OPTIONS'
  | 'FIELD_EXISTS'
  | 'CONTENTS_TOO_SMALL'
  | 'SIGNER_FAILED';

export class PdfError extends Error {
  override readonly name = 'PdfError';

  constructor(
    readonly code: PdfErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
