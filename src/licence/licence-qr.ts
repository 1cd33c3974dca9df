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
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return { size: modules.size, isDark: (r, c) => Boolean(modules.get(r, c)) };
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
 * PDF content operators filling the dark modules: one `re` per horizontal run of dark modules, one `f` for
 * all. (x, top) is the top-left corner of the matrix (without quiet zone) in PDF user space (y up).
 */
export function qrPathOperators(m: QrMatrix, x: number, top: number, modulePt: number): string {
  const out = darkRuns(m).map(
    ([r, start, end]) =>
      `${num(x + start * modulePt)} ${num(top - (r + 1) * modulePt)} ${num((end - start) * modulePt)} ${num(modulePt)} re`,
  );
  out.push('f');
  return out.join('\n');
}

/**
 * The same modules as one format-neutral path (licence-paths.ts) for the OFD page: in module units, y down, placed
 * by its CTM (one module = `moduleMm`, the matrix's top-left corner at (xMm, topMm) from the page's top-left).
 * Each run is a line along its row's middle stroked one module wide with butt caps, which paints exactly the
 * run's rectangle (GB/T 33190 §9.1: LineWidth in the object's space, scaled by its CTM) in two segments where a
 * traced rectangle takes five: the path is most of a licence page's content, written, deflated and digested
 * for every licence. Built from the matrix rather than by reading qrPathOperators back.
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
    segments[i++] = ['M', start, r + 0.5];
    segments[i++] = ['L', end, r + 0.5];
  }
  return {
    segments,
    ctm: [moduleMm, 0, 0, moduleMm, xMm, topMm],
    // The shape neutralPaths gives every path (licence-paths.ts).
    stroke: { rgb, widthMm: moduleMm, cap: 0, join: 0, dashMm: undefined },
    fill: undefined,
  };
}
