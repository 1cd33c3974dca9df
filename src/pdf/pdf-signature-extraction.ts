import { PdfBudgetExceeded } from './pdf-budget.js';
import { PdfError } from './pdf-error.js';
import { PdfObjectIndex } from './pdf-object-index.js';
import { dictGet, isPdfWhitespace, type PdfDict, type PdfValue } from './pdf-object-scanner.js';
import { assertPdfHeader, revisionContaining, type PdfRevision } from './pdf-revisions.js';
import { decodeTextString, parsePdfDate } from './pdf-text-string.js';

/**
 * Every signature dictionary of a PDF, in every revision (pyHanko-style reading, separate from validation):
 *   - each object listed by any cross-reference section of any revision (not only the last xref),
 *   - each `N G obj` found by a linear scan (objects no xref lists; flagged `inXref: false`),
 *   - the /V of every signature field reachable from the latest revision's /AcroForm (names the field; a
 *     direct /V dictionary is found only this way).
 * A signature dictionary is one with /Type /Sig or /DocTimeStamp, or with both /ByteRange and /Contents.
 * Nothing is judged here: see checkByteRange. Only a file without a PDF header throws (PdfError 'NOT_A_PDF').
 */
export interface ExtractedSignature {
  /** Fully qualified field name (parent names joined with '.'), or null if no field refers to it. */
  fieldName: string | null;
  /** Object number/generation, null for a direct /V dictionary. */
  objectNumber: number | null;
  generation: number | null;
  /** Offset of `<<` of the dictionary and one past `>>`; null when it lives in an object stream. */
  dictOffset: number | null;
  dictEnd: number | null;
  /** An xref section of some revision lists the object at this offset. */
  inXref: boolean;
  /** Reached from the latest revision's /AcroForm /Fields. */
  inAcroForm: boolean;
  inObjectStream: boolean;
  /** /Type: 'Sig', 'DocTimeStamp' or null. */
  type: string | null;
  filter: string | null;
  subFilter: string | null;
  /** The raw /ByteRange numbers (any count, any value), or null if absent or not an array of numbers. */
  byteRange: number[] | null;
  /** How /Contents is written. */
  contentsKind: 'hex' | 'literal' | 'null' | 'missing' | 'other';
  /** The /Contents bytes exactly as decoded, trailing zero padding included (null unless a string). */
  contents: Buffer | null;
  /** Number of trailing zero bytes of `contents` (the placeholder padding; may also end the DER itself). */
  contentsPadding: number;
  /** The hex string only held hex digits and whitespace, an even number of digits. */
  contentsClean: boolean;
  /** Offset of the `<` of the /Contents hex string and one past its `>` (file offsets). */
  contentsOffsets: { start: number; end: number } | null;
  /** The revision whose bytes contain the dictionary (null: after the last %%EOF, a truncated file). */
  revision: { index: number; eofOffset: number; end: number } | null;
  /** /M as written and parsed. */
  m: string | null;
  signingTime: Date | null;
  name: string | null;
  reason: string | null;
  location: string | null;
}

const MAX_FIELDS = 20_000;
const MAX_FIELD_DEPTH = 32;

function isSigDict(v: PdfValue): v is PdfDict {
  if (v.kind !== 'dict') return false;
  const type = dictGet(v, 'Type', 'name')?.value;
  return (
    type === 'Sig' || type === 'DocTimeStamp' || (v.entries.has('ByteRange') && v.entries.has('Contents'))
  );
}

function text(dict: PdfDict, key: string): string | null {
  const v = dict.entries.get(key);
  return v?.kind === 'string' ? decodeTextString(v.bytes) : null;
}

function describe(
  dict: PdfDict,
  where: {
    objectNumber: number | null;
    generation: number | null;
    inFile: boolean;
    inXref: boolean;
    revisions: PdfRevision[];
    revisionOffset: number;
  },
): ExtractedSignature {
  const br = dict.entries.get('ByteRange');
  const byteRange =
    br?.kind === 'array' && br.items.every((i) => i.kind === 'number')
      ? br.items.map((i) => (i as { value: number }).value)
      : null;
  const c = dict.entries.get('Contents');
  const contentsKind: ExtractedSignature['contentsKind'] =
    c === undefined
      ? 'missing'
      : c.kind === 'null'
        ? 'null'
        : c.kind === 'string'
          ? c.hex
            ? 'hex'
            : 'literal'
          : 'other';
  const contents = c?.kind === 'string' ? c.bytes : null;
  let contentsPadding = 0;
  if (contents)
    while (contentsPadding < contents.length && contents[contents.length - 1 - contentsPadding] === 0)
      contentsPadding++;
  const rev = revisionContaining(where.revisions, where.revisionOffset);
  const m = text(dict, 'M');
  return {
    fieldName: null,
    objectNumber: where.objectNumber,
    generation: where.generation,
    dictOffset: where.inFile ? dict.start : null,
    dictEnd: where.inFile ? dict.end : null,
    inXref: where.inXref,
    inAcroForm: false,
    inObjectStream: !where.inFile,
    type: dictGet(dict, 'Type', 'name')?.value ?? null,
    filter: dictGet(dict, 'Filter', 'name')?.value ?? null,
    subFilter: dictGet(dict, 'SubFilter', 'name')?.value ?? null,
    byteRange,
    contentsKind,
    contents,
    contentsPadding,
    contentsClean: c?.kind === 'string' ? c.clean : false,
    contentsOffsets: where.inFile && c?.kind === 'string' ? { start: c.start, end: c.end } : null,
    revision: rev ? { index: rev.index, eofOffset: rev.eofOffset, end: rev.end } : null,
    m,
    signingTime: m === null ? null : parsePdfDate(m),
    name: text(dict, 'Name'),
    reason: text(dict, 'Reason'),
    location: text(dict, 'Location'),
  };
}

const OBJ_HEADER_BEFORE = /(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj$/;
const HEADER_WINDOW = 64;

/**
 * Offsets of every `N G obj` header in the file. Finds each `obj` keyword natively and reads the numbers
 * before it (a regular expression over the whole file costs several times more on large files).
 */
function* objectHeaders(buf: Buffer): Generator<number> {
  for (let i = buf.indexOf('obj', 0, 'latin1'); i >= 0; i = buf.indexOf('obj', i + 3, 'latin1')) {
    const next = buf[i + 3];
    if (next !== undefined && !isPdfWhitespace(next) && !'()<>[]{}/%'.includes(String.fromCharCode(next)))
      continue;
    const from = Math.max(0, i - HEADER_WINDOW);
    const m = OBJ_HEADER_BEFORE.exec(buf.toString('latin1', from, i + 3));
    if (m) yield from + m.index;
  }
}

/** `index`: an index of the same bytes the caller already built (the verifier reuses it). */
export function extractPdfSignatures(pdf: Uint8Array, index?: PdfObjectIndex): ExtractedSignature[] {
  const buf = assertPdfHeader(pdf);
  try {
    return extract(buf, index);
  } catch (err) {
    if (err instanceof PdfError || err instanceof PdfBudgetExceeded) throw err;
    throw new PdfError('MALFORMED', `unreadable PDF (${(err as Error)?.message ?? String(err)})`, {
      cause: err,
    });
  }
}

function extract(buf: Buffer, known?: PdfObjectIndex): ExtractedSignature[] {
  const index = known ?? new PdfObjectIndex(buf);
  const listed = index.listedOffsets();
  const found = new Map<string, ExtractedSignature>();
  /** (num gen) → partial field name, from every field dictionary seen anywhere. */
  const fieldNameOfRef = new Map<string, string>();

  const noteField = (v: PdfValue) => {
    const ref = dictGet(v, 'V', 'ref');
    const t = dictGet(v, 'T', 'string');
    if (ref && t && !fieldNameOfRef.has(`${ref.num} ${ref.gen}`))
      fieldNameOfRef.set(`${ref.num} ${ref.gen}`, decodeTextString(t.bytes));
  };
  const consider = (offset: number, inXref: boolean) => {
    const obj = index.objectAt(offset);
    if (!obj) return;
    const v = obj.value;
    if (v.kind !== 'dict') return;
    noteField(v);
    if (!isSigDict(v)) return;
    const key = `@${v.start}`;
    const known = found.get(key);
    if (known) {
      known.inXref ||= inXref;
      return;
    }
    found.set(
      key,
      describe(v, {
        objectNumber: obj.num,
        generation: obj.gen,
        inFile: true,
        inXref,
        revisions: index.revisions,
        revisionOffset: v.start,
      }),
    );
  };

  for (const off of listed) consider(off, true);
  for (const at of objectHeaders(buf)) if (!listed.has(at)) consider(at, false);

  // Objects in object streams: field names, and (unverifiable) compressed signature dictionaries.
  for (const { num, value, containerOffset } of index.compressedObjects()) {
    noteField(value);
    const key = `os${num}@${containerOffset}`;
    if (isSigDict(value) && !found.has(key))
      found.set(
        key,
        describe(value, {
          objectNumber: num,
          generation: 0,
          inFile: false,
          inXref: true,
          revisions: index.revisions,
          revisionOffset: containerOffset,
        }),
      );
  }

  // Field names and direct /V dictionaries from the latest revision's AcroForm.
  walkAcroForm(index, (fieldName, v, ref, inObjStm) => {
    if (ref) {
      const r = index.resolve(ref.num);
      if (!r || !isSigDict(r.obj.value)) return;
      const key = r.inObjectStream ? `os${ref.num}@${r.offset}` : `@${r.obj.value.start}`;
      let sig = found.get(key);
      if (!sig) {
        sig = describe(r.obj.value, {
          objectNumber: ref.num,
          generation: ref.gen,
          inFile: !r.inObjectStream,
          inXref: true,
          revisions: index.revisions,
          revisionOffset: r.inObjectStream ? r.offset : r.obj.value.start,
        });
        found.set(key, sig);
      }
      sig.fieldName = fieldName;
      sig.inAcroForm = true;
    } else if (isSigDict(v) && !inObjStm) {
      const key = `@${v.start}`;
      const sig =
        found.get(key) ??
        describe(v, {
          objectNumber: null,
          generation: null,
          inFile: true,
          inXref: false,
          revisions: index.revisions,
          revisionOffset: v.start,
        });
      sig.fieldName = fieldName;
      sig.inAcroForm = true;
      found.set(key, sig);
    }
  });

  for (const sig of found.values()) {
    if (sig.fieldName === null && sig.objectNumber !== null)
      sig.fieldName = fieldNameOfRef.get(`${sig.objectNumber} ${sig.generation}`) ?? null;
  }
  return [...found.values()].sort((a, b) => (a.dictOffset ?? Infinity) - (b.dictOffset ?? Infinity));
}

/** Calls `visit` with every signature field's full name and its /V (the value, and the reference if any). */
function walkAcroForm(
  index: PdfObjectIndex,
  visit: (
    fieldName: string,
    v: PdfValue,
    ref: { num: number; gen: number } | null,
    inObjStm: boolean,
  ) => void,
): void {
  const root = index.deref(index.trailer?.entries.get('Root'));
  if (root?.kind !== 'dict') return;
  const acroForm = index.deref(root.entries.get('AcroForm'));
  if (acroForm?.kind !== 'dict') return;
  const fields = index.deref(acroForm.entries.get('Fields'));
  if (fields?.kind !== 'array') return;
  const seen = new Set<number>();
  let count = 0;
  const walk = (
    items: PdfValue[],
    parentName: string,
    inheritedFt: string | null,
    depth: number,
    parentInObjStm: boolean,
  ) => {
    if (depth > MAX_FIELD_DEPTH) return;
    for (const item of items) {
      if (++count > MAX_FIELDS) return;
      let inObjStm = parentInObjStm;
      let field: PdfValue | undefined = item;
      if (item.kind === 'ref') {
        if (seen.has(item.num)) continue;
        seen.add(item.num);
        const r = index.resolve(item.num);
        field = r?.obj.value;
        inObjStm = r?.inObjectStream ?? false;
      }
      if (field?.kind !== 'dict') continue;
      const t = dictGet(field, 'T', 'string');
      const name = t ? (parentName ? `${parentName}.` : '') + decodeTextString(t.bytes) : parentName;
      const ft = dictGet(field, 'FT', 'name')?.value ?? inheritedFt;
      const v = field.entries.get('V');
      if (ft === 'Sig' && v) {
        const value = index.deref(v);
        if (value) visit(name, value, v.kind === 'ref' ? { num: v.num, gen: v.gen } : null, inObjStm);
      }
      const kids = index.deref(field.entries.get('Kids'));
      if (kids?.kind === 'array') walk(kids.items, name, ft, depth + 1, inObjStm);
    }
  };
  walk(fields.items, '', null, 0, false);
}
