import { hasControlCharacter } from './control-characters.js';
import { malformed } from './ofd-error.js';

/**
 * Decodes and vets one ZIP entry name. APPNOTE 4.4.4 bit 11 says UTF-8; without it the name is CP437 in theory,
 * in OFD practice ASCII (GB/T 33190 names are ASCII). A name that is neither is refused rather than guessed (ofdrw
 * falls back to GBK, which is a parsing differential waiting to happen).
 *
 * Refused (APPNOTE 4.4.17 "MUST NOT contain a drive or device letter, or a leading slash"; plus what makes two
 * readers disagree about which file a name means): empty names, control characters (NUL included), backslashes,
 * absolute or drive-letter names, `.`/`..`/empty path segments.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface DecodedName {
  readonly name: string;
  /** Non-ASCII bytes decoded as UTF-8 although bit 11 was clear. */
  readonly unflaggedUtf8: boolean;
}

export function decodeEntryName(raw: Uint8Array, flags: number): DecodedName {
  let ascii = true;
  for (const b of raw) if (b >= 0x80) ascii = false;
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch (err) {
    throw malformed('zip-name-encoding', 'ZIP 条目名不是 UTF-8 / a ZIP entry name is not UTF-8', err);
  }
  checkEntryName(name);
  return { name, unflaggedUtf8: !ascii && (flags & 0x0800) === 0 };
}

export function checkEntryName(name: string): void {
  const unsafe = (why: string) =>
    malformed(
      'zip-unsafe-name',
      `ZIP 条目名不安全（${why}）/ unsafe ZIP entry name (${why}): ${JSON.stringify(name)}`,
    );
  if (name.length === 0) throw unsafe('empty');
  if (hasControlCharacter(name)) throw unsafe('control character');
  if (name.includes('\\')) throw unsafe('backslash');
  if (name.startsWith('/')) throw unsafe('absolute');
  if (/^[A-Za-z]:/.test(name)) throw unsafe('drive letter');
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  for (const s of segments) {
    if (s === '') throw unsafe('empty segment');
    if (s === '.' || s === '..') throw unsafe('dot segment');
  }
}
