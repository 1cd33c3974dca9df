/** Why an input was refused; stable strings callers may switch on (e.g. to pick a 4xx). */
export type CryptoInputErrorCode =
  | 'MALFORMED_PEM'
  | 'MALFORMED_DER'
  | 'UNSUPPORTED_ALGORITHM'
  | 'UNSUPPORTED_ENCRYPTION'
  | 'INVALID_PRIVATE_KEY'
  | 'INVALID_PUBLIC_KEY'
  | 'KEY_MISMATCH'
  | 'INVALID_SIGNATURE_ENCODING'
  | 'INVALID_ID'
  | 'INVALID_DIGEST'
  | 'PASSPHRASE_REQUIRED'
  | 'WRONG_PASSPHRASE';

/**
 * Malformed or unacceptable caller-supplied crypto input (keys, signatures, PEM, passphrases).
 * Everything the crypto layer rejects for input reasons is one of these, never a raw library error,
 * so the HTTP and CLI layers can map it to a 4xx / exit code 2 without inspecting messages.
 */
export class CryptoInputError extends Error {
  override readonly name = 'CryptoInputError';

  constructor(
    readonly code: CryptoInputErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
