// The body of C2SP tlog-witness `POST /add-checkpoint`: "old <size>\n", up to 63 consistency proof hashes one per
// line in base64, an empty line, then the signed checkpoint note.

import { decodeStrictBase64, encodeBase64 } from './strict-base64.js';
import { TlogError } from './tlog-error.js';

export interface AddCheckpointRequest {
  /** The size the client believes the witness holds for this log. */
  readonly oldSize: number;
  /** PROOF(old, new), RFC 9162 §2.1.4; empty when old is 0 or equals the new size. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint, as sent. */
  readonly note: string;
}

/** tlog-witness: "up to 63 lines"; a consistency proof of a tree below 2^63 never needs more. */
export const MAX_PROOF_LINES = 63;
const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

function bad(why: string): TlogError {
  return new TlogError('MALFORMED_NOTE', `见证请求格式错误 / malformed add-checkpoint request: ${why}`);
}

/** Parses the request body strictly (one spelling per request); verifies nothing. */
export function parseAddCheckpointRequest(body: string | Uint8Array, hashSize = 32): AddCheckpointRequest {
  let s: string;
  try {
    s =
      typeof body === 'string'
        ? body
        : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw bad('not valid UTF-8');
  }
  const blank = s.indexOf('\n\n');
  if (blank < 0) throw bad('no empty line before the checkpoint');
  const header = s.slice(0, blank).split('\n');
  const note = s.slice(blank + 2);
  const first = header[0] as string;
  if (!first.startsWith('old ')) throw bad('first line must be "old <size>"');
  const sizeText = first.slice(4);
  if (!SIZE_RE.test(sizeText)) throw bad('old size must be decimal without leading zeros');
  const oldSize = Number(sizeText);
  if (!Number.isSafeInteger(oldSize)) throw bad('old size too large');
  const lines = header.slice(1);
  if (lines.length > MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} proof lines`);
  const proof = lines.map((l) => {
    const h = decodeStrictBase64(l);
    if (h === undefined || h.length !== hashSize) throw bad(`proof line is not base64 of ${hashSize} bytes`);
    return h;
  });
  if (note.length === 0) throw bad('no checkpoint');
  return { oldSize, proof, note };
}

export function formatAddCheckpointRequest(r: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(r.oldSize) || r.oldSize < 0) throw bad('old size must be a non-negative integer');
  if (r.proof.length > MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} proof lines`);
  return `old ${r.oldSize}\n${r.proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${r.note}`;
}
