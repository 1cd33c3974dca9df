/**
 * PDF text strings (ISO 32000 §7.9.2) and dates (§7.9.4), both ways.
 */

/** Decodes a text string: UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0), else PDFDocEncoding (read as latin1). */
export function decodeTextString(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const body = Buffer.from(b.subarray(2, 2 + ((b.length - 2) & ~1)));
    return body.swap16().toString('utf16le');
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.toString('utf8', 3);
  return b.toString('latin1');
}

/** A text string as PDF syntax: a literal string for printable ASCII, else a UTF-16BE hex string with BOM. */
export function encodeTextString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;
  return `<FEFF${Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase()}>`;
}

/** `D:YYYYMMDDHHmmSSZ` (UTC). */
export function formatPdfDate(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid date');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  );
}

/** Parses `D:YYYY[MM[DD[HH[mm[SS[O[HH['mm']]]]]]]]`; null when it is not a PDF date. */
export function parsePdfDate(text: string): Date | null {
  const m =
    /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(?:(\d{2})'?(?:(\d{2})'?)?)?)?$/.exec(
      text.trim(),
    );
  if (!m) return null;
  const n = (s: string | undefined, d: number) => (s === undefined ? d : Number(s));
  const [year, month, day, hour, minute, second] = [
    n(m[1], 0),
    n(m[2], 1),
    n(m[3], 1),
    n(m[4], 0),
    n(m[5], 0),
    n(m[6], 0),
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMin = 0;
  if (m[7] === '+' || m[7] === '-') offsetMin = (m[7] === '-' ? -1 : 1) * (n(m[8], 0) * 60 + n(m[9], 0));
  const t = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000;
  return Number.isNaN(t) ? null : new Date(t);
}
