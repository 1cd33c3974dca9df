/**
 * Why an SES seal or signature (GB/T 38540 / GM/T 0031) could not be decoded. Every malformed, truncated or
 * unsupported input ends in this error, never in another exception type; `path` names the element that broke,
 * e.g. `SESeal.eSealInfo.property.certList[0]`.
 */
export class SesParseError extends Error {
  override readonly name = 'SesParseError';

  constructor(
    readonly path: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}
