// Which validation engine a submitted file goes to. The bytes decide, not the declared media type: a PDF
// is a file with `%PDF-` in its first 1024 bytes (ISO 32000-1 §7.5.2, readers tolerate leading junk); an OFD
// is a ZIP archive (GB/T 33190 §7.1: the package is a ZIP whose root holds OFD.xml). Whether the archive
// really holds OFD.xml is the OFD reader's question (src/ofd), asked in the worker: a ZIP without it is
// `not-an-ofd` there, with the reason.

export type DocumentFormat = 'pdf' | 'ofd';

/** Local file header or end of central directory (an empty archive) at offset 0 (APPNOTE 6.3.x §4.3.7). */
const ZIP_MAGICS = [
  [0x50, 0x4b, 0x03, 0x04],
  [0x50, 0x4b, 0x05, 0x06],
] as const;

const PDF_HEADER_WINDOW = 1024;

/**
 * The engine for `bytes`, or undefined when they are neither. `declared` (what the client said it sent) only
 * breaks the tie for files that are neither by their first bytes: an `application/ofd` body still goes to the
 * OFD reader, which finds ZIPs behind a prefix (self-extractor stubs) and names why it refuses the rest.
 */
export function sniffDocumentFormat(
  bytes: Uint8Array,
  declared?: DocumentFormat,
): DocumentFormat | undefined {
  if (ZIP_MAGICS.some((m) => m.every((b, i) => bytes[i] === b))) return 'ofd';
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(PDF_HEADER_WINDOW, bytes.byteLength));
  if (head.includes('%PDF-', 0, 'latin1')) return 'pdf';
  return declared === 'ofd' ? 'ofd' : undefined;
}
