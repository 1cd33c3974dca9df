// Pixel comparison of two renderings of one page (../shared/spec/ofd.md §4.7 T5): our OFD rasteriser against
// pdftoppm of the PDF. Two anti-aliasing rasterisers disagree on edge pixels by design, so a pixel matches when
// some pixel of the other image within `radius` px is within `delta` on every channel (composited on white).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bitmap } from './ofd-rasteriser.js';

export interface BitmapDifference {
  /** Pixels with no match within the radius and delta (checked both ways), over all pixels. */
  mismatchedFraction: number;
  mismatched: number;
  /** Mean absolute difference per channel, 0…255, without any edge tolerance. */
  meanAbsolute: number;
  /** Bounding box of the mismatched pixels (px), when any. */
  box?: { x0: number; y0: number; x1: number; y1: number };
  /** 1 where a pixel mismatched (width × height), for writing a diff picture when a test fails. */
  mask: Uint8Array;
}

/** pdftoppm -r dpi of the first page as RGBA (binary PPM output parsed here; poppler-utils). */
export function pdftoppm(pdf: Uint8Array, dpi: number): Bitmap {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-ppm-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    execFileSync(
      'pdftoppm',
      ['-r', String(dpi), '-f', '1', '-l', '1', '-singlefile', join(dir, 'in.pdf'), join(dir, 'out')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    return parsePpm(readFileSync(join(dir, 'out.ppm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A binary (P6) PPM, maxval 255, as opaque RGBA. */
export function parsePpm(ppm: Buffer): Bitmap {
  const header = /^P6\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.toString('latin1', 0, 64));
  if (!header || header[3] !== '255') throw new Error('not a P6 PPM with maxval 255');
  const width = Number(header[1]);
  const height = Number(header[2]);
  const rgb = ppm.subarray(header[0].length);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    rgba[i * 4] = rgb[j]!;
    rgba[i * 4 + 1] = rgb[j + 1]!;
    rgba[i * 4 + 2] = rgb[j + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

/** RGB composited on white (resvg's pixels are RGBA, transparent outside the page; pdftoppm's are opaque). */
function onWhite(b: Bitmap): Int16Array {
  const out = new Int16Array(b.width * b.height * 3);
  for (let i = 0; i < b.width * b.height; i++) {
    const a = b.rgba[i * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(b.rgba[i * 4 + c]! * a + 255 * (1 - a));
  }
  return out;
}

export interface CompareOptions {
  /** Largest per-channel difference (0…255) of a matching pixel. */
  delta: number;
  /** Neighbourhood (px) searched for a match: anti-aliased edges land a pixel apart. */
  radius: number;
}

/**
 * The largest difference of mean colour (0…255, worst channel) over tile × tile blocks, with every block offset
 * by half a tile too: anti-aliasing, hinting and stroke snapping move ink by a pixel but keep it in the block,
 * a changed glyph or a missing shape does not.
 */
export function worstBlockDifference(
  a: Bitmap,
  b: Bitmap,
  tile: number,
): { x: number; y: number; delta: number } {
  const { width: w, height: h } = a;
  const pa = onWhite(a);
  const pb = onWhite(b);
  let worst = { x: 0, y: 0, delta: 0 };
  const step = Math.max(1, Math.floor(tile / 2));
  for (let ty = 0; ty + tile <= h; ty += step)
    for (let tx = 0; tx + tile <= w; tx += step)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let y = ty; y < ty + tile; y++)
          for (let x = tx; x < tx + tile; x++) s += pa[(y * w + x) * 3 + c]! - pb[(y * w + x) * 3 + c]!;
        const d = Math.abs(s) / (tile * tile);
        if (d > worst.delta) worst = { x: tx, y: ty, delta: d };
      }
  return worst;
}

export function compareBitmaps(a: Bitmap, b: Bitmap, o: CompareOptions): BitmapDifference {
  if (a.width !== b.width || a.height !== b.height)
    throw new Error(`sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  const { width: w, height: h } = a;
  const pa = onWhite(a);
  const pb = onWhite(b);
  let sum = 0;
  for (let i = 0; i < pa.length; i++) sum += Math.abs(pa[i]! - pb[i]!);
  const near = (p: Int16Array, q: Int16Array, x: number, y: number): boolean => {
    const i = (y * w + x) * 3;
    for (let dy = -o.radius; dy <= o.radius; dy++)
      for (let dx = -o.radius; dx <= o.radius; dx++) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const j = (yy * w + xx) * 3;
        if (
          Math.abs(p[i]! - q[j]!) <= o.delta &&
          Math.abs(p[i + 1]! - q[j + 1]!) <= o.delta &&
          Math.abs(p[i + 2]! - q[j + 2]!) <= o.delta
        )
          return true;
      }
    return false;
  };
  let mismatched = 0;
  const mask = new Uint8Array(w * h);
  let box: BitmapDifference['box'];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if (pa[i] === pb[i] && pa[i + 1] === pb[i + 1] && pa[i + 2] === pb[i + 2]) continue;
      if (near(pa, pb, x, y) && near(pb, pa, x, y)) continue;
      mismatched++;
      mask[y * w + x] = 1;
      box = box
        ? {
            x0: Math.min(box.x0, x),
            y0: Math.min(box.y0, y),
            x1: Math.max(box.x1, x),
            y1: Math.max(box.y1, y),
          }
        : { x0: x, y0: y, x1: x, y1: y };
    }
  return { mismatchedFraction: mismatched / (w * h), mismatched, meanAbsolute: sum / pa.length, box, mask };
}
