// Renders the unsealed layout PDF of a licence from its template, type and metadata: vector background,
// texts in embedded subset Noto CJK fonts, a vector QR code pointing at the verification URL, and the
// metadata twice (XMP in the catalog, licence.json as an embedded file). Sealing happens afterwards by
// incremental update (src/pdf/pdf-seal-signing.ts), at the returned seal box.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import canonicalize from 'canonicalize';
import { AFRelationship, PDFDocument, PDFName, type PDFFont, type PDFPage } from '@cantoo/pdf-lib';
import { buildLicenceXmp } from './licence-xmp.js';
import { decorationOperators } from './licence-decorations.js';
import { cachingFontkit, licenceFont, type LicenceFont, type LicenceFontKey } from './licence-fonts.js';
import {
  LICENCE_ATTACHMENT_NAME,
  type LicenceCopyMetadata,
  type LicenceMetadata,
} from './licence-metadata.js';
import { qrMatrix, qrPathOperators } from './licence-qr.js';
import { isIsoDate } from './licence-request-check.js';
import { chinaDate } from './china-date.js';
import { LicenceRenderError, type FaceFitIssue } from './licence-render-error.js';
import {
  isMetadataBinding,
  pageSize,
  type LicenceTemplate,
  type MetadataBinding,
  type TemplateField,
} from './licence-template.js';
import { fitText, type TextFit } from './licence-text-layout.js';
import { subsetFontFiles } from './truetype-subset.js';
import type { FaceField, LicenceTypeDefinition } from './licence-type.js';

export { LicenceRenderError, type FaceFitIssue, type FaceFitCode } from './licence-render-error.js';

export interface RenderLicenceInput {
  template: LicenceTemplate;
  type: LicenceTypeDefinition;
  metadata: LicenceMetadata;
  /** `<public base URL>/l/<identifier>`: what the QR code encodes. */
  verifyUrl: string;
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
/** Longest copy purpose (制作事由) printed in the watermark. */
const MAX_COPY_PURPOSE = 40;
/** Longest copy maker (加注件制作者) printed in the caption box. */
const MAX_COPY_MAKER = 60;
/** No box holds more: longer values are refused before any layout work. */
const MAX_PRINTED_LENGTH = 2000;
/** Characters a face value may contain besides printable ones: newline in multiline fields only. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/u;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 2024-03-15 → 2024年03月15日 (cn) or unchanged (iso). */
function formatDate(iso: string, style: 'cn' | 'iso'): string {
  const m = ISO_DATE.exec(iso);
  return m && style === 'cn' ? `${m[1]}年${m[2]}月${m[3]}日` : iso;
}

/** The calendar date in China of an ISO 8601 instant (a plain date stays as it is); null if unreadable. */
function chinaDateOf(instant: string): string | null {
  if (isIsoDate(instant)) return instant;
  const t = Date.parse(instant);
  return Number.isNaN(t) ? null : chinaDate(new Date(t));
}

/** The request field a binding comes from, for error reports. */
const BINDING_REQUEST_FIELD: Record<MetadataBinding, string> = {
  holderName: 'holder.name',
  holderCode: 'holder.code',
  number: 'number',
  issuerName: 'issuerName',
  issueDate: 'issueDate',
  validFrom: 'validFrom',
  validTo: 'validTo',
  validity: 'validTo',
  identifier: 'identifier',
};

const bindingLabel: Record<MetadataBinding, string> = {
  holderName: '持证主体',
  holderCode: '持证主体代码',
  number: '证照编号',
  issuerName: '颁发机构',
  issueDate: '颁发日期',
  validFrom: '有效期起始日期',
  validTo: '有效期截止日期',
  validity: '有效期',
  identifier: '证照标识',
};

interface FieldPlan {
  box: TemplateField;
  requestField: string;
  font: LicenceFont;
  /** The printed text; empty = optional and absent (the label is still drawn). */
  text: string;
  fit: TextFit | null;
}

/** The printed value of a box and the request field it comes from; undefined text = value absent. */
function valueOf(
  box: TemplateField,
  fields: Map<string, FaceField>,
  m: LicenceMetadata,
  issues: FaceFitIssue[],
): { text: string | undefined; requestField: string } {
  const key = box.field;
  if (isMetadataBinding(key)) {
    const requestField = BINDING_REQUEST_FIELD[key];
    const date = (v: string, what: string): string | undefined => {
      if (isIsoDate(v)) return formatDate(v, box.dateFormat);
      issues.push({
        field: what,
        code: 'bad-format',
        message: `${bindingLabel[key]}应为日期 YYYY-MM-DD / ${what} must be a date YYYY-MM-DD`,
      });
      return undefined;
    };
    switch (key) {
      case 'issueDate':
      case 'validFrom':
        return { text: date(m[key], key), requestField };
      case 'validTo':
        return { text: m.validTo === null ? '长期' : date(m.validTo, 'validTo'), requestField };
      case 'validity': {
        const from = date(m.validFrom, 'validFrom');
        const to = m.validTo === null ? '长期' : date(m.validTo, 'validTo');
        return { text: from && to ? `${from}至${to}` : undefined, requestField };
      }
      default:
        return { text: m[key], requestField };
    }
  }
  const requestField = `fields.${key}`;
  const def = fields.get(key);
  if (!def) {
    issues.push({
      field: requestField,
      code: 'unknown',
      message: `模板字段 ${key} 不是该证照类型的照面字段 / template field ${key} is not a face field of this licence type`,
    });
    return { text: undefined, requestField };
  }
  const raw = m.face[key];
  if (raw === undefined || raw === '') return { text: '', requestField };
  return {
    text: def.type === 'date' && isIsoDate(raw) ? formatDate(raw, box.dateFormat) : raw,
    requestField,
  };
}

/** Type-level checks of the face data: missing, unknown, too long, malformed. */
function checkFaceValues(type: LicenceTypeDefinition, m: LicenceMetadata, issues: FaceFitIssue[]): void {
  const known = new Map(type.fields.map((f) => [f.key, f]));
  for (const key of Object.keys(m.face))
    if (!known.has(key))
      issues.push({
        field: `fields.${key}`,
        code: 'unknown',
        message: `该证照类型没有照面字段 ${key} / the licence type has no face field ${key}`,
      });
  for (const f of type.fields) {
    const at = `fields.${f.key}`;
    const v = m.face[f.key];
    if (v === undefined || v === '') {
      if (f.required)
        issues.push({
          field: at,
          code: 'missing',
          message: `缺少必填照面信息：${f.label} / required face field ${f.key} is missing`,
        });
      continue;
    }
    if (typeof v !== 'string' || CONTROL.test(v) || (f.type !== 'multiline' && /[\r\n]/.test(v)))
      issues.push({
        field: at,
        code: 'bad-format',
        message: `${f.label}含有不可打印字符或换行 / ${f.key} contains control characters or line breaks`,
      });
    else if ([...v].length > f.maxLength)
      issues.push({
        field: at,
        code: 'too-long',
        message: `${f.label}超过${f.maxLength}个字符 / ${f.key} is longer than ${f.maxLength} characters`,
      });
    else if (f.type === 'date' && !isIsoDate(v))
      issues.push({
        field: at,
        code: 'bad-format',
        message: `${f.label}应为日期 YYYY-MM-DD / ${f.key} must be a date YYYY-MM-DD`,
      });
    else if (f.type === 'number' && !/^-?\d+(\.\d+)?$/.test(v))
      issues.push({
        field: at,
        code: 'bad-format',
        message: `${f.label}应为数字 / ${f.key} must be a number`,
      });
  }
}

function missingGlyphIssue(field: string, what: string, missing: string[]): FaceFitIssue {
  const list = missing
    .map((c) => `“${c}”(U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`)
    .join('、');
  return {
    field,
    code: 'bad-format',
    message: `${what}含有字体无法显示的字符：${list} / ${field} contains characters the licence font cannot show: ${list}`,
  };
}

/** All checks and the layout of every field box. */
function plan(
  template: LicenceTemplate,
  type: LicenceTypeDefinition,
  m: LicenceMetadata,
): { issues: FaceFitIssue[]; fields: FieldPlan[] } {
  const issues: FaceFitIssue[] = [];
  checkFaceValues(type, m, issues);
  const known = new Map(type.fields.map((f) => [f.key, f]));
  const fields: FieldPlan[] = [];
  const reported = new Set(issues.map((i) => i.field));
  for (const box of template.fields) {
    const { text, requestField } = valueOf(box, known, m, issues);
    if (text === undefined || reported.has(requestField)) continue;
    if (text.length > MAX_PRINTED_LENGTH) {
      reported.add(requestField);
      issues.push({
        field: requestField,
        code: 'too-long',
        message: `${requestField}过长 / ${requestField} is longer than any licence box holds`,
      });
      continue;
    }
    const font = licenceFont(box.font, box.weight);
    const what =
      known.get(box.field)?.label ?? (isMetadataBinding(box.field) ? bindingLabel[box.field] : box.field);
    const missing = font.missing(text);
    if (missing.length > 0) {
      issues.push(missingGlyphIssue(requestField, what, missing));
      reported.add(requestField);
      continue;
    }
    if (CONTROL.test(text) || (isMetadataBinding(box.field) && /[\r\n]/.test(text))) {
      reported.add(requestField);
      issues.push({
        field: requestField,
        code: 'bad-format',
        message: `${what}含有不可打印字符或换行 / ${requestField} contains control characters or line breaks`,
      });
      continue;
    }
    const labelMm = box.label ? box.label.widthMm + box.label.gapMm : 0;
    const fit =
      text === ''
        ? { sizePt: box.sizePt, lines: [] }
        : fitText({
            text,
            font,
            widthPt: (box.widthMm - labelMm) * PT,
            heightPt: box.heightMm * PT,
            sizePt: box.sizePt,
            minSizePt: box.overflow === 'shrink' ? (box.minSizePt ?? box.sizePt) : box.sizePt,
            wrap: box.wrap === 'wrap',
            lineHeight: box.lineHeight,
          });
    if (!fit) {
      issues.push({
        field: requestField,
        code: 'too-long',
        message: `${what}过长，超出证照版面 / ${requestField} is too long for its box on the licence`,
      });
      reported.add(requestField);
    }
    fields.push({ box, requestField, font, text, fit });
  }
  if (m.copy) {
    const purpose = m.copy.purpose;
    if (!purpose || [...purpose].length > MAX_COPY_PURPOSE || CONTROL.test(purpose) || /[\r\n]/.test(purpose))
      issues.push({
        field: 'copy.purpose',
        code: purpose ? 'too-long' : 'missing',
        message: `加注件制作事由应为1–${MAX_COPY_PURPOSE}个字符的单行文字 / copy.purpose must be 1–${MAX_COPY_PURPOSE} characters on one line`,
      });
    else {
      const missing = licenceFont('sans', 'regular').missing(purpose);
      if (missing.length > 0) issues.push(missingGlyphIssue('copy.purpose', '加注件制作事由', missing));
    }
    const maker = m.copy.maker;
    if (!maker || [...maker].length > MAX_COPY_MAKER || CONTROL.test(maker) || /[\r\n]/.test(maker))
      issues.push({
        field: 'copy.maker',
        code: maker ? 'too-long' : 'missing',
        message: `加注件制作者应为1–${MAX_COPY_MAKER}个字符的单行文字 / copy.maker must be 1–${MAX_COPY_MAKER} characters on one line`,
      });
    else {
      const missing = licenceFont('sans', 'regular').missing(maker);
      if (missing.length > 0) issues.push(missingGlyphIssue('copy.maker', '加注件制作者', missing));
    }
    if (chinaDateOf(m.copy.expiresAt) === null)
      issues.push({
        field: 'copy.expiresAt',
        code: 'bad-format',
        message: '加注件有效期截止时间应为 ISO 8601 时间 / copy.expiresAt must be an ISO 8601 date-time',
      });
  }
  return { issues, fields };
}

/**
 * Everything that would stop the licence from rendering: missing required fields, unknown keys, values longer
 * than maxLength or than their box (after shrinking to the minimum size), malformed dates and numbers,
 * characters the font lacks. Empty when the licence renders.
 */
export function checkFaceFits(
  template: LicenceTemplate,
  type: LicenceTypeDefinition,
  metadata: LicenceMetadata,
): FaceFitIssue[] {
  return plan(template, type, metadata).issues;
}

/** How one field box will be printed (for previews and tests). */
export interface PlannedField {
  /** The template's `field` (face key or metadata binding). */
  field: string;
  /** The request field it comes from (as in FaceFitIssue). */
  requestField: string;
  font: LicenceFontKey;
  /** Size after shrinking. */
  sizePt: number;
  /** Printed lines (dates formatted); empty when an optional value is absent. */
  lines: string[];
}

/** The layout of every field box, or the issues that prevent it. */
export function planLicenceFields(
  template: LicenceTemplate,
  type: LicenceTypeDefinition,
  metadata: LicenceMetadata,
): { issues: FaceFitIssue[]; fields: PlannedField[] } {
  const { issues, fields } = plan(template, type, metadata);
  return {
    issues,
    fields: fields
      .filter((f) => f.fit)
      .map((f) => ({
        field: f.box.field,
        requestField: f.requestField,
        font: f.font.key,
        sizePt: f.fit!.sizePt,
        lines: f.fit!.lines,
      })),
  };
}

// ---------------------------------------------------------------------------------------------------------

/** A number for content operators: at most 3 decimals, no exponent, no "-0". */
const num = (v: number): string => {
  const r = Math.round(v * 1000) / 1000;
  return Object.is(r, -0) ? '0' : String(r);
};

/** `r g b` (0–1) of a #rrggbb colour. */
const rgbOf = (hex: string): string => {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((c) => num(c / 255)).join(' ');
};

/** The background as a deflated content stream, computed once per template object. */
const backgrounds = new WeakMap<LicenceTemplate, Uint8Array>();
function backgroundStream(t: LicenceTemplate): Uint8Array {
  let b = backgrounds.get(t);
  if (!b) {
    b = deflateSync(Buffer.from(decorationOperators(t.background, pageSize(t.page)), 'latin1'));
    backgrounds.set(t, b);
  }
  return b;
}

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
    addContent(this.doc, this.page, deflateSync(Buffer.from(this.ops.join('\n'), 'latin1')));
    this.ops.length = 0;
  }
}

/** Baseline of a line whose em box starts at `topPt` (PDF y of the box top). */
const baselineBelow = (font: LicenceFont, topPt: number, sizePt: number): number =>
  topPt - (font.emTop / font.unitsPerEm) * sizePt;

function alignedX(align: 'left' | 'center' | 'right', x: number, width: number, textWidth: number): number {
  return align === 'left' ? x : align === 'center' ? x + (width - textWidth) / 2 : x + width - textWidth;
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

/** The licence as an unsaved document, for a caller that adds to it (the seal) before writing it once. */
export async function buildLicenceDocument(
  input: RenderLicenceInput,
): Promise<{ doc: PDFDocument; sealBox: RenderedLicence['sealBox'] }> {
  const { template, type, metadata: m, verifyUrl } = input;
  const producer = input.producer ?? DEFAULT_PRODUCER;
  const created = input.creationDate ?? new Date();
  const { issues, fields } = plan(template, type, m);
  if (issues.length > 0) throw new LicenceRenderError(issues);

  const { widthMm, heightMm } = pageSize(template.page);
  const W = widthMm * PT;
  const H = heightMm * PT;
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(cachingFontkit);
  // Font subsets are the bulk of the file: compress them with Node's zlib rather than pdf-lib's JavaScript
  // deflate (same format, several times faster).
  doc.context.flateStream = (contents, dict = {}) => {
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'latin1') : contents;
    const length1 = subsetFontFiles.has(bytes) ? { Length1: bytes.length } : {};
    return doc.context.stream(deflateSync(bytes), { ...dict, ...length1, Filter: 'FlateDecode' });
  };
  const page = doc.addPage([W, H]);
  addContent(doc, page, backgroundStream(template));
  const text = new PageText(doc, page, `${m.identifier}\0${m.copy?.madeAt ?? ''}`);

  // Static texts (title, captions), vertically centred in their boxes.
  for (const t of template.texts) {
    const f = await text.font(licenceFont(t.font, t.weight));
    const spacing = t.letterSpacingMm * PT;
    const chars = [...t.text].length;
    const width = f.font.widthPt(t.text, t.sizePt) + spacing * (chars - 1);
    const top = H - (t.yMm * PT + (t.heightMm * PT - t.sizePt) / 2);
    text.line(f, t.text, {
      x: alignedX(t.align, t.xMm * PT, t.widthMm * PT, width),
      y: baselineBelow(f.font, top, t.sizePt),
      sizePt: t.sizePt,
      color: t.color,
      spacingPt: spacing,
    });
  }

  // Field boxes: the label in its column, the value in the rest; one line centred, wrapped text from the top.
  for (const { box, fit, font } of fields) {
    if (!fit) continue;
    const boxTop = H - box.yMm * PT;
    const boxH = box.heightMm * PT;
    const firstTop = box.wrap === 'wrap' ? boxTop : boxTop - (boxH - fit.sizePt) / 2;
    if (box.label) {
      const l = box.label;
      const f = await text.font(licenceFont(l.font ?? box.font, l.weight));
      const size = l.sizePt ?? box.sizePt;
      const chars = [...l.text].length;
      const natural = f.font.widthPt(l.text, size);
      const columnPt = l.widthMm * PT;
      // Aligned with the first value line (or the box middle for one-line boxes).
      const labelTop =
        box.wrap === 'wrap' ? boxTop - Math.max(0, (fit.sizePt - size) / 2) : boxTop - (boxH - size) / 2;
      const y = baselineBelow(f.font, labelTop, size);
      const color = l.color ?? box.color;
      if (l.align === 'justify') {
        const spread = columnPt - size * 0.5; // a half-em gutter before the value
        const spacingPt = chars > 1 && natural < spread ? (spread - natural) / (chars - 1) : 0;
        text.line(f, l.text, { x: box.xMm * PT, y, sizePt: size, color, spacingPt });
      } else
        text.line(f, l.text, {
          x: alignedX(l.align, box.xMm * PT, columnPt, natural),
          y,
          sizePt: size,
          color,
        });
    }
    if (fit.lines.length === 0) continue;
    const f = await text.font(font);
    const labelMm = box.label ? box.label.widthMm + box.label.gapMm : 0;
    const x = (box.xMm + labelMm) * PT;
    const w = (box.widthMm - labelMm) * PT;
    fit.lines.forEach((line, i) => {
      const top = firstTop - i * fit.sizePt * box.lineHeight;
      text.line(f, line, {
        x: alignedX(box.align, x, w, font.widthPt(line, fit.sizePt)),
        y: baselineBelow(font, top, fit.sizePt),
        sizePt: fit.sizePt,
        color: box.color,
      });
    });
  }

  // QR code: white ground (the guilloche must not disturb scanning), two-module quiet zone, one path.
  const qr = qrMatrix(verifyUrl);
  const qrSize = template.qr.sizeMm * PT;
  const modulePt = qrSize / (qr.size + 4);
  const qrX = template.qr.xMm * PT;
  const qrTop = H - template.qr.yMm * PT;
  text.raw(
    `q 1 1 1 rg ${num(qrX)} ${num(qrTop - qrSize)} ${num(qrSize)} ${num(qrSize)} re f\n` +
      `${rgbOf(template.qr.color)} rg\n` +
      qrPathOperators(qr, qrX + 2 * modulePt, qrTop - 2 * modulePt, modulePt) +
      '\nQ',
  );
  if (template.qr.caption) {
    const f = await text.font(licenceFont('sans', 'regular'));
    const size = 7;
    const w = f.font.widthPt(template.qr.caption, size);
    text.line(f, template.qr.caption, {
      x: qrX + (qrSize - w) / 2,
      y: qrTop - qrSize - size * 1.2,
      sizePt: size,
      color: '#333333',
    });
  }

  if (m.copy) await drawCopyWatermark(text, template, m.copy, W, H);
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
  await doc.attach(licenceJson(m), LICENCE_ATTACHMENT_NAME, {
    mimeType: 'application/json',
    description: '证照元数据 / licence metadata (GB/T 36903)',
    creationDate: created,
    modificationDate: created,
    afRelationship: AFRelationship.Data,
  });

  return {
    doc,
    sealBox: {
      page: template.seal.page,
      centreXMm: template.seal.centreXMm,
      centreYMm: template.seal.centreYMm,
    },
  };
}

/** Drops undefined members so the JSON equals what JSON.parse gives back. */
function definedOnly(m: LicenceMetadata): LicenceMetadata {
  return JSON.parse(JSON.stringify(m)) as LicenceMetadata;
}

/** The embedded licence.json: canonical JSON (RFC 8785: sorted keys, UTF-8) of the metadata and face data. */
export function licenceJson(m: LicenceMetadata): Uint8Array {
  const metadata = definedOnly(m);
  return Buffer.from(canonicalize({ metadata, face: metadata.face }) ?? '', 'utf8');
}

/** 仅供<purpose>使用 有效期至<date>, diagonally across the page, plus a caption box naming the copy. */
async function drawCopyWatermark(
  text: PageText,
  template: LicenceTemplate,
  copy: LicenceCopyMetadata,
  W: number,
  H: number,
): Promise<void> {
  const wm = template.copyWatermark;
  const f = await text.font(licenceFont('sans', 'regular'));
  const until = formatDate(chinaDateOf(copy.expiresAt)!, 'cn');
  const unit = `仅供${copy.purpose}使用 有效期至${until}\u3000\u3000`;
  const unitW = f.font.widthPt(unit, wm.sizePt);
  const diag = Math.hypot(W, H);
  const row = unit.repeat(Math.max(1, Math.ceil(diag / unitW)));
  const a = (wm.angleDeg * Math.PI) / 180;
  const pitch = wm.sizePt * 3.2;
  // Rows along the text direction through the page centre, each long enough to cross the page, staggered.
  for (let v = -diag / 2, k = 0; v <= diag / 2; v += pitch, k++) {
    const u = -diag / 2 - (k % 2) * (unitW / 2);
    text.line(f, row, {
      x: W / 2 + u * Math.cos(a) - v * Math.sin(a),
      y: H / 2 + u * Math.sin(a) + v * Math.cos(a),
      sizePt: wm.sizePt,
      color: wm.color,
      opacity: wm.opacity,
      angleDeg: wm.angleDeg,
    });
  }
  // Caption box: what this copy is.
  const size = 6.5;
  const pitch2 = size * 1.4;
  const madeOn = chinaDateOf(copy.madeAt);
  const lines = [
    `加注件\u3000制作事由：${copy.purpose}`,
    `制作者：${copy.maker}`,
    `制作时间：${madeOn ? formatDate(madeOn, 'cn') : copy.madeAt}\u3000有效期至：${until}`,
  ];
  const boxW = Math.max(...lines.map((l) => f.font.widthPt(l, size))) + 10;
  const boxH = pitch2 * lines.length + 5;
  const x = (wm.caption ? wm.caption.centreXMm * PT : W / 2) - boxW / 2;
  const top = wm.caption ? H - wm.caption.topMm * PT : 12 * PT + boxH;
  text.raw(
    `q 1 1 1 rg ${rgbOf(wm.color)} RG 0.6 w ${num(x)} ${num(top - boxH)} ${num(boxW)} ${num(boxH)} re B Q`,
  );
  lines.forEach((l, i) => {
    text.line(f, l, {
      x: x + 5,
      y: top - 2.5 - pitch2 * (i + 1) + size * 0.3,
      sizePt: size,
      color: wm.color,
    });
  });
}
