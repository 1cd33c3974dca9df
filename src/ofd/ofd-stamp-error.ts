/**
 * Why a stamp cannot be made on an OFD package. `code` is stable: the service maps `document-locked` to
 * 409 (an existing signature protects Signatures.xml, GB/T 33190 §18.1), the others to 422.
 */
export type OfdStampErrorCode =
  /** An existing signature covers Signatures.xml: no further signature may be appended. */
  | 'document-locked'
  /** The placements, seal or provider given cannot be written. */
  | 'invalid-options'
  /** The package cannot take a signature without rewriting a file another reader depends on. */
  | 'unsupported-package';

export class OfdStampError extends Error {
  override readonly name = 'OfdStampError';

  constructor(
    readonly code: OfdStampErrorCode,
    message: string,
  ) {
    super(message);
  }
}
