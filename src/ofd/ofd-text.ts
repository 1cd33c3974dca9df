import type { OfdDocument, OfdPackage, OfdPageRef } from './ofd-package.js';
import { attr, child, childrenNamed, descendants, type XmlElement } from './xml-element.js';
import { readPackagePart } from './ofd-part-reader.js';

/**
 * Where text is drawn on an OFD page, from its TextObjects (GB/T 33190 §11: TextObject Boundary/CTM/Size/HScale,
 * TextCode X/Y/DeltaX/DeltaY, §11.3 "文字定位"), for keyword placement (关键字定位): absolute page coordinates in
 * millimetres, origin top-left, y down — the shape of pdf-text-positions' TextMatch, so pdf-placement.ts resolves
 * OFD keyword placements unchanged.
 *
 * Geometry: character i of a TextCode sits at (X + ΣDeltaX[0..i-1], Y + ΣDeltaY[0..i-1]) in the object's space,
 * Y being the baseline; a DeltaX list shorter than the text repeats its last value (real tax invoices write
 * `DeltaX="1.59"` for a twelve-digit number), `g N v` is N repetitions of v (Suwell, gomain). A TextCode without
 * X/Y continues where the previous one ended. The object space is mapped by CTM and then offset by the Boundary's
 * origin. Without font metrics a glyph is taken as [baseline − 0.8·Size, baseline + 0.2·Size] high and its advance
 * wide (the last glyph: the previous advance, or Size·HScale): enough to centre a seal on a word.
 * Text on the page's templates (Template/@TemplateID) counts as the page's. CompositeObjects are not expanded.
 */
export interface OfdTextMatch {
  /** 0-based page index. */
  readonly page: number;
  readonly xMm: number;
  readonly yMm: number;
  readonly widthMm: number;
  readonly heightMm: number;
}

export interface OfdPlacedChar {
  readonly char: string;
  /** Glyph box on the page (mm, top-left origin). */
  readonly box: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  /** Baseline origin of the glyph on the page. */
  readonly origin: { readonly x: number; readonly y: number };
}

/** The characters of one TextObject, in TextCode order. */
export interface OfdTextRun {
  readonly page: number;
  /** Path of the page or template content file. */
  readonly source: string;
  readonly objectId?: string;
  readonly text: string;
  readonly chars: readonly OfdPlacedChar[];
}

type Matrix = readonly [number, number, number, number, number, number];
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];
const ASCENT = 0.8;
const DESCENT = 0.2;

/** Every text run of page `pageIndex` (templates first, as they are drawn beneath). */
export function pageTextRuns(pkg: OfdPackage, pageIndex: number, docIndex = 0): OfdTextRun[] {
  const doc = pkg.documents[docIndex];
  const page = doc?.pages[pageIndex];
  if (!doc || !page?.path) return [];
  const pageXml = readPackagePart(pkg, page.path);
  if (!pageXml) return [];
  const runs: OfdTextRun[] = [];
  for (const t of childrenNamed(pageXml, 'Template')) {
    const tpl = templateOf(doc, attr(t, 'TemplateID'));
    const xml = tpl?.path ? readPackagePart(pkg, tpl.path) : undefined;
    if (xml) runs.push(...contentRuns(xml, pageIndex, tpl!.path!));
  }
  runs.push(...contentRuns(pageXml, pageIndex, page.path));
  return runs;
}

/** Occurrences of `keyword` in page and reading (TextObject) order; a match does not span TextObjects. */
export function findOfdText(pkg: OfdPackage, keyword: string, docIndex = 0): OfdTextMatch[] {
  const needle = [...keyword];
  if (needle.length === 0) return [];
  const doc = pkg.documents[docIndex];
  const out: OfdTextMatch[] = [];
  for (let p = 0; p < (doc?.pages.length ?? 0); p++)
    for (const run of pageTextRuns(pkg, p, docIndex)) {
      const chars = run.chars;
      for (let i = 0; i + needle.length <= chars.length; i++) {
        if (!needle.every((c, k) => chars[i + k]!.char === c)) continue;
        const boxes = chars.slice(i, i + needle.length).map((c) => c.box);
        const x0 = Math.min(...boxes.map((b) => b.x));
        const y0 = Math.min(...boxes.map((b) => b.y));
        const x1 = Math.max(...boxes.map((b) => b.x + b.w));
        const y1 = Math.max(...boxes.map((b) => b.y + b.h));
        out.push({ page: p, xMm: x0, yMm: y0, widthMm: x1 - x0, heightMm: y1 - y0 });
      }
    }
  return out;
}

function templateOf(doc: OfdDocument, id: string | undefined): OfdPageRef | undefined {
  return id === undefined ? undefined : doc.templates.find((t) => t.id.trim() === id.trim());
}

function contentRuns(page: XmlElement, pageIndex: number, source: string): OfdTextRun[] {
  const content = child(page, 'Content');
  if (!content) return [];
  const runs: OfdTextRun[] = [];
  for (const e of descendants(content)) {
    if (e.localName !== 'TextObject') continue;
    const run = textObject(e, pageIndex, source);
    if (run.chars.length > 0) runs.push(run);
  }
  return runs;
}

function numbers(s: string | undefined): number[] {
  if (s === undefined) return [];
  return s
    .trim()
    .split(/\s+/)
    .filter((x) => x !== '')
    .map(Number);
}

/** DeltaX/DeltaY (GB/T 33190 §11.3): numbers, `g N v` = N times v. */
export function expandDeltas(s: string | undefined): number[] {
  if (s === undefined) return [];
  const tokens = s
    .trim()
    .split(/\s+/)
    .filter((x) => x !== '');
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === 'g') {
      const n = Number(tokens[i + 1]);
      const v = Number(tokens[i + 2]);
      i += 2;
      // Bounded: a hostile count must not allocate without limit.
      if (!Number.isInteger(n) || n < 0 || n > 100_000 || !Number.isFinite(v)) return out;
      for (let k = 0; k < n; k++) out.push(v);
    } else {
      const v = Number(tokens[i]);
      if (!Number.isFinite(v)) return out;
      out.push(v);
    }
  }
  return out;
}

function textObject(e: XmlElement, pageIndex: number, source: string): OfdTextRun {
  const boundary = numbers(attr(e, 'Boundary'));
  const bx = Number.isFinite(boundary[0]) ? boundary[0]! : 0;
  const by = Number.isFinite(boundary[1]) ? boundary[1]! : 0;
  const ctmValues = numbers(attr(e, 'CTM'));
  const ctm: Matrix =
    ctmValues.length === 6 && ctmValues.every(Number.isFinite) ? (ctmValues as unknown as Matrix) : IDENTITY;
  const sizeValue = Number(attr(e, 'Size'));
  const size = Number.isFinite(sizeValue) && sizeValue > 0 ? sizeValue : 3.5;
  const hScaleValue = Number(attr(e, 'HScale') ?? '1');
  const hScale = Number.isFinite(hScaleValue) && hScaleValue > 0 ? hScaleValue : 1;
  const toPage = (x: number, y: number) => ({
    x: ctm[0] * x + ctm[2] * y + ctm[4] + bx,
    y: ctm[1] * x + ctm[3] * y + ctm[5] + by,
  });

  const chars: OfdPlacedChar[] = [];
  let text = '';
  let penX = 0;
  let penY = 0;
  for (const code of childrenNamed(e, 'TextCode')) {
    const x = Number(attr(code, 'X'));
    const y = Number(attr(code, 'Y'));
    if (Number.isFinite(x)) penX = x;
    if (Number.isFinite(y)) penY = y;
    const dx = expandDeltas(attr(code, 'DeltaX'));
    const dy = expandDeltas(attr(code, 'DeltaY'));
    const glyphs = [...code.text];
    let lastAdvance = size * hScale;
    glyphs.forEach((char, i) => {
      const hasNext = i < glyphs.length - 1;
      const advance = hasNext ? (dx[i] ?? dx.at(-1) ?? size * hScale) : lastAdvance;
      lastAdvance = advance;
      // Glyph box corners in object space, mapped to the page; the box is their bounding box.
      const w = Math.max(advance, 0) || size * hScale;
      const corners = [
        toPage(penX, penY - ASCENT * size),
        toPage(penX + w, penY - ASCENT * size),
        toPage(penX, penY + DESCENT * size),
        toPage(penX + w, penY + DESCENT * size),
      ];
      const xs = corners.map((c) => c.x);
      const ys = corners.map((c) => c.y);
      const x0 = Math.min(...xs);
      const y0 = Math.min(...ys);
      chars.push({
        char,
        box: { x: x0, y: y0, w: Math.max(...xs) - x0, h: Math.max(...ys) - y0 },
        origin: toPage(penX, penY),
      });
      text += char;
      if (hasNext) {
        penX += advance;
        penY += dy[i] ?? dy.at(-1) ?? 0;
      } else penX += advance;
    });
  }
  const id = attr(e, 'ID');
  return { page: pageIndex, source, ...(id === undefined ? {} : { objectId: id }), text, chars };
}
