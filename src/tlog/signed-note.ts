// C2SP signed-note: a UTF-8 text, a blank line, and signature lines "— <key name> base64(key ID ‖ signature)".

import { hasControlCharacter } from './control-characters.js';
import { decodeStrictBase64, encodeBase64 } from './strict-base64.js';
import { TlogError } from './tlog-error.js';

/** Signs note text for one key. `keyId` is the 4-byte key ID as an unsigned 32-bit integer. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Uint8Array;
}

/** Checks one signature over note text; false for a wrong or malformed signature, never a throw. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
}

export interface ParsedNote {
  /** The signed text, ending in "\n". */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface OpenedNote extends ParsedNote {
  /** Signatures by known keys that verified, without repeats. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by unknown (name, key ID) pairs, ignored as signed-note requires. */
  readonly unknown: readonly NoteSignature[];
}

/** signed-note asks verifiers to accept at least 16 signatures; the SealTrust profile caps them at 32. */
export const MAX_NOTE_SIGNATURES = 32;
const SIG_PREFIX = '\u2014 ';
// A string that cannot be UTF-8 (a lone surrogate); String#isWellFormed is ES2024, beyond this project's lib.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A key name: non-empty, no whitespace, no "+" (signed-note §Signatures). */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name) && !hasControlCharacter(name);
}

export function checkKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new TlogError('INVALID_KEY_NAME', `密钥名无效 / invalid key name: ${JSON.stringify(name)}`);
  }
}

function malformed(why: string): TlogError {
  return new TlogError('MALFORMED_NOTE', `签名注记格式错误 / malformed note: ${why}`);
}

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) throw malformed('text must end with a newline');
  // Control characters other than newline are refused, so what is shown is what was signed.
  if (hasControlCharacter(text, true)) throw malformed('control character in text');
  if (LONE_SURROGATE.test(text)) throw malformed('text is not valid UTF-8');
}

function decodeUtf8Strict(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformed('not valid UTF-8');
  }
}

/** Splits a note into text and signature lines, strictly; verifies nothing. */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const s = typeof note === 'string' ? note : note instanceof Uint8Array ? decodeUtf8Strict(note) : undefined;
  if (s === undefined) throw malformed('a note is a string or bytes');
  if (LONE_SURROGATE.test(s)) throw malformed('not valid UTF-8');
  if (hasControlCharacter(s, true)) throw malformed('control character');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  checkText(text);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new TlogError(
      'TOO_MANY_SIGNATURES',
      `签名行超过 ${MAX_NOTE_SIGNATURES} 行 / more than ${MAX_NOTE_SIGNATURES} signature lines`,
    );
  }
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIG_PREFIX)) throw malformed('signature line must start with "— "');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw malformed('signature line needs a key name and a signature');
    const name = rest.slice(0, space);
    if (!isValidKeyName(name)) throw malformed(`invalid key name ${JSON.stringify(name)}`);
    const raw = decodeStrictBase64(rest.slice(space + 1));
    if (raw === undefined || raw.length < 5)
      throw malformed('signature is not canonical base64 of key ID ‖ signature');
    const keyId =
      ((raw[0] as number) * 2 ** 24 +
        (((raw[1] as number) << 16) | ((raw[2] as number) << 8) | (raw[3] as number))) >>>
      0;
    return { name, keyId, signature: raw.slice(4) };
  });
  return { text, signatures };
}

/** One signature line, "— <name> base64(key ID ‖ signature)\n". */
export function formatSignatureLine(sig: NoteSignature): string {
  checkKeyName(sig.name);
  const raw = new Uint8Array(4 + sig.signature.length);
  new DataView(raw.buffer).setUint32(0, sig.keyId >>> 0);
  raw.set(sig.signature, 4);
  return `${SIG_PREFIX}${sig.name} ${encodeBase64(raw)}\n`;
}

export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  checkText(text);
  if (signatures.length === 0 || signatures.length > MAX_NOTE_SIGNATURES) {
    throw new TlogError(
      'TOO_MANY_SIGNATURES',
      `签名数须为 1..${MAX_NOTE_SIGNATURES} / a note needs 1..${MAX_NOTE_SIGNATURES} signatures`,
    );
  }
  return `${text}\n${signatures.map(formatSignatureLine).join('')}`;
}

/** Signs `text` with each signer, in order, and formats the note. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  const bytes = new TextEncoder().encode(text);
  return formatNote(
    text,
    signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(bytes) })),
  );
}

/** Adds signature lines (e.g. a witness cosignature) to an already signed note. */
export function addSignatures(note: string, more: readonly NoteSignature[]): string {
  const parsed = parseNote(note);
  return formatNote(parsed.text, [...parsed.signatures, ...more]);
}

/**
 * Parses and verifies a note by the signed-note rules: signatures by unknown (name, key ID) are ignored; a known
 * key whose signature does not verify rejects the whole note (INVALID_SIGNATURE); at least one known key must
 * verify (NO_KNOWN_SIGNATURE).
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const parsed = parseNote(note);
  const bytes = new TextEncoder().encode(parsed.text);
  const verified: NoteSignature[] = [];
  const unknown: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of parsed.signatures) {
    const v = verifiers.find((x) => x.name === sig.name && x.keyId >>> 0 === sig.keyId);
    if (!v) {
      unknown.push(sig);
      continue;
    }
    let ok = false;
    try {
      ok = v.verify(bytes, sig.signature);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new TlogError(
        'INVALID_SIGNATURE',
        `签名验证失败 / signature by ${sig.name}+${sig.keyId.toString(16).padStart(8, '0')} does not verify`,
      );
    }
    const key = `${sig.name}+${sig.keyId}`;
    if (!seen.has(key)) {
      seen.add(key);
      verified.push(sig);
    }
  }
  if (verified.length === 0)
    throw new TlogError('NO_KNOWN_SIGNATURE', '没有已知密钥的有效签名 / no signature by a known key');
  return { ...parsed, verified, unknown };
}
