import type { IncomingMessage } from 'node:http';
import { ProblemError } from './problem.js';

// Request bodies that are not JSON (DER OCSP requests, RFC 3161 queries) are read as bytes, bounded so a
// hostile client cannot make us buffer much.

/**
 * The body is over the limit. The rest of it is left unread, so the connection is closed after the answer.
 * As a ProblemError it answers 413; a route that must answer otherwise catches it.
 */
export class BodyTooLargeError extends ProblemError {
  override name = 'BodyTooLargeError';
  constructor(
    readonly limitBytes: number,
    detail = `请求体过大 / the body is at most ${limitBytes} bytes`,
  ) {
    super(413, 'payload-too-large', detail, { headers: { Connection: 'close' } });
  }
}

/**
 * The whole body, at most `limitBytes`: refused on a larger Content-Length before reading, and as soon as
 * the bytes read pass the limit.
 * @throws BodyTooLargeError over the limit (with `tooLargeDetail` as its detail when given); a stream
 *   error (the client went away) as the stream raised it.
 */
export async function readRawBody(
  req: IncomingMessage,
  limitBytes: number,
  tooLargeDetail?: string,
): Promise<Buffer> {
  const tooLarge = () => new BodyTooLargeError(limitBytes, tooLargeDetail);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limitBytes) throw tooLarge();
  // With a Content-Length (Node's parser enforces it) the bytes go straight into one buffer of their own:
  // half the peak memory of collecting and concatenating a 20 MB upload, and it can be moved to a worker.
  if (Number.isSafeInteger(declared) && declared > 64 * 1024) {
    const body = Buffer.allocUnsafeSlow(declared);
    let at = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (at + chunk.length > declared) throw tooLarge();
      chunk.copy(body, at);
      at += chunk.length;
    }
    return at === declared ? body : body.subarray(0, at);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
