import { dictGet, type PdfDict, type PdfValue } from '../../pdf/pdf-object-scanner.js';

// Small, bounded helpers over parsed PDF values for comparing two revisions.

const MAX_VALUE_NODES = 100_000;

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

/** Object numbers referenced anywhere inside a value (bounded). */
export function refsOf(v: PdfValue, out = new Set<number>()): Set<number> {
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

/** Keys whose values differ between two dictionaries (added and removed keys included). */
export function changedKeys(a: PdfDict, b: PdfDict): string[] {
  const keys = new Set([...a.entries.keys(), ...b.entries.keys()]);
  return [...keys].filter((k) => !sameValue(a.entries.get(k), b.entries.get(k)));
}

/** A signature dictionary (ISO 32000-1 §12.8.1 Table 252): /Type /Sig or /DocTimeStamp, or /ByteRange and /Contents. */
export function isSigDict(v: PdfValue | undefined): v is PdfDict {
  if (v?.kind !== 'dict') return false;
  const type = dictGet(v, 'Type', 'name')?.value;
  return (
    type === 'Sig' || type === 'DocTimeStamp' || (v.entries.has('ByteRange') && v.entries.has('Contents'))
  );
}

/** A document timestamp dictionary (ISO 32000-2 §12.8.5): validation data, not an approval signature. */
export function isDocTimestamp(v: PdfDict): boolean {
  return (
    dictGet(v, 'Type', 'name')?.value === 'DocTimeStamp' ||
    dictGet(v, 'SubFilter', 'name')?.value === 'ETSI.RFC3161'
  );
}

/** Object numbers of the references in an array value. */
export function refNums(v: PdfValue | undefined): Set<number> {
  const out = new Set<number>();
  if (v?.kind === 'array') for (const x of v.items) if (x.kind === 'ref') out.add(x.num);
  return out;
}

export type Rect = [number, number, number, number];

/** A rectangle (§7.9.5) normalised to [llx, lly, urx, ury], or null when it is not four numbers. */
export function rectOf(v: PdfValue | undefined): Rect | null {
  if (v?.kind !== 'array' || v.items.length !== 4) return null;
  const n = v.items.map((x) => (x.kind === 'number' && Number.isFinite(x.value) ? x.value : NaN));
  if (n.some((x) => Number.isNaN(x))) return null;
  const [a, b, c, d] = n as Rect;
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

/** The two rectangles share an area (not just an edge). */
export function overlaps(a: Rect, b: Rect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}
