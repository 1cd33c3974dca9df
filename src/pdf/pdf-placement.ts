import type { PDFDocument } from '@cantoo/pdf-lib';
import { PT_PER_MM } from './pdf-seal-appearance.js';
import type { SealPlacement } from './pdf-seal-signing.js';
import type { TextMatch } from './pdf-text-positions.js';

/**
 * Stamping requests' placements resolved to SealPlacements (page index, top-left corner in millimetres from
 * the top-left of the crop box, the seal's real size, a clip for cross-page slices). Pages in requests are
 * 1-based, as people count them.
 *
 *   absolute    the seal's corner nearest `origin` at (xMm, yMm) from that corner of the page (x to the
 *               right; y down from the top-left origin, up from the bottom-left one); page `last` allowed
 *   keyword     the seal centred on the matched text (关键字定位), moved by (offsetXMm right, offsetYMm down)
 *   cross-page  骑缝章: the seal cut into N vertical slices, slice i (from the left) at the right edge of the
 *               i-th page of the range, so the pages fanned together show the whole seal; `yMm` is the top of
 *               the seal from the top of each page, default centred
 */
export type PlacementRequest =
  | {
      type: 'absolute';
      page: number | 'last';
      xMm: number;
      yMm: number;
      origin?: 'top-left' | 'bottom-left';
    }
  | {
      type: 'keyword';
      text: string;
      occurrence?: 'first' | 'last' | 'all';
      offsetXMm?: number;
      offsetYMm?: number;
    }
  | { type: 'cross-page'; pages: 'all' | [number, number]; yMm?: number };

/** A page's crop box size in millimetres. */
export interface PageBox {
  widthMm: number;
  heightMm: number;
}

export type PlacementErrorCode =
  'PAGE_OUT_OF_RANGE' | 'OFF_PAGE' | 'KEYWORD_NOT_FOUND' | 'TOO_FEW_PAGES' | 'INVALID_PLACEMENT';

/** A placement that cannot be honoured; `field` is its path in the request (`placements.1.page`). */
export class PlacementError extends Error {
  override readonly name = 'PlacementError';
  constructor(
    readonly code: PlacementErrorCode,
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export interface PlacementContext {
  pages: PageBox[];
  seal: { widthMm: number; heightMm: number };
  /** Occurrences of a text, in page and reading order (for keyword placements). */
  findText?: (text: string) => TextMatch[];
}

/** Crop box sizes of every page. */
export function pageBoxes(doc: PDFDocument): PageBox[] {
  return doc.getPages().map((p) => {
    const box = p.getCropBox();
    return { widthMm: box.width / PT_PER_MM, heightMm: box.height / PT_PER_MM };
  });
}

/** How far a seal may overhang the page edge (rounding of page sizes given in points). */
const EDGE_TOLERANCE_MM = 0.05;

const round = (v: number) => Math.round(v * 100) / 100;

function pageIndex(page: number | 'last', count: number, field: string): number {
  const index = page === 'last' ? count - 1 : page - 1;
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new PlacementError(
      'PAGE_OUT_OF_RANGE',
      `第 ${String(page)} 页不存在（文档共 ${count} 页）/ page ${String(page)} does not exist (the document has ${count})`,
      field,
    );
  return index;
}

function assertOnPage(p: SealPlacement, box: PageBox, field: string): void {
  const t = EDGE_TOLERANCE_MM;
  if (
    p.xMm < -t ||
    p.yMm < -t ||
    p.xMm + p.widthMm > box.widthMm + t ||
    p.yMm + p.heightMm > box.heightMm + t
  )
    throw new PlacementError(
      'OFF_PAGE',
      `印章超出第 ${p.page + 1} 页边界（左上角 ${round(p.xMm)}, ${round(p.yMm)} mm，尺寸 ${round(p.widthMm)}×${round(p.heightMm)} mm，页面 ${round(box.widthMm)}×${round(box.heightMm)} mm）/ ` +
        `the seal would leave page ${p.page + 1} (top-left ${round(p.xMm)}, ${round(p.yMm)} mm, size ${round(p.widthMm)}×${round(p.heightMm)} mm, page ${round(box.widthMm)}×${round(box.heightMm)} mm)`,
      field,
    );
}

function resolveOne(req: PlacementRequest, i: number, ctx: PlacementContext): SealPlacement[] {
  const { pages, seal } = ctx;
  const at = `placements.${i}`;
  const finite = (v: unknown, name: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new PlacementError(
        'INVALID_PLACEMENT',
        `${name} 须为有限数值 / ${name} must be a number`,
        `${at}.${name}`,
      );
  };
  switch (req.type) {
    case 'absolute': {
      finite(req.xMm, 'xMm');
      finite(req.yMm, 'yMm');
      const page = pageIndex(req.page, pages.length, `${at}.page`);
      const box = pages[page]!;
      const yMm = req.origin === 'bottom-left' ? box.heightMm - req.yMm - seal.heightMm : req.yMm;
      const p = { page, xMm: req.xMm, yMm, widthMm: seal.widthMm, heightMm: seal.heightMm };
      assertOnPage(p, box, at);
      return [p];
    }
    case 'keyword': {
      const dx = req.offsetXMm ?? 0;
      const dy = req.offsetYMm ?? 0;
      finite(dx, 'offsetXMm');
      finite(dy, 'offsetYMm');
      const text = typeof req.text === 'string' ? req.text.trim() : '';
      if (!text)
        throw new PlacementError('INVALID_PLACEMENT', '关键字不能为空 / the keyword is empty', `${at}.text`);
      if (!ctx.findText) throw new Error('keyword placements need findText');
      const all = ctx.findText(text);
      if (all.length === 0)
        throw new PlacementError(
          'KEYWORD_NOT_FOUND',
          `文档中未找到关键字“${text}” / the keyword "${text}" was not found in the document`,
          `${at}.text`,
        );
      const occurrence = req.occurrence ?? 'first';
      const chosen = occurrence === 'all' ? all : occurrence === 'last' ? [all.at(-1)!] : [all[0]!];
      return chosen.map((m) => {
        const p = {
          page: m.page,
          xMm: m.xMm + m.widthMm / 2 - seal.widthMm / 2 + dx,
          yMm: m.yMm + m.heightMm / 2 - seal.heightMm / 2 + dy,
          widthMm: seal.widthMm,
          heightMm: seal.heightMm,
        };
        if (m.page >= pages.length) throw new Error('a text match names a page the document does not have');
        assertOnPage(p, pages[m.page]!, at);
        return p;
      });
    }
    case 'cross-page': {
      let from = 0;
      let to = pages.length - 1;
      if (req.pages !== 'all') {
        if (!Array.isArray(req.pages) || req.pages.length !== 2)
          throw new PlacementError(
            'INVALID_PLACEMENT',
            'pages 须为 "all" 或 [起始页, 结束页] / pages must be "all" or [from, to]',
            `${at}.pages`,
          );
        from = pageIndex(req.pages[0], pages.length, `${at}.pages.0`);
        to = pageIndex(req.pages[1], pages.length, `${at}.pages.1`);
      }
      const n = to - from + 1;
      if (n < 2)
        throw new PlacementError(
          'TOO_FEW_PAGES',
          `骑缝章至少需要 2 页（所选范围 ${n} 页）/ a cross-page seal needs at least 2 pages (the range has ${n})`,
          `${at}.pages`,
        );
      if (req.yMm !== undefined) finite(req.yMm, 'yMm');
      const slice = seal.widthMm / n;
      const out: SealPlacement[] = [];
      for (let k = 0; k < n; k++) {
        const page = from + k;
        const box = pages[page]!;
        const clip = { fromMm: k * slice, toMm: k === n - 1 ? seal.widthMm : (k + 1) * slice };
        const p: SealPlacement = {
          page,
          xMm: box.widthMm - (clip.toMm - clip.fromMm),
          yMm: req.yMm ?? (box.heightMm - seal.heightMm) / 2,
          widthMm: clip.toMm - clip.fromMm,
          heightMm: seal.heightMm,
          clip,
        };
        assertOnPage(p, box, at);
        out.push(p);
      }
      return out;
    }
    default:
      throw new PlacementError(
        'INVALID_PLACEMENT',
        `未知的定位方式 / unknown placement type "${String((req as { type?: unknown }).type)}"`,
        `${at}.type`,
      );
  }
}

/** All placements of one request, in request order; they all become widgets of one signature. */
export function resolvePlacements(requests: PlacementRequest[], ctx: PlacementContext): SealPlacement[] {
  if (!Array.isArray(requests) || requests.length === 0)
    throw new PlacementError(
      'INVALID_PLACEMENT',
      '至少需要一个盖章位置 / at least one placement is required',
      'placements',
    );
  return requests.flatMap((r, i) => resolveOne(r, i, ctx));
}
