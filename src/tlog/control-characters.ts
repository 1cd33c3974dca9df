/** True if `s` holds an ASCII control character (U+0000–U+001F, U+007F), newline excepted when allowed. */
export function hasControlCharacter(s: string, allowNewline = false): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 || c === 0x7f) && !(allowNewline && c === 0x0a)) return true;
  }
  return false;
}
