import { sm3 } from '../crypto/sm3.js';
import { dirOf, normaliseLoc } from './loc.js';
import type { OfdDocument, OfdPackage } from './ofd-package.js';
import { allocateSignIds } from './ofd-sign-ids.js';
import { generalizedTime, SM2_SM3_SIGNATURE_METHOD, writeSignatureXml } from './ofd-signature-writer.js';
import { OfdStampError } from './ofd-stamp-error.js';
import { OFD_NAMESPACE } from './xml-reader.js';
import { applySplices, escapeXml, type Splice, type XmlSpan, xmlSpans } from './xml-spans.js';
import {
  copiedZipEntry,
  prepareZipEntry,
  type PackedZipEntries,
  type PreparedZipEntry,
  writePackedZip,
  writeZip,
} from './zip-writer.js';

/**
 * Stamping an existing OFD package with one more signature (GM/T 0099-2020 §7, GB/T 33190 §18; design §4.5),
 * format only: the signature value comes from the caller, after `prepareOfdSeal` has produced the exact
 * Signature.xml bytes whose SM3 the SES (TBS_Sign.dataHash) or CMS signature must sign — the OFD counterpart of
 * preparePdfSeal/finishPdfSeal.
 *
 * What changes in the package, and nothing else (every other entry is copied byte for byte, zip-writer.ts):
 * - Signatures.xml: the new `<Signature>` record is spliced in after the last one and MaxSignId's text replaced,
 *   in the original bytes (never re-serialised: an earlier "lock" signature would otherwise break, and bytes
 *   other producers digested must stay theirs). Created only when the document has none;
 * - OFD.xml: only when its DocBody has no `<Signatures>`, the element is spliced in (§18.1 / ofdrw
 *   OFDSigner.exeSign: OFD.xml changes once, before any digest — so the new signature covers the new bytes);
 * - new files Sign_N/Seal.esl, Sign_N/Signature.xml, Sign_N/SignedValue.dat.
 *
 * References cover every package file at that moment except the new Signature.xml and SignedValue.dat, and
 * except Signatures.xml unless `lock` (GB/T 33190 §18.1: "当允许下次继续添加签名时，该文件不会被包含到本次签名的
 * 保护文件列表中"). A package whose existing signature covers Signatures.xml is refused (`document-locked`),
 * as ofdrw's OFDSigner.preChecker does.
 */

/** A StampAnnot, in the shape of a PDF SealPlacement (pdf-placement.ts resolves requests to this). */
export interface OfdSealPlacement {
  /** 0-based page index in the document's Pages order (or give `pageId`). */
  readonly page?: number;
  /** The page's ID (Page/@ID), instead of `page`. */
  readonly pageId?: string;
  /** Top-left corner of the visible seal (or slice) in mm from the page's top-left corner. */
  readonly xMm: number;
  readonly yMm: number;
  /** The seal's size, or the slice's width for a clipped placement. */
  readonly widthMm: number;
  readonly heightMm: number;
  /** Only this vertical slice [fromMm, toMm) of the seal, from its left edge (cross-page seals). */
  readonly clip?: { readonly fromMm: number; readonly toMm: number };
}

export interface OfdSealOptions {
  readonly placements: readonly OfdSealPlacement[];
  /** Cover Signatures.xml: no further signature will be accepted (whole protection). */
  readonly lock?: boolean;
  /** DER SESeal, written as Seal.esl byte for byte (= TBS_Sign.eseal). Omitted, the signature has no Seal. */
  readonly sealFile?: Uint8Array;
  /**
   * The seal picture's size in mm (SES_ESPictrueInfo width/height): the StampAnnot box, which the reader fills
   * with the picture (design §1.6: the page itself carries no seal). Needed when there are placements.
   */
  readonly picture?: { readonly widthMm: number; readonly heightMm: number };
  /** Seal: SES_Signature; Sign: GB/T 35275 SignedData. Default Seal. */
  readonly signatureType?: 'Seal' | 'Sign';
  readonly provider: { readonly name: string; readonly company?: string; readonly version?: string };
  /** SignatureDateTime (= TBS_Sign.timeInfo). */
  readonly signDate: Date;
  /** Modification time of the new ZIP entries; default signDate. */
  readonly zipDate?: Date;
  /** DocBody index; default 0. */
  readonly document?: number;
}

export interface PreparedOfdSeal {
  /** The exact Signature.xml bytes: dataHash = SM3 of these. */
  readonly signatureXml: Uint8Array;
  /** SM3(signatureXml). */
  readonly digest: Buffer;
  /** Absolute ST_Loc of the new Signature.xml: TBS_Sign.propertyInfo. */
  readonly propertyInfo: string;
  readonly signatureId: string;
  readonly stampAnnotIds: readonly string[];
  /** Package paths of the new signature's directory files. */
  readonly paths: {
    readonly signature: string;
    readonly signedValue: string;
    readonly seal?: string;
    readonly signatures: string;
  };
  /** Package paths the References cover, in order. */
  readonly covered: readonly string[];
  /** Whether OFD.xml was changed (it had no Signatures element). */
  readonly ofdXmlChanged: boolean;
  /** The final package with SignedValue.dat = `signedValue`. */
  finish(signedValue: Uint8Array): Uint8Array;
  /**
   * The same package as plain data (it crosses to another thread by structured clone): finishOfdSeal(parts,
   * signedValue) = finish(signedValue).
   */
  readonly parts: OfdSealParts;
}

/** Everything of a prepared package but SignedValue.dat, already deflated and framed. */
export interface OfdSealParts {
  /**
   * Every entry but SignedValue.dat, which finishOfdSeal appends last: framed one by one (copies of a stamped
   * package's entries stay views of it until the package is written), or packed into two buffers that can move
   * to another thread without a copy (a licence made in a worker).
   */
  readonly head: readonly PreparedZipEntry[] | PackedZipEntries;
  readonly signedValuePath: string;
  readonly modified: Date;
  readonly comment?: Uint8Array;
}

/** The final package of prepared `parts` with SignedValue.dat = `signedValue`. */
export function finishOfdSeal(parts: OfdSealParts, signedValue: Uint8Array): Uint8Array {
  if (!(signedValue instanceof Uint8Array) || signedValue.length === 0)
    throw invalid('签名值为空 / the signed value is empty');
  // Stored, not deflated: a DER signature whose bulk is the seal's picture (PNG, JPEG) and certificates barely
  // compresses, and this runs on the thread that holds the keys.
  const last = prepareZipEntry({ name: parts.signedValuePath, data: signedValue, method: 0 }, parts.modified);
  const options = { modified: parts.modified, ...(parts.comment ? { comment: parts.comment } : {}) };
  return 'locals' in parts.head
    ? writePackedZip(parts.head, [last], options)
    : writeZip([...parts.head, last], options);
}

const SIZE_TOLERANCE_MM = 0.05;

export function prepareOfdSeal(pkg: OfdPackage, opts: OfdSealOptions): PreparedOfdSeal {
  checkOptions(opts);
  const docIndex = opts.document ?? 0;
  const doc = pkg.documents[docIndex];
  if (!doc) throw invalid(`文档 ${docIndex} 不存在 / the package has no document ${docIndex}`);
  refuseIfLocked(doc);
  // GM/T 0099 §7.4 integrity protection digests the package's entries and encryption rewrites them: a stamp
  // would silently invalidate the one or corrupt the other, so neither is touched.
  if (pkg.protection.length > 0)
    throw unsupported(
      `包含 GM/T 0099 完整性保护或加密文件，签章会使其失效 / the package carries GM/T 0099 integrity protection or encryption (${pkg.protection.join(', ')}) that a stamp would invalidate`,
    );

  const changed = new Map<string, Uint8Array>();
  const added: { path: string; data: Uint8Array }[] = [];
  const target = signaturesTarget(pkg, doc, docIndex);
  if (target.ofdXml) changed.set('OFD.xml', target.ofdXml);

  const signs = signsDirectory(doc, target.path);
  const signDir = `${signs === '' ? '' : signs + '/'}Sign_${nextSignNumber(pkg, signs)}`;
  const signaturePath = `${signDir}/Signature.xml`;
  const signedValuePath = `${signDir}/SignedValue.dat`;
  const sealPath = opts.sealFile ? `${signDir}/Seal.esl` : undefined;

  const stampAnnots = opts.placements.map((p, i) => stampAnnot(doc, p, i, opts.picture!));
  const ids = allocateSignIds(doc, stampAnnots.length);
  const type = opts.signatureType ?? 'Seal';
  const record = (prefix: string) =>
    `<${q(prefix, 'Signature')} ID="${escapeXml(ids.signature)}" Type="${type}" BaseLoc="${escapeXml('/' + signaturePath)}"/>`;

  const signaturesXml = target.existing
    ? spliceSignatures(target.existing, record, ids.maxSignId)
    : newSignaturesXml(record('ofd'), ids.maxSignId);
  if (target.existing) changed.set(target.path, signaturesXml);
  else added.push({ path: target.path, data: signaturesXml });
  if (sealPath) added.push({ path: sealPath, data: opts.sealFile! });

  // §1.4 step 3: every file in the package at this moment, in archive order.
  const covered: string[] = [];
  const references: { fileRef: string; checkValue: string }[] = [];
  const cover = (path: string, data: Uint8Array) => {
    if (path === target.path && !opts.lock) return;
    covered.push(path);
    references.push({ fileRef: '/' + path, checkValue: sm3(data).toString('base64') });
  };
  for (const e of pkg.zip.entries) if (!e.isDirectory) cover(e.name, changed.get(e.name) ?? e.data);
  for (const a of added) cover(a.path, a.data);

  const signatureXml = writeSignatureXml({
    provider: opts.provider,
    signatureMethod: SM2_SM3_SIGNATURE_METHOD,
    signatureDateTime: generalizedTime(opts.signDate),
    references,
    stampAnnots: stampAnnots.map((s, i) => ({ id: ids.stampAnnots[i]!, ...s })),
    ...(sealPath ? { sealLoc: '/' + sealPath } : {}),
    signedValueLoc: '/' + signedValuePath,
  });

  const modified = opts.zipDate ?? opts.signDate;
  const entries: PreparedZipEntry[] = pkg.zip.entries.map((e) => {
    const data = changed.get(e.name);
    return data ? prepareZipEntry({ name: e.name, data }, modified) : copiedZipEntry(e);
  });
  for (const a of added) entries.push(prepareZipEntry({ name: a.path, data: a.data }, modified));
  entries.push(prepareZipEntry({ name: signaturePath, data: signatureXml }, modified));
  const comment = pkg.zip.comment;

  return {
    signatureXml,
    digest: sm3(signatureXml),
    propertyInfo: '/' + signaturePath,
    signatureId: ids.signature,
    stampAnnotIds: ids.stampAnnots,
    paths: {
      signature: signaturePath,
      signedValue: signedValuePath,
      ...(sealPath ? { seal: sealPath } : {}),
      signatures: target.path,
    },
    covered,
    ofdXmlChanged: target.ofdXml !== undefined,
    parts: { head: entries, signedValuePath, modified, comment },
    finish(signedValue: Uint8Array): Uint8Array {
      return finishOfdSeal(this.parts, signedValue);
    },
  };
}

/** prepareOfdSeal, then `sign` over the prepared Signature.xml, then finish. */
export async function signOfd(
  pkg: OfdPackage,
  opts: OfdSealOptions & { sign: (prepared: PreparedOfdSeal) => Promise<Uint8Array> },
): Promise<Uint8Array> {
  const prepared = prepareOfdSeal(pkg, opts);
  return prepared.finish(await opts.sign(prepared));
}

function invalid(message: string): OfdStampError {
  return new OfdStampError('invalid-options', message);
}

const q = (prefix: string, local: string) => (prefix === '' ? local : `${prefix}:${local}`);

function checkOptions(o: OfdSealOptions): void {
  const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
  if (!o || !Array.isArray(o.placements)) throw invalid('缺少定位 / placements are required');
  const type = o.signatureType ?? 'Seal';
  if (type !== 'Seal' && type !== 'Sign')
    throw invalid(`未知的签名类型 / unknown signature type ${String(type)}`);
  if (type === 'Seal' && o.placements.length === 0)
    throw invalid('签章至少需要一个定位 / a seal needs at least one placement');
  const picture = o.picture;
  if (
    o.placements.length > 0 &&
    (!picture ||
      !finite(picture.widthMm) ||
      !finite(picture.heightMm) ||
      picture.widthMm <= 0 ||
      picture.heightMm <= 0)
  )
    throw invalid('印章图片尺寸须为正数 / the seal picture needs a positive width and height');
  if (
    o.sealFile !== undefined &&
    (!(o.sealFile instanceof Uint8Array) || o.sealFile.length === 0 || o.sealFile[0] !== 0x30)
  )
    throw invalid('印章文件须为 DER SEQUENCE / the seal file must be one DER SEQUENCE');
  if (!o.provider || typeof o.provider.name !== 'string' || o.provider.name === '')
    throw invalid('缺少签章组件提供者名称 / the provider name is required');
  // MS-DOS dates (the ZIP entries' times) run from 1980 to 2107.
  const dosDate = (d: unknown) =>
    d instanceof Date &&
    !Number.isNaN(d.getTime()) &&
    d.getUTCFullYear() >= 1980 &&
    d.getUTCFullYear() <= 2107;
  if (!dosDate(o.signDate)) throw invalid('签章时间无效 / signDate is not a valid date in 1980–2107');
  if (o.zipDate !== undefined && !dosDate(o.zipDate))
    throw invalid('zipDate 无效 / zipDate is not a valid date in 1980–2107');
  o.placements.forEach((p, i) => {
    if (![p.xMm, p.yMm, p.widthMm, p.heightMm].every(finite) || p.widthMm <= 0 || p.heightMm <= 0)
      throw invalid(
        `定位 ${i} 的位置和尺寸须为有限数值 / placement ${i}: position and size must be finite, size positive`,
      );
    const from = p.clip?.fromMm ?? 0;
    const to = p.clip?.toMm ?? picture!.widthMm;
    if (!finite(from) || !finite(to) || from < 0 || to > picture!.widthMm + SIZE_TOLERANCE_MM || to <= from)
      throw invalid(
        `定位 ${i} 的裁剪范围无效 / placement ${i}: clip must satisfy 0 <= fromMm < toMm <= the seal width`,
      );
    // The reader draws the seal picture at the StampAnnot box: the box is the seal, at its real size.
    if (
      Math.abs(p.widthMm - (to - from)) > SIZE_TOLERANCE_MM ||
      Math.abs(p.heightMm - picture!.heightMm) > SIZE_TOLERANCE_MM
    )
      throw invalid(
        `定位 ${i} 的尺寸与印章实际尺寸不符 / placement ${i}: ${p.widthMm}×${p.heightMm} mm is not the seal's real size ${to - from}×${picture!.heightMm} mm`,
      );
  });
}

/** GB/T 33190 §18.1 / ofdrw OFDSigner.preChecker: a signature covering Signatures.xml forbids another. */
function refuseIfLocked(doc: OfdDocument): void {
  if (doc.signaturesPath === undefined) return;
  for (const r of doc.signatures)
    if (r.signature?.covered.has(doc.signaturesPath))
      throw new OfdStampError(
        'document-locked',
        `文档已被签名 ${r.id} 锁定（其保护文件包含签名列表），不能再添加签名 / the document is locked by signature ${r.id} (it covers Signatures.xml): no further signature is allowed`,
      );
}

interface SignaturesTarget {
  readonly path: string;
  /** Original Signatures.xml bytes, when the document has one. */
  readonly existing?: Uint8Array;
  /** The new OFD.xml, when its DocBody had no Signatures element. */
  readonly ofdXml?: Uint8Array;
}

function signaturesTarget(pkg: OfdPackage, doc: OfdDocument, docIndex: number): SignaturesTarget {
  if (doc.signaturesPath !== undefined)
    return { path: doc.signaturesPath, existing: pkg.file(doc.signaturesPath)! };
  const ofd = pkg.file('OFD.xml')!;
  const body = spans(ofd, 'OFD.xml').children.filter((c) => c.localName === 'DocBody')[docIndex];
  if (!body) throw unsupported('OFD.xml 的 DocBody 无法定位 / cannot locate the DocBody in OFD.xml');
  const declared = body.children.find((c) => c.localName === 'Signatures');
  if (declared) {
    // Declared but absent (or unresolvable): create the file it names; OFD.xml stays as it is.
    const loc = Buffer.from(ofd.subarray(declared.openEnd, declared.closeStart)).toString('utf8');
    const n = normaliseLoc(loc, '');
    if ('why' in n || /[&<]/.test(loc))
      throw unsupported(`OFD.xml 的 Signatures 路径无效 / OFD.xml names an invalid Signatures file: ${loc}`);
    // Present under another case or ambiguous: the reader could not settle which file it is, nor can we.
    if (pkg.paths.caseInsensitive(n.path).length > 0)
      throw unsupported(`签名列表文件无法确定 / the Signatures file cannot be settled: ${n.path}`);
    return { path: n.path };
  }
  const docDir = dirOf(doc.documentPath);
  const path = `${docDir === '' ? '' : docDir + '/'}Signs/Signatures.xml`;
  if (pkg.paths.caseInsensitive(path).length > 0)
    throw unsupported(`包内已有未引用的 ${path} / the package already holds an unreferenced ${path}`);
  // CT_DocBody sequence: DocInfo, DocRoot, Versions?, Signatures?
  const after = [...body.children]
    .reverse()
    .find((c) => c.localName === 'Versions' || c.localName === 'DocRoot');
  if (!after) throw unsupported('OFD.xml 的 DocBody 没有 DocRoot / the DocBody has no DocRoot');
  const element = `<${q(body.prefix, 'Signatures')}>${escapeXml(path)}</${q(body.prefix, 'Signatures')}>`;
  return { path, ofdXml: applySplices(ofd, [{ at: after.end, remove: 0, insert: element }]) };
}

function unsupported(message: string): OfdStampError {
  return new OfdStampError('unsupported-package', message);
}

function spans(bytes: Uint8Array, path: string): XmlSpan {
  try {
    return xmlSpans(bytes);
  } catch (err) {
    throw unsupported(`${path} 无法定位元素 / cannot locate elements in ${path}: ${(err as Error).message}`);
  }
}

/** Splices the record after the last Signature and sets MaxSignId, in the original bytes. */
function spliceSignatures(
  bytes: Uint8Array,
  record: (prefix: string) => string,
  maxSignId: string,
): Uint8Array {
  const root = spans(bytes, 'Signatures.xml');
  const p = root.prefix;
  const splices: Splice[] = [];
  const max = root.children.find((c) => c.localName === 'MaxSignId');
  const maxElement = `<${q(p, 'MaxSignId')}>${escapeXml(maxSignId)}</${q(p, 'MaxSignId')}>`;
  const last = [...root.children].reverse().find((c) => c.localName === 'Signature');
  if (root.selfClosing) {
    // `<ofd:Signatures …/>`: the empty-element tag becomes a start tag, content and end tag.
    splices.push({
      at: root.openEnd - 2,
      remove: 2,
      insert: `>${maxElement}${record(p)}</${root.name}>`,
    });
    return applySplices(bytes, splices);
  }
  if (max && !max.selfClosing)
    splices.push({ at: max.openEnd, remove: max.closeStart - max.openEnd, insert: escapeXml(maxSignId) });
  else if (max) splices.push({ at: max.start, remove: max.end - max.start, insert: maxElement });
  // Signatures.xsd: MaxSignId comes first.
  else splices.push({ at: root.openEnd, remove: 0, insert: maxElement });
  const at = last?.end ?? max?.end ?? root.openEnd;
  splices.push({ at, remove: 0, insert: record(p) });
  return applySplices(bytes, splices);
}

function newSignaturesXml(record: string, maxSignId: string): Uint8Array {
  return new Uint8Array(
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="${OFD_NAMESPACE}"><ofd:MaxSignId>${escapeXml(maxSignId)}</ofd:MaxSignId>${record}</ofd:Signatures>`,
      'utf8',
    ),
  );
}

/**
 * Where Sign_N directories go: beside the existing ones (dms360 keeps Signatures.xml in Doc_0/ but signatures in
 * Doc_0/Signs/, and ofd.js inserts `Signs/` when a BaseLoc lacks it), else the Signs directory holding
 * Signatures.xml, else `<document dir>/Signs` (the universal layout, design §1.1).
 */
function signsDirectory(doc: OfdDocument, signaturesPath: string): string {
  for (const r of [...doc.signatures].reverse()) {
    const path = r.location.status === 'found' ? r.location.path : undefined;
    const signDir = path === undefined ? '' : dirOf(path);
    if (/^sign_\d+$/i.test(signDir.slice(signDir.lastIndexOf('/') + 1))) return dirOf(signDir);
  }
  const dir = dirOf(signaturesPath);
  if (dir.slice(dir.lastIndexOf('/') + 1) === 'Signs') return dir;
  const docDir = dirOf(doc.documentPath);
  return docDir === '' ? 'Signs' : `${docDir}/Signs`;
}

/** Next Sign_N under the Signatures directory: one past the highest N any entry uses (any case). */
function nextSignNumber(pkg: OfdPackage, signsDir: string): number {
  const prefix = (signsDir === '' ? '' : signsDir + '/').toLowerCase();
  let next = 0;
  for (const e of pkg.zip.entries) {
    const name = e.name.toLowerCase();
    if (!name.startsWith(prefix)) continue;
    const m = /^sign_(\d+)(\/|$)/.exec(name.slice(prefix.length));
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }
  return next;
}

/** Numbers in ST_Box: mm to 0.001, no exponent, no trailing zeros. */
export function mm(n: number): string {
  // Whole numbers (a QR code's module grid) need no rounding.
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return n === 0 ? '0' : String(n);
  // Trailing zeros (and a bare point) stripped by hand: the regex was a visible share of writing a licence page.
  const s = n.toFixed(3);
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  const t = end === s.length ? s : s.slice(0, end);
  return t === '-0' ? '0' : t;
}

/**
 * StampAnnot: PageRef = the page's ID, Boundary = the whole seal box on the page, Clip = the visible slice in
 * the box's own coordinates (ofdrw RidingStampPos: `Boundary="202 128.5 40 40" Clip="0 0 8 40"`).
 */
function stampAnnot(
  doc: OfdDocument,
  p: OfdSealPlacement,
  i: number,
  picture: { widthMm: number; heightMm: number },
): { pageRef: string; boundary: string; clip?: string } {
  let page;
  if (p.pageId !== undefined) page = doc.pages.find((x) => x.id.trim() === p.pageId);
  else if (p.page !== undefined && Number.isInteger(p.page)) page = doc.pages[p.page];
  if (!page || page.id.trim() === '')
    throw invalid(
      `定位 ${i} 指向的页面不存在 / placement ${i} names a page the document does not have (${p.pageId ?? String(p.page)})`,
    );
  if (!p.clip)
    return { pageRef: page.id.trim(), boundary: [p.xMm, p.yMm, p.widthMm, p.heightMm].map(mm).join(' ') };
  const { fromMm, toMm } = p.clip;
  return {
    pageRef: page.id.trim(),
    boundary: [p.xMm - fromMm, p.yMm, picture.widthMm, p.heightMm].map(mm).join(' '),
    clip: [fromMm, 0, toMm - fromMm, p.heightMm].map(mm).join(' '),
  };
}
