// Reading one DER element's header: the part every hand-written DER reader here shares (the SES codec, the
// CSR fast path). Offsets into the input, never copies: signatures are verified over the original bytes.

export interface DerTlv {
  /** The identifier octet (only low tag numbers < 31 are accepted). */
  tag: number;
  /** Offset of the identifier octet in the input. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** The bytes at hand are not one readable DER element; the message says why. */
export class DerTlvError extends Error {
  override name = 'DerTlvError';
}

/**
 * The element at `at`, which must end by `limit`. Definite lengths only (all producers write DER), of at
 * most four length octets; long-form lengths that are not minimal are accepted.
 * @throws DerTlvError
 */
export function readDerTlv(b: Uint8Array, at: number, limit: number): DerTlv {
  if (at >= limit) throw new DerTlvError('missing element (truncated)');
  const tag = b[at]!;
  if ((tag & 0x1f) === 0x1f)
    throw new DerTlvError(`unsupported high tag number (0x${tag.toString(16).padStart(2, '0')})`);
  if (at + 1 >= limit) throw new DerTlvError('truncated length');
  const first = b[at + 1]!;
  let len: number;
  let contentStart: number;
  if (first < 0x80) {
    len = first;
    contentStart = at + 2;
  } else if (first === 0x80) {
    throw new DerTlvError('indefinite length (BER) is not DER');
  } else {
    const n = first & 0x7f;
    if (n > 4) throw new DerTlvError('length too large');
    if (at + 2 + n > limit) throw new DerTlvError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[at + 2 + i]!;
    contentStart = at + 2 + n;
  }
  const end = contentStart + len;
  if (end > limit) throw new DerTlvError(`length ${len} exceeds the enclosing element (truncated)`);
  return { tag, start: at, contentStart, end };
}
