// The verification QR code of a licence (GB/T 36905 names Grid Matrix, which has no JavaScript encoder; QR is
// what deployed systems print). Drawn as one vector path, never an image, so it stays sharp at any zoom: filled
// rectangles on the PDF page, stroked runs of the same area on the OFD page.
import QRCode from 'qrcode';
import { num } from './content-numbers.js';
import type { NeutralPath, PathSegment, Rgb } from './licence-paths.js';

export interface QrMatrix {
  /** Modules per side (without the quiet zone). */
  size: number;
  isDark(row: number, col: number): boolean;
}

/** The module matrix of `text` at error-correction level M (what a scanner must see). */
export function qrMatrix(text: string): QrMatrix {
  const { modules } = QRCode.create(qrSegments(text), { errorCorrectionLevel: 'M' });
  return { size: modules.size, isDark: (r, c) => Boolean(modules.get(r, c)) };
}

// ISO/IEC 18004 §7.3.4: the alphanumeric mode's 45 characters (5.5 bits each against 8 in byte mode).
const ALPHANUMERIC = /^[0-9A-Z $%*+./:-]$/;
/** Byte → alphanumeric costs a mode indicator and a count (4 + 9 bits): worth it from 6 characters on. */
const MIN_ALPHANUMERIC_TAIL = 6;
/**
 * Alphanumeric → numeric → alphanumeric costs two indicators and counts (4 + 10 + 4 + 9 bits) and saves
 * 5.5 − 10/3 bits a digit: worth it from 13 digits on (ISO/IEC 18004 Annex J's rule for versions 1–9).
 */
const MIN_NUMERIC_RUN = 13;
const NUMERIC_RUN = new RegExp(`[0-9]{${MIN_NUMERIC_RUN},}`, 'g');

/**
 * The segments a licence URL is encoded in (ISO/IEC 18004 §7.4): byte mode up to its alphanumeric tail (the
 * `/` before the GB/T 36904 identifier on: digits, capitals and dots), long digit runs in it numeric. The same
 * version as the qrcode library's own optimal segmentation gives the demo URLs, without its shortest-path
 * search over every character, which was a fifth of a licence's layout.
 */
export function qrSegments(text: string): QRCode.QRCodeSegment[] {
  const chars = [...text];
  let tail = chars.length;
  while (tail > 0 && ALPHANUMERIC.test(chars[tail - 1]!)) tail--;
  // Byte mode carries UTF-8 (ISO/IEC 18004 §7.4.5 with ECI left out, as every URL scanner expects).
  const bytes = (t: string): QRCode.QRCodeSegment => ({ data: Buffer.from(t, 'utf8'), mode: 'byte' });
  if (chars.length - tail < MIN_ALPHANUMERIC_TAIL) return [bytes(text)];
  const out: QRCode.QRCodeSegment[] = [];
  if (tail > 0) out.push(bytes(chars.slice(0, tail).join('')));
  const rest = chars.slice(tail).join('');
  let from = 0;
  for (const m of rest.matchAll(NUMERIC_RUN)) {
    if (m.index > from) out.push({ data: rest.slice(from, m.index), mode: 'alphanumeric' });
    out.push({ data: m[0], mode: 'numeric' });
    from = m.index + m[0].length;
  }
  if (from < rest.length) out.push({ data: rest.slice(from), mode: 'alphanumeric' });
  return out;
}

/** The horizontal runs of dark modules, row by row: [row, first column, column after the last]. */
function darkRuns(m: QrMatrix): [row: number, start: number, end: number][] {
  const runs: [number, number, number][] = [];
  for (let r = 0; r < m.size; r++) {
    let c = 0;
    while (c < m.size) {
      if (!m.isDark(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < m.size && m.isDark(r, c)) c++;
      runs.push([r, start, c]);
    }
  }
  return runs;
}

/**
 * PDF content operators filling the dark modules: one `re` per horizontal run of dark modules in module units
 * (whole numbers), one `f` for all, under a `cm` that scales a module to `modulePt` and flips y (ISO 32000
 * §8.3.4). (x, top) is the top-left corner of the matrix (without quiet zone) in PDF user space (y up). Whole
 * numbers instead of page coordinates: the path is most of a licence page's content, formatted and deflated
 * for every licence.
 */
export function qrPathOperators(m: QrMatrix, x: number, top: number, modulePt: number): string {
  // Six decimals: the scale's rounding is multiplied by up to ~60 modules across the symbol.
  const scale = Number(modulePt.toFixed(6));
  const out = [`q ${scale} 0 0 ${-scale} ${num(x)} ${num(top)} cm`];
  for (const [r, start, end] of darkRuns(m)) out.push(`${start} ${r} ${end - start} 1 re`);
  out.push('f Q');
  return out.join('\n');
}

/**
 * The same modules as one format-neutral path (licence-paths.ts) for the OFD page: in module units, y down, placed
 * by its CTM (one module = `moduleMm`, the matrix's top-left corner at (xMm, topMm) from the page's top-left).
 * Each run is a line along its row's middle stroked one module wide with butt caps, which paints exactly the
 * run's rectangle (GB/T 33190 §9.1: LineWidth in the object's space, scaled by its CTM) in two segments where a
 * traced rectangle takes five: the path is most of a licence page's content, written, deflated and digested
 * for every licence. Built from the matrix rather than by reading qrPathOperators back. The half module down to
 * the rows' middles is in the CTM, so every coordinate is a whole number and every segment a shared one
 * (gridSegment).
 */
export function qrNeutralPath(
  m: QrMatrix,
  xMm: number,
  topMm: number,
  moduleMm: number,
  rgb: Rgb,
): NeutralPath {
  // Sized up front: a version-4 code is some 350 runs.
  const runs = darkRuns(m);
  const segments = new Array<PathSegment>(runs.length * 2);
  let i = 0;
  for (const [r, start, end] of runs) {
    segments[i++] = gridSegment('M', start, r);
    segments[i++] = gridSegment('L', end, r);
  }
  return {
    segments,
    ctm: [moduleMm, 0, 0, moduleMm, xMm, topMm + moduleMm / 2],
    // The shape neutralPaths gives every path (licence-paths.ts).
    stroke: { rgb, widthMm: moduleMm, cap: 0, join: 0, dashMm: undefined },
    fill: undefined,
  };
}

/** Modules per side of a version-40 symbol, the largest (ISO/IEC 18004 §5.3.1), and one more for run ends. */
const GRID = 178;
const gridSegments = new Map<number, PathSegment>();

/**
 * The segment `op x y` at a module grid point, made once per thread and shared by every QR path: segments are
 * immutable, and the ~700 of a licence's QR code, made anew for every licence, were the largest block of
 * short-lived objects of an OFD render that V8 moved to the old generation (sampling heap profile of the
 * render: ~90 KB a licence, freed only by full GCs).
 */
function gridSegment(op: 'M' | 'L', x: number, y: number): PathSegment {
  const k = (y * GRID + x) * 2 + (op === 'M' ? 0 : 1);
  let s = gridSegments.get(k);
  if (!s) gridSegments.set(k, (s = [op, x, y] as PathSegment));
  return s;
}
