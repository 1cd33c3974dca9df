// The PDF writer of a licence layout (licence-layout.ts): vector background, texts in embedded subset Noto CJK
// fonts, the vector QR code, and the metadata twice (XMP in the catalog, licence.json as an embedded file).
// Sealing happens afterwards in the same single revision (src/pdf/pdf-seal-signing.ts), at the layout's seal box.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { AFRelationship, PDFDocument, PDFName, type PDFFont, type PDFPage } from '@cantoo/pdf-lib';
import { buildLicenceXmp } from './licence-xmp.js';
import { cachingFontkit, licenceFont, type LicenceFont, type LicenceFontKey } from './licence-fonts.js';
import { LICENCE_ATTACHMENT_NAME } from './licence-metadata.js';
import {
  layoutLicence,
  type LayoutPathGroup,
  type LicenceLayout,
  type LicenceLayoutInput,
} from './licence-layout.js';
import { subsetFontDeflate, subsetFontFiles } from './truetype-subset.js';
import { num, rgbOf } from './content-numbers.js';

export { LicenceRenderError, type FaceFitIssue, type FaceFitCode } from './licence-render-error.js';
export { checkFaceFits, licenceJson, planLicenceFields, type PlannedField } from './licence-layout.js';

export interface RenderLicenceInput extends LicenceLayoutInput {
  /** Info /Producer and XMP pdf:Producer; default SealTrust. */
  producer?: string;
  /** Creation date in Info and XMP; default now. Fix it for byte-identical re-renders. */
  creationDate?: Date;
}

export interface RenderedLicence {
  pdf: Uint8Array;
  /** Where the seal goes: centre in mm from the page's top-left, 0-based page. */
  sealBox: { page: number; centreXMm: number; centreYMm: number };
}

const PT = 72 / 25.4;
const DEFAULT_PRODUCER = 'SealTrust';

/** The background as a deflated content stream, computed once per (cached) background group. */
const backgrounds = new WeakMap<LayoutPathGroup, Uint8Array>();
function backgroundStream(g: LayoutPathGroup): Uint8Array {
  let b = backgrounds.get(g);
  if (!b) {
    b = deflateSync(Buffer.from(g.pdf, 'latin1'));
    backgrounds.set(g, b);
  }
  return b;
}

const fontOfKey = (key: LicenceFontKey): LicenceFont => {
  const [family, weight] = key.split('-') as [Parameters<typeof licenceFont>[0], 'regular' | 'bold'];
  return licenceFont(family, weight);
};

/**
 * Streams under this size (the ToUnicode CMaps, licence.json) are written unfiltered: each node:zlib call builds a
 * stream object and a zlib state, 40–80 µs inside a render, to save a few hundred bytes (~2 KB per licence in
 * all), as for the OFD's small entries (licence-ofd-sealing.ts).
 */
const UNFILTERED_BELOW = 2048;

/**
 * zlib level of the page's own content stream (text and QR code, ~15 KB): level 2 takes about two thirds of the
 * CPU of the default 6 (0.12 against 0.17 ms in a render) for ~370 more bytes (2.4 → 2.8 KB), as for fonts and
 * the OFD's page.
 */
const PAGE_DEFLATE_LEVEL = 2;

/** Appends a content stream (deflated with Node's zlib) to the page. */
function addContent(doc: PDFDocument, page: PDFPage, deflated: Uint8Array): void {
  const stream = doc.context.stream(deflated, { Filter: 'FlateDecode' });
  page.node.addContentStream(doc.context.register(stream));
}

/** A face embedded in this document, with its resource name on the page. */
interface PageFont {
  font: LicenceFont;
  pdfFont: PDFFont;
  key: string;
}

/**
 * The text layer of the page, written as content operators directly (pdf-lib's drawText builds an object
 * per operator and was the slowest part of drawing). Glyph ids still come from pdf-lib's font, which records
 * them for the subset and the /ToUnicode map.
 */
class PageText {
  private readonly ops: string[] = [];
  private readonly embedded = new Map<string, Promise<PageFont>>();
  private readonly gstates = new Map<number, string>();

  constructor(
    private readonly doc: PDFDocument,
    private readonly page: PDFPage,
    private readonly seed: string,
  ) {}

  /** Embeds the face on first use, as a subset named with a PDF subset tag. */
  font(f: LicenceFont): Promise<PageFont> {
    let p = this.embedded.get(f.key);
    if (!p) {
      // ISO 32000 §9.6.4: a subset's name is six upper-case letters, '+', the font name; unique per document.
      const h = createHash('sha256').update(`${this.seed}\0${f.key}`).digest();
      const tag = Array.from(h.subarray(0, 6), (b) => String.fromCharCode(65 + (b % 26))).join('');
      const name = `${tag}+${f.font.postscriptName || 'NotoCJK'}`;
      p = this.doc.embedFont(f.bytes, { subset: true, customName: name }).then((pdfFont) => ({
        font: f,
        pdfFont,
        key: this.page.node.newFontDictionary('F', pdfFont.ref).asString(),
      }));
      this.embedded.set(f.key, p);
    }
    return p;
  }

  /** Resource name of a fill-opacity graphics state. */
  private gstate(opacity: number): string {
    let key = this.gstates.get(opacity);
    if (!key) {
      const dict = this.doc.context.obj({ Type: 'ExtGState', ca: opacity, CA: opacity });
      key = this.page.node.newExtGState('GS', this.doc.context.register(dict)).asString();
      this.gstates.set(opacity, key);
    }
    return key;
  }

  /**
   * One line of text with its baseline origin at (x, y); `spacingPt` is added after every character (Tc), for
   * letter-spaced titles and justified labels; `angleDeg` rotates about the origin.
   */
  line(
    f: PageFont,
    text: string,
    o: {
      x: number;
      y: number;
      sizePt: number;
      color: string;
      spacingPt?: number;
      opacity?: number;
      angleDeg?: number;
    },
  ): void {
    const glyphs = f.pdfFont.encodeText(text).toString();
    const a = ((o.angleDeg ?? 0) * Math.PI) / 180;
    const matrix = a
      ? `${num(Math.cos(a))} ${num(Math.sin(a))} ${num(-Math.sin(a))} ${num(Math.cos(a))} ${num(o.x)} ${num(o.y)} Tm`
      : `1 0 0 1 ${num(o.x)} ${num(o.y)} Tm`;
    this.ops.push(
      `q${o.opacity !== undefined ? ` ${this.gstate(o.opacity)} gs` : ''} BT ${f.key} ${num(o.sizePt)} Tf ` +
        `${rgbOf(o.color)} rg${o.spacingPt ? ` ${num(o.spacingPt)} Tc` : ''} ${matrix} ${glyphs} Tj ET Q`,
    );
  }

  /** Raw path operators (already balanced). */
  raw(ops: string): void {
    this.ops.push(ops);
  }

  /** Writes everything drawn so far as one content stream after the existing ones. */
  flush(): void {
    if (this.ops.length === 0) return;
    const content = Buffer.from(this.ops.join('\n'), 'latin1');
    addContent(this.doc, this.page, deflateSync(content, { level: PAGE_DEFLATE_LEVEL }));
    this.ops.length = 0;
  }
}

/** How a rendered licence is written (and sealed, by prepareNewPdfSeal, in the same single revision). */
export const LICENCE_SAVE_OPTIONS = {
  // A classic xref table, not object streams: pdf-lib deflates object streams in JavaScript; plain objects
  // cost ~3 KB (4%) and save that pass (and, for files signed by appending, the inflate when re-read).
  useObjectStreams: false,
  objectsPerTick: Number.POSITIVE_INFINITY,
} as const;

/** Renders the licence PDF; throws LicenceRenderError naming the field when the face data does not fit. */
export async function renderLicencePdf(input: RenderLicenceInput): Promise<RenderedLicence> {
  const { doc, sealBox } = await buildLicenceDocument(input);
  const pdf = await doc.save({ ...LICENCE_SAVE_OPTIONS, updateFieldAppearances: false });
  return { pdf, sealBox };
}

/**
 * The licence as an unsaved document, for a caller that adds to it (the seal) before writing it once. A caller
 * that writes the OFD too passes the layout it already made.
 */
export async function buildLicenceDocument(
  input: RenderLicenceInput,
  layout: LicenceLayout = layoutLicence(input),
): Promise<{ doc: PDFDocument; sealBox: RenderedLicence['sealBox'] }> {
  const m = layout.metadata;
  const producer = input.producer ?? DEFAULT_PRODUCER;
  const created = input.creationDate ?? new Date();

  const W = layout.page.widthMm * PT;
  const H = layout.page.heightMm * PT;
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(cachingFontkit);
  // Font subsets are the bulk of the file: compress them with Node's zlib rather than pdf-lib's JavaScript
  // deflate (same format, several times faster), once for the PDF and the OFD of the licence
  // (subsetFontDeflate).
  doc.context.flateStream = (contents, dict = {}) => {
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'latin1') : contents;
    const font = subsetFontFiles.has(bytes);
    if (!font && bytes.length < UNFILTERED_BELOW) return doc.context.stream(bytes, dict);
    const length1 = font ? { Length1: bytes.length } : {};
    const deflated = font ? subsetFontDeflate(bytes).zlib : deflateSync(bytes);
    return doc.context.stream(deflated, { ...dict, ...length1, Filter: 'FlateDecode' });
  };
  const page = doc.addPage([W, H]);
  const text = new PageText(doc, page, `${m.identifier}\0${m.copy?.madeAt ?? ''}`);
  for (const item of layout.items) {
    if (item.kind === 'paths') {
      // The background is its own (cached) content stream, before the page's text layer.
      if (item.role === 'background') addContent(doc, page, backgroundStream(item));
      else text.raw(item.pdf);
      continue;
    }
    const f = await text.font(fontOfKey(item.font));
    text.line(f, item.text, {
      x: item.xPt,
      y: item.yPt,
      sizePt: item.sizePt,
      color: item.color,
      ...(item.spacingPt !== undefined ? { spacingPt: item.spacingPt } : {}),
      ...(item.opacity !== undefined ? { opacity: item.opacity } : {}),
      ...(item.angleDeg !== undefined ? { angleDeg: item.angleDeg } : {}),
    });
  }
  text.flush();

  // Metadata: Info, XMP (catalog /Metadata), licence.json (EmbeddedFiles, AFRelationship Data).
  doc.setTitle(m.name, { showInWindowTitleBar: true });
  doc.setSubject(m.identifier);
  doc.setAuthor(m.issuerName);
  doc.setCreator(producer);
  doc.setProducer(producer);
  doc.setCreationDate(created);
  doc.setModificationDate(created);
  doc.setLanguage('zh-CN');
  const xmp = Buffer.from(buildLicenceXmp(m, { producer, createDate: created }), 'utf8');
  const xmpStream = doc.context.stream(xmp, { Type: 'Metadata', Subtype: 'XML' });
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(xmpStream));
  await doc.attach(layout.licenceJson, LICENCE_ATTACHMENT_NAME, {
    mimeType: 'application/json',
    description: '证照元数据 / licence metadata (GB/T 36903)',
    creationDate: created,
    modificationDate: created,
    afRelationship: AFRelationship.Data,
  });

  return { doc, sealBox: layout.sealBox };
}
