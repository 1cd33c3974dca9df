import {
  clip,
  concatTransformationMatrix,
  drawObject,
  drawSvgPath,
  endPath,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setGraphicsState,
  type PDFDocument,
  type PDFOperator,
  type PDFRef,
} from '@cantoo/pdf-lib';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PdfError } from './pdf-error.js';
import { LruCache } from '../crypto/lru-cache.js';

// Turning a seal's vector outlines into PDF operators (SVG path parsing, number formatting, deflate) costs
// several milliseconds per placement, and the same few seals are stamped again and again: the compressed
// content stream of a vector appearance is kept per (seal outlines, box), keyed by their SM3.
const vectorContentCache = new LruCache<string, Buffer>(256);

function vectorCacheKey(paths: { d: string; fill: string }[], w: number, h: number, dx: number): string {
  const hash = createHash('sm3');
  for (const p of paths) hash.update(p.fill).update('\0').update(p.d).update('\n');
  return `${hash.digest('hex')}:${w.toFixed(4)}:${h.toFixed(4)}:${dx.toFixed(4)}`;
}

/**
 * The appearance stream (/AP /N form XObject) of one seal placement: the seal at its real size
 * (1 mm = 72/25.4 pt, never scaled), its left edge at `clip.fromMm` of the seal moved to the widget's left
 * edge, its top at the widget's top, clipped to the widget (BBox). Drawn with the Multiply blend mode, as ink:
 * text under the seal stays readable.
 */
export const PT_PER_MM = 72 / 25.4;

export type SealAppearance =
  | { paths: { d: string; fill: string }[]; widthMm: number; heightMm: number }
  | { png: Buffer; widthMm: number; heightMm: number };

export interface AppearanceBox {
  widthMm: number;
  heightMm: number;
  clip?: { fromMm: number; toMm: number };
}

function parseColor(fill: string) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(fill.trim());
  if (!m) throw new PdfError('INVALID_OPTIONS', `unsupported fill colour '${fill}' (use #rgb or #rrggbb)`);
  const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  const n = parseInt(h, 16);
  return rgb(((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255);
}

/** Registers the form XObject and returns its reference. The PNG, if any, is embedded once per call. */
export async function buildSealAppearance(
  doc: PDFDocument,
  appearance: SealAppearance,
  box: AppearanceBox,
  embeddedPng?: { ref: PDFRef },
): Promise<PDFRef> {
  const w = box.widthMm * PT_PER_MM;
  const h = box.heightMm * PT_PER_MM;
  const dx = -(box.clip?.fromMm ?? 0) * PT_PER_MM;
  const ops: PDFOperator[] = [
    pushGraphicsState(),
    setGraphicsState('GS0'),
    rectangle(0, 0, w, h),
    clip(),
    endPath(),
  ];
  const resources: Record<string, unknown> = {
    ExtGState: { GS0: doc.context.obj({ Type: 'ExtGState', BM: 'Multiply' }) },
  };
  const formDict = { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, w, h], Resources: resources as never };
  let key: string | undefined;
  if ('paths' in appearance) {
    key = vectorCacheKey(appearance.paths, w, h, dx);
    const cached = vectorContentCache.get(key);
    if (cached)
      return doc.context.register(doc.context.stream(cached, { ...formDict, Filter: 'FlateDecode' }));
  }
  if ('paths' in appearance) {
    for (const p of appearance.paths) {
      ops.push(
        ...drawSvgPath(p.d, {
          x: dx,
          y: h,
          scale: PT_PER_MM,
          color: parseColor(p.fill),
          borderColor: undefined,
          borderWidth: 0,
        }),
      );
    }
  } else {
    const image = embeddedPng ?? (await doc.embedPng(appearance.png));
    const iw = appearance.widthMm * PT_PER_MM;
    const ih = appearance.heightMm * PT_PER_MM;
    resources.XObject = { Im0: image.ref };
    ops.push(
      pushGraphicsState(),
      concatTransformationMatrix(iw, 0, 0, ih, dx, h - ih),
      drawObject('Im0'),
      popGraphicsState(),
    );
  }
  ops.push(popGraphicsState());
  if (key) {
    const content = deflateSync(Buffer.from(ops.map((o) => o.toString()).join('\n'), 'latin1'));
    vectorContentCache.set(key, content);
    return doc.context.register(doc.context.stream(content, { ...formDict, Filter: 'FlateDecode' }));
  }
  const form = doc.context.formXObject(ops, {
    BBox: [0, 0, w, h],
    Resources: resources as never,
  });
  return doc.context.register(form);
}
