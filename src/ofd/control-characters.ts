/** C0 controls and DEL: never legitimate in a ZIP entry name or an ST_Loc, and NUL truncates names in C readers. */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
