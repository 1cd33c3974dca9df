/**
 * True if `s` holds an ASCII control character below U+0020, newline excepted when allowed: signed-note forbids
 * exactly these ("MUST NOT contain any ASCII control characters (those below U+0020) other than newline").
 */
export function hasControlCharacter(s: string, allowNewline = false): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return true;
  }
  return false;
}
