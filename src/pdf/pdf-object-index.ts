import { PdfBudget } from './pdf-budget.js';
import { PdfError } from './pdf-error.js';
import { dictGet, PdfObjectScanner, type IndirectObject, type PdfValue } from './pdf-object-scanner.js';
import { listRevisions, type PdfRevision } from './pdf-revisions.js';
import { decodeStream, readXrefSection, trailerLinks, type XrefEntry, type XrefSection } from './pdf-xref.js';

/**
 * Every cross-reference section of a file (each revision's, their /Prev chains and /XRefStm hybrids) and the
 * object map a viewer uses (the last revision's section first, then back along /Prev: the newest entry for an
 * object number wins). Objects in object streams are resolved too; their values' offsets are relative to
 * the decompressed stream and are marked `inObjectStream`.
 */
export interface ResolvedObject {
  obj: IndirectObject;
  /** File offset of the object (for a compressed object: of its object stream). */
  offset: number;
  inObjectStream: boolean;
}

const MAX_SECTIONS = 10_000;
/** Parsed objects kept per index (the verifier reads the same ones for extraction, diffing and attachments). */
const MAX_CACHED_OBJECTS = 200_000;

interface ObjectStream {
  scanner: PdfObjectScanner;
  offsets: Map<number, number>;
}

/**
 * Decoded object streams by file offset, least recently used evicted once their decoded bytes pass the
 * budget's cache size (one stream is always kept). An evicted stream is decoded again when asked for, and
 * charged again: a file that makes the index thrash runs out of inflation budget instead of memory.
 */
class ObjectStreamCache {
  readonly #map = new Map<number, ObjectStream | null>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(offset: number): ObjectStream | null | undefined {
    const hit = this.#map.get(offset);
    if (hit !== undefined) {
      this.#map.delete(offset);
      this.#map.set(offset, hit);
    }
    return hit;
  }

  set(offset: number, os: ObjectStream | null): void {
    this.#map.set(offset, os);
    this.#bytes += os?.scanner.length ?? 0;
    for (const [key, old] of this.#map) {
      if (this.#bytes <= this.maxBytes || key === offset) break;
      this.#map.delete(key);
      this.#bytes -= old?.scanner.length ?? 0;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }
}

export class PdfObjectIndex {
  readonly scanner: PdfObjectScanner;
  readonly revisions: PdfRevision[];
  /** All readable sections, each read once, in the order found. */
  readonly sections: XrefSection[] = [];
  /** The viewer's view: object number → entry (newest wins). */
  readonly current = new Map<number, XrefEntry>();
  /** Trailer of the newest readable section (/Root, /Encrypt …). */
  readonly trailer: XrefSection['trailer'] | null = null;
  private readonly byOffset = new Map<number, XrefSection>();
  private readonly parsed = new Map<number, IndirectObject | null>();
  private readonly objStreams: ObjectStreamCache;
  /** The work budget of this file (the default one when the caller gives none: limits, no deadline). */
  readonly budget: PdfBudget;

  /** @throws PdfError('NOT_A_PDF'), PdfBudgetExceeded when reading the file overruns `budget`. */
  constructor(pdf: Buffer, budget: PdfBudget = PdfBudget.forFile(pdf.length)) {
    this.budget = budget;
    this.objStreams = new ObjectStreamCache(budget.maxCachedBytes);
    this.scanner = new PdfObjectScanner(pdf, budget);
    this.revisions = listRevisions(pdf, budget);
    for (const r of this.revisions) if (r.xref) this.walk(r.startxref, r.xref);
    const last = [...this.revisions].reverse().find((r) => r.xref);
    if (last) {
      this.trailer = last.xref!.trailer;
      for (const [num, e] of this.viewAt(last.startxref)) this.current.set(num, e);
    }
  }

  /**
   * The object map a viewer would use if the file ended with the section at `startxref` (a revision's view:
   * that section first, then back along /Prev and /XRefStm; the newest entry for a number wins).
   */
  viewAt(startxref: number): Map<number, XrefEntry> {
    const view = new Map<number, XrefEntry>();
    const seen = new Set<number>();
    let off: number | null = startxref;
    const add = (entries: XrefEntry[]) => {
      for (const e of entries) {
        this.budget.tick();
        if (!view.has(e.num)) view.set(e.num, e);
      }
    };
    while (off !== null && !seen.has(off) && seen.size < MAX_SECTIONS) {
      this.budget.tick();
      seen.add(off);
      const s = this.byOffset.get(off);
      if (!s) break;
      add(s.entries);
      const { prev, xrefStm } = trailerLinks(s);
      const hybrid = xrefStm !== null ? this.byOffset.get(xrefStm) : undefined;
      if (hybrid) add(hybrid.entries);
      off = prev;
    }
    return view;
  }

  /**
   * Reads a section and everything it links to, once each. Offsets that differ only by the whitespace or
   * comments before a section (a /Prev chain stepping through a long comment) read it once too.
   */
  private walk(offset: number, first?: XrefSection): void {
    const queue: [number, XrefSection | undefined][] = [[offset, first]];
    const bySection = new Map<number, XrefSection>();
    for (const s of this.sections) bySection.set(s.offset, s);
    while (queue.length && this.byOffset.size < MAX_SECTIONS) {
      this.budget.check();
      const [off, known] = queue.shift()!;
      if (this.byOffset.has(off)) continue;
      let s = known;
      const at = Number.isSafeInteger(off) && off >= 0 ? this.scanner.skipWs(off) : off;
      if (!s && bySection.has(at)) {
        this.byOffset.set(off, bySection.get(at)!);
        continue;
      }
      if (!s) {
        try {
          s = readXrefSection(this.scanner, off);
        } catch (err) {
          if (err instanceof PdfError) continue;
          throw err;
        }
      }
      this.byOffset.set(off, s);
      bySection.set(s.offset, s);
      this.sections.push(s);
      const { prev, xrefStm } = trailerLinks(s);
      if (prev !== null) queue.push([prev, undefined]);
      if (xrefStm !== null) queue.push([xrefStm, undefined]);
    }
  }

  /** File offsets of every object any section lists. */
  listedOffsets(): Set<number> {
    const out = new Set<number>();
    for (const s of this.sections)
      for (const e of s.entries) {
        this.budget.tick();
        if (e.type === 'offset' && e.offset !== undefined) out.add(e.offset);
      }
    return out;
  }

  /** The object at a file offset, or null (never throws for malformed data). Parsed once per offset. */
  objectAt(offset: number): IndirectObject | null {
    const hit = this.parsed.get(offset);
    if (hit !== undefined) return hit;
    let obj: IndirectObject | null;
    try {
      obj = this.scanner.indirectObjectAt(offset);
    } catch (err) {
      if (!(err instanceof PdfError)) throw err;
      obj = null;
    }
    if (this.parsed.size < MAX_CACHED_OBJECTS) this.parsed.set(offset, obj);
    return obj;
  }

  /** Resolves `num` as the viewer would (or in another revision's `view`); null when missing or unreadable. */
  resolve(num: number, view: Map<number, XrefEntry> = this.current): ResolvedObject | null {
    const e = view.get(num);
    if (!e) return null;
    if (e.type === 'offset' && e.offset !== undefined) {
      const obj = this.objectAt(e.offset);
      return obj && obj.num === num ? { obj, offset: e.offset, inObjectStream: false } : null;
    }
    if (e.type === 'compressed' && e.stream !== undefined && e.index !== undefined) {
      const container = view.get(e.stream);
      if (!container || container.type !== 'offset' || container.offset === undefined) return null;
      const os = this.objectStream(container.offset);
      const at = os?.offsets.get(num);
      if (!os || at === undefined) return null;
      try {
        const value = os.scanner.parse(at);
        return {
          obj: { num, gen: 0, headerStart: at, value },
          offset: container.offset,
          inObjectStream: true,
        };
      } catch (err) {
        if (err instanceof PdfError) return null;
        throw err;
      }
    }
    return null;
  }

  /** Decoded object-stream bytes held now (at most the budget's cache size, or the one stream in use). */
  get cachedStreamBytes(): number {
    return this.objStreams.bytes;
  }

  /** Follows a reference (or returns a direct value). */
  deref(v: PdfValue | undefined): PdfValue | undefined {
    if (v?.kind !== 'ref') return v;
    return this.resolve(v.num)?.obj.value;
  }

  /** Every object inside every object stream listed by any section (older revisions' included). */
  *compressedObjects(): Generator<{ num: number; value: PdfValue; containerOffset: number }> {
    for (const offset of this.listedOffsets()) {
      const os = this.objectStream(offset);
      if (!os) continue;
      for (const [num, at] of os.offsets) {
        this.budget.tick();
        try {
          yield { num, value: os.scanner.parse(at), containerOffset: offset };
        } catch (err) {
          if (!(err instanceof PdfError)) throw err;
        }
      }
    }
  }

  /**
   * Decodes every object stream any section lists (charging the budget), without parsing their objects:
   * what a reader that inflates them all (pdf-lib) will cost, found out within the budget first.
   * Returns the number of object streams.
   */
  decodeObjectStreams(): number {
    let n = 0;
    for (const offset of this.listedOffsets()) if (this.objectStream(offset)) n++;
    return n;
  }

  private objectStream(offset: number): ObjectStream | null {
    const hit = this.objStreams.get(offset);
    if (hit !== undefined) return hit;
    let result: ObjectStream | null = null;
    const obj = this.objectAt(offset);
    if (obj?.value.kind === 'dict' && obj.stream && dictGet(obj.value, 'Type', 'name')?.value === 'ObjStm') {
      const data = decodeStream(this.scanner, obj.value, obj.stream);
      const n = dictGet(obj.value, 'N', 'number')?.value ?? 0;
      const first = dictGet(obj.value, 'First', 'number')?.value ?? -1;
      if (data && first >= 0 && n >= 0 && n <= 1_000_000) {
        const scanner = new PdfObjectScanner(data, this.budget);
        const offsets = new Map<number, number>();
        let p = 0;
        for (let k = 0; k < n; k++) {
          this.budget.tick();
          const num = scanner.unsignedAt(scanner.skipWs(p));
          const rel = num ? scanner.unsignedAt(scanner.skipWs(num.end)) : null;
          if (!num || !rel) break;
          offsets.set(num.value, first + rel.value);
          p = rel.end;
        }
        result = { scanner, offsets };
      }
    }
    this.objStreams.set(offset, result);
    return result;
  }
}
