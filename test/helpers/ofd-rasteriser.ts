// A test-only OFD page rasteriser (../shared/spec/ofd.md §4.7 T5): an independent second reader of our licence
// OFDs. It reads the package with src/ofd (zip, XML, package), turns one page into SVG and renders it with resvg.
// Text is drawn from the embedded font subset's outlines by the CGTransform glyph ids (fontkit), never from
// system fonts, so a wrong glyph id or a broken subset shows up as pixels. Covers what licence OFDs use (GB/T
// 33190 §9 PathObject, §11 TextObject, §10 ImageObject, §18 StampAnnot with the SES seal picture), nothing more.
import { posix } from 'node:path';
import fontkit, { type Font } from '@cantoo/fontkit';
import { Resvg } from '@resvg/resvg-js';
import { openOfd, type OfdPackage } from '../../src/ofd/ofd-package.js';
import {
  attr,
  child,
  childrenNamed,
  childText,
  descendants,
  type XmlElement,
} from '../../src/ofd/xml-element.js';
import { readXml } from '../../src/ofd/xml-reader.js';
import { decodeSesSignature } from '../../src/seal/ses-decoder.js';

/** An RGBA bitmap, rows top to bottom, no padding. */
export interface Bitmap {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export interface OfdSvgOptions {
  /** Draw the StampAnnots' seal pictures (default true). */
  stamps?: boolean;
}

const nums = (s: string | undefined): number[] =>
  s === undefined || s.trim() === '' ? [] : s.trim().split(/\s+/).map(Number);
const rgb = (e: XmlElement | undefined, fallback: string): string => {
  const v = e && attr(e, 'Value');
  if (!v) return fallback;
  const [r, g, b] = nums(v);
  return `rgb(${r},${g},${b})`;
};

/** AbbreviatedData (GB/T 33190 §9.3.2, Table 36) as SVG path data: M, L, B (cubic), Q, A, C (close). */
export function abbreviatedToSvg(data: string): string {
  const t = data.trim().split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i < t.length;) {
    const op = t[i++]!;
    const take = (n: number) => t.slice(i, (i += n)).join(' ');
    if (op === 'M' || op === 'S') out.push(`M ${take(2)}`);
    else if (op === 'L') out.push(`L ${take(2)}`);
    else if (op === 'B') out.push(`C ${take(6)}`);
    else if (op === 'Q') out.push(`Q ${take(4)}`);
    else if (op === 'A') out.push(`A ${take(7)}`);
    else if (op === 'C') out.push('Z');
    else throw new Error(`AbbreviatedData operator ${op}`);
  }
  return out.join(' ');
}

/** `translate(boundary origin) matrix(CTM)`: GB/T 33190 §8.3.2, the CTM maps object space into the boundary. */
function placement(e: XmlElement): string {
  const [bx = 0, by = 0] = nums(attr(e, 'Boundary'));
  const ctm = nums(attr(e, 'CTM'));
  return `translate(${bx} ${by})${ctm.length === 6 ? ` matrix(${ctm.join(' ')})` : ''}`;
}

const CAP: Record<string, string> = { Butt: 'butt', Round: 'round', Square: 'square' };
const JOIN: Record<string, string> = { Miter: 'miter', Round: 'round', Bevel: 'bevel' };

function pathSvg(e: XmlElement): string {
  const stroke = attr(e, 'Stroke') !== 'false';
  const fill = attr(e, 'Fill') === 'true';
  const d = abbreviatedToSvg(childText(e, 'AbbreviatedData') ?? '');
  const alpha = attr(e, 'Alpha');
  const paint =
    `fill="${fill ? rgb(child(e, 'FillColor'), 'rgb(0,0,0)') : 'none'}"` +
    (fill && attr(e, 'Rule') === 'Even-Odd' ? ' fill-rule="evenodd"' : '') +
    (stroke
      ? ` stroke="${rgb(child(e, 'StrokeColor'), 'rgb(0,0,0)')}" stroke-width="${attr(e, 'LineWidth') ?? '0.353'}"` +
        ` stroke-linecap="${CAP[attr(e, 'Cap') ?? 'Butt']}" stroke-linejoin="${JOIN[attr(e, 'Join') ?? 'Miter']}"` +
        (attr(e, 'MiterLimit')
          ? ` stroke-miterlimit="${attr(e, 'MiterLimit')}"`
          : ' stroke-miterlimit="3.528"') +
        (attr(e, 'DashPattern') ? ` stroke-dasharray="${attr(e, 'DashPattern')}"` : '')
      : '') +
    (alpha ? ` opacity="${Number(alpha) / 255}"` : '');
  return `<g transform="${placement(e)}"><path d="${d}" ${paint}/></g>`;
}

/** DeltaX with `g n v` runs expanded (GB/T 33190 §11.3). */
function expandDelta(s: string | undefined): number[] {
  const t = s?.trim() ? s.trim().split(/\s+/) : [];
  const out: number[] = [];
  for (let i = 0; i < t.length; i++)
    if (t[i] === 'g') {
      const n = Number(t[++i]);
      const v = Number(t[++i]);
      for (let k = 0; k < n; k++) out.push(v);
    } else out.push(Number(t[i]));
  return out;
}

function textSvg(e: XmlElement, fonts: ReadonlyMap<string, Font>): string {
  const font = fonts.get(attr(e, 'Font') ?? '');
  if (!font) throw new Error(`TextObject ${attr(e, 'ID')}: font ${attr(e, 'Font')} not in the resources`);
  const size = Number(attr(e, 'Size'));
  const k = size / font.unitsPerEm;
  // CGTransforms map code positions of the object's TextCodes (counted across them) to glyph ids.
  const glyphOf = new Map<number, number>();
  for (const cg of childrenNamed(e, 'CGTransform')) {
    const pos = Number(attr(cg, 'CodePosition') ?? 0);
    const count = Number(attr(cg, 'CodeCount') ?? 1);
    const glyphs = nums(childText(cg, 'Glyphs'));
    for (let i = 0; i < count; i++) glyphOf.set(pos + i, glyphs[Math.min(i, glyphs.length - 1)]!);
  }
  const fillColour = rgb(child(e, 'FillColor'), 'rgb(0,0,0)');
  const parts: string[] = [];
  let position = 0;
  for (const tc of childrenNamed(e, 'TextCode')) {
    let x = Number(attr(tc, 'X') ?? 0);
    const y = Number(attr(tc, 'Y') ?? 0);
    const dx = expandDelta(attr(tc, 'DeltaX'));
    const chars = [...tc.text];
    chars.forEach((ch, i) => {
      // Without a CGTransform for this position, fall back to the subset's cmap, as a cmap reader would.
      const gid = glyphOf.get(position + i) ?? font.glyphForCodePoint(ch.codePointAt(0)!)?.id;
      const glyph = gid === undefined ? null : font.getGlyph(gid);
      if (!glyph) throw new Error(`TextObject ${attr(e, 'ID')}: no glyph ${gid} for ${ch} in the subset`);
      const d = glyph.path.toSVG();
      if (d) parts.push(`<path transform="translate(${x} ${y}) scale(${k} ${-k})" d="${d}"/>`);
      x += dx[i] ?? glyph.advanceWidth * k;
    });
    position += chars.length;
  }
  const alpha = attr(e, 'Alpha');
  return (
    `<g transform="${placement(e)}" fill="${fillColour}"${alpha ? ` opacity="${Number(alpha) / 255}"` : ''}>` +
    parts.join('') +
    '</g>'
  );
}

const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

function dataUrl(format: string, bytes: Uint8Array): string {
  return `data:${MIME[format.toLowerCase()] ?? 'image/png'};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** An image unit's 1×1 space, placed by its CTM (GB/T 33190 §10.2). */
const imageSvg = (e: XmlElement, href: string) =>
  `<g transform="${placement(e)}"><image width="1" height="1" preserveAspectRatio="none" href="${href}"/></g>`;

class PageReader {
  private readonly fonts = new Map<string, Font>();
  private readonly media = new Map<string, string>();

  constructor(private readonly pkg: OfdPackage) {}

  private xml(path: string): XmlElement {
    const bytes = this.pkg.file(path);
    if (!bytes) throw new Error(`${path} is not in the package`);
    return readXml(bytes, { path }).root;
  }

  /** Loads PublicRes/DocumentRes (fonts, multimedia) of a Document.xml. */
  loadResources(documentPath: string, document: XmlElement): void {
    const common = child(document, 'CommonData');
    if (!common) return;
    const docDir = posix.dirname(documentPath);
    for (const r of [...childrenNamed(common, 'PublicRes'), ...childrenNamed(common, 'DocumentRes')]) {
      const resPath = posix.join(docDir, r.text.trim());
      const res = this.xml(resPath);
      const base = posix.join(posix.dirname(resPath), attr(res, 'BaseLoc') ?? '');
      for (const f of descendants(res))
        if (f.localName === 'Font') {
          const file = childText(f, 'FontFile');
          if (file)
            this.fonts.set(attr(f, 'ID')!, fontkit.create(Buffer.from(this.file(base, file))) as Font);
        } else if (f.localName === 'MultiMedia') {
          const file = childText(f, 'MediaFile');
          if (file)
            this.media.set(attr(f, 'ID')!, dataUrl(attr(f, 'Format') ?? 'png', this.file(base, file)));
        }
    }
  }

  private file(base: string, loc: string): Uint8Array {
    const path = loc.startsWith('/') ? loc.slice(1) : posix.join(base, loc);
    const bytes = this.pkg.file(path);
    if (!bytes) throw new Error(`${path} is not in the package`);
    return bytes;
  }

  /** The SVG of one page content file's layers, in document order. */
  layers(path: string): string {
    const out: string[] = [];
    const content = child(this.xml(path), 'Content');
    for (const layer of content ? childrenNamed(content, 'Layer') : []) out.push(this.units(layer));
    return out.join('');
  }

  private units(parent: XmlElement): string {
    return parent.children
      .map((e) => {
        if (e.localName === 'PathObject') return pathSvg(e);
        if (e.localName === 'TextObject') return textSvg(e, this.fonts);
        if (e.localName === 'ImageObject') {
          const href = this.media.get(attr(e, 'ResourceID') ?? '');
          if (!href) throw new Error(`ImageObject ${attr(e, 'ID')}: no resource ${attr(e, 'ResourceID')}`);
          return imageSvg(e, href);
        }
        if (e.localName === 'PageBlock') return `<g>${this.units(e)}</g>`;
        return '';
      })
      .join('');
  }
}

/** Output size in px and resolution: 1 mm = dpi / 25.4 px exactly, whatever the rounding of the page size. */
export interface RasterSize {
  width: number;
  height: number;
  dpi: number;
}

/**
 * The first page of the first document as SVG in mm, top-left at the page's top-left. The viewBox is the
 * pixel grid in mm (not the PhysicalBox): pdftoppm rounds the page size up to whole pixels without scaling, so
 * fitting the page to the grid would drift by up to a pixel at the far edge.
 */
export function ofdPageSvg(ofd: Uint8Array, px: RasterSize, o: OfdSvgOptions = {}): string {
  const pkg = openOfd(ofd);
  const doc = pkg.documents[0]!;
  const reader = new PageReader(pkg);
  const documentBytes = pkg.file(doc.documentPath)!;
  const document = readXml(documentBytes, { path: doc.documentPath }).root;
  reader.loadResources(doc.documentPath, document);
  const common = child(document, 'CommonData')!;
  const [, , w, h] = nums(childText(child(common, 'PageArea')!, 'PhysicalBox'));
  const page = doc.pages[0]!;
  const pageXml = readXml(pkg.file(page.path!)!, { path: page.path }).root;
  // Templates by ZOrder (Background below the page content, Foreground above; GB/T 33190 §7.6).
  const templatePath = (id: string | undefined) => doc.templates.find((t) => t.id === id)?.path;
  const below: string[] = [];
  const above: string[] = [];
  for (const t of childrenNamed(pageXml, 'Template')) {
    const p = templatePath(attr(t, 'TemplateID'));
    if (!p) throw new Error(`template ${attr(t, 'TemplateID')} not found`);
    (attr(t, 'ZOrder') === 'Foreground' ? above : below).push(reader.layers(p));
  }
  const body = reader.layers(page.path!);
  // Seals: each StampAnnot on this page draws the seal picture of its signature's SES at its Boundary (§18.2),
  // multiplied as ink, as the PDF's seal appearance is (src/pdf/pdf-seal-appearance.ts): text under it stays.
  const stamps: string[] = [];
  if (o.stamps !== false)
    for (const s of doc.signatures) {
      const sig = s.signature;
      const valuePath =
        sig?.signedValue?.location.status === 'found' ? sig.signedValue.location.path : undefined;
      if (!sig || !valuePath) continue;
      const picture = decodeSesSignature(pkg.file(valuePath)!).seal.picture;
      for (const annot of sig.stampAnnots) {
        if (annot.pageRef !== undefined && annot.pageRef !== page.id) continue;
        const [x, y, bw, bh] = nums(annot.boundary);
        stamps.push(
          `<image x="${x}" y="${y}" width="${bw}" height="${bh}" preserveAspectRatio="none" style="mix-blend-mode:multiply" href="${dataUrl(picture.type, picture.data)}"/>`,
        );
      }
    }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px.width}" height="${px.height}"` +
    ` viewBox="0 0 ${(px.width * 25.4) / px.dpi} ${(px.height * 25.4) / px.dpi}">` +
    `<rect width="${w}" height="${h}" fill="#fff"/>` +
    below.join('') +
    body +
    above.join('') +
    stamps.join('') +
    '</svg>'
  );
}

/** Renders the OFD's first page at exactly width × height px with resvg (no system fonts: glyphs are paths). */
export function rasteriseOfd(ofd: Uint8Array, px: RasterSize, o: OfdSvgOptions = {}): Bitmap {
  const svg = ofdPageSvg(ofd, px, o);
  const r = new Resvg(svg, { font: { loadSystemFonts: false }, fitTo: { mode: 'original' } }).render();
  return { width: r.width, height: r.height, rgba: new Uint8Array(r.pixels) };
}
