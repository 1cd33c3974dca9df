// Renders one PDF page with poppler's pdftoppm (binary PPM, trivial to parse) for pixel assertions.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RenderedPage {
  width: number;
  height: number;
  /** RGB of the pixel at (x, y), origin top-left. */
  rgb(x: number, y: number): [number, number, number];
}

/** Parses a binary (P6) PPM with maxval 255. */
export function parsePpm(ppm: Buffer): RenderedPage {
  const fields: string[] = [];
  let p = 0;
  while (fields.length < 4) {
    while (p < ppm.length && /\s/.test(String.fromCharCode(ppm[p]!))) p++;
    if (ppm[p] === 0x23) {
      while (p < ppm.length && ppm[p] !== 0x0a) p++;
      continue;
    }
    const s = p;
    while (p < ppm.length && !/\s/.test(String.fromCharCode(ppm[p]!))) p++;
    fields.push(ppm.toString('latin1', s, p));
  }
  const [magic, w, h, max] = fields;
  if (magic !== 'P6' || max !== '255') throw new Error(`unsupported PPM ${magic} ${max}`);
  const width = Number(w);
  const height = Number(h);
  const data = ppm.subarray(p + 1);
  return {
    width,
    height,
    rgb: (x, y) => {
      const o = (y * width + x) * 3;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    },
  };
}

/** pdftoppm -r 72 (1 px = 1 pt) of the 0-based `page`. */
export function renderPage(pdf: Uint8Array, page = 0, dpi = 72): RenderedPage {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-pdf-'));
  try {
    const file = join(dir, 'in.pdf');
    writeFileSync(file, pdf);
    const n = String(page + 1);
    execFileSync('pdftoppm', ['-r', String(dpi), '-f', n, '-l', n, '-singlefile', file, join(dir, 'out')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return parsePpm(readFileSync(join(dir, 'out.ppm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seal-red pixels in the rectangle (pixels, origin top-left). */
export function countRed(img: RenderedPage, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(img.height, Math.ceil(y1)); y++)
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(img.width, Math.ceil(x1)); x++) {
      const [r, g, b] = img.rgb(x, y);
      if (r > 170 && g < 110 && b < 110) n++;
    }
  return n;
}

/** `qpdf --check`: returns its output, throws when qpdf reports errors (exit 2) or warnings (exit 3). */
export function qpdfCheck(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-qpdf-'));
  try {
    const file = join(dir, 'in.pdf');
    writeFileSync(file, pdf);
    return execFileSync('qpdf', ['--check', file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** qpdf --encrypt (AES-256) of a PDF. */
export function qpdfEncrypt(pdf: Uint8Array): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-qpdf-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    execFileSync('qpdf', [
      '--encrypt',
      'user',
      'owner',
      '256',
      '--',
      join(dir, 'in.pdf'),
      join(dir, 'out.pdf'),
    ]);
    return readFileSync(join(dir, 'out.pdf'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
