// C2SP tlog-checkpoint: "<origin>\n<tree size>\n<base64 root hash>\n[<extension line>\n…]", the text of a signed note.

import { hasControlCharacter } from './control-characters.js';
import { decodeStrictBase64, encodeBase64 } from './strict-base64.js';
import { TlogError } from './tlog-error.js';

export interface Checkpoint {
  /** Unique log identity, a scheme-less URL without spaces or "+"; also the log key's name. */
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Extension lines; SealTrust checkpoints have none (the subtree/v1 cosignature does not cover them). */
  readonly extensions: readonly string[];
}

export interface ParseCheckpointOptions {
  /** Accept extension lines (plain tlog-checkpoint). Default false: the SealTrust profile refuses them. */
  allowExtensions?: boolean;
  /** Root hash length in bytes; 32 for SM3. */
  hashSize?: number;
}

const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

function bad(why: string): TlogError {
  return new TlogError('MALFORMED_CHECKPOINT', `检查点格式错误 / malformed checkpoint: ${why}`);
}

/** An origin line: non-empty, printable, no whitespace and no "+" (it doubles as the signed-note key name). */
export function isValidOrigin(origin: string): boolean {
  return (
    typeof origin === 'string' && origin.length > 0 && !/[\s+]/u.test(origin) && !hasControlCharacter(origin)
  );
}

/** Parses checkpoint text (the note text, ending in "\n") strictly: one spelling per checkpoint. */
export function parseCheckpoint(text: string, opts: ParseCheckpointOptions = {}): Checkpoint {
  const hashSize = opts.hashSize ?? 32;
  if (typeof text !== 'string' || !text.endsWith('\n')) throw bad('text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('needs origin, size and root hash lines');
  const [origin, sizeLine, hashLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!isValidOrigin(origin)) throw bad('invalid origin line');
  if (!SIZE_RE.test(sizeLine)) throw bad('tree size must be decimal without leading zeros');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw bad('tree size too large');
  const rootHash = decodeStrictBase64(hashLine);
  if (rootHash === undefined || rootHash.length !== hashSize)
    throw bad(`root hash must be canonical base64 of ${hashSize} bytes`);
  for (const e of extensions) {
    if (e.length === 0) throw bad('empty extension line');
    if (hasControlCharacter(e)) throw bad('control character in an extension line');
  }
  if (extensions.length > 0 && !opts.allowExtensions) {
    throw new TlogError(
      'CHECKPOINT_EXTENSION_LINES',
      '检查点不得含扩展行 / SealTrust checkpoints have no extension lines',
    );
  }
  return { origin, size, rootHash, extensions };
}

/** Formats a checkpoint's note text exactly; refuses what parseCheckpoint would refuse. */
export function formatCheckpoint(cp: Checkpoint, opts: ParseCheckpointOptions = {}): string {
  const text = `${cp.origin}\n${cp.size}\n${encodeBase64(cp.rootHash)}\n${cp.extensions.map((e) => `${e}\n`).join('')}`;
  if (!Number.isSafeInteger(cp.size) || cp.size < 0)
    throw bad('tree size must be a non-negative safe integer');
  parseCheckpoint(text, { ...opts, allowExtensions: opts.allowExtensions ?? cp.extensions.length > 0 });
  if (cp.extensions.some((e) => e.includes('\n'))) throw bad('newline in an extension line');
  return text;
}
