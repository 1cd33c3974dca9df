// A minimal TrueType subsetter for embedding in PDF and OFD. The one file serves both: a standalone font
// (design §1.7: OFD readers look characters up in a cmap, so it has cmap formats 4 and 12, OS/2, name and
// post v3 beside what ISO 32000 §9.9 needs for a CIDFontType2 with an Identity CIDToGIDMap: head, hhea, maxp,
// hmtx, loca, glyf and cvt/fpgm/prep when the font has them; PDF readers ignore the extra tables). A licence's
// PDF and OFD therefore embed the same bytes, subset and deflated once (subsetFontDeflate).
// fontkit's subsetter decodes every glyph's outline just to learn whether it is composite, which made it
// the slowest step of a licence render; this one copies the glyph bytes as they are and only parses
// composite glyphs' component lists. It reads the raw file once per font and keeps nothing else.

import { deflateSync } from 'node:zlib';

interface TableRecord {
  offset: number;
  length: number;
}

/** Font files made here, so the PDF writer can give their streams /Length1 (ISO 32000 Table 127). */
export const subsetFontFiles = new WeakSet<Uint8Array>();

/** The names a subset file carries in its name table (OFD readers show and match them). */
export interface FontNames {
  readonly family: string;
  readonly subfamily: string;
  readonly fullName: string;
  readonly postscriptName: string;
}

const GENERIC_NAMES: FontNames = {
  family: 'Subset',
  subfamily: 'Regular',
  fullName: 'Subset Regular',
  postscriptName: 'Subset',
};

export class TrueTypeFormatError extends Error {
  override readonly name = 'TrueTypeFormatError';
}

/** The raw tables of one TrueType font file, parsed once. */
export class TrueTypeSource {
  private readonly view: DataView;
  private readonly tables = new Map<string, TableRecord>();
  private readonly longLoca: boolean;
  private readonly numberOfHMetrics: number;
  readonly numGlyphs: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly names: FontNames = GENERIC_NAMES,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = this.view.getUint32(0);
    if (version !== 0x00010000 && version !== 0x74727565)
      throw new TrueTypeFormatError('not a TrueType font (glyf outlines)');
    const numTables = this.view.getUint16(4);
    for (let i = 0; i < numTables; i++) {
      const r = 12 + i * 16;
      const tag = String.fromCharCode(bytes[r]!, bytes[r + 1]!, bytes[r + 2]!, bytes[r + 3]!);
      this.tables.set(tag, { offset: this.view.getUint32(r + 8), length: this.view.getUint32(r + 12) });
    }
    for (const t of ['head', 'hhea', 'maxp', 'hmtx', 'loca', 'glyf'])
      if (!this.tables.has(t)) throw new TrueTypeFormatError(`TrueType font lacks the ${t} table`);
    this.longLoca = this.view.getInt16(this.table('head').offset + 50) === 1;
    this.numberOfHMetrics = this.view.getUint16(this.table('hhea').offset + 34);
    this.numGlyphs = this.view.getUint16(this.table('maxp').offset + 4);
  }

  table(tag: string): TableRecord {
    return this.tables.get(tag)!;
  }

  tableBytes(tag: string): Uint8Array | undefined {
    const t = this.tables.get(tag);
    return t && this.bytes.subarray(t.offset, t.offset + t.length);
  }

  /** The glyph's bytes in glyf (empty for glyphs without outline, e.g. the space). */
  glyph(gid: number): Uint8Array {
    if (gid < 0 || gid >= this.numGlyphs) throw new TrueTypeFormatError(`glyph ${gid} is out of range`);
    const loca = this.table('loca').offset;
    const [start, end] = this.longLoca
      ? [this.view.getUint32(loca + gid * 4), this.view.getUint32(loca + gid * 4 + 4)]
      : [this.view.getUint16(loca + gid * 2) * 2, this.view.getUint16(loca + gid * 2 + 2) * 2];
    const glyf = this.table('glyf').offset;
    return this.bytes.subarray(glyf + start, glyf + end);
  }

  /** Advance width and left side bearing (font units). */
  metrics(gid: number): { advance: number; lsb: number } {
    const hmtx = this.table('hmtx').offset;
    const last = this.numberOfHMetrics - 1;
    if (gid <= last)
      return { advance: this.view.getUint16(hmtx + gid * 4), lsb: this.view.getInt16(hmtx + gid * 4 + 2) };
    return {
      advance: this.view.getUint16(hmtx + last * 4),
      lsb: this.view.getInt16(hmtx + this.numberOfHMetrics * 4 + (gid - this.numberOfHMetrics) * 2),
    };
  }
}

// Composite glyph flags (OpenType glyf table).
const ARG_1_AND_2_ARE_WORDS = 0x0001;
const WE_HAVE_A_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE = 0x0040;
const WE_HAVE_A_TWO_BY_TWO = 0x0080;

/** A subset's glyph tables (read-only once made: writeSfnt copies them into each file). */
interface GlyphTables {
  /** Source glyph ids in subset order, components included. */
  readonly glyphs: readonly number[];
  readonly glyf: Uint8Array;
  readonly loca: Uint8Array;
  readonly hmtx: Uint8Array;
  /** Font files made from these tables, by their cmap (see TrueTypeSubset.encode). */
  readonly files: Map<string, Uint8Array>;
}

/**
 * Recent glyph tables per source face, by glyph list. Small and bounded: it only has to bridge the PDF and OFD
 * writers of the licences in flight in one worker (and repeats of the same text, e.g. a title-only face).
 */
const GLYPH_TABLE_CACHE_SIZE = 8;
// Keyed by the font file's bytes: the PDF's fontkit wrapper and the OFD writer each parse their own source.
const glyphTableCache = new WeakMap<Uint8Array, Map<string, GlyphTables>>();

/**
 * A subset under construction, with the interface pdf-lib expects of fontkit's: `includeGlyph` returns the
 * glyph's new id (0 is always .notdef), `encode` returns the subset font file.
 */
export class TrueTypeSubset {
  readonly cff = false;
  private readonly glyphs: number[] = [];
  private readonly mapping = new Map<number, number>();
  /** Code point → source glyph id: the characters drawn with this subset, for its cmap. */
  private readonly cmap = new Map<number, number>();

  constructor(private readonly source: TrueTypeSource) {
    this.includeGlyph(0);
  }

  /**
   * Adds a glyph (once) and returns its id in the subset. The character it draws goes into the cmap: the
   * given code point, or the `codePoints` of a fontkit glyph (what pdf-lib passes).
   */
  includeGlyph(glyph: number | { id: number; codePoints?: readonly number[] }, codePoint?: number): number {
    const gid = typeof glyph === 'number' ? glyph : glyph.id;
    if (codePoint !== undefined) this.cmap.set(codePoint, gid);
    else if (typeof glyph !== 'number' && glyph.codePoints)
      for (const cp of glyph.codePoints) this.cmap.set(cp, gid);
    let id = this.mapping.get(gid);
    if (id === undefined) {
      id = this.glyphs.length;
      this.glyphs.push(gid);
      this.mapping.set(gid, id);
    }
    return id;
  }

  /** The glyph's bytes with component glyph ids renumbered (components are included as they are found). */
  private glyphBytes(gid: number): Uint8Array {
    const data = this.source.glyph(gid);
    if (data.length < 10 || new DataView(data.buffer, data.byteOffset).getInt16(0) >= 0) return data;
    const copy = new Uint8Array(data);
    const v = new DataView(copy.buffer);
    let p = 10;
    for (;;) {
      const flags = v.getUint16(p);
      v.setUint16(p + 2, this.includeGlyph(v.getUint16(p + 2)));
      p += 4 + (flags & ARG_1_AND_2_ARE_WORDS ? 4 : 2);
      if (flags & WE_HAVE_A_SCALE) p += 2;
      else if (flags & WE_HAVE_AN_X_AND_Y_SCALE) p += 4;
      else if (flags & WE_HAVE_A_TWO_BY_TWO) p += 8;
      if (!(flags & MORE_COMPONENTS)) break;
    }
    return copy;
  }

  /**
   * glyf, loca (long offsets) and hmtx of the subset. The glyph list may grow while composites add their
   * components. The PDF writer and the OFD writer of one licence subset each face with the same glyphs in the
   * same order (both walk the layout's runs), so the second encode takes these tables from a small cache
   * instead of copying every glyph again; the result is the same bytes either way.
   */
  private glyphTables(): GlyphTables {
    const key = this.glyphs.join(',');
    let perSource = glyphTableCache.get(this.source.bytes);
    if (!perSource) glyphTableCache.set(this.source.bytes, (perSource = new Map()));
    const hit = perSource.get(key);
    if (hit) {
      // Most recently used last; the components the first encode found get the same ids here.
      perSource.delete(key);
      perSource.set(key, hit);
      for (const gid of hit.glyphs) this.includeGlyph(gid);
      return hit;
    }
    const src = this.source;
    const parts: Uint8Array[] = [];
    const offsets: number[] = [0];
    let glyfLength = 0;
    for (let i = 0; i < this.glyphs.length; i++) {
      const g = this.glyphBytes(this.glyphs[i]!);
      const padded = (g.length + 3) & ~3;
      parts.push(g);
      if (padded > g.length) parts.push(new Uint8Array(padded - g.length));
      glyfLength += padded;
      offsets.push(glyfLength);
    }
    const n = this.glyphs.length;
    const glyf = concat(parts, glyfLength);
    const loca = new Uint8Array(offsets.length * 4);
    const locaView = new DataView(loca.buffer);
    offsets.forEach((o, i) => locaView.setUint32(i * 4, o));
    const hmtx = new Uint8Array(n * 4);
    const hmtxView = new DataView(hmtx.buffer);
    this.glyphs.forEach((gid, i) => {
      const { advance, lsb } = src.metrics(gid);
      hmtxView.setUint16(i * 4, advance);
      hmtxView.setInt16(i * 4 + 2, lsb);
    });
    const tables: GlyphTables = { glyphs: [...this.glyphs], glyf, loca, hmtx, files: new Map() };
    perSource.set(key, tables);
    if (perSource.size > GLYPH_TABLE_CACHE_SIZE) perSource.delete(perSource.keys().next().value!);
    return tables;
  }

  /**
   * The subset font file: the glyph tables plus cmap (the included characters → their subset glyph ids), OS/2
   * (the source's), name (the source's names) and post v3 (no glyph names). The PDF and OFD writers of one
   * licence include the same characters in the same order, so the second encode returns the very bytes the
   * first made (and subsetFontDeflate their deflate).
   */
  encode(): Uint8Array {
    const src = this.source;
    const tables = this.glyphTables();
    const cmap = new Map<number, number>();
    for (const [cp, gid] of this.cmap) {
      const id = this.mapping.get(gid);
      if (id !== undefined && id !== 0) cmap.set(cp, id);
    }
    const cmapKey = [...cmap]
      .sort((a, b) => a[0] - b[0])
      .map(([cp, id]) => `${cp}:${id}`)
      .join(',');
    const hit = tables.files.get(cmapKey);
    if (hit) return hit;
    const n = this.glyphs.length;
    const head = new Uint8Array(src.tableBytes('head')!);
    const headView = new DataView(head.buffer);
    headView.setUint32(8, 0); // checkSumAdjustment, computed below
    headView.setInt16(50, 1); // indexToLocFormat: long
    const hhea = new Uint8Array(src.tableBytes('hhea')!);
    new DataView(hhea.buffer).setUint16(34, n);
    const maxp = new Uint8Array(src.tableBytes('maxp')!);
    new DataView(maxp.buffer).setUint16(4, n);
    const post = new Uint8Array(32);
    post.set((src.tableBytes('post') ?? new Uint8Array(32)).subarray(0, 32));
    new DataView(post.buffer).setUint32(0, 0x00030000); // version 3: no glyph names

    const sfnt = new Map<string, Uint8Array | undefined>([
      ['cvt ', src.tableBytes('cvt ')],
      ['fpgm', src.tableBytes('fpgm')],
      ['glyf', tables.glyf],
      ['head', head],
      ['hhea', hhea],
      ['hmtx', tables.hmtx],
      ['loca', tables.loca],
      ['maxp', maxp],
      ['prep', src.tableBytes('prep')],
      ['cmap', cmapTable(cmap)],
      ['OS/2', src.tableBytes('OS/2')],
      ['name', nameTable(src.names)],
      ['post', post],
    ]);
    const present = new Map<string, Uint8Array>();
    for (const [tag, bytes] of sfnt) if (bytes) present.set(tag, bytes);
    const out = writeSfnt(present);
    // head.checkSumAdjustment = 0xB1B0AFBA − checksum of the whole font.
    const headOffset = tableOffset(out, 'head');
    new DataView(out.buffer).setUint32(headOffset + 8, (0xb1b0afba - checksum(out)) >>> 0);
    subsetFontFiles.add(out);
    tables.files.set(cmapKey, out);
    return out;
  }
}

/**
 * zlib level of a subset font file: TrueType outlines barely compress (~28 %); level 2 takes half the CPU of the
 * default 6 for ~3 % more bytes.
 */
const FONT_DEFLATE_LEVEL = 2;
const deflated = new WeakMap<Uint8Array, { zlib: Uint8Array; raw: Uint8Array }>();

/**
 * A subset font file compressed once for both formats: `zlib` (RFC 1950) is the PDF's FlateDecode FontFile2
 * stream, `raw` its RFC 1951 body (without the 2-byte header and the Adler-32) is the OFD's ZIP entry.
 */
export function subsetFontDeflate(file: Uint8Array): { zlib: Uint8Array; raw: Uint8Array } {
  let d = deflated.get(file);
  if (!d) {
    const zlib = deflateSync(file, { level: FONT_DEFLATE_LEVEL });
    d = { zlib, raw: zlib.subarray(2, zlib.length - 4) };
    deflated.set(file, d);
  }
  return d;
}

/** cmap with a (3,1) format 4 subtable for the BMP and, when a character lies beyond it, a (3,10) format 12. */
function cmapTable(map: ReadonlyMap<number, number>): Uint8Array {
  const cps = [...map.keys()].sort((a, b) => a - b);
  // Runs of consecutive code points with consecutive glyph ids.
  const groups: { start: number; end: number; gid: number }[] = [];
  for (const cp of cps) {
    const gid = map.get(cp)!;
    const last = groups[groups.length - 1];
    if (last && cp === last.end + 1 && gid === last.gid + (cp - last.start)) last.end = cp;
    else groups.push({ start: cp, end: cp, gid });
  }
  const bmp = groups.filter((g) => g.end <= 0xfffe);
  const segs = [
    ...bmp.map((g) => ({ ...g, delta: (g.gid - g.start) & 0xffff })),
    { start: 0xffff, end: 0xffff, gid: 0, delta: 1 },
  ];
  const segX2 = segs.length * 2;
  const f4 = new Uint8Array(16 + segs.length * 8);
  const v4 = new DataView(f4.buffer);
  const entrySelector = Math.floor(Math.log2(segs.length));
  v4.setUint16(0, 4);
  v4.setUint16(2, f4.length);
  v4.setUint16(4, 0);
  v4.setUint16(6, segX2);
  v4.setUint16(8, 2 * 2 ** entrySelector);
  v4.setUint16(10, entrySelector);
  v4.setUint16(12, segX2 - 2 * 2 ** entrySelector);
  segs.forEach((g, i) => {
    v4.setUint16(14 + i * 2, g.end);
    v4.setUint16(16 + segX2 + i * 2, g.start);
    v4.setUint16(16 + 2 * segX2 + i * 2, g.delta);
    v4.setUint16(16 + 3 * segX2 + i * 2, 0); // idRangeOffset: glyph = code + idDelta
  });
  // Format 12 repeats every mapping; it is needed only for characters beyond the BMP (rare ideographs of
  // CJK Extension B and later, which names do carry), so it is written only then (as fontTools does).
  const subtables: [encodingId: number, table: Uint8Array][] = [[1, f4]];
  if (groups.some((g) => g.end > 0xffff)) {
    const f12 = new Uint8Array(16 + groups.length * 12);
    const v12 = new DataView(f12.buffer);
    v12.setUint16(0, 12);
    v12.setUint32(4, f12.length);
    v12.setUint32(12, groups.length);
    groups.forEach((g, i) => {
      v12.setUint32(16 + i * 12, g.start);
      v12.setUint32(20 + i * 12, g.end);
      v12.setUint32(24 + i * 12, g.gid);
    });
    subtables.push([10, f12]);
  }
  const header = new Uint8Array(4 + subtables.length * 8);
  const hv = new DataView(header.buffer);
  hv.setUint16(2, subtables.length);
  let offset = header.length;
  subtables.forEach(([encodingId, table], i) => {
    hv.setUint16(4 + i * 8, 3); // platform: Windows
    hv.setUint16(6 + i * 8, encodingId); // 1: Unicode BMP, 10: Unicode full repertoire
    hv.setUint32(8 + i * 8, offset);
    offset += table.length;
  });
  return concat([header, ...subtables.map(([, t]) => t)], offset);
}

/** name format 0 with the Windows Unicode (3,1,0x409) family, subfamily, unique, full and PostScript names. */
function nameTable(n: FontNames): Uint8Array {
  const records: [number, string][] = [
    [1, n.family],
    [2, n.subfamily],
    [3, n.postscriptName],
    [4, n.fullName],
    [6, n.postscriptName],
  ];
  const strings = records.map(([, text]) => Buffer.from(text, 'utf16le').swap16());
  const storage = 6 + records.length * 12;
  const total = storage + strings.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint16(2, records.length);
  v.setUint16(4, storage);
  let offset = 0;
  records.forEach(([id], i) => {
    const r = 6 + i * 12;
    v.setUint16(r, 3);
    v.setUint16(r + 2, 1);
    v.setUint16(r + 4, 0x409);
    v.setUint16(r + 6, id);
    v.setUint16(r + 8, strings[i]!.length);
    v.setUint16(r + 10, offset);
    out.set(strings[i]!, storage + offset);
    offset += strings[i]!.length;
  });
  return out;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

function checksum(bytes: Uint8Array): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sum = 0;
  const whole = bytes.length & ~3;
  for (let i = 0; i < whole; i += 4) sum = (sum + v.getUint32(i)) >>> 0;
  if (whole < bytes.length) {
    let last = 0;
    for (let i = whole; i < whole + 4; i++) last = (last << 8) | (bytes[i] ?? 0);
    sum = (sum + (last >>> 0)) >>> 0;
  }
  return sum;
}

/** An sfnt file: offset table, table records sorted by tag, tables 4-byte aligned. */
function writeSfnt(tables: Map<string, Uint8Array>): Uint8Array {
  const tags = [...tables.keys()].sort();
  const numTables = tags.length;
  const headerLength = 12 + numTables * 16;
  let length = headerLength;
  for (const t of tags) length += (tables.get(t)!.length + 3) & ~3;
  const out = new Uint8Array(length);
  const v = new DataView(out.buffer);
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  v.setUint32(0, 0x00010000);
  v.setUint16(4, numTables);
  v.setUint16(6, searchRange);
  v.setUint16(8, entrySelector);
  v.setUint16(10, numTables * 16 - searchRange);
  let offset = headerLength;
  tags.forEach((tag, i) => {
    const data = tables.get(tag)!;
    const r = 12 + i * 16;
    for (let k = 0; k < 4; k++) out[r + k] = tag.charCodeAt(k);
    v.setUint32(r + 4, checksum(data));
    v.setUint32(r + 8, offset);
    v.setUint32(r + 12, data.length);
    out.set(data, offset);
    offset += (data.length + 3) & ~3;
  });
  return out;
}

function tableOffset(font: Uint8Array, tag: string): number {
  const v = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const numTables = v.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const r = 12 + i * 16;
    if (String.fromCharCode(font[r]!, font[r + 1]!, font[r + 2]!, font[r + 3]!) === tag)
      return v.getUint32(r + 8);
  }
  throw new TrueTypeFormatError(`no ${tag} table`);
}
