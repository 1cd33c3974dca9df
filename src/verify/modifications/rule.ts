import { dictGet, type PdfDict, type PdfValue } from '../../pdf/pdf-object-scanner.js';
import type { PdfRevision } from '../../pdf/pdf-revisions.js';
import { canPaint, type PaintVerdict } from './annotation-paint.js';
import type { ModificationCategory } from './categories.js';
import { isSigDict, refNums } from './pdf-values.js';
import type { PageTree, RevisionReader, Snapshot } from './revision-reader.js';

// The whitelist rule model (after pyHanko's sign/diff_analysis WhitelistRule): every object an incremental
// update adds, changes or deletes is disallowed unless a rule accepts it. A rule looks at one changed object
// (its value before and after) and either does not apply (null), accepts it into a category, vetoes it
// ('other', with the reason), leaves it to whoever uses it ('derive': a new appearance stream is what its
// annotation is), or declares it irrelevant ('ignore': document information, xref streams). The runner
// (revision-diff.ts) asks the rules in order; the first answer counts.

export interface ChangedObject {
  num: number;
  /** The value after the update. */
  value: PdfValue;
  /** The value in the previous revision (undefined: added by this update). */
  old: PdfValue | undefined;
}

export interface RuleVerdict {
  category: ModificationCategory | 'derive' | 'ignore';
  what: string;
  /** The form field whose value changed (form fill). */
  field?: string;
}

export interface WhitelistRule {
  /** Stable name, reported with each change the rule accepts. */
  readonly name: string;
  /** What the rule whitelists and at which category, for the reader (and the docs). */
  readonly whitelists: string;
  apply(change: ChangedObject, ctx: RuleContext): RuleVerdict | null;
}

/** What the rules may ask about the two revisions being compared. */
export class RuleContext {
  private before?: PageTree;
  private after?: PageTree;
  private forms?: { acroForm: number | null; fields: number | null };

  constructor(
    readonly reader: RevisionReader,
    readonly prev: Snapshot,
    readonly next: Snapshot,
    /** Index of the revision that made the changes (into index.revisions). */
    readonly revision: number,
  ) {}

  get pagesBefore(): PageTree {
    return (this.before ??= this.reader.pageTree(this.prev.root, this.prev.view));
  }

  get pagesAfter(): PageTree {
    return (this.after ??= this.reader.pageTree(this.next.root, this.next.view));
  }

  /** The value after the update of a (possibly indirect) value. */
  deref(v: PdfValue | undefined): PdfValue | undefined {
    return this.reader.deref(v, this.next.view);
  }

  /** The value before the update. */
  derefOld(v: PdfValue | undefined): PdfValue | undefined {
    return this.reader.deref(v, this.prev.view);
  }

  fieldType(d: PdfDict): string | null {
    return this.reader.fieldType(d, this.next.view);
  }

  fieldName(d: PdfDict): string | null {
    return this.reader.fieldName(d, this.next.view);
  }

  /** Object numbers of the /AcroForm dictionary and its /Fields array, if indirect (either revision). */
  private formObjects() {
    if (this.forms) return this.forms;
    const out = { acroForm: null as number | null, fields: null as number | null };
    for (const snap of [this.next, this.prev]) {
      const cat = snap.root === null ? undefined : this.reader.value(snap.root, snap.view);
      const af = cat?.kind === 'dict' ? cat.entries.get('AcroForm') : undefined;
      if (af?.kind === 'ref') out.acroForm ??= af.num;
      const afv = this.reader.deref(af, snap.view);
      const f = afv?.kind === 'dict' ? afv.entries.get('Fields') : undefined;
      if (f?.kind === 'ref') out.fields ??= f.num;
    }
    return (this.forms = out);
  }

  isAcroForm(num: number): boolean {
    return this.formObjects().acroForm === num;
  }

  isFieldsArray(num: number): boolean {
    return this.formObjects().fields === num;
  }

  /** The revision that made the changes. */
  get revisionInfo(): { start: number; rev: PdfRevision } | null {
    const revs = this.reader.index.revisions;
    const rev = revs[this.revision];
    if (!rev) return null;
    return { start: this.revision > 0 ? revs[this.revision - 1]!.end : 0, rev };
  }

  /**
   * Object `num` is a signature dictionary written by this update whose /ByteRange covers exactly this
   * revision, its /Contents being the one gap (ISO 32000-1 §12.8.1): a real signature over the update, not a
   * dictionary that only looks like one. Whether it verifies is that signature's own report.
   */
  signsThisRevision(num: number): boolean {
    const info = this.revisionInfo;
    const r = this.reader.index.resolve(num, this.next.view);
    if (!info || !r || r.inObjectStream || r.offset < info.start || r.offset >= info.rev.end) return false;
    const d = r.obj.value;
    if (!isSigDict(d)) return false;
    const br = dictGet(d, 'ByteRange', 'array')?.items;
    const contents = d.entries.get('Contents');
    if (br?.length !== 4 || contents?.kind !== 'string') return false;
    const [z, a, b, c] = br.map((x) => (x.kind === 'number' && x.integer ? x.value : -1)) as number[];
    if (z !== 0 || a! <= 0 || b! <= a! || c! < 0) return false;
    if (contents.start !== a || contents.end !== b) return false;
    const end = b! + c!;
    return end === info.rev.end || end === info.rev.eofEnd;
  }

  /** The /V of a signature field (inherited through /Parent, §12.7.3.1), as a reference. */
  signatureValue(d: PdfDict): number | null {
    let cur: PdfValue | undefined = d;
    for (let i = 0; i < 32 && cur?.kind === 'dict'; i++) {
      const v = cur.entries.get('V');
      if (v) return v.kind === 'ref' ? v.num : null;
      cur = this.deref(cur.entries.get('Parent'));
    }
    return null;
  }

  /** Whether the annotation `d` (object `num`) can paint over its page after the update. */
  paint(num: number, d: PdfDict): PaintVerdict {
    const page = this.pagesAfter.pageOfAnnot.get(num) ?? null;
    return canPaint(this.reader, d, this.next.view, page, this.fieldType(d));
  }

  /** An annotation list change: removals are an annotation change; additions are judged as objects. */
  annotsChange(o: PdfValue | undefined, n: PdfValue | undefined): RuleVerdict['category'] {
    const before = refNums(this.derefOld(o));
    const after = refNums(this.deref(n));
    for (const r of before) if (!after.has(r)) return 'annotation';
    return 'ignore';
  }
}

/** Annotation dictionaries (§12.5.2): /Type /Annot, or a known subtype with a /Rect. */
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
  'Projection',
  'RichMedia',
]);

export function isAnnot(d: PdfDict): boolean {
  const sub = dictGet(d, 'Subtype', 'name')?.value;
  return (
    dictGet(d, 'Type', 'name')?.value === 'Annot' ||
    (!!sub && ANNOT_SUBTYPES.has(sub) && d.entries.has('Rect'))
  );
}

/** A field dictionary or widget of a field (§12.7.3): /FT, /Parent, or a named node with /Kids. */
export function isFieldOrWidget(d: PdfDict): boolean {
  return (
    d.entries.has('FT') ||
    dictGet(d, 'Subtype', 'name')?.value === 'Widget' ||
    (d.entries.has('T') && d.entries.has('Kids')) ||
    (d.entries.has('Parent') && d.entries.has('T'))
  );
}
