// Reading rendered licence PDFs back for assertions: the embedded font subsets (opened with fontkit and mapped
// through /ToUnicode), regions rendered by poppler, attachments and XMP, all by our own reading of the file
// rather than through the renderer's code.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fontkit, { type Font } from '@cantoo/fontkit';
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFRef,
  type PDFObject,
} from '@cantoo/pdf-lib';
import { parsePpm, type RenderedPage } from '../pdf/page-render.js';

export interface EmbeddedSubset {
  /** BaseFont without the subset tag, e.g. NotoSansSC-Regular. */
  name: string;
  tag: string;
  /** The FontFile2 program, opened with fontkit. */
  font: Font;
  /** Character (one code point) → CID, from the font's /ToUnicode CMap. */
  cidOf: Map<string, number>;
  /** CID → glyph id (from /CIDToGIDMap; Identity = the same number). */
  gidOf(cid: number): number;
  length1: number | undefined;
  /** Decoded length of the font program. */
  fileLength: number;
}

function streamBytes(doc: PDFDocument, obj: PDFObject | undefined): Uint8Array {
  const s = obj instanceof PDFRef ? doc.context.lookup(obj) : obj;
  if (!(s instanceof PDFRawStream)) throw new Error('expected a stream');
  return decodePDFRawStream(s).decode();
}

/** Parses bfchar and bfrange blocks of a ToUnicode CMap. */
export function parseToUnicode(cmap: string): Map<string, number> {
  const out = new Map<string, number>();
  const utf16 = (hex: string) => Buffer.from(hex, 'hex').swap16().toString('utf16le');
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const m of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g))
      out.set(utf16(m[2]!), Number.parseInt(m[1]!, 16));
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
    for (const m of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
      const lo = Number.parseInt(m[1]!, 16);
      const hi = Number.parseInt(m[2]!, 16);
      const base = utf16(m[3]!).codePointAt(0)!;
      for (let c = lo; c <= hi; c++) out.set(String.fromCodePoint(base + c - lo), c);
    }
  return out;
}

/** Every Type0 font of the document with its embedded TrueType subset. */
export async function embeddedSubsets(pdf: Uint8Array): Promise<EmbeddedSubset[]> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const out: EmbeddedSubset[] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFDict) || obj.get(PDFName.of('Subtype'))?.toString() !== '/Type0') continue;
    const base = obj.get(PDFName.of('BaseFont'))!.toString().slice(1);
    const [tag, name] = base.includes('+') ? base.split('+') : ['', base];
    const cid = obj.lookup(PDFName.of('DescendantFonts'), PDFArray).lookup(0, PDFDict);
    const descriptor = cid.lookup(PDFName.of('FontDescriptor'), PDFDict);
    const fileRef = descriptor.get(PDFName.of('FontFile2'));
    const file = streamBytes(doc, fileRef);
    const fileStream = doc.context.lookup(fileRef as PDFRef) as PDFRawStream;
    const length1 = fileStream.dict.get(PDFName.of('Length1'))?.toString();
    const map = cid.get(PDFName.of('CIDToGIDMap'));
    let gidOf: (cid: number) => number = (c) => c;
    if (map && map.toString() !== '/Identity') {
      const bytes = streamBytes(doc, map);
      gidOf = (c) => (bytes[c * 2]! << 8) | bytes[c * 2 + 1]!;
    }
    const font = fontkit.create(Buffer.from(file));
    if (!('getGlyph' in font)) throw new Error('embedded font is a collection');
    out.push({
      name: name!,
      tag: tag!,
      font,
      cidOf: parseToUnicode(
        Buffer.from(streamBytes(doc, obj.get(PDFName.of('ToUnicode')))).toString('latin1'),
      ),
      gidOf,
      length1: length1 === undefined ? undefined : Number(length1),
      fileLength: file.length,
    });
  }
  return out;
}

/** A rectangle of page 1 rendered by pdftoppm at `dpi` (millimetres from the top-left). */
export function renderRegion(
  pdf: Uint8Array,
  r: { dpi: number; xMm?: number; yMm?: number; widthMm?: number; heightMm?: number },
): RenderedPage & { originXPx: number; originYPx: number } {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-licence-'));
  try {
    const file = join(dir, 'in.pdf');
    writeFileSync(file, pdf);
    const px = (mm: number) => (mm / 25.4) * r.dpi;
    const args = ['-r', String(r.dpi), '-f', '1', '-l', '1', '-singlefile'];
    const originXPx = Math.floor(px(r.xMm ?? 0));
    const originYPx = Math.floor(px(r.yMm ?? 0));
    if (r.widthMm !== undefined && r.heightMm !== undefined)
      args.push(
        '-x',
        String(originXPx),
        '-y',
        String(originYPx),
        '-W',
        String(Math.ceil(px(r.widthMm)) + 2),
        '-H',
        String(Math.ceil(px(r.heightMm)) + 2),
      );
    execFileSync('pdftoppm', [...args, file, join(dir, 'out')], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { ...parsePpm(readFileSync(join(dir, 'out.ppm'))), originXPx, originYPx };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Pixels in the rectangle (pixels, origin top-left) for which `pick(r, g, b)` holds. */
export function countPixels(
  img: RenderedPage,
  [x0, y0, x1, y1]: [number, number, number, number],
  pick: (r: number, g: number, b: number) => boolean,
): number {
  let n = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(img.height, Math.ceil(y1)); y++)
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(img.width, Math.ceil(x1)); x++) {
      const [r, g, b] = img.rgb(x, y);
      if (pick(r, g, b)) n++;
    }
  return n;
}

/** `pdffonts` output. */
export function pdffonts(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-licence-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    return execFileSync('pdffonts', [join(dir, 'in.pdf')], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `pdftotext -layout` of page 1. */
export function pdftotext(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-licence-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', '-f', '1', '-l', '1', join(dir, 'in.pdf'), '-'], {
      encoding: 'utf8',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An embedded file as qpdf extracts it (`--show-attachment`). */
export function qpdfAttachment(pdf: Uint8Array, name: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-licence-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    return execFileSync('qpdf', [`--show-attachment=${name}`, join(dir, 'in.pdf')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The catalog's /Metadata stream as text. */
export async function xmpOf(pdf: Uint8Array): Promise<string> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const ref = doc.catalog.get(PDFName.of('Metadata'));
  const s = doc.context.lookup(ref);
  if (!(s instanceof PDFRawStream)) throw new Error('no /Metadata stream');
  return Buffer.from(s.contents).toString('utf8');
}

/**
 * xmllint's verdict on a document's well-formedness, or null when xmllint is not installed (libxml2-utils).
 * With `xpath`, the string value it selects.
 */
export function xmllint(xml: string, xpath?: string): { ok: boolean; output: string } | null {
  const args = xpath ? ['--xpath', xpath, '-'] : ['--noout', '-'];
  const r = spawnSync('xmllint', args, { input: xml, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  // --xpath prints the selected string followed by a newline.
  const out = xpath && r.status === 0 ? r.stdout.replace(/\n$/, '') : `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0, output: out };
}
