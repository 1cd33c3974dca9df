// A licence layout template (templates/<id>.json): page, vector background, static texts, field boxes bound
// to face fields or metadata, QR code box and seal position. Coordinates are millimetres from the page's
// TOP-LEFT corner, like SealPlacement; boxes are given by their top-left corner and size.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../config.js';

export const DEFAULT_TEMPLATES_DIR = join(PROJECT_ROOT, 'templates');

/**
 * Values a field box may show besides face fields (照面信息). `validity` is the formatted range
 * (起始日期至截止日期, 长期 when there is no end date). These names are reserved: no face field may use them.
 */
export const METADATA_BINDINGS = [
  'holderName', // 持证主体
  'holderCode', // 持证主体代码
  'number', // 证照编号
  'issuerName', // 证照颁发机构
  'issueDate', // 证照颁发日期
  'validFrom', // 有效期起始日期
  'validTo', // 有效期截止日期 (长期 when none)
  'validity', // 有效期 range
  'identifier', // 证照标识
] as const;
export type MetadataBinding = (typeof METADATA_BINDINGS)[number];

export const isMetadataBinding = (field: string): field is MetadataBinding =>
  (METADATA_BINDINGS as readonly string[]).includes(field);

const A4 = { widthMm: 210, heightMm: 297 };

const mm = z.number().min(0).max(1000);
const positiveMm = z.number().gt(0).max(1000);
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must be #rrggbb');
const lineWidthPt = z.number().gt(0).max(20);
const sizePt = z.number().min(4).max(96);
const fontFamily = z.enum(['sans', 'serif']);
const fontWeight = z.enum(['regular', 'bold']);

const pageSchema = z.union([
  z.literal('A4'),
  z.literal('A4-landscape'),
  z.object({ widthMm: z.number().min(50).max(1000), heightMm: z.number().min(50).max(1000) }).strict(),
]);

/** Double-line (or single) frame inset from the page edge. */
const frameSchema = z
  .object({
    kind: z.literal('frame'),
    insetMm: mm,
    color: colour,
    widthPt: lineWidthPt,
    /** A second, thinner line inside the first, `gapMm` further in. */
    inner: z.object({ gapMm: positiveMm, widthPt: lineWidthPt }).strict().optional(),
  })
  .strict();

/** Guilloche-like band: families of phase-shifted sine waves crossing each other inside a rectangle. */
const guillocheSchema = z
  .object({
    kind: z.literal('guilloche'),
    xMm: mm,
    yMm: mm,
    widthMm: positiveMm,
    heightMm: positiveMm,
    color: colour,
    widthPt: lineWidthPt,
    /** Waves per family (phase step = 1/waves of a period). */
    waves: z.number().int().min(1).max(24),
    periodMm: z.number().min(2).max(200),
    /** Two families (one mirrored) make the woven look. */
    crossed: z.boolean().default(true),
  })
  .strict();

/** Guilloche rosette (epitrochoid), e.g. under the seal or as a watermark. */
const rosetteSchema = z
  .object({
    kind: z.literal('rosette'),
    cxMm: mm,
    cyMm: mm,
    radiusMm: positiveMm,
    /** Number of lobes (rotational symmetry). */
    lobes: z.number().int().min(3).max(96),
    /** Depth of the lobes as a fraction of the radius. */
    depth: z.number().gt(0).max(0.9),
    /** Copies rotated by a fraction of a lobe, drawn on top of each other. */
    layers: z.number().int().min(1).max(8).default(3),
    color: colour,
    widthPt: lineWidthPt,
  })
  .strict();

/** Ornaments in the four corners, `insetMm` from the page edge. */
const cornersSchema = z
  .object({
    kind: z.literal('corners'),
    insetMm: mm,
    sizeMm: positiveMm,
    style: z.enum(['bracket', 'cloud']).default('bracket'),
    color: colour,
    widthPt: lineWidthPt,
  })
  .strict();

/** A round emblem in the style of official insignia (rings, rays, star, leaves); not any real emblem. */
const emblemSchema = z
  .object({
    kind: z.literal('emblem'),
    cxMm: mm,
    cyMm: mm,
    radiusMm: positiveMm,
    color: colour,
    /** Second colour for the star and rays; default the main colour. */
    accent: colour.optional(),
  })
  .strict();

const ruleSchema = z
  .object({
    kind: z.literal('rule'),
    x1Mm: mm,
    y1Mm: mm,
    x2Mm: mm,
    y2Mm: mm,
    color: colour,
    widthPt: lineWidthPt,
    dashMm: z.tuple([positiveMm, positiveMm]).optional(),
  })
  .strict();

const rectSchema = z
  .object({
    kind: z.literal('rect'),
    xMm: mm,
    yMm: mm,
    widthMm: positiveMm,
    heightMm: positiveMm,
    fill: colour.optional(),
    stroke: colour.optional(),
    widthPt: lineWidthPt.optional(),
  })
  .strict()
  .refine((r) => r.fill !== undefined || r.stroke !== undefined, 'a rect needs a fill or a stroke');

const decorationSchema = z.discriminatedUnion('kind', [
  frameSchema,
  guillocheSchema,
  rosetteSchema,
  cornersSchema,
  emblemSchema,
  ruleSchema,
  rectSchema,
]);

const align = z.enum(['left', 'center', 'right']);

const textSchema = z
  .object({
    text: z.string().min(1).max(500),
    xMm: mm,
    yMm: mm,
    widthMm: positiveMm,
    heightMm: positiveMm,
    font: fontFamily,
    weight: fontWeight.default('regular'),
    sizePt,
    align: align.default('left'),
    color: colour.default('#000000'),
    /** Extra space after each character (titles are set letter-spaced). */
    letterSpacingMm: z.number().min(0).max(50).default(0),
  })
  .strict();

const labelSchema = z
  .object({
    text: z.string().min(1).max(40),
    /** Width of the label column at the box's left; the value takes the rest. */
    widthMm: positiveMm,
    font: fontFamily.optional(),
    weight: fontWeight.default('regular'),
    sizePt: sizePt.optional(),
    color: colour.optional(),
    /** `justify` spreads the characters over the column (姓  名), as printed licences do. */
    align: z.enum(['left', 'center', 'right', 'justify']).default('left'),
    /** Space between the label column and the value. */
    gapMm: mm.default(0),
  })
  .strict();

const fieldSchema = z
  .object({
    /** A face-field key of the licence type or one of METADATA_BINDINGS. */
    field: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'field must be a key like registrationNumber'),
    xMm: mm,
    yMm: mm,
    widthMm: positiveMm,
    heightMm: positiveMm,
    font: fontFamily,
    weight: fontWeight.default('regular'),
    sizePt,
    align: align.default('left'),
    wrap: z.enum(['none', 'wrap']).default('none'),
    overflow: z.enum(['shrink', 'error']).default('error'),
    /** Smallest size `shrink` may go down to. */
    minSizePt: sizePt.optional(),
    /** Line pitch as a multiple of the size (wrapped fields). */
    lineHeight: z.number().min(1).max(3).default(1.45),
    color: colour.default('#000000'),
    /** How dates are printed: 2024年03月15日 (cn) or 2024-03-15 (iso). */
    dateFormat: z.enum(['cn', 'iso']).default('cn'),
    label: labelSchema.optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.overflow === 'shrink' && f.minSizePt === undefined)
      ctx.addIssue({ code: 'custom', path: ['minSizePt'], message: 'overflow "shrink" needs minSizePt' });
    if (f.minSizePt !== undefined && f.minSizePt > f.sizePt)
      ctx.addIssue({ code: 'custom', path: ['minSizePt'], message: 'minSizePt must not exceed sizePt' });
    if (f.label && f.label.widthMm + f.label.gapMm >= f.widthMm)
      ctx.addIssue({
        code: 'custom',
        path: ['label', 'widthMm'],
        message: 'the label leaves no room for the value',
      });
  });

const qrSchema = z
  .object({
    xMm: mm,
    yMm: mm,
    sizeMm: z.number().min(10).max(100),
    /** Text under the code, e.g. 扫码核验. */
    caption: z.string().min(1).max(40).optional(),
    color: colour.default('#000000'),
  })
  .strict();

const sealSchema = z
  .object({
    page: z.number().int().min(0).max(0),
    centreXMm: mm,
    centreYMm: mm,
  })
  .strict();

const watermarkSchema = z
  .object({
    color: colour.default('#C00000'),
    opacity: z.number().gt(0).max(1).default(0.18),
    sizePt: sizePt.default(20),
    angleDeg: z.number().min(-90).max(90).default(30),
    /** Where the copy's caption box (加注件, purpose, maker, dates) goes; default centred, 12 mm above the bottom. */
    caption: z.object({ centreXMm: mm, topMm: mm }).strict().optional(),
  })
  .strict();

export const licenceTemplateSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'id must be lowercase letters, digits and hyphens'),
    /** What the template is for, e.g. 二级建造师注册证书. */
    name: z.string().min(1).max(100),
    page: pageSchema,
    background: z.array(decorationSchema).max(64).default([]),
    texts: z.array(textSchema).max(64).default([]),
    fields: z.array(fieldSchema).min(1).max(64),
    qr: qrSchema,
    seal: sealSchema,
    copyWatermark: watermarkSchema.default({
      color: '#C00000',
      opacity: 0.18,
      sizePt: 20,
      angleDeg: 30,
    }),
  })
  .strict()
  .superRefine((t, ctx) => {
    const { widthMm, heightMm } = pageSize(t.page);
    const inside = (path: (string | number)[], x: number, y: number, w: number, h: number) => {
      if (x + w > widthMm + 0.01 || y + h > heightMm + 0.01)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `box extends beyond the ${widthMm}×${heightMm} mm page`,
        });
    };
    t.texts.forEach((b, i) => inside(['texts', i], b.xMm, b.yMm, b.widthMm, b.heightMm));
    t.fields.forEach((b, i) => inside(['fields', i], b.xMm, b.yMm, b.widthMm, b.heightMm));
    inside(['qr'], t.qr.xMm, t.qr.yMm, t.qr.sizeMm, t.qr.sizeMm);
    if (t.seal.centreXMm > widthMm || t.seal.centreYMm > heightMm)
      ctx.addIssue({ code: 'custom', path: ['seal'], message: 'seal centre is off the page' });
  });

export type LicenceTemplate = z.output<typeof licenceTemplateSchema>;
export type TemplateField = LicenceTemplate['fields'][number];
export type TemplateText = LicenceTemplate['texts'][number];
export type TemplateDecoration = LicenceTemplate['background'][number];
export type TemplatePage = LicenceTemplate['page'];

/** Page size in millimetres. */
export function pageSize(page: TemplatePage): { widthMm: number; heightMm: number } {
  if (page === 'A4') return A4;
  if (page === 'A4-landscape') return { widthMm: A4.heightMm, heightMm: A4.widthMm };
  return page;
}

/** A template file that cannot be used; the message names the file and the field at fault. */
export class LicenceTemplateError extends Error {
  override readonly name = 'LicenceTemplateError';

  constructor(
    message: string,
    readonly file: string,
    /** Dotted path of the first bad field, e.g. `fields[2].sizePt`; empty for file-level errors. */
    readonly fieldPath: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)),
    '',
  );

/** Validates parsed JSON as a template; `file` is only used in error messages. */
export function parseTemplate(json: unknown, file: string): LicenceTemplate {
  const r = licenceTemplateSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`);
    throw new LicenceTemplateError(
      `证照模板无效 / invalid licence template ${file}: ${issues.join('; ')}`,
      file,
      formatPath(r.error.issues[0]?.path ?? []),
    );
  }
  return r.data;
}

/** Reads and validates one template file. */
export function readTemplateFile(file: string): LicenceTemplate {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LicenceTemplateError(
      `证照模板无法读取 / cannot read licence template ${file}: ${(err as Error).message}`,
      file,
      '',
      { cause: err },
    );
  }
  return parseTemplate(json, file);
}

const cache = new Map<string, LicenceTemplate>();

/** The template `templates/<id>.json` (validated once, then cached); its `id` must match the file name. */
export function loadTemplate(id: string, dir: string = DEFAULT_TEMPLATES_DIR): LicenceTemplate {
  const key = `${dir}\0${id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const file = join(dir, `${id}.json`);
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id))
    throw new LicenceTemplateError(`证照模板标识无效 / invalid template id "${id}"`, file, 'id');
  const t = readTemplateFile(file);
  if (t.id !== id)
    throw new LicenceTemplateError(
      `证照模板标识与文件名不符 / template id "${t.id}" does not match its file name ${file}`,
      file,
      'id',
    );
  cache.set(key, t);
  return t;
}

/** Every `*.json` template in `dir`, by id (each validated; the first bad file throws). */
export function loadTemplates(dir: string = DEFAULT_TEMPLATES_DIR): Map<string, LicenceTemplate> {
  const out = new Map<string, LicenceTemplate>();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    const id = name.slice(0, -'.json'.length);
    out.set(id, loadTemplate(id, dir));
  }
  return out;
}
