import { inflateSync } from 'node:zlib';
import { PdfError } from './pdf-error.js';
import { dictGet, PdfObjectScanner, type PdfDict, type PdfValue } from './pdf-object-scanner.js';

/**
 * One cross-reference section (ISO 32000 §7.5.4 table + trailer, or §7.5.8 cross-reference stream) read at a
 * byte offset, with the objects it lists. Tolerant: entries that cannot be read are skipped, never guessed.
 */
export interface XrefEntry {
  num: number;
  gen: number;
  /** 'offset': object at a file offset; 'compressed': object `index` inside object stream `stream`. */
  type: 'offset' | 'compressed' | 'free';
  offset?: number;
  stream?: number;
  index?: number;
}

export interface XrefSection {
  kind: 'table' | 'stream';
  /** Offset the section was read from (the `xref` keyword or the stream object's header). */
  offset: number;
  trailer: PdfDict;
  entries: XrefEntry[];
}

/** Upper bound of entries read from one section (a 10 MB file cannot list more objects than this). */
const MAX_ENTRIES = 1_000_000;
/**
 * Largest trailer /Size accepted: one more than the largest object number a conforming file may use
 * (ISO 32000-1 Annex C.2: 8,388,607 indirect objects). A larger /Size only serves to make a reader allocate.
 */
export const MAX_XREF_SIZE = 8_388_608;
/** Largest decompressed stream accepted (xref and object streams). */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

function int(v: PdfValue | undefined): number | null {
  return v?.kind === 'number' && v.integer && v.value >= 0 && Number.isSafeInteger(v.value) ? v.value : null;
}

/** A stream's /Filter as a list of names ('?' for an entry that is not a name). */
export function streamFilters(dict: PdfDict): string[] {
  const filter = dict.entries.get('Filter');
  if (filter?.kind === 'name') return [filter.value];
  if (filter?.kind === 'array') return filter.items.map((f) => (f.kind === 'name' ? f.value : '?'));
  return [];
}

/**
 * Decodes a stream's data: FlateDecode (with PNG/TIFF-less predictors) or none. Null if unsupported.
 * The output is charged to the scanner's budget; inflating stops at what the budget has left, and a stream
 * cut short there throws PdfBudgetExceeded (not null: the file is too costly, not malformed).
 */
export function decodeStream(scanner: PdfObjectScanner, dict: PdfDict, span: { start: number; end: number }) {
  const raw = scanner.bytes.subarray(span.start, span.end);
  const filters = streamFilters(dict);
  const budget = scanner.budget;
  budget?.check();
  if (filters.length === 0) return Buffer.from(raw);
  if (filters.length !== 1 || (filters[0] !== 'FlateDecode' && filters[0] !== 'Fl')) return null;
  const byBudget = budget !== undefined && budget.inflateRemaining < MAX_INFLATED_BYTES;
  const max = byBudget ? budget.inflateRemaining : MAX_INFLATED_BYTES;
  let data: Buffer;
  try {
    // maxOutputLength must be ≥ 1; with nothing left, any output at all is over the budget.
    data = inflateSync(raw, { maxOutputLength: Math.max(1, max), finishFlush: 2 /* Z_SYNC_FLUSH */ });
  } catch (err) {
    if (byBudget && (err as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE') budget.inflatedOverrun();
    return null;
  }
  budget?.chargeInflated(data.length);
  const parms = dict.entries.get('DecodeParms');
  const predictor = parms?.kind === 'dict' ? (int(parms.entries.get('Predictor')) ?? 1) : 1;
  if (predictor < 10) return predictor === 1 ? data : null;
  const columns = parms?.kind === 'dict' ? (int(parms.entries.get('Columns')) ?? 1) : 1;
  if (columns < 1 || columns > 1 << 20) return null;
  return unpredictPng(data, columns);
}

/** Reverses PNG row predictors (one byte per pixel, as xref streams use them). */
function unpredictPng(data: Buffer, columns: number): Buffer {
  const rowLen = columns + 1;
  const rows = Math.floor(data.length / rowLen);
  const out = Buffer.alloc(rows * columns);
  for (let r = 0; r < rows; r++) {
    const type = data[r * rowLen]!;
    for (let c = 0; c < columns; c++) {
      const x = data[r * rowLen + 1 + c]!;
      const left = c > 0 ? out[r * columns + c - 1]! : 0;
      const up = r > 0 ? out[(r - 1) * columns + c]! : 0;
      const upLeft = r > 0 && c > 0 ? out[(r - 1) * columns + c - 1]! : 0;
      let v = x;
      if (type === 1) v = x + left;
      else if (type === 2) v = x + up;
      else if (type === 3) v = x + ((left + up) >> 1);
      else if (type === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        v = x + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
      }
      out[r * columns + c] = v & 0xff;
    }
  }
  return out;
}

/** A trailer's /Size (0 when absent or unreadable, as before); MALFORMED when it is beyond any real file. */
function checkSize(trailer: PdfDict, offset: number): number {
  const v = trailer.entries.get('Size');
  if (v?.kind === 'number' && v.value > MAX_XREF_SIZE)
    throw new PdfError(
      'MALFORMED',
      `the /Size ${v.value} of the xref section at ${offset} is beyond any real file`,
    );
  return int(v) ?? 0;
}

function readTable(scanner: PdfObjectScanner, offset: number): XrefSection {
  let pos = scanner.skipWs(offset + 4);
  const entries: XrefEntry[] = [];
  for (;;) {
    const first = scanner.unsignedAt(pos);
    if (!first) break;
    const count = scanner.unsignedAt(scanner.skipWs(first.end));
    if (!count) throw new PdfError('MALFORMED', `xref subsection header at ${pos} is incomplete`);
    if (entries.length + count.value > MAX_ENTRIES)
      throw new PdfError('MALFORMED', `xref section at ${offset} lists too many entries`);
    scanner.budget?.chargeXrefEntries(count.value);
    pos = scanner.skipWs(count.end);
    for (let k = 0; k < count.value; k++) {
      scanner.budget?.tick();
      const off = scanner.unsignedAt(pos);
      const gen = off ? scanner.unsignedAt(scanner.skipWs(off.end)) : null;
      const typePos = gen ? scanner.skipWs(gen.end) : -1;
      const t = typePos >= 0 ? scanner.word(typePos) : '';
      if (!off || !gen || (t !== 'n' && t !== 'f'))
        throw new PdfError('MALFORMED', `xref entry ${first.value + k} at ${pos} is unreadable`);
      entries.push(
        t === 'n'
          ? { num: first.value + k, gen: gen.value, type: 'offset', offset: off.value }
          : { num: first.value + k, gen: gen.value, type: 'free' },
      );
      pos = scanner.skipWs(typePos + 1);
    }
  }
  if (scanner.word(pos) !== 'trailer')
    throw new PdfError('MALFORMED', `no trailer after the xref at ${offset}`);
  const trailer = scanner.parse(pos + 7);
  if (trailer.kind !== 'dict') throw new PdfError('MALFORMED', `trailer at ${pos} is not a dictionary`);
  checkSize(trailer, offset);
  return { kind: 'table', offset, trailer, entries };
}

function readStream(scanner: PdfObjectScanner, offset: number): XrefSection {
  const obj = scanner.indirectObjectAt(offset);
  if (
    !obj ||
    obj.value.kind !== 'dict' ||
    !obj.stream ||
    dictGet(obj.value, 'Type', 'name')?.value !== 'XRef'
  )
    throw new PdfError('MALFORMED', `no xref table or xref stream at ${offset}`);
  const dict = obj.value;
  const w = dictGet(dict, 'W', 'array')?.items.map(int) ?? [];
  if (w.length !== 3 || w.some((x) => x === null || x > 8))
    throw new PdfError('MALFORMED', `xref stream at ${offset} has a bad /W`);
  const [w0, w1, w2] = w as [number, number, number];
  const size = checkSize(dict, offset);
  const index = dictGet(dict, 'Index', 'array')?.items.map(int) ?? [0, size];
  const data = decodeStream(scanner, dict, obj.stream);
  if (!data) throw new PdfError('MALFORMED', `xref stream at ${offset} cannot be decoded`);
  const rowLen = w0 + w1 + w2;
  if (rowLen === 0) throw new PdfError('MALFORMED', `xref stream at ${offset} has empty rows`);
  const field = (p: number, n: number) => {
    let v = 0;
    for (let k = 0; k < n; k++) v = v * 256 + data[p + k]!;
    return v;
  };
  const entries: XrefEntry[] = [];
  let p = 0;
  for (let s = 0; s + 1 < index.length; s += 2) {
    const first = index[s];
    const count = index[s + 1];
    if (first === null || first === undefined || count === null || count === undefined)
      throw new PdfError('MALFORMED', `xref stream at ${offset} has a bad /Index`);
    // Charged up front (what the data can hold of this subsection), so a long /Index stops before the loop.
    scanner.budget?.chargeXrefEntries(
      Math.min(count, Math.floor((data.length - p) / rowLen), MAX_ENTRIES - entries.length),
    );
    for (
      let k = 0;
      k < count && p + rowLen <= data.length && entries.length < MAX_ENTRIES;
      k++, p += rowLen
    ) {
      scanner.budget?.tick();
      const type = w0 === 0 ? 1 : field(p, w0);
      const f2 = field(p + w0, w1);
      const f3 = field(p + w0 + w1, w2);
      const num = first + k;
      if (type === 1) entries.push({ num, gen: f3, type: 'offset', offset: f2 });
      else if (type === 2) entries.push({ num, gen: 0, type: 'compressed', stream: f2, index: f3 });
      else if (type === 0) entries.push({ num, gen: f3, type: 'free' });
    }
  }
  return { kind: 'stream', offset, trailer: dict, entries };
}

/** The cross-reference section at `offset` (a table or a stream). Throws PdfError('MALFORMED'). */
export function readXrefSection(scanner: PdfObjectScanner, offset: number): XrefSection {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= scanner.length)
    throw new PdfError('MALFORMED', `xref offset ${offset} is outside the file`);
  const at = scanner.skipWs(offset);
  if (scanner.word(at) === 'xref') return readTable(scanner, at);
  return readStream(scanner, at);
}

/** /Prev and /XRefStm of a section's trailer. */
export function trailerLinks(section: XrefSection): { prev: number | null; xrefStm: number | null } {
  return {
    prev: int(section.trailer.entries.get('Prev')),
    xrefStm: int(section.trailer.entries.get('XRefStm')),
  };
}
