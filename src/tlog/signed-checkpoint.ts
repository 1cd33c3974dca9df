import { parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { parseCosignature } from './cosignature.js';
import { openNote, type NoteVerifier } from './signed-note.js';
import { TlogError } from './tlog-error.js';

export interface WitnessedBy {
  readonly name: string;
  readonly keyId: number;
  /** The witness's freshness bound, POSIX seconds (目录日志见证时间). */
  readonly timestamp: number;
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note text, byte for byte what was signed. */
  readonly text: string;
  /** Cosignatures by known witnesses that verified. */
  readonly witnessedBy: readonly WitnessedBy[];
}

/**
 * Opens a signed checkpoint (§2.4): the text parses strictly, the log's own signature (key name = origin) verifies,
 * and known witnesses' cosignatures verify. A note carrying only witness signatures is refused, which the generic
 * signed-note rule ("at least one known key verifies") would let through. `origin` pins the expected log.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  origin: string,
  logVerifiers: readonly NoteVerifier[],
  witnesses: readonly NoteVerifier[] = [],
): OpenedCheckpoint {
  const logKeys = logVerifiers.filter((v) => v.name === origin);
  if (logKeys.length === 0) {
    throw new TlogError('WRONG_ORIGIN', `没有该日志的验证密钥 / no log key named ${origin}`);
  }
  const opened = openNote(note, [...logKeys, ...witnesses]);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== origin) {
    throw new TlogError(
      'WRONG_ORIGIN',
      `检查点来源不符 / checkpoint origin ${checkpoint.origin} is not ${origin}`,
    );
  }
  const isLogKey = (name: string, keyId: number) =>
    logKeys.some((k) => k.name === name && k.keyId >>> 0 === keyId);
  if (!opened.verified.some((s) => isLogKey(s.name, s.keyId))) {
    throw new TlogError('NO_KNOWN_SIGNATURE', '缺少日志自身的签名 / checkpoint lacks a valid log signature');
  }
  const witnessedBy = opened.verified
    .filter((s) => !isLogKey(s.name, s.keyId))
    .map((s) => ({ name: s.name, keyId: s.keyId, timestamp: parseCosignature(s.signature).timestamp }));
  return { checkpoint, text: opened.text, witnessedBy };
}
