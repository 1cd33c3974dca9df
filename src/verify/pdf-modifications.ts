import { PdfObjectIndex } from '../pdf/pdf-object-index.js';
import { dictGet, isPdfWhitespace, type PdfDict, type PdfValue } from '../pdf/pdf-object-scanner.js';
import { decodeStream, type XrefEntry } from '../pdf/pdf-xref.js';
import { check, type Check } from './report.js';

// What changed after a signature (validation.md, "Content added after a signature"): each revision after the
// signed one is compared with the one before it as a viewer reads them (the newest xref entry of each object
// wins), object by object, and every change is put in one of four categories:
//   signature   another signature, its field, widget and appearance, a DSS / document timestamp (allowed)
//   form-fill   values and appearances of existing form fields
//   annotation  annotations added, changed or removed
//   other       anything else: page content, resources, fonts, images, pages, catalog; shadow attacks (an
//               object the signed page uses redefined later, or an object hidden in the signed revision
//               referenced later); bytes after the last %%EOF that are not a revision.

export type ModificationCategory = 'signature' | 'form-fill' | 'annotation' | 'other';

const RANK: Record<ModificationCategory, number> = { signature: 0, 'form-fill': 1, annotation: 2, other: 3 };

export interface ObjectChange {
  /** Object number (null: not an object, e.g. bytes after the last revision). */
  num: number | null;
  /** Revision that made the change. */
  revision: number;
  kind: 'added' | 'changed' | 'deleted' | 'appended-bytes' | 'unreadable-revision';
  category: ModificationCategory;
  /** What the object is, in English ('page', 'content stream', 'signature dictionary', …). */
  what: string;
}

export interface ModificationAnalysis {
  signedRevision: number;
  /** Revisions after the signed one. */
  laterRevisions: number;
  /** Changes that matter (unchanged re-writes and invisible orphans are left out); at most MAX_REPORTED. */
  changes: ObjectChange[];
  /** The most serious category found, null when nothing changed. */
  worst: ModificationCategory | null;
}

const MAX_REPORTED = 50;
const MAX_WALK = 200_000;
const MAX_VALUE_NODES = 100_000;

const WHAT_ZH: Record<ModificationCategory, string> = {
  signature: '增加签名或验证数据',
  'form-fill': '填写表单',
  annotation: '增加或修改注释',
  other: '修改页面内容或文档结构',
};

type View = Map<number, XrefEntry>;

function sameEntry(a: XrefEntry | undefined, b: XrefEntry | undefined): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.offset === b.offset && a.stream === b.stream && a.index === b.index;
}

/** Structural equality of two parsed values (offsets ignored). */
export function sameValue(a: PdfValue | undefined, b: PdfValue | undefined, depth = 0): boolean {
  if (!a || !b) return a === b;
  if (a.kind !== b.kind || depth > 64) return false;
  switch (a.kind) {
    case 'number':
    case 'name':
    case 'bool':
    case 'keyword':
      return a.value === (b as typeof a).value;
    case 'null':
      return true;
    case 'string':
      return a.bytes.equals((b as typeof a).bytes);
    case 'ref':
      return a.num === (b as typeof a).num && a.gen === (b as typeof a).gen;
    case 'array': {
      const bi = (b as typeof a).items;
      return a.items.length === bi.length && a.items.every((x, i) => sameValue(x, bi[i], depth + 1));
    }
    case 'dict': {
      const be = (b as typeof a).entries;
      if (a.entries.size !== be.size) return false;
      for (const [k, v] of a.entries) if (!sameValue(v, be.get(k), depth + 1)) return false;
      return true;
    }
  }
}

/** Object numbers referenced anywhere inside a value. */
function refsOf(v: PdfValue, out = new Set<number>()): Set<number> {
  const stack: PdfValue[] = [v];
  let n = 0;
  while (stack.length && n++ < MAX_VALUE_NODES) {
    const x = stack.pop()!;
    if (x.kind === 'ref') out.add(x.num);
    else if (x.kind === 'array') stack.push(...x.items);
    else if (x.kind === 'dict') stack.push(...x.entries.values());
  }
  return out;
}

function changedKeys(a: PdfDict, b: PdfDict): string[] {
  const keys = new Set([...a.entries.keys(), ...b.entries.keys()]);
  return [...keys].filter((k) => !sameValue(a.entries.get(k), b.entries.get(k)));
}

function isSigDict(v: PdfValue | undefined): boolean {
  if (v?.kind !== 'dict') return false;
  const type = dictGet(v, 'Type', 'name')?.value;
  return (
    type === 'Sig' || type === 'DocTimeStamp' || (v.entries.has('ByteRange') && v.entries.has('Contents'))
  );
}

interface Snapshot {
  view: View;
  root: number | null;
  info: number | null;
}

/** Reading helpers bound to one index. */
class Reader {
  constructor(readonly index: PdfObjectIndex) {}

  value(num: number, view: View): PdfValue | undefined {
    return this.index.resolve(num, view)?.obj.value;
  }

  /** The raw stream bytes of an object, or null when it is not a stream. */
  streamBytes(num: number, view: View): Buffer | null {
    const r = this.index.resolve(num, view);
    const s = r?.obj.stream;
    if (!s) return null;
    const b = this.index.scanner.bytes;
    return Buffer.from(b.buffer, b.byteOffset + s.start, s.end - s.start);
  }

  deref(v: PdfValue | undefined, view: View): PdfValue | undefined {
    return v?.kind === 'ref' ? this.value(v.num, view) : v;
  }

  /** The field type of a field or widget, inherited through /Parent. */
  fieldType(d: PdfDict, view: View): string | null {
    let cur: PdfValue | undefined = d;
    for (let i = 0; i < 32 && cur?.kind === 'dict'; i++) {
      const ft = dictGet(cur, 'FT', 'name')?.value;
      if (ft) return ft;
      cur = this.deref(cur.entries.get('Parent'), view);
    }
    return null;
  }

  /** Page objects (and their indirect /Annots arrays) of a view, by walking /Pages from the catalog. */
  pages(root: number | null, view: View): { pages: Set<number>; annotArrays: Set<number> } {
    const pages = new Set<number>();
    const annotArrays = new Set<number>();
    const catalog = root === null ? undefined : this.value(root, view);
    const top = catalog?.kind === 'dict' ? catalog.entries.get('Pages') : undefined;
    const stack: PdfValue[] = top ? [top] : [];
    const seen = new Set<number>();
    let n = 0;
    while (stack.length && n++ < MAX_WALK) {
      const ref = stack.pop()!;
      if (ref.kind !== 'ref' || seen.has(ref.num)) continue;
      seen.add(ref.num);
      const node = this.value(ref.num, view);
      if (node?.kind !== 'dict') continue;
      const kids = this.deref(node.entries.get('Kids'), view);
      if (kids?.kind === 'array') stack.push(...kids.items);
      else {
        pages.add(ref.num);
        const annots = node.entries.get('Annots');
        if (annots?.kind === 'ref') annotArrays.add(annots.num);
      }
    }
    return { pages, annotArrays };
  }
}

function snapshot(index: PdfObjectIndex, startxref: number, trailer: PdfDict | null): Snapshot {
  const root = trailer ? (dictGet(trailer, 'Root', 'ref')?.num ?? null) : null;
  const info = trailer ? (dictGet(trailer, 'Info', 'ref')?.num ?? null) : null;
  return { view: index.viewAt(startxref), root, info };
}

interface Pending {
  num: number;
  kind: 'added' | 'changed' | 'deleted';
  /** Decided category, 'derive' (from whoever references it) or 'ignore'. */
  category: ModificationCategory | 'derive' | 'ignore';
  what: string;
  value: PdfValue | undefined;
}

const ANNOT_SUBTYPES = new Set([
  'Text',
  'Link',
  'FreeText',
  'Line',
  'Square',
  'Circle',
  'Polygon',
  'PolyLine',
  'Highlight',
  'Underline',
  'Squiggly',
  'StrikeOut',
  'Stamp',
  'Caret',
  'Ink',
  'Popup',
  'FileAttachment',
  'Sound',
  'Movie',
  'Widget',
  'Screen',
  'PrinterMark',
  'TrapNet',
  'Watermark',
  '3D',
  'Redact',
]);

function isAnnot(d: PdfDict): boolean {
  const sub = dictGet(d, 'Subtype', 'name')?.value;
  return (
    dictGet(d, 'Type', 'name')?.value === 'Annot' ||
    (!!sub && ANNOT_SUBTYPES.has(sub) && d.entries.has('Rect'))
  );
}

/** Compares the revision `next` with `prev` and classifies each changed object. */
function diffRevision(
  reader: Reader,
  prev: Snapshot,
  next: Snapshot,
  revision: number,
  referencedBefore: () => Set<number>,
): ObjectChange[] {
  const { view: pv } = prev;
  const { view: nv } = next;
  const changedContainers = new Set<number>();
  for (const [num, e] of nv) if (!sameEntry(e, pv.get(num))) changedContainers.add(num);
  const pending = new Map<number, Pending>();
  const before = reader.pages(prev.root, pv);

  const consider = (num: number) => {
    const e = nv.get(num);
    const p = pv.get(num);
    const compressedMoved = e?.type === 'compressed' && changedContainers.has(e.stream!);
    if (sameEntry(e, p) && !compressedMoved) return;
    const existed = !!p && p.type !== 'free';
    if (!e || e.type === 'free') {
      if (existed)
        pending.set(num, { num, kind: 'deleted', category: 'derive', what: 'object', value: undefined });
      return;
    }
    const nVal = reader.value(num, nv);
    const oVal = existed ? reader.value(num, pv) : undefined;
    if (!nVal) {
      pending.set(num, {
        num,
        kind: existed ? 'changed' : 'added',
        category: 'other',
        what: 'unreadable object',
        value: undefined,
      });
      return;
    }
    const type = nVal.kind === 'dict' ? dictGet(nVal, 'Type', 'name')?.value : undefined;
    if (type === 'XRef' || type === 'ObjStm') return; // containers, not content
    if (existed && oVal && sameValue(nVal, oVal)) {
      const ns = reader.streamBytes(num, nv);
      const os = reader.streamBytes(num, pv);
      if ((ns === null && os === null) || (ns && os && ns.equals(os))) return; // rewritten unchanged
    }
    pending.set(num, {
      num,
      kind: existed ? 'changed' : 'added',
      ...classify(num, nVal, existed ? oVal : undefined),
      value: nVal,
    });
  };

  const classify = (
    num: number,
    v: PdfValue,
    old: PdfValue | undefined,
  ): { category: Pending['category']; what: string } => {
    if (num === next.info || num === prev.info) return { category: 'ignore', what: 'document information' };
    if (v.kind === 'dict') {
      if (isSigDict(v)) {
        // A signature dictionary that existed and was signed must never change afterwards.
        if (old && isSigDict(old)) return { category: 'other', what: 'existing signature dictionary' };
        return { category: 'signature', what: 'signature dictionary' };
      }
      const type = dictGet(v, 'Type', 'name')?.value;
      if (type === 'DSS') return { category: 'signature', what: 'document security store' };
      if (num === next.root) return classifyCatalog(v, old);
      if (isAnnot(v)) {
        const sub = dictGet(v, 'Subtype', 'name')?.value;
        if (sub === 'Widget') {
          const ft = reader.fieldType(v, nv);
          if (ft === 'Sig') {
            if (
              old?.kind === 'dict' &&
              changedKeys(v, old).some((k) => !['AP', 'AS', 'MK', 'V', 'P', 'Kids'].includes(k))
            )
              return { category: 'other', what: 'signature widget' };
            return { category: 'signature', what: 'signature widget' };
          }
          if (old?.kind === 'dict') {
            const keys = changedKeys(v, old);
            if (keys.every((k) => ['V', 'AS', 'AP', 'MK', 'M'].includes(k)))
              return { category: 'form-fill', what: 'form field widget' };
            return { category: 'other', what: 'form field widget' };
          }
          return { category: 'annotation', what: 'new form field widget' };
        }
        return { category: 'annotation', what: `${sub ?? ''} annotation`.trim() };
      }
      if (before.pages.has(num) || type === 'Page') {
        if (old?.kind !== 'dict') return { category: 'other', what: 'page' };
        const keys = changedKeys(v, old);
        // pdf-lib (and others) wrap the existing content in q … Q streams when they touch a page: invisible.
        const wrapped =
          keys.includes('Contents') && onlyWrapped(old.entries.get('Contents'), v.entries.get('Contents'));
        if (keys.every((k) => k === 'Annots' || (k === 'Contents' && wrapped)))
          return {
            category: annotsChange(old.entries.get('Annots'), v.entries.get('Annots')),
            what: 'page annotations',
          };
        return { category: 'other', what: `page (${keys.join(', ')})` };
      }
      if (v.entries.has('FT') || (v.entries.has('T') && v.entries.has('Kids'))) {
        const ft = reader.fieldType(v, nv);
        if (ft === 'Sig') {
          if (old?.kind === 'dict') {
            const keys = changedKeys(v, old);
            // An empty signature field being signed gets /V; a signed one must not change.
            if (keys.every((k) => k === 'V' || k === 'Kids') && !old.entries.has('V'))
              return { category: 'signature', what: 'signature field' };
            return { category: 'other', what: 'signature field' };
          }
          return { category: 'signature', what: 'signature field' };
        }
        if (old?.kind === 'dict') {
          const keys = changedKeys(v, old).filter((k) => k !== 'Ff' || !onlyRichTextFlag(old, v));
          if (keys.every((k) => ['V', 'AS', 'AP', 'MK', 'M', 'Kids'].includes(k)))
            return { category: 'form-fill', what: 'form field' };
          return { category: 'other', what: `form field (${keys.join(', ')})` };
        }
        return { category: 'annotation', what: 'new form field' };
      }
      if (isAcroForm(num)) return classifyAcroForm(v, old);
    }
    if (v.kind === 'array' && old?.kind === 'array') {
      if (before.annotArrays.has(num)) return { category: annotsChange(old, v), what: 'page annotations' };
      if (isFieldsArray(num)) return { category: fieldsChange(old, v), what: 'form fields' };
    }
    if (old) return { category: 'other', what: describeObject(v) };
    return { category: 'derive', what: describeObject(v) };
  };

  const acroFormNums = () => {
    const out = { acroForm: null as number | null, fields: null as number | null };
    for (const snap of [next, prev]) {
      const cat = snap.root === null ? undefined : reader.value(snap.root, snap.view);
      const af = cat?.kind === 'dict' ? cat.entries.get('AcroForm') : undefined;
      if (af?.kind === 'ref') out.acroForm ??= af.num;
      const afv = reader.deref(af, snap.view);
      const f = afv?.kind === 'dict' ? afv.entries.get('Fields') : undefined;
      if (f?.kind === 'ref') out.fields ??= f.num;
    }
    return out;
  };
  let forms: { acroForm: number | null; fields: number | null } | null = null;
  const isAcroForm = (num: number) => (forms ??= acroFormNums()).acroForm === num;
  const isFieldsArray = (num: number) => (forms ??= acroFormNums()).fields === num;

  /** The new /Contents is the old one's streams, in order, between streams holding only q / Q operators. */
  const onlyWrapped = (o: PdfValue | undefined, n: PdfValue | undefined): boolean => {
    const list = (v: PdfValue | undefined, view: View): PdfValue[] | null => {
      const d =
        v?.kind === 'ref' && reader.value(v.num, view)?.kind === 'array' ? reader.value(v.num, view) : v;
      if (d?.kind === 'array') return d.items;
      return d ? [d] : null;
    };
    const a = list(o, pv);
    const b = list(n, nv);
    if (!a || !b || b.length < a.length) return false;
    for (let start = 0; start + a.length <= b.length; start++) {
      if (!a.every((x, i) => sameValue(x, b[start + i]))) continue;
      const rest = [...b.slice(0, start), ...b.slice(start + a.length)];
      if (rest.every((x) => x.kind === 'ref' && isStateOnlyStream(reader, x.num, nv))) return true;
    }
    return false;
  };

  const annotsChange = (o: PdfValue | undefined, n: PdfValue | undefined): Pending['category'] => {
    const a = reader.deref(o, pv);
    const b = reader.deref(n, nv);
    const oldRefs = new Set(
      a?.kind === 'array'
        ? a.items.filter((x) => x.kind === 'ref').map((x) => (x as { num: number }).num)
        : [],
    );
    const newRefs = new Set(
      b?.kind === 'array'
        ? b.items.filter((x) => x.kind === 'ref').map((x) => (x as { num: number }).num)
        : [],
    );
    for (const r of oldRefs) if (!newRefs.has(r)) return 'annotation'; // an annotation removed
    // Added ones are classified as objects of their own (a new widget or annotation).
    return 'ignore';
  };

  const fieldsChange = (o: PdfValue, n: PdfValue): Pending['category'] => {
    const refs = (v: PdfValue) =>
      new Set(
        v.kind === 'array'
          ? v.items.filter((x) => x.kind === 'ref').map((x) => (x as { num: number }).num)
          : [],
      );
    const a = refs(o);
    const b = refs(n);
    for (const r of a) if (!b.has(r)) return 'other';
    return 'ignore';
  };

  const classifyCatalog = (
    v: PdfDict,
    old: PdfValue | undefined,
  ): { category: Pending['category']; what: string } => {
    if (old?.kind !== 'dict') return { category: 'other', what: 'catalog replaced' };
    const keys = changedKeys(v, old);
    const bad = keys.filter((k) => k !== 'AcroForm' && k !== 'DSS');
    if (bad.length) return { category: 'other', what: `catalog (${bad.join(', ')})` };
    const af = v.entries.get('AcroForm');
    if (af?.kind === 'dict') return classifyAcroForm(af, reader.deref(old.entries.get('AcroForm'), pv));
    return { category: 'ignore', what: 'catalog' };
  };

  const classifyAcroForm = (
    v: PdfDict,
    old: PdfValue | undefined,
  ): { category: Pending['category']; what: string } => {
    if (old?.kind !== 'dict') return { category: 'signature', what: 'interactive form' };
    const keys = changedKeys(v, old);
    if (keys.some((k) => !['Fields', 'SigFlags', 'DR', 'DA', 'NeedAppearances'].includes(k)))
      return { category: 'other', what: `interactive form (${keys.join(', ')})` };
    if (keys.includes('Fields')) {
      const a = reader.deref(old.entries.get('Fields'), pv);
      const b = reader.deref(v.entries.get('Fields'), nv);
      if (a && b && fieldsChange(a, b) === 'other') return { category: 'other', what: 'form fields removed' };
    }
    if (keys.some((k) => k === 'DR' || k === 'DA' || k === 'NeedAppearances'))
      return { category: 'form-fill', what: 'interactive form defaults' };
    return { category: 'signature', what: 'interactive form' };
  };

  for (const num of new Set([...nv.keys(), ...pv.keys()])) consider(num);

  // New objects take the category of the changed objects that use them (a widget's appearance stream and
  // its image are the signature's); one nobody uses is invisible, unless the signed revision referred to
  // that number already (the replacement half of a shadow attack).
  const referrers = new Map<number, number[]>();
  for (const p of pending.values()) {
    if (!p.value) continue;
    for (const r of refsOf(p.value)) {
      if (r === p.num || !pending.has(r)) continue;
      const list = referrers.get(r) ?? [];
      list.push(p.num);
      referrers.set(r, list);
    }
  }
  for (let pass = 0, progress = true; progress && pass < 64; pass++) {
    progress = false;
    for (const p of pending.values()) {
      if (p.category !== 'derive') continue;
      const from = (referrers.get(p.num) ?? []).map((n) => pending.get(n)!.category);
      const known = from.filter((c): c is ModificationCategory => c !== 'derive' && c !== 'ignore');
      if (known.length && known.length === from.filter((c) => c !== 'ignore').length) {
        p.category = known.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
        progress = true;
      }
    }
  }
  const out: ObjectChange[] = [];
  for (const p of pending.values()) {
    let category = p.category;
    if (category === 'derive') {
      const from = referrers.get(p.num) ?? [];
      if (p.kind === 'deleted') category = referencedBefore().has(p.num) ? 'other' : 'ignore';
      else if (from.length === 0) category = referencedBefore().has(p.num) ? 'other' : 'ignore';
      else if (from.every((n) => pending.get(n)!.category === 'ignore')) category = 'ignore';
      else category = 'other';
      if (category === 'other' && from.length === 0) p.what = `${p.what} referenced by the signed revision`;
    }
    if (category === 'ignore') continue;
    out.push({ num: p.num, revision, kind: p.kind, category, what: p.what });
  }
  return out;
}

/** /Ff differs at most in the RichText bit (pdf-lib clears it whenever it fills a text field). */
function onlyRichTextFlag(a: PdfDict, b: PdfDict): boolean {
  const flags = (d: PdfDict) => dictGet(d, 'Ff', 'number')?.value ?? 0;
  return ((flags(a) ^ flags(b)) & ~(1 << 25)) === 0;
}

/** A small content stream that only saves or restores the graphics state (q / Q): draws nothing. */
function isStateOnlyStream(reader: Reader, num: number, view: View): boolean {
  const r = reader.index.resolve(num, view);
  if (!r?.obj.stream || r.obj.value.kind !== 'dict' || r.obj.stream.end - r.obj.stream.start > 256)
    return false;
  const data = decodeStream(reader.index.scanner, r.obj.value, r.obj.stream);
  return data !== null && /^[\s qQ]*$/.test(data.toString('latin1'));
}

function describeObject(v: PdfValue): string {
  if (v.kind !== 'dict') return v.kind;
  const type = dictGet(v, 'Type', 'name')?.value;
  const sub = dictGet(v, 'Subtype', 'name')?.value;
  if (type === 'Font' || type === 'FontDescriptor') return 'font';
  if (sub === 'Image') return 'image';
  if (sub === 'Form') return 'form XObject';
  if (type === 'Pages') return 'page tree';
  if (type) return type;
  if (v.entries.has('Length')) return 'stream';
  return 'dictionary';
}

/** Every object number referenced by any object of a view (for the shadow checks); bounded. */
function allReferences(reader: Reader, view: View): Set<number> {
  const out = new Set<number>();
  let n = 0;
  for (const [num, e] of view) {
    if (e.type === 'free' || n++ > MAX_WALK) continue;
    const v = reader.value(num, view);
    if (v) refsOf(v, out);
  }
  return out;
}

/**
 * Classifies everything after the revision `signedRevision` (index into `index.revisions`). Nothing is
 * judged about the signature itself.
 */
export function analyseModifications(index: PdfObjectIndex, signedRevision: number): ModificationAnalysis {
  const reader = new Reader(index);
  const revs = index.revisions;
  const changes: ObjectChange[] = [];
  const signed = revs[signedRevision];
  if (signed?.xref) {
    let prev = snapshot(index, signed.startxref, signed.xref.trailer);
    let refs: Set<number> | null = null;
    for (let k = signedRevision + 1; k < revs.length; k++) {
      const r = revs[k]!;
      if (!r.xref) {
        changes.push({
          num: null,
          revision: k,
          kind: 'unreadable-revision',
          category: 'other',
          what: 'revision without a readable cross-reference section',
        });
        continue;
      }
      const next = snapshot(index, r.startxref, r.xref.trailer);
      const base = prev;
      changes.push(...diffRevision(reader, base, next, k, () => (refs ??= allReferences(reader, base.view))));
      prev = next;
      refs = null;
    }
  }
  const last = revs[revs.length - 1];
  const bytes = index.scanner.bytes;
  if (last) {
    let extra = 0;
    for (let i = last.end; i < bytes.length; i++) if (!isPdfWhitespace(bytes[i])) extra++;
    if (extra > 0)
      changes.push({
        num: null,
        revision: revs.length,
        kind: 'appended-bytes',
        category: 'other',
        what: `${extra} bytes after the last %%EOF that are not a revision`,
      });
  }
  let worst: ModificationCategory | null = null;
  for (const c of changes) if (!worst || RANK[c.category] > RANK[worst]) worst = c.category;
  return {
    signedRevision,
    laterRevisions: Math.max(0, revs.length - 1 - signedRevision),
    changes: changes.slice(0, MAX_REPORTED),
    worst,
  };
}

/**
 * The 'modifications' check of one signature. Only signatures/validation data after it: passed. Form fill or
 * annotations: a warning for an ordinary document, failed for a licence (its file must stay as issued).
 * Anything else: failed.
 */
export function modificationsCheck(a: ModificationAnalysis, opts: { licence?: boolean } = {}): Check {
  const details = {
    signedRevision: a.signedRevision,
    laterRevisions: a.laterRevisions,
    changes: a.changes.map((c) => ({
      object: c.num,
      revision: c.revision,
      kind: c.kind,
      category: c.category,
      what: c.what,
    })),
  };
  if (a.worst === null) {
    return a.laterRevisions === 0
      ? check(
          'modifications',
          'passed',
          'NO_MODIFICATIONS',
          '签名后文档未被修改',
          'the document was not modified after the signature',
          details,
        )
      : check(
          'modifications',
          'passed',
          'NO_VISIBLE_MODIFICATIONS',
          `签名后有 ${a.laterRevisions} 次增量更新，但未改变文档内容`,
          `${a.laterRevisions} later incremental updates change nothing a reader sees`,
          details,
        );
  }
  const list = a.changes.filter((c) => c.category === a.worst).slice(0, 5);
  const objs = list
    .map((c) => (c.num === null ? c.what : `${c.what} (object ${c.num}, revision ${c.revision})`))
    .join('; ');
  if (a.worst === 'signature')
    return check(
      'modifications',
      'passed',
      'SIGNATURES_ADDED',
      '签名后仅增加了其他签名或验证数据（允许）',
      'only further signatures or validation data were added after the signature (allowed)',
      details,
    );
  if (a.worst === 'other')
    return check(
      'modifications',
      'failed',
      'DISALLOWED_MODIFICATION',
      `签名后文档被${WHAT_ZH.other}：${objs}`,
      `the document was changed after the signature beyond signatures, form fill and annotations: ${objs}`,
      details,
    );
  const code = a.worst === 'form-fill' ? 'FORM_FILLED' : 'ANNOTATIONS_CHANGED';
  if (opts.licence)
    return check(
      'modifications',
      'failed',
      code,
      `电子证照签章后被${WHAT_ZH[a.worst]}，证照文件必须保持签发时的状态：${objs}`,
      `the licence was changed after the signature (${a.worst}); a licence file must stay as issued: ${objs}`,
      details,
    );
  return check(
    'modifications',
    'warning',
    code,
    `签名后文档被${WHAT_ZH[a.worst]}（签名本身仍有效）：${objs}`,
    `after the signature the document was changed by ${a.worst} (the signature itself still holds): ${objs}`,
    details,
  );
}
