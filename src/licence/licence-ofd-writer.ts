// The OFD writer of a licence layout (design §1.1–§1.3, §1.7, §4.2): the unsigned package, in the layout every
// reader depends on (Doc_0/…), prefix `ofd` on every element, children in XSD sequence order, mm, top-left
// origin. Text runs become TextObjects whose TextCode carries the characters and whose CGTransform carries the
// glyph ids of an embedded standalone subset (with a cmap: cmap readers and glyph-id readers see the same
// glyphs); path groups become PathObjects; licence.json (the same bytes as the PDF's) is an attachment; DocInfo
// CustomDatas repeat the GB/T 36903 elements for readers' property panes; CustomTags index each face field to
// its TextObjects (the e-invoice "数据索引" pattern). The page carries no seal: the reader draws the seal's
// picture at the StampAnnot box the signature adds (§1.6).
import { crc32, deflateRawSync } from 'node:zlib';
import { sm3 } from '../crypto/sm3.js';
import { mm } from '../ofd/ofd-stamping.js';
import { OFD_NAMESPACE } from '../ofd/xml-reader.js';
import { escapeXml } from '../ofd/xml-spans.js';
import { chinaDate } from './china-date.js';
import { rgb255Of } from './content-numbers.js';
import { licenceFont, type LicenceFont, type LicenceFontKey } from './licence-fonts.js';
import type { LayoutPathGroup, LayoutTextRun, LicenceLayout } from './licence-layout.js';
import { LICENCE_ATTACHMENT_NAME, SEALTRUST_XMP_NS, type LicenceMetadata } from './licence-metadata.js';
import type { Affine, NeutralPath } from './licence-paths.js';
import { subsetFontDeflate, TrueTypeSubset } from './truetype-subset.js';

const PT = 72 / 25.4;

export interface LicenceOfdOptions {
  /** DocInfo CreationDate and the attachment's date; fix it for byte-identical re-renders. */
  creationDate: Date;
  /** DocInfo Creator and CreatorVersion. */
  creator?: { name: string; version: string };
}

/** One package file (path without a leading slash). */
export interface OfdFile {
  readonly path: string;
  readonly data: Uint8Array;
  /**
   * Its raw deflate and SM3, computed once elsewhere: for a file repeated in every licence of a template, and
   * for a font file the licence's PDF embeds too (with its CRC-32 for the ZIP records).
   */
  readonly cached?: CachedOfdFile;
}

export interface CachedOfdFile {
  readonly deflated: Uint8Array;
  readonly sm3: Buffer;
  readonly crc32: number;
}

/**
 * Raw deflate, SM3 and CRC-32 of a file made once and used in many packages, computed once (`digest`: its SM3
 * when the caller already has it).
 */
export function cachedFile(data: Uint8Array, deflated: Uint8Array, digest = sm3(data)): CachedOfdFile {
  return { deflated, sm3: digest, crc32: crc32(data) };
}

/**
 * A subset font file's entry: the file is the one the licence's PDF embeds (subset and deflated once,
 * truetype-subset.ts), and a face that prints only the template's own text is the same file licence after
 * licence, so its digests are kept with it.
 */
const fontFiles = new WeakMap<Uint8Array, CachedOfdFile>();
function fontFile(data: Uint8Array): CachedOfdFile {
  let hit = fontFiles.get(data);
  if (!hit) fontFiles.set(data, (hit = cachedFile(data, subsetFontDeflate(data).raw)));
  return hit;
}

/** Where the package's parts are (design §1.1); the signature goes to Doc_0/Signs. */
export const LICENCE_OFD_PATHS = {
  document: 'Doc_0/Document.xml',
  signatures: 'Doc_0/Signs/Signatures.xml',
  page: 'Doc_0/Pages/Page_0/Content.xml',
  attachment: `Doc_0/Attachs/${LICENCE_ATTACHMENT_NAME}`,
} as const;

const HEADER = '<?xml version="1.0" encoding="UTF-8"?>';
const NS = `xmlns:ofd="${OFD_NAMESPACE}"`;
const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const a = (name: string, value: string | undefined) =>
  value === undefined ? '' : ` ${name}="${escapeXml(value)}"`;

/** GB/T 36903 element names (Chinese, as tax invoices name theirs) and values, as in licence.json. */
function customDatas(m: LicenceMetadata): [string, string][] {
  const out: [string, string][] = [
    ['证照标识', m.identifier],
    ['证照名称', m.name],
    ['证照类型名称', m.typeName],
    ['证照类型代码', m.typeCode],
    ['证照编号', m.number],
    ['证照颁发机构', m.issuerName],
    ['证照颁发机构代码', m.issuerCode],
    ['证照颁发日期', m.issueDate],
    ['持证主体', m.holderName],
    ['持证主体代码', m.holderCode],
    ['持证主体代码类型代码', m.holderCodeType],
    ['证照有效期起始日期', m.validFrom],
    ['证照有效期截止日期', m.validTo ?? '长期'],
    ['证照所属管辖属地编码', m.regionCode],
    ['版本号', m.version],
  ];
  if (m.predecessor) out.push(['关联证照标识', m.predecessor]);
  if (m.copy)
    out.push(
      ['加注件制作者', m.copy.maker],
      ['加注件制作时间', m.copy.madeAt],
      ['制作事由', m.copy.purpose],
      ['有效期截止时间', m.copy.expiresAt],
    );
  return out;
}

const fontOfKey = (key: LicenceFontKey): LicenceFont => {
  const [family, weight] = key.split('-') as [Parameters<typeof licenceFont>[0], 'regular' | 'bold'];
  return licenceFont(family, weight);
};

const hex = (h: string) => rgb255Of(h).join(' ');

const CAPS = ['Butt', 'Round', 'Square'];
const JOINS = ['Miter', 'Round', 'Bevel'];

/** The face fields' XML names in Tag_Licence.xml (face keys and metadata bindings are identifiers). */
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * The unsigned licence package files, in archive order. OFD.xml already names Doc_0/Signs/Signatures.xml,
 * which the seal creates (ofd-stamping.ts), so OFD.xml never changes after it is written.
 */
export function licenceOfdFiles(
  layout: LicenceLayout,
  opts: LicenceOfdOptions,
): { files: OfdFile[]; pageId: string } {
  const m = layout.metadata;
  const created = opts.creationDate;
  const creator = opts.creator ?? { name: 'SealTrust', version: '0.1.0' };
  // The template's background (the bulk of the page, the same on every licence) is a TemplatePage (GB/T 33190
  // §7.6, ZOrder Background) with IDs 1…n, so its file is written, deflated and digested once per template.
  const backgroundGroup = layout.items.find(
    (i): i is LayoutPathGroup => i.kind === 'paths' && i.role === 'background',
  );
  const template = backgroundGroup ? templatePage(backgroundGroup) : undefined;
  let nextId = 1 + (template?.count ?? 0);
  const id = () => String(nextId++);

  // Fonts first (IDs 1…k), in first-use order, each one standalone subset.
  const fonts = new Map<LicenceFontKey, { id: string; font: LicenceFont; subset: TrueTypeSubset }>();
  for (const item of layout.items)
    if (item.kind === 'text' && !fonts.has(item.font)) {
      const font = fontOfKey(item.font);
      fonts.set(item.font, { id: id(), font, subset: new TrueTypeSubset(font.source) });
    }
  const pageId = id();
  const layerId = id();

  const { widthMm, heightMm } = layout.page;
  const objects: string[] = [];
  const tagged = new Map<string, string[]>();
  // Consecutive paths with the same paint style become one PathObject.
  let pending: { style: string; paths: NeutralPath[] } | undefined;
  const flushPaths = () => {
    if (pending) objects.push(pathObject(id(), pending.paths));
    pending = undefined;
  };
  for (const item of layout.items) {
    if (item === backgroundGroup) continue;
    if (item.kind === 'paths') {
      for (const p of item.paths) {
        const style = JSON.stringify([p.stroke, p.fill, p.ctm]);
        if (pending?.style !== style) {
          flushPaths();
          pending = { style, paths: [] };
        }
        pending.paths.push(p);
      }
      continue;
    }
    flushPaths();
    const f = fonts.get(item.font)!;
    const objectId = id();
    objects.push(textObject(objectId, f, item, heightMm, widthMm));
    if (item.field !== undefined) tagged.set(item.field, [...(tagged.get(item.field) ?? []), objectId]);
  }
  flushPaths();

  const fontEntries: OfdFile[] = [];
  const fontElements: string[] = [];
  for (const [key, f] of fonts) {
    const { postscriptName: ps, family } = f.font.source.names;
    const file = `font_${f.id}.ttf`;
    // The PDF of the same licence embeds the same file: it is subset and deflated once (truetype-subset.ts).
    const data = f.subset.encode();
    fontEntries.push({ path: `Doc_0/Res/${file}`, data, cached: fontFile(data) });
    fontElements.push(
      `<ofd:Font${a('ID', f.id)}${a('FontName', ps)}${a('FamilyName', family)}${key.endsWith('bold') ? ' Bold="true"' : ''}${key.startsWith('serif') ? ' Serif="true"' : ''}><ofd:FontFile>${file}</ofd:FontFile></ofd:Font>`,
    );
  }
  const maxUnitId = nextId - 1;

  // DocID: 32 hex digits (a UUID without dashes, ofdrw CT_DocInfo.setDocID), derived from what makes the file
  // unique so that a re-render is byte-identical.
  const docId = sm3(Buffer.from(`${m.identifier}\0${m.version}\0${m.copy?.madeAt ?? ''}`, 'utf8'))
    .toString('hex')
    .slice(0, 32);
  const ofdXml =
    `${HEADER}<ofd:OFD ${NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>` +
    `<ofd:DocID>${docId}</ofd:DocID>` +
    `<ofd:Title>${escapeXml(m.name)}</ofd:Title>` +
    `<ofd:Author>${escapeXml(m.issuerName)}</ofd:Author>` +
    `<ofd:Subject>${escapeXml(m.identifier)}</ofd:Subject>` +
    `<ofd:CreationDate>${chinaDate(created)}</ofd:CreationDate>` +
    `<ofd:Creator>${escapeXml(creator.name)}</ofd:Creator>` +
    `<ofd:CreatorVersion>${escapeXml(creator.version)}</ofd:CreatorVersion>` +
    `<ofd:CustomDatas>${customDatas(m)
      .map(([n, v]) => `<ofd:CustomData${a('Name', n)}>${escapeXml(v)}</ofd:CustomData>`)
      .join('')}</ofd:CustomDatas>` +
    `</ofd:DocInfo><ofd:DocRoot>${LICENCE_OFD_PATHS.document}</ofd:DocRoot>` +
    `<ofd:Signatures>${LICENCE_OFD_PATHS.signatures}</ofd:Signatures></ofd:DocBody></ofd:OFD>`;

  const documentXml =
    `${HEADER}<ofd:Document ${NS}><ofd:CommonData>` +
    `<ofd:MaxUnitID>${maxUnitId}</ofd:MaxUnitID>` +
    `<ofd:PageArea><ofd:PhysicalBox>0 0 ${mm(widthMm)} ${mm(heightMm)}</ofd:PhysicalBox></ofd:PageArea>` +
    `<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>` +
    (template ? `<ofd:TemplatePage ID="1" BaseLoc="${TEMPLATE_PATH}" ZOrder="Background"/>` : '') +
    `</ofd:CommonData>` +
    `<ofd:Pages><ofd:Page ID="${pageId}" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>` +
    `<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags>` +
    `<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>`;

  const publicRes = `${HEADER}<ofd:Res ${NS} BaseLoc="Res"><ofd:Fonts>${fontElements.join('')}</ofd:Fonts></ofd:Res>`;

  const content =
    `${HEADER}<ofd:Page ${NS}>` +
    (template ? `<ofd:Template TemplateID="1" ZOrder="Background"/>` : '') +
    `<ofd:Content><ofd:Layer ID="${layerId}" Type="Body">` +
    objects.join('') +
    `</ofd:Layer></ofd:Content></ofd:Page>`;

  const json = layout.licenceJson;
  const attachments =
    `${HEADER}<ofd:Attachments ${NS}>` +
    `<ofd:Attachment ID="a1"${a('Name', LICENCE_ATTACHMENT_NAME)} Format="json"` +
    ` CreationDate="${created.toISOString().slice(0, 19)}Z" Size="${(json.length / 1024).toFixed(3)}" Visible="false">` +
    `<ofd:FileLoc>${LICENCE_ATTACHMENT_NAME}</ofd:FileLoc></ofd:Attachment></ofd:Attachments>`;

  const customTags =
    `${HEADER}<ofd:CustomTags ${NS}><ofd:CustomTag TypeID="licence"${a('NameSpace', SEALTRUST_XMP_NS)}>` +
    `<ofd:FileLoc>Tag_Licence.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>`;
  const refs = (ids: string[]) =>
    ids.map((i) => `<ofd:ObjectRef PageRef="${pageId}">${i}</ofd:ObjectRef>`).join('');
  const tagLicence =
    `${HEADER}<stl:Licence xmlns:stl="${SEALTRUST_XMP_NS}" ${NS}>` +
    [...tagged]
      .map(([field, ids]) =>
        XML_NAME.test(field)
          ? `<stl:${field}>${refs(ids)}</stl:${field}>`
          : `<stl:field${a('name', field)}>${refs(ids)}</stl:field>`,
      )
      .join('') +
    `</stl:Licence>`;

  const files = [
    { path: 'OFD.xml', data: utf8(ofdXml) },
    { path: LICENCE_OFD_PATHS.document, data: utf8(documentXml) },
    { path: 'Doc_0/PublicRes.xml', data: utf8(publicRes) },
    ...fontEntries,
    ...(template ? [{ path: `Doc_0/${TEMPLATE_PATH}`, data: template.data, cached: template.cached }] : []),
    { path: LICENCE_OFD_PATHS.page, data: utf8(content) },
    { path: 'Doc_0/Attachs/Attachments.xml', data: utf8(attachments) },
    { path: LICENCE_OFD_PATHS.attachment, data: json },
    { path: 'Doc_0/Tags/CustomTags.xml', data: utf8(customTags) },
    { path: 'Doc_0/Tags/Tag_Licence.xml', data: utf8(tagLicence) },
  ];
  return { files, pageId };
}

const TEMPLATE_PATH = 'Tpls/Tpl_0/Content.xml';

interface TemplateFile {
  data: Uint8Array;
  cached: CachedOfdFile;
  /** IDs used: the TemplatePage (1), its layer (2) and the PathObjects. */
  count: number;
}

const templates = new WeakMap<LayoutPathGroup, TemplateFile>();

/** The template page of a (cached) background group: PathObjects grouped as licenceOfdFiles groups them. */
function templatePage(group: LayoutPathGroup): TemplateFile {
  let hit = templates.get(group);
  if (!hit) {
    let next = 3;
    const out: string[] = [];
    let pending: { style: string; paths: NeutralPath[] } | undefined;
    const flush = () => {
      if (pending) out.push(pathObject(String(next++), pending.paths));
      pending = undefined;
    };
    for (const p of group.paths) {
      const style = JSON.stringify([p.stroke, p.fill, p.ctm]);
      if (pending?.style !== style) {
        flush();
        pending = { style, paths: [] };
      }
      pending.paths.push(p);
    }
    flush();
    const data = utf8(
      `${HEADER}<ofd:Page ${NS}><ofd:Content><ofd:Layer ID="2" Type="Background">${out.join('')}</ofd:Layer></ofd:Content></ofd:Page>`,
    );
    hit = {
      data,
      cached: cachedFile(data, new Uint8Array(deflateRawSync(data, { level: 6 }))),
      count: next - 1,
    };
    templates.set(group, hit);
  }
  return hit;
}

/**
 * A TextObject for one run: TextCode with the characters and their advances (DeltaX, plain numbers: some JS
 * readers do not expand `g` runs), CGTransform with the subset's glyph ids for every character (§1.7).
 */
function textObject(
  objectId: string,
  f: { id: string; font: LicenceFont; subset: TrueTypeSubset },
  run: LayoutTextRun,
  pageHeightMm: number,
  pageWidthMm: number,
): string {
  const size = run.sizePt / PT;
  const spacing = (run.spacingPt ?? 0) / PT;
  // One pass over the characters; an advance equal to the one before (every CJK character of a run) is not
  // formatted again.
  const glyphs: number[] = [];
  const deltas: string[] = [];
  let width = 0;
  let previous = NaN;
  let formatted = '';
  for (const ch of run.text) {
    const cp = ch.codePointAt(0)!;
    glyphs.push(f.subset.includeGlyph(run.glyphs[glyphs.length]!, cp));
    const advance = (f.font.advance(cp) ?? 0) * size + spacing;
    width += advance;
    if (advance !== previous) formatted = mm((previous = advance));
    deltas.push(formatted);
  }
  deltas.pop(); // DeltaX: the offsets between characters, one fewer than the characters
  const bx = run.xPt / PT;
  const by = pageHeightMm - run.yPt / PT;
  const deltaX = deltas.join(' ');
  let geometry: string;
  let x: number;
  let y: number;
  if (run.angleDeg) {
    // Rotated (the copy watermark): the whole page as Boundary, the rotation and origin in the CTM (y down, so
    // a counter-clockwise turn is [cos −sin sin cos]).
    const t = (run.angleDeg * Math.PI) / 180;
    const c = Math.cos(t);
    const s = Math.sin(t);
    geometry = ` Boundary="0 0 ${mm(pageWidthMm)} ${mm(pageHeightMm)}" CTM="${[c, -s, s, c, bx, by].map((v) => Number(v.toFixed(4))).join(' ')}"`;
    x = 0;
    y = 0;
  } else {
    // Boundary around the em box with a margin for side bearings; TextCode Y = the baseline in it.
    const margin = size * 0.2;
    geometry = ` Boundary="${mm(bx - margin)} ${mm(by - size * 1.1)} ${mm(width + 2 * margin)} ${mm(size * 1.5)}"`;
    x = margin;
    y = size * 1.1;
  }
  const alpha = run.opacity !== undefined ? ` Alpha="${Math.round(run.opacity * 255)}"` : '';
  return (
    `<ofd:TextObject ID="${objectId}"${geometry}${alpha} Font="${f.id}" Size="${mm(size)}">` +
    `<ofd:FillColor Value="${hex(run.color)}"/>` +
    `<ofd:CGTransform CodePosition="0" CodeCount="${glyphs.length}" GlyphCount="${glyphs.length}"><ofd:Glyphs>${glyphs.join(' ')}</ofd:Glyphs></ofd:CGTransform>` +
    `<ofd:TextCode X="${mm(x)}" Y="${mm(y)}"${deltaX ? ` DeltaX="${deltaX}"` : ''}>${escapeXml(run.text)}</ofd:TextCode>` +
    `</ofd:TextObject>`
  );
}

const apply = (m: Affine, x: number, y: number): [number, number] => [
  m[0] * x + m[2] * y + m[4],
  m[1] * x + m[3] * y + m[5],
];

/** A CTM that only translates: its translation goes into the Boundary and no CTM is written. */
const translationOnly = (m: Affine) =>
  Math.abs(m[0] - 1) < 1e-9 && Math.abs(m[1]) < 1e-9 && Math.abs(m[2]) < 1e-9 && Math.abs(m[3] - 1) < 1e-9;

const ctmNumber = (v: number) => {
  const r = Math.round(v * 1e6) / 1e6;
  return Object.is(r, -0) ? '0' : String(r);
};

/**
 * One PathObject for paths of one paint style and one CTM. The Boundary is the painted box on the page;
 * AbbreviatedData stays in the paths' own coordinates, offset by their own bounding box only, so repeated
 * motifs write identical data; rotations and mirrors go into the CTM (GB/T 33190 CT_GraphicUnit).
 */
function pathObject(objectId: string, paths: readonly NeutralPath[]): string {
  const first = paths[0]!;
  const ctm = first.ctm;
  let lx = Infinity;
  let ly = Infinity;
  let ux = -Infinity;
  let uy = -Infinity;
  for (const p of paths)
    for (const s of p.segments)
      for (let i = 1; i < s.length; i += 2) {
        const px = s[i] as number;
        const py = s[i + 1] as number;
        lx = Math.min(lx, px);
        ux = Math.max(ux, px);
        ly = Math.min(ly, py);
        uy = Math.max(uy, py);
      }
  const stroke = first.stroke;
  const fill = first.fill;
  // Widths are page mm (NeutralPath); LineWidth and DashPattern are in the object's space, which the CTM scales.
  const scale = Math.sqrt(Math.abs(ctm[0] * ctm[3] - ctm[1] * ctm[2]));
  const local = (v: number) => v / scale;
  // The stroke's half width outside the points stays inside the Boundary (readers may clip to it).
  const pad = local(stroke?.widthMm ?? 0) / 2 + 0.1;
  lx -= pad;
  ly -= pad;
  ux += pad;
  uy += pad;
  // Local data relative to (lx, ly); the page box is the transformed local box.
  const corners = [apply(ctm, lx, ly), apply(ctm, ux, ly), apply(ctm, lx, uy), apply(ctm, ux, uy)];
  const bx = Math.min(...corners.map((c) => c[0]));
  const by = Math.min(...corners.map((c) => c[1]));
  const bw = Math.max(...corners.map((c) => c[0])) - bx;
  const bh = Math.max(...corners.map((c) => c[1])) - by;
  // The data's origin: (lx, ly) when the Boundary alone places the path; under a CTM the unpadded corner, so
  // that whole-unit geometry (the QR code's modules) is written as whole numbers, and the CTM carries the pad.
  const scaled = !translationOnly(ctm);
  const dx = scaled ? lx + pad : lx;
  const dy = scaled ? ly + pad : ly;
  // One list of tokens joined once: the QR code alone is some 1,800 segments, and an array per segment (slice,
  // map, join) or a string grown token by token was most of the cost of writing its PathObject.
  let count = 0;
  for (const p of paths) for (const s of p.segments) count += s.length;
  const tokens = new Array<string>(count);
  let t = 0;
  for (const p of paths)
    for (const s of p.segments) {
      tokens[t++] = s[0];
      for (let i = 1; i < s.length; i++) tokens[t++] = mm((s[i] as number) - (i % 2 === 1 ? dx : dy));
    }
  const data = tokens.join(' ');
  let placement: string;
  if (!scaled) placement = a('Boundary', [bx, by, bw, bh].map(mm).join(' '));
  else {
    // Local (0,0) is (dx, dy) in the paths' space: CTM maps it to the page, then relative to the Boundary.
    const [ox, oy] = apply(ctm, dx, dy);
    const m = [ctm[0], ctm[1], ctm[2], ctm[3], ox - bx, oy - by];
    placement = a('Boundary', [bx, by, bw, bh].map(mm).join(' ')) + a('CTM', m.map(ctmNumber).join(' '));
  }
  const attrs =
    placement +
    (stroke
      ? `${a('LineWidth', mm(local(stroke.widthMm)))}${stroke.cap ? a('Cap', CAPS[stroke.cap]) : ''}${stroke.join ? a('Join', JOINS[stroke.join]) : ''}${stroke.dashMm ? a('DashPattern', stroke.dashMm.map((d) => mm(local(d))).join(' ')) : ''}`
      : ' Stroke="false"') +
    (fill ? ` Fill="true"${fill.evenOdd ? ' Rule="Even-Odd"' : ''}` : '');
  return (
    `<ofd:PathObject ID="${objectId}"${attrs}>` +
    (stroke ? `<ofd:StrokeColor Value="${stroke.rgb.join(' ')}"/>` : '') +
    (fill ? `<ofd:FillColor Value="${fill.rgb.join(' ')}"/>` : '') +
    `<ofd:AbbreviatedData>${data}</ofd:AbbreviatedData></ofd:PathObject>`
  );
}
