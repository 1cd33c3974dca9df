// Chinese test documents for stamping: pdf-lib with an embedded Noto Sans SC subset (pdf-lib writes
// /ToUnicode, so pdfjs and pdftotext extract the text), texts drawn at known positions.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@cantoo/fontkit';
import { PDFDocument, rgb, type PDFFont } from '@cantoo/pdf-lib';
import { A4 } from './pdf-test-fixtures.js';

let fontBytes: Buffer | undefined;
function notoSansSc(): Buffer {
  return (fontBytes ??= readFileSync(
    createRequire(import.meta.url).resolve(
      '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
    ),
  ));
}

/** A text drawn on a page: baseline origin (x, y) in points from the bottom-left, font size in points. */
export interface DrawnText {
  page: number;
  text: string;
  x: number;
  y: number;
  size: number;
}

export interface StampDocument {
  pdf: Uint8Array;
  texts: DrawnText[];
}

/**
 * An A4 contract-like document: a title and body lines on every page (grey, never red), and the extra texts
 * given (e.g. 盖章处 at a known place). `lineText` may be split into several drawText calls to exercise items
 * joined on a line.
 */
export async function chineseDocument(
  options: { pages?: number; extra?: DrawnText[]; splitRuns?: boolean } = {},
): Promise<StampDocument> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(notoSansSc(), { subset: true });
  const texts: DrawnText[] = [];
  const draw = (page: number, text: string, x: number, y: number, size: number, f: PDFFont = font) => {
    doc.getPage(page).drawText(text, { x, y, size, font: f, color: rgb(0.1, 0.1, 0.1) });
    texts.push({ page, text, x, y, size });
  };
  for (let i = 0; i < (options.pages ?? 1); i++) {
    doc.addPage([A4.width, A4.height]);
    draw(i, `电子印章测试合同 第 ${i + 1} 页`, 72, 770, 18);
    for (let l = 0; l < 12; l++)
      draw(i, '甲乙双方经友好协商，就电子证照共享服务达成如下协议。', 72, 720 - l * 20, 12);
  }
  for (const t of options.extra ?? []) {
    if (options.splitRuns && t.text.length > 1) {
      // One run per character, each placed where it would be in one run (full-width glyphs: one em each).
      [...t.text].forEach((ch, k) => draw(t.page, ch, t.x + k * t.size, t.y, t.size));
      texts.splice(texts.length - t.text.length, t.text.length, t);
    } else draw(t.page, t.text, t.x, t.y, t.size);
  }
  return { pdf: await doc.save({ useObjectStreams: false }), texts };
}
