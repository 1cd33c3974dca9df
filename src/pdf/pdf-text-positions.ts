import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { PdfError } from './pdf-error.js';
import { PT_PER_MM } from './pdf-seal-appearance.js';

/**
 * Where a text occurs on the pages of a PDF (关键字定位), found with pdfjs-dist's text extraction: the
 * text items of a line are joined, the needle is matched against the joined text with whitespace ignored
 * (layouts space characters apart: 盖 章 处) and each matched character is mapped back to its item and its
 * horizontal position inside the item.
 *
 * pdfjs reports an item's width but not each glyph's advance, so inside an item full-width characters
 * (CJK ideographs and punctuation) are taken as one em and the rest share what remains of the item's width.
 * That is exact for CJK text in one font and close for mixed text, which is what centring a seal needs.
 *
 * Boxes are in millimetres from the top-left corner of the page's crop box, in unrotated page space (the
 * space seal placements use).
 */
export interface TextMatch {
  /** 0-based page index. */
  page: number;
  xMm: number;
  yMm: number;
  widthMm: number;
  heightMm: number;
}

/** One line of a page: its text and, per UTF-16 code unit, the horizontal extent and the line's box. */
export interface TextLine {
  text: string;
  /** Per code unit of `text`: [left, right] in points (page space). */
  spans: [number, number][];
  /** Vertical extent of the line in points (page space, y up). */
  bottom: number;
  top: number;
}

export interface PageText {
  /** Crop box [x0, y0, x1, y1] in points, as pdfjs reports it (`page.view`). */
  view: [number, number, number, number];
  lines: TextLine[];
}

interface TextItemLike {
  str: string;
  width: number;
  height: number;
  transform: number[];
  fontName: string;
  hasEOL: boolean;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | undefined;
// pdfjs is large and starts a fake worker on first use (about 0.8 s): load it once, on demand.
const loadPdfJs = () => (pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs'));

const assetDir = (() => {
  try {
    return dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  } catch {
    return undefined;
  }
})();

/** Loads pdfjs (and its worker) ahead of the first request, so the first stamping is not slow. */
export async function warmUpTextExtraction(): Promise<void> {
  const lib = await loadPdfJs();
  // A trivial document drives the fake worker set-up.
  const minimal = Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj ' +
      '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    'latin1',
  );
  const doc = await lib.getDocument(documentParams(minimal)).promise;
  await doc.destroy();
}

function documentParams(pdf: Uint8Array) {
  return {
    // pdfjs may transfer (detach) the buffer it is given: hand it a copy.
    data: new Uint8Array(pdf),
    disableFontFace: true,
    useSystemFonts: false,
    isEvalSupported: false,
    verbosity: 0,
    stopAtErrors: false,
    // Chinese PDFs often use predefined CJK CMaps (UniGB-UCS2-H …) that pdfjs reads from files.
    ...(assetDir
      ? {
          cMapUrl: join(assetDir, 'cmaps') + sep,
          cMapPacked: true,
          standardFontDataUrl: join(assetDir, 'standard_fonts') + sep,
        }
      : {}),
  };
}

const isFullWidth = (ch: string) =>
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(
    ch,
  );

/** Horizontal spans of each code unit of a horizontal item starting at x, `width` points wide. */
function itemSpans(str: string, x: number, width: number, fontSize: number): [number, number][] {
  const chars = Array.from(str);
  const full = chars.filter(isFullWidth).length;
  const rest = chars.length - full;
  let fullW = fontSize;
  let restW = rest ? (width - full * fontSize) / rest : 0;
  if (full && (restW <= 0 || full * fontSize > width)) {
    // The item is narrower than one em per ideograph (condensed or a smaller size): share it evenly.
    fullW = width / chars.length;
    restW = fullW;
  } else if (!full && chars.length) restW = width / chars.length;
  const spans: [number, number][] = [];
  let at = x;
  for (const ch of chars) {
    const w = isFullWidth(ch) ? fullW : restW;
    for (let i = 0; i < ch.length; i++) spans.push([at, at + w]);
    at += w;
  }
  return spans;
}

/** Text lines of every page (or of `pages`, 0-based). @throws PdfError MALFORMED / ENCRYPTED. */
export async function extractPageText(pdf: Uint8Array, pages?: number[]): Promise<PageText[]> {
  const lib = await loadPdfJs();
  let doc: Awaited<ReturnType<PdfJs['getDocument']>['promise']>;
  try {
    doc = await lib.getDocument(documentParams(pdf)).promise;
  } catch (err) {
    const name = (err as Error)?.name;
    if (name === 'PasswordException')
      throw new PdfError('ENCRYPTED', 'the document is encrypted with a user password', { cause: err });
    throw new PdfError('MALFORMED', `the PDF text cannot be read (${(err as Error)?.message})`, {
      cause: err,
    });
  }
  try {
    const out: PageText[] = [];
    const indices = pages ?? Array.from({ length: doc.numPages }, (_, i) => i);
    for (const index of indices) {
      const page = await doc.getPage(index + 1);
      const content = await page.getTextContent();
      const view = page.view as [number, number, number, number];
      const lines: TextLine[] = [];
      let line: TextLine | undefined;
      let lineY = NaN;
      for (const raw of content.items) {
        if (!('str' in raw)) continue;
        const item = raw as TextItemLike;
        const [a, b, c, d, x, y] = item.transform as [number, number, number, number, number, number];
        // Horizontal text only: rotated or vertical runs are not where seals are placed by keyword.
        const horizontal = Math.abs(b) < 1e-6 && Math.abs(c) < 1e-6 && a > 0 && d > 0;
        const size = Math.abs(d) || item.height;
        if (!horizontal || !item.str) {
          if (item.hasEOL) line = undefined;
          continue;
        }
        const style = content.styles[item.fontName] as { ascent?: number; descent?: number } | undefined;
        const ascent = style?.ascent && style.ascent > 0 && style.ascent < 1.5 ? style.ascent : 0.88;
        const descent = style?.descent && style.descent < 0 && style.descent > -0.6 ? style.descent : -0.12;
        if (!line || Math.abs(y - lineY) > size * 0.3) {
          line = { text: '', spans: [], bottom: y + descent * size, top: y + ascent * size };
          lineY = y;
          lines.push(line);
        }
        line.text += item.str;
        line.spans.push(...itemSpans(item.str, x, item.width, a));
        line.bottom = Math.min(line.bottom, y + descent * size);
        line.top = Math.max(line.top, y + ascent * size);
        if (item.hasEOL) line = undefined;
      }
      out.push({ view, lines });
      page.cleanup();
    }
    return out;
  } catch (err) {
    if (err instanceof PdfError) throw err;
    throw new PdfError('MALFORMED', `the PDF text cannot be read (${(err as Error)?.message})`, {
      cause: err,
    });
  } finally {
    await doc.destroy();
  }
}

/** Every occurrence of `needle` (whitespace ignored on both sides), in page and reading order. */
export function findInPageText(pages: PageText[], needle: string, pageIndices?: number[]): TextMatch[] {
  const want = needle.replace(/\s+/g, '');
  if (!want) return [];
  const out: TextMatch[] = [];
  pages.forEach((pageText, i) => {
    const page = pageIndices?.[i] ?? i;
    const [vx0, , , vy1] = pageText.view;
    for (const line of pageText.lines) {
      // The line without whitespace, with the code-unit index of each kept unit.
      let squeezed = '';
      const at: number[] = [];
      for (let k = 0; k < line.text.length; k++) {
        if (/\s/.test(line.text[k]!)) continue;
        squeezed += line.text[k];
        at.push(k);
      }
      for (let from = squeezed.indexOf(want); from >= 0; from = squeezed.indexOf(want, from + want.length)) {
        const first = line.spans[at[from]!]!;
        const last = line.spans[at[from + want.length - 1]!]!;
        const left = Math.min(first[0], last[0]);
        const right = Math.max(first[1], last[1]);
        out.push({
          page,
          xMm: (left - vx0) / PT_PER_MM,
          yMm: (vy1 - line.top) / PT_PER_MM,
          widthMm: (right - left) / PT_PER_MM,
          heightMm: (line.top - line.bottom) / PT_PER_MM,
        });
      }
    }
  });
  return out;
}

/** Every occurrence of `needle` in the document (or on `pages`, 0-based). */
export async function findTextOccurrences(
  pdf: Uint8Array,
  needle: string,
  pages?: number[],
): Promise<TextMatch[]> {
  return findInPageText(await extractPageText(pdf, pages), needle, pages);
}
