import type { PdfObjectIndex } from '../../pdf/pdf-object-index.js';
import { dictGet, type PdfDict, type PdfValue } from '../../pdf/pdf-object-scanner.js';
import { decodeStream, type XrefEntry } from '../../pdf/pdf-xref.js';
import { decodeTextString } from '../../pdf/pdf-text-string.js';
import { rectOf, type Rect } from './pdf-values.js';

// Reading one revision of a file as a viewer would if the file ended there: its object map (the newest xref
// entry of each number wins, ISO 32000-1 §7.5.6), its catalog and what hangs off it.

export type View = Map<number, XrefEntry>;

const MAX_WALK = 200_000;
const MAX_DEPTH = 32;
/** Appearance streams larger than this are not decoded: they are taken to draw something. */
const MAX_APPEARANCE_BYTES = 1024 * 1024;

export interface Snapshot {
  view: View;
  root: number | null;
  info: number | null;
}

export function snapshotAt(index: PdfObjectIndex, startxref: number, trailer: PdfDict | null): Snapshot {
  const root = trailer ? (dictGet(trailer, 'Root', 'ref')?.num ?? null) : null;
  const info = trailer ? (dictGet(trailer, 'Info', 'ref')?.num ?? null) : null;
  return { view: index.viewAt(startxref), root, info };
}

export interface PageTree {
  pages: Set<number>;
  /** Object numbers of indirect /Annots arrays. */
  annotArrays: Set<number>;
  /** Annotation object number → the page listing it. */
  pageOfAnnot: Map<number, number>;
}

export class RevisionReader {
  constructor(readonly index: PdfObjectIndex) {}

  value(num: number, view: View): PdfValue | undefined {
    return this.index.resolve(num, view)?.obj.value;
  }

  /** The raw stream bytes of an object, or null when it is not a stream. */
  streamBytes(num: number, view: View): Buffer | null {
    const s = this.index.resolve(num, view)?.obj.stream;
    if (!s) return null;
    const b = this.index.scanner.bytes;
    return Buffer.from(b.buffer, b.byteOffset + s.start, s.end - s.start);
  }

  /** The decoded data of a stream object; undefined when not a stream, null when it cannot be decoded. */
  streamData(num: number, view: View, maxRaw = MAX_APPEARANCE_BYTES): Buffer | null | undefined {
    const r = this.index.resolve(num, view);
    if (!r?.obj.stream || r.obj.value.kind !== 'dict') return undefined;
    if (r.obj.stream.end - r.obj.stream.start > maxRaw) return null;
    return decodeStream(this.index.scanner, r.obj.value, r.obj.stream);
  }

  deref(v: PdfValue | undefined, view: View): PdfValue | undefined {
    return v?.kind === 'ref' ? this.value(v.num, view) : v;
  }

  /** The field type of a field or widget, inherited through /Parent (§12.7.3.1). */
  fieldType(d: PdfDict, view: View): string | null {
    let cur: PdfValue | undefined = d;
    for (let i = 0; i < MAX_DEPTH && cur?.kind === 'dict'; i++) {
      const ft = dictGet(cur, 'FT', 'name')?.value;
      if (ft) return ft;
      cur = this.deref(cur.entries.get('Parent'), view);
    }
    return null;
  }

  /** The fully qualified field name (§12.7.3.2): the partial names /T along /Parent, joined with '.'. */
  fieldName(d: PdfDict, view: View): string | null {
    const parts: string[] = [];
    let cur: PdfValue | undefined = d;
    for (let i = 0; i < MAX_DEPTH && cur?.kind === 'dict'; i++) {
      const t = cur.entries.get('T');
      if (t?.kind === 'string') parts.unshift(decodeTextString(t.bytes));
      cur = this.deref(cur.entries.get('Parent'), view);
    }
    return parts.length ? parts.join('.') : null;
  }

  /** Pages of a revision by walking /Pages from the catalog, with their indirect /Annots arrays. */
  pageTree(root: number | null, view: View): PageTree {
    const out: PageTree = { pages: new Set(), annotArrays: new Set(), pageOfAnnot: new Map() };
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
      if (kids?.kind === 'array') {
        stack.push(...kids.items);
        continue;
      }
      out.pages.add(ref.num);
      const annots = node.entries.get('Annots');
      if (annots?.kind === 'ref') out.annotArrays.add(annots.num);
      const list = this.deref(annots, view);
      if (list?.kind === 'array')
        for (const a of list.items) if (a.kind === 'ref') out.pageOfAnnot.set(a.num, ref.num);
    }
    return out;
  }

  /** The page's crop box (§14.11.2: default the media box; both inheritable, §7.7.3.4). */
  cropBox(page: number, view: View): Rect | null {
    let cur = this.value(page, view);
    let media: Rect | null = null;
    for (let i = 0; i < MAX_DEPTH && cur?.kind === 'dict'; i++) {
      const crop = rectOf(this.deref(cur.entries.get('CropBox'), view));
      if (crop) return crop;
      media ??= rectOf(this.deref(cur.entries.get('MediaBox'), view));
      cur = this.deref(cur.entries.get('Parent'), view);
    }
    return media;
  }
}
