// The verification QR code of a licence (GB/T 36905 names Grid Matrix, which has no JavaScript encoder; QR is
// what deployed systems print). Drawn as one vector path of filled rectangles, never an image, so it stays
// sharp at any zoom and costs a few hundred bytes.
import QRCode from 'qrcode';

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

const n = (v: number): string => {
  const r = Math.round(v * 1000) / 1000;
  return Object.is(r, -0) ? '0' : String(r);
};

/**
 * PDF content operators filling the dark modules: one `re` per horizontal run of dark modules, one `f` for
 * all. (x, top) is the top-left corner of the matrix (without quiet zone) in PDF user space (y up).
 */
export function qrPathOperators(m: QrMatrix, x: number, top: number, modulePt: number): string {
  const out: string[] = [];
  for (let r = 0; r < m.size; r++) {
    let c = 0;
    while (c < m.size) {
      if (!m.isDark(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < m.size && m.isDark(r, c)) c++;
      out.push(
        `${n(x + start * modulePt)} ${n(top - (r + 1) * modulePt)} ${n((c - start) * modulePt)} ${n(modulePt)} re`,
      );
    }
  }
  out.push('f');
  return out.join('\n');
}
