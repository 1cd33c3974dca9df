import type { PdfBudget } from './pdf-budget.js';
import { PdfError } from './pdf-error.js';
import { PdfObjectScanner, isPdfWhitespace } from './pdf-object-scanner.js';
import { readXrefSection, type XrefSection } from './pdf-xref.js';

/**
 * Revisions of a PDF file: the original document and each incremental update (ISO 32000 §7.5.6) ends with
 * `startxref <offset> %%EOF`. A revision boundary is a `%%EOF` marker preceded by `startxref <digits>`, that
 * does not lie inside the data of a stream listed by the file's cross-reference sections (a PDF embedded
 * uncompressed in a stream has markers too). Boundaries are in file order.
 */
export interface PdfRevision {
  /** 0 for the original document, then one per incremental update. */
  index: number;
  /** Offset of the `%` of `%%EOF`. */
  eofOffset: number;
  /** Offset right after `%%EOF`. */
  eofEnd: number;
  /** Offset after `%%EOF` and one end-of-line (CR, LF or CRLF) if present: where the next revision begins. */
  end: number;
  /** The `startxref` value of this revision. */
  startxref: number;
  /** The cross-reference section `startxref` points at, or null if none can be read there. */
  xref: XrefSection | null;
}

const EOF_MARKER = Buffer.from('%%EOF', 'latin1');
const STARTXREF = 'startxref';

export function asBuffer(pdf: Uint8Array): Buffer {
  if (!(pdf instanceof Uint8Array)) throw new PdfError('NOT_A_PDF', 'input must be a Uint8Array');
  return Buffer.isBuffer(pdf) ? pdf : Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
}

/** Throws PdfError('NOT_A_PDF') unless `%PDF-` appears in the first 1024 bytes (ISO 32000 tolerance). */
export function assertPdfHeader(pdf: Uint8Array): Buffer {
  const buf = asBuffer(pdf);
  const at = buf.subarray(0, 1024).indexOf('%PDF-', 0, 'latin1');
  if (at < 0) throw new PdfError('NOT_A_PDF', 'not a PDF: no %PDF- header in the first 1024 bytes');
  return buf;
}

/** `startxref <n>` right before `eofOffset` (only whitespace between), or null. */
function startxrefBefore(buf: Buffer, eofOffset: number): number | null {
  let p = eofOffset - 1;
  while (p >= 0 && isPdfWhitespace(buf[p])) p--;
  const digitsEnd = p + 1;
  while (p >= 0 && buf[p]! >= 0x30 && buf[p]! <= 0x39 && digitsEnd - p <= 15) p--;
  const digitsStart = p + 1;
  if (digitsStart === digitsEnd || digitsEnd - digitsStart > 15) return null;
  const wsEnd = p;
  while (p >= 0 && isPdfWhitespace(buf[p])) p--;
  if (p === wsEnd) return null;
  const kwStart = p - STARTXREF.length + 1;
  if (kwStart < 0 || buf.toString('latin1', kwStart, p + 1) !== STARTXREF) return null;
  return Number(buf.toString('latin1', digitsStart, digitsEnd));
}

function tryXref(scanner: PdfObjectScanner, offset: number): XrefSection | null {
  try {
    return offset < scanner.length ? readXrefSection(scanner, offset) : null;
  } catch (err) {
    if (err instanceof PdfError) return null;
    throw err;
  }
}

/** Stream data spans of the objects the readable xref sections list, for excluding markers inside them. */
function insideListedStream(scanner: PdfObjectScanner, sortedOffsets: number[], at: number): boolean {
  // The object whose header is the nearest before `at` is the only one that can contain it.
  let lo = 0;
  let hi = sortedOffsets.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sortedOffsets[mid]! < at) {
      best = sortedOffsets[mid]!;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return false;
  try {
    const obj = scanner.indirectObjectAt(best);
    return !!obj?.stream && at >= obj.stream.start && at < obj.stream.end;
  } catch (err) {
    if (err instanceof PdfError) return false;
    throw err;
  }
}

/**
 * Scans the file for revision boundaries. Throws PdfError('NOT_A_PDF') only for a file without a header,
 * PdfBudgetExceeded when reading the sections overruns `budget` (charged for what is decoded here).
 */
export function listRevisions(pdf: Uint8Array, budget?: PdfBudget): PdfRevision[] {
  const buf = assertPdfHeader(pdf);
  const scanner = new PdfObjectScanner(buf, budget);
  const candidates: Omit<PdfRevision, 'index'>[] = [];
  // Many markers may name the same section (a few bytes of `startxref 9 %%EOF` each): it is read once.
  // (A section read from an offset in the whitespace before it is the section read from its start.)
  const sections = new Map<number, XrefSection | null>();
  for (let at = buf.indexOf(EOF_MARKER); at >= 0; at = buf.indexOf(EOF_MARKER, at + EOF_MARKER.length)) {
    budget?.tick();
    const startxref = startxrefBefore(buf, at);
    if (startxref === null) continue;
    const eofEnd = at + EOF_MARKER.length;
    let end = eofEnd;
    if (buf[end] === 0x0d) end++;
    if (buf[end] === 0x0a) end++;
    // Keyed by where the section really starts: offsets into the whitespace before it name it too.
    const key = startxref < buf.length ? scanner.skipWs(startxref) : startxref;
    let xref = sections.get(key);
    if (xref === undefined) sections.set(key, (xref = tryXref(scanner, startxref)));
    candidates.push({ eofOffset: at, eofEnd, end, startxref, xref });
  }
  const offsets = new Set<number>();
  for (const c of new Set(candidates.map((x) => x.xref))) {
    budget?.tick();
    for (const e of c?.entries ?? [])
      if (e.type === 'offset' && e.offset !== undefined) offsets.add(e.offset);
  }
  const sorted = [...offsets].sort((a, b) => a - b);
  return candidates
    .filter((c) => {
      budget?.tick();
      return !insideListedStream(scanner, sorted, c.eofOffset);
    })
    .map((c, index) => ({ index, ...c }));
}

/** The revision a byte offset belongs to: the first whose end lies after it, or null (after the last one). */
export function revisionContaining(revisions: PdfRevision[], offset: number): PdfRevision | null {
  for (const r of revisions) if (offset < r.end) return r;
  return null;
}
