// The format-independent layout of a licence page (design §4.2, "one layout, two writers"): every check of the
// face data, the fitting of each value into its box, and the page as a display list — text runs (face, size,
// colour, baseline origin, letter spacing, rotation, opacity, glyph ids of the source face), vector path groups
// (background, QR code, copy caption box) both as the PDF operators and as neutral paths, the seal box and the
// metadata with its canonical licence.json. licence-renderer.ts writes it as PDF, licence-ofd-writer.ts as OFD,
// so the two files cannot say different things.
import canonicalize from 'canonicalize';
import { decorationOperators } from './licence-decorations.js';
import { licenceFont, type LicenceFont, type LicenceFontKey } from './licence-fonts.js';
import type { LicenceCopyMetadata, LicenceMetadata } from './licence-metadata.js';
import { neutralPaths, type NeutralPath } from './licence-paths.js';
import { qrMatrix, qrNeutralPath, qrPathOperators } from './licence-qr.js';
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
import type { FaceField, LicenceTypeDefinition } from './licence-type.js';
import { num, rgb255Of, rgbOf } from './content-numbers.js';

const PT = 72 / 25.4;
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

/** Drops undefined members so the JSON equals what JSON.parse gives back. */
function definedOnly(m: LicenceMetadata): LicenceMetadata {
  return JSON.parse(JSON.stringify(m)) as LicenceMetadata;
}

/** The embedded licence.json: canonical JSON (RFC 8785: sorted keys, UTF-8) of the metadata and face data. */
export function licenceJson(m: LicenceMetadata): Uint8Array {
  const metadata = definedOnly(m);
  return Buffer.from(canonicalize({ metadata, face: metadata.face }) ?? '', 'utf8');
}

// ---------------------------------------------------------------------------------------------------------

/** One line of text. Positions in PDF user space (points, y up from the page's bottom edge). */
export interface LayoutTextRun {
  readonly kind: 'text';
  readonly font: LicenceFontKey;
  readonly text: string;
  /** Glyph ids in the source face, one per character (code point → cmap; CJK needs no shaping). */
  readonly glyphs: readonly number[];
  readonly sizePt: number;
  /** #rrggbb */
  readonly color: string;
  /** Baseline origin. */
  readonly xPt: number;
  readonly yPt: number;
  /** Added after every character (PDF Tc). */
  readonly spacingPt?: number;
  /** Fill opacity 0–1. */
  readonly opacity?: number;
  /** Counter-clockwise rotation about the origin. */
  readonly angleDeg?: number;
  /** The template field (face key or metadata binding) whose value this line prints. */
  readonly field?: string;
}

/** Vector drawing: the PDF operators and the same geometry as neutral paths (page mm, top-left origin). */
export interface LayoutPathGroup {
  readonly kind: 'paths';
  readonly role: 'background' | 'qr' | 'copy-box';
  /** Balanced content operators (q … Q). */
  readonly pdf: string;
  /** `pdf` as format-neutral paths, interpreted on first read (only the OFD writer reads them). */
  readonly paths: readonly NeutralPath[];
}

/**
 * A path group whose neutral paths are worked out when first read: a PDF-only issuance never pays for them.
 * `neutral` makes them directly (the same geometry as `pdf`); otherwise `pdf` is interpreted.
 */
function pathGroup(
  role: LayoutPathGroup['role'],
  pdf: string,
  pageHeightPt: number,
  neutral?: () => readonly NeutralPath[],
): LayoutPathGroup {
  let paths: readonly NeutralPath[] | undefined;
  return {
    kind: 'paths',
    role,
    pdf,
    get paths() {
      return (paths ??= neutral ? neutral() : neutralPaths(pdf, pageHeightPt));
    },
  };
}

export type LayoutItem = LayoutTextRun | LayoutPathGroup;

export interface LicenceLayout {
  readonly page: { readonly widthMm: number; readonly heightMm: number };
  /** In drawing order. */
  readonly items: readonly LayoutItem[];
  /** Where the seal goes: centre in mm from the page's top-left, 0-based page. */
  readonly sealBox: { page: number; centreXMm: number; centreYMm: number };
  readonly metadata: LicenceMetadata;
  /** The canonical licence.json both files carry, byte for byte. */
  readonly licenceJson: Uint8Array;
}

export interface LicenceLayoutInput {
  template: LicenceTemplate;
  type: LicenceTypeDefinition;
  metadata: LicenceMetadata;
  /** `<public base URL>/l/<identifier>`: what the QR code encodes. */
  verifyUrl: string;
}

/** The background group, computed once per template object. */
const backgrounds = new WeakMap<LicenceTemplate, LayoutPathGroup>();
function background(t: LicenceTemplate): LayoutPathGroup {
  let b = backgrounds.get(t);
  if (!b) {
    const page = pageSize(t.page);
    const pdf = decorationOperators(t.background, page);
    b = pathGroup('background', pdf, page.heightMm * PT);
    backgrounds.set(t, b);
  }
  return b;
}

const glyphCaches = new WeakMap<LicenceFont, Map<number, number>>();
/** Source-face glyph ids of `text`, one per character (the cmap lookup pdf-lib's layout does too). */
function glyphIds(font: LicenceFont, text: string): number[] {
  let cache = glyphCaches.get(font);
  if (!cache) glyphCaches.set(font, (cache = new Map()));
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let id = cache.get(cp);
    if (id === undefined) {
      id = font.font.glyphForCodePoint(cp)?.id ?? 0;
      cache.set(cp, id);
    }
    out.push(id);
  }
  return out;
}

/** Baseline of a line whose em box starts at `topPt` (PDF y of the box top). */
const baselineBelow = (font: LicenceFont, topPt: number, sizePt: number): number =>
  topPt - (font.emTop / font.unitsPerEm) * sizePt;

function alignedX(align: 'left' | 'center' | 'right', x: number, width: number, textWidth: number): number {
  return align === 'left' ? x : align === 'center' ? x + (width - textWidth) / 2 : x + width - textWidth;
}

type RunOptions = Omit<LayoutTextRun, 'kind' | 'font' | 'text' | 'glyphs' | 'xPt' | 'yPt'> & {
  x: number;
  y: number;
};

class PageItems {
  readonly items: LayoutItem[] = [];
  constructor(private readonly heightPt: number) {}

  line(font: LicenceFont, text: string, o: RunOptions): void {
    const { x, y, ...rest } = o;
    this.items.push({
      kind: 'text',
      font: font.key,
      text,
      glyphs: glyphIds(font, text),
      xPt: x,
      yPt: y,
      ...rest,
    });
  }

  paths(role: LayoutPathGroup['role'], pdf: string, neutral?: () => readonly NeutralPath[]): void {
    this.items.push(pathGroup(role, pdf, this.heightPt, neutral));
  }
}

/**
 * The licence page as a display list; throws LicenceRenderError naming the field when the face data does not
 * fit.
 */
export function layoutLicence(input: LicenceLayoutInput): LicenceLayout {
  const { template, type, metadata: m, verifyUrl } = input;
  const { issues, fields } = plan(template, type, m);
  if (issues.length > 0) throw new LicenceRenderError(issues);

  const { widthMm, heightMm } = pageSize(template.page);
  const W = widthMm * PT;
  const H = heightMm * PT;
  const page = new PageItems(H);
  page.items.push(background(template));

  // Static texts (title, captions), vertically centred in their boxes.
  for (const t of template.texts) {
    const f = licenceFont(t.font, t.weight);
    const spacing = t.letterSpacingMm * PT;
    const chars = [...t.text].length;
    const width = f.widthPt(t.text, t.sizePt) + spacing * (chars - 1);
    const top = H - (t.yMm * PT + (t.heightMm * PT - t.sizePt) / 2);
    page.line(f, t.text, {
      x: alignedX(t.align, t.xMm * PT, t.widthMm * PT, width),
      y: baselineBelow(f, top, t.sizePt),
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
      const f = licenceFont(l.font ?? box.font, l.weight);
      const size = l.sizePt ?? box.sizePt;
      const chars = [...l.text].length;
      const natural = f.widthPt(l.text, size);
      const columnPt = l.widthMm * PT;
      // Aligned with the first value line (or the box middle for one-line boxes).
      const labelTop =
        box.wrap === 'wrap' ? boxTop - Math.max(0, (fit.sizePt - size) / 2) : boxTop - (boxH - size) / 2;
      const y = baselineBelow(f, labelTop, size);
      const color = l.color ?? box.color;
      if (l.align === 'justify') {
        const spread = columnPt - size * 0.5; // a half-em gutter before the value
        const spacingPt = chars > 1 && natural < spread ? (spread - natural) / (chars - 1) : 0;
        page.line(f, l.text, { x: box.xMm * PT, y, sizePt: size, color, spacingPt });
      } else
        page.line(f, l.text, {
          x: alignedX(l.align, box.xMm * PT, columnPt, natural),
          y,
          sizePt: size,
          color,
        });
    }
    if (fit.lines.length === 0) continue;
    const labelMm = box.label ? box.label.widthMm + box.label.gapMm : 0;
    const x = (box.xMm + labelMm) * PT;
    const w = (box.widthMm - labelMm) * PT;
    fit.lines.forEach((line, i) => {
      const top = firstTop - i * fit.sizePt * box.lineHeight;
      page.line(font, line, {
        x: alignedX(box.align, x, w, font.widthPt(line, fit.sizePt)),
        y: baselineBelow(font, top, fit.sizePt),
        sizePt: fit.sizePt,
        color: box.color,
        field: box.field,
      });
    });
  }

  // QR code: white ground (the guilloche must not disturb scanning), two-module quiet zone, one path.
  const qr = qrMatrix(verifyUrl);
  const qrSize = template.qr.sizeMm * PT;
  const modulePt = qrSize / (qr.size + 4);
  const qrX = template.qr.xMm * PT;
  const qrTop = H - template.qr.yMm * PT;
  const ground = `q 1 1 1 rg ${num(qrX)} ${num(qrTop - qrSize)} ${num(qrSize)} ${num(qrSize)} re f`;
  page.paths(
    'qr',
    `${ground}\n${rgbOf(template.qr.color)} rg\n` +
      qrPathOperators(qr, qrX + 2 * modulePt, qrTop - 2 * modulePt, modulePt) +
      '\nQ',
    () => [
      ...neutralPaths(`${ground} Q`, H),
      qrNeutralPath(
        qr,
        (qrX + 2 * modulePt) / PT,
        (H - qrTop + 2 * modulePt) / PT,
        modulePt / PT,
        rgb255Of(template.qr.color),
      ),
    ],
  );
  if (template.qr.caption) {
    const f = licenceFont('sans', 'regular');
    const size = 7;
    const w = f.widthPt(template.qr.caption, size);
    page.line(f, template.qr.caption, {
      x: qrX + (qrSize - w) / 2,
      y: qrTop - qrSize - size * 1.2,
      sizePt: size,
      color: '#333333',
    });
  }

  if (m.copy) layoutCopyWatermark(page, template, m.copy, W, H);

  return {
    page: { widthMm, heightMm },
    items: page.items,
    sealBox: {
      page: template.seal.page,
      centreXMm: template.seal.centreXMm,
      centreYMm: template.seal.centreYMm,
    },
    metadata: m,
    licenceJson: licenceJson(m),
  };
}

/** 仅供<purpose>使用 有效期至<date>, diagonally across the page, plus a caption box naming the copy. */
function layoutCopyWatermark(
  page: PageItems,
  template: LicenceTemplate,
  copy: LicenceCopyMetadata,
  W: number,
  H: number,
): void {
  const wm = template.copyWatermark;
  const f = licenceFont('sans', 'regular');
  const until = formatDate(chinaDateOf(copy.expiresAt)!, 'cn');
  const unit = `仅供${copy.purpose}使用 有效期至${until}\u3000\u3000`;
  const unitW = f.widthPt(unit, wm.sizePt);
  const diag = Math.hypot(W, H);
  const row = unit.repeat(Math.max(1, Math.ceil(diag / unitW)));
  const a = (wm.angleDeg * Math.PI) / 180;
  const pitch = wm.sizePt * 3.2;
  // Rows along the text direction through the page centre, each long enough to cross the page, staggered.
  for (let v = -diag / 2, k = 0; v <= diag / 2; v += pitch, k++) {
    const u = -diag / 2 - (k % 2) * (unitW / 2);
    page.line(f, row, {
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
  const boxW = Math.max(...lines.map((l) => f.widthPt(l, size))) + 10;
  const boxH = pitch2 * lines.length + 5;
  const x = (wm.caption ? wm.caption.centreXMm * PT : W / 2) - boxW / 2;
  const top = wm.caption ? H - wm.caption.topMm * PT : 12 * PT + boxH;
  page.paths(
    'copy-box',
    `q 1 1 1 rg ${rgbOf(wm.color)} RG 0.6 w ${num(x)} ${num(top - boxH)} ${num(boxW)} ${num(boxH)} re B Q`,
  );
  lines.forEach((l, i) => {
    page.line(f, l, {
      x: x + 5,
      y: top - 2.5 - pitch2 * (i + 1) + size * 0.3,
      sizePt: size,
      color: wm.color,
    });
  });
}
