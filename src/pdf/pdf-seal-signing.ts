import {
  clip,
  concatTransformationMatrix,
  drawObject,
  endPath,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFInvalidObject,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  PDFHexString,
  type SaveOptions,
} from '@cantoo/pdf-lib';
import { sm3 } from '../crypto/sm3.js';
import { coveredRanges } from './pdf-byte-range.js';
import { docMdpPermission } from './pdf-doc-mdp.js';
import { PdfError } from './pdf-error.js';
import { PdfObjectIndex } from './pdf-object-index.js';
import { assertPdfHeader } from './pdf-revisions.js';
import { buildSealAppearance, PT_PER_MM, type SealAppearance } from './pdf-seal-appearance.js';
import { decodeTextString, encodeTextString, formatPdfDate } from './pdf-text-string.js';

/**
 * Seal signing of a PDF by ONE incremental update (ISO 32000 §7.5.6, §12.8): the input bytes are kept
 * byte for byte and followed by a revision that adds a signature dictionary (/Filter /Adobe.PPKLite,
 * /SubFilter /GM.sm2seal, /Contents = DER SES_Signature whose dataHash is SM3 of the /ByteRange bytes), one
 * signature field whose widgets (one per placement, all kids of the field, so they share the one /V) show the
 * seal at its real size, and /SigFlags 3 in the AcroForm.
 *
 * The /ByteRange is written as a fixed-width placeholder and patched in place after pdf-lib has serialised
 * the update, then the covered bytes are hashed and `sign` is called; the DER is hex-encoded into the
 * zero-filled /Contents.
 */
export interface SealPlacement {
  /** 0-based page index. */
  page: number;
  /** Top-left corner of the widget, in millimetres from the top-left of the page's crop box. */
  xMm: number;
  yMm: number;
  /** Size of the widget: the seal's size, or the slice's width for a clipped placement. */
  widthMm: number;
  heightMm: number;
  /** Only this vertical slice [fromMm, toMm) of the seal (measured from its left edge) is shown. */
  clip?: { fromMm: number; toMm: number };
}

export interface SealSigningOptions {
  placements: SealPlacement[];
  appearance: SealAppearance;
  /** Signature field name (unique in the document); default `SealSignature<n>`. */
  fieldName?: string;
  reason?: string;
  location?: string;
  /** /Name: the signer's name. */
  name?: string;
  /** /SubFilter; default GM.sm2seal (adbe.pkcs7.detached when `sign` returns CMS SignedData). */
  subFilter?: 'GM.sm2seal' | 'adbe.pkcs7.detached';
  /** /M; default now. */
  signingTime?: Date;
  /** Bytes reserved for the DER SES_Signature; default 32 KiB. Size it with `contentsBytesForSeal`. */
  contentsBytes?: number;
  /** Signs SM3 of the covered bytes; returns the DER SES_Signature. `byteRange` is the final /ByteRange. */
  sign: (digest: Buffer, coveredLength: number, byteRange: readonly number[]) => Promise<Buffer>;
}

export const DEFAULT_CONTENTS_BYTES = 32 * 1024;
const MAX_CONTENTS_BYTES = 16 * 1024 * 1024;
/** Width of each patched /ByteRange number (files up to 10 GB). */
const BYTE_RANGE_DIGITS = 10;
/** Tolerance between a placement's size and the seal's real size. */
const SIZE_TOLERANCE_MM = 0.05;

/**
 * /Contents size for a seal: the seal DER, the signer certificate, the TBS_Sign and signature overhead and, if
 * a timestamp will be added, room for an RFC 3161 token; rounded up to 256 bytes.
 */
export function contentsBytesForSeal(
  sealDerLength: number,
  options: { signerCertLength?: number; timestamp?: boolean } = {},
): number {
  // TBS_Sign around the seal (version, time, dataHash, propertyInfo naming the ByteRange), the signer
  // certificate's OCTET STRING, the algorithm and the DER signature come to under 300 bytes besides the seal and
  // the certificate; 512 leaves room for a long propertyInfo.
  const total = sealDerLength + (options.signerCertLength ?? 2048) + 512 + (options.timestamp ? 8192 : 0);
  return Math.ceil(total / 256) * 256;
}

function checkOptions(opts: Omit<SealSigningOptions, 'sign'>): void {
  const bad = (msg: string) => new PdfError('INVALID_OPTIONS', msg);
  const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
  if (!opts) throw bad('options are required');
  if (!Array.isArray(opts.placements) || opts.placements.length === 0)
    throw bad('at least one placement is required');
  const a = opts.appearance;
  if (!a || !finite(a.widthMm) || !finite(a.heightMm) || a.widthMm <= 0 || a.heightMm <= 0)
    throw bad('the appearance needs a positive widthMm and heightMm');
  if ('paths' in a ? !Array.isArray(a.paths) : !Buffer.isBuffer((a as { png?: unknown }).png))
    throw bad('the appearance needs either paths or a png Buffer');
  opts.placements.forEach((p, i) => {
    if (![p.xMm, p.yMm, p.widthMm, p.heightMm].every(finite) || p.widthMm <= 0 || p.heightMm <= 0)
      throw bad(`placement ${i}: position and size must be finite, size positive`);
    if (!Number.isInteger(p.page)) throw bad(`placement ${i}: page must be an integer`);
    const from = p.clip?.fromMm ?? 0;
    const to = p.clip?.toMm ?? a.widthMm;
    if (!finite(from) || !finite(to) || from < 0 || to > a.widthMm + SIZE_TOLERANCE_MM || to <= from)
      throw bad(`placement ${i}: clip must satisfy 0 <= fromMm < toMm <= the seal width`);
    // Seals are shown at their real size: the widget must be the seal (or the slice) exactly.
    if (
      Math.abs(p.widthMm - (to - from)) > SIZE_TOLERANCE_MM ||
      Math.abs(p.heightMm - a.heightMm) > SIZE_TOLERANCE_MM
    )
      throw bad(
        `placement ${i}: ${p.widthMm}×${p.heightMm} mm is not the seal's real size ${to - from}×${a.heightMm} mm`,
      );
  });
  const cb = opts.contentsBytes ?? DEFAULT_CONTENTS_BYTES;
  if (!Number.isInteger(cb) || cb < 64 || cb > MAX_CONTENTS_BYTES)
    throw bad(`contentsBytes must be an integer between 64 and ${MAX_CONTENTS_BYTES}`);
  if (opts.signingTime && Number.isNaN(opts.signingTime.getTime()))
    throw bad('signingTime is not a valid date');
  if (opts.fieldName !== undefined && (opts.fieldName === '' || opts.fieldName.includes('.')))
    throw bad('fieldName must be non-empty and contain no period');
}

/** Fully qualified names of all fields of the AcroForm. */
function fieldNames(doc: PDFDocument): Set<string> {
  const names = new Set<string>();
  const acroForm = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  const fields = acroForm?.lookupMaybe(PDFName.of('Fields'), PDFArray);
  const seen = new Set<PDFDict>();
  const walk = (arr: PDFArray | undefined, parent: string, depth: number) => {
    for (let i = 0; arr && depth < 32 && i < arr.size(); i++) {
      const f = arr.lookupMaybe(i, PDFDict);
      if (!f || seen.has(f)) continue;
      seen.add(f);
      const t = f.lookupMaybe(PDFName.of('T'), PDFString, PDFHexString);
      const name = t ? (parent ? `${parent}.` : '') + decodeTextString(t.asBytes()) : parent;
      if (t) names.add(name);
      walk(f.lookupMaybe(PDFName.of('Kids'), PDFArray), name, depth + 1);
    }
  };
  walk(fields, '', 0);
  return names;
}

async function load(input: Buffer): Promise<PDFDocument> {
  let index: PdfObjectIndex;
  try {
    index = new PdfObjectIndex(input);
  } catch (err) {
    if (err instanceof PdfError) throw err;
    throw new PdfError('MALFORMED', 'unreadable PDF', { cause: err });
  }
  if (index.revisions.length === 0 || !index.revisions.some((r) => r.xref))
    throw new PdfError('MALFORMED', 'no readable startxref/%%EOF: an incremental update cannot be appended');
  if (index.trailer?.entries.has('Encrypt'))
    throw new PdfError('ENCRYPTED', 'the document is encrypted; signing encrypted PDFs is not supported');
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(input, {
      forIncrementalUpdate: true,
      updateMetadata: false,
      ignoreEncryption: true,
    });
  } catch (err) {
    throw new PdfError('MALFORMED', `the PDF cannot be parsed (${(err as Error)?.message ?? String(err)})`, {
      cause: err,
    });
  }
  if (doc.isEncrypted)
    throw new PdfError('ENCRYPTED', 'the document is encrypted; signing encrypted PDFs is not supported');
  return doc;
}

/** Reads a PDF as signing does (header, encryption, parse errors as PdfError), for checks before signing. */
export const loadForSealing = (pdf: Uint8Array): Promise<PDFDocument> => load(assertPdfHeader(pdf));

function sigDictBytes(
  opts: Omit<SealSigningOptions, 'sign'>,
  contentsBytes: number,
): { text: string; placeholder: string } {
  const zeros = '0'.repeat(BYTE_RANGE_DIGITS);
  const placeholder = `[0 ${zeros} ${zeros} ${zeros}]`;
  const lines = [
    '<<',
    '/Type /Sig',
    '/Filter /Adobe.PPKLite',
    `/SubFilter /${opts.subFilter ?? 'GM.sm2seal'}`,
    `/ByteRange ${placeholder}`,
    `/Contents <${'0'.repeat(contentsBytes * 2)}>`,
    `/M (${formatPdfDate(opts.signingTime ?? new Date())})`,
  ];
  if (opts.name !== undefined) lines.push(`/Name ${encodeTextString(opts.name)}`);
  if (opts.reason !== undefined) lines.push(`/Reason ${encodeTextString(opts.reason)}`);
  if (opts.location !== undefined) lines.push(`/Location ${encodeTextString(opts.location)}`);
  lines.push('/Prop_Build << /App << /Name /SealTrust >> >>', '>>');
  return { text: lines.join('\n'), placeholder };
}

/** A widget appearance showing the shared seal form, shifted so the placement's slice fills the widget. */
function sharedSealAppearance(doc: PDFDocument, seal: PDFRef, p: SealPlacement): PDFRef {
  const w = p.widthMm * PT_PER_MM;
  const h = p.heightMm * PT_PER_MM;
  const form = doc.context.formXObject(
    [
      pushGraphicsState(),
      rectangle(0, 0, w, h),
      clip(),
      endPath(),
      concatTransformationMatrix(1, 0, 0, 1, -(p.clip?.fromMm ?? 0) * PT_PER_MM, 0),
      drawObject('Seal'),
      popGraphicsState(),
    ],
    { BBox: [0, 0, w, h], Resources: { XObject: { Seal: seal } } as never },
  );
  return doc.context.register(form);
}

/**
 * The incremental update with its /ByteRange in place and /Contents zero-filled, and the SM3 of the covered
 * bytes: everything but the signature. Lets the expensive part run in a worker thread while the signature
 * (with its registry checks) is made where the keys are; `finishPdfSeal` writes it in.
 */
export interface PreparedPdfSeal {
  pdf: Buffer;
  byteRange: number[];
  digest: Buffer;
  /** Offset of the '<' that opens /Contents. */
  contentsStart: number;
  contentsBytes: number;
}

export async function signPdfWithSeal(pdf: Uint8Array, opts: SealSigningOptions): Promise<Uint8Array> {
  if (typeof opts?.sign !== 'function') throw new PdfError('INVALID_OPTIONS', 'a sign callback is required');
  const prepared = await preparePdfSeal(pdf, opts);
  const [, a, , d] = prepared.byteRange as [number, number, number, number];
  let der: Buffer;
  try {
    der = await opts.sign(prepared.digest, a + d, prepared.byteRange);
  } catch (err) {
    throw new PdfError(
      'SIGNER_FAILED',
      `the sign callback failed: ${(err as Error)?.message ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
  return finishPdfSeal(prepared, der);
}

/** Writes the DER signature into the prepared file's /Contents. */
export function finishPdfSeal(prepared: PreparedPdfSeal, der: Uint8Array): Uint8Array {
  if (!(der instanceof Uint8Array) || der.length === 0)
    throw new PdfError('SIGNER_FAILED', 'the sign callback did not return a non-empty Buffer');
  if (der.length > prepared.contentsBytes)
    throw new PdfError(
      'CONTENTS_TOO_SMALL',
      `the signature is ${der.length} bytes but only ${prepared.contentsBytes} were reserved; use contentsBytes >= ${der.length}`,
    );
  const out = Buffer.from(prepared.pdf);
  out.write(Buffer.from(der).toString('hex').toUpperCase(), prepared.contentsStart + 1, 'latin1');
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export async function preparePdfSeal(
  pdf: Uint8Array,
  opts: Omit<SealSigningOptions, 'sign'>,
): Promise<PreparedPdfSeal> {
  const input = assertPdfHeader(pdf);
  checkOptions(opts);
  const doc = await load(input);
  if (docMdpPermission(doc) === 1)
    throw new PdfError(
      'DOCMDP_FORBIDS',
      'the document is certified with DocMDP P=1: no further signature is allowed',
    );
  const ctx = doc.context;
  const snapshot = ctx.snapshot!;
  // With a snapshot attached pdf-lib deep-scans every object of the document on each set/push (to find what
  // changed): quadratic for many widgets. Every existing object changed below is marked explicitly and new
  // objects are always written, so the snapshot is detached while the update is built.
  delete ctx.snapshot;
  const field = await addSealField(doc, opts, (ref) => snapshot.markRefForSave(ref));

  let increment: Uint8Array;
  try {
    ctx.snapshot = snapshot;
    increment = await doc.saveIncremental(snapshot);
  } catch (err) {
    throw new PdfError('MALFORMED', `the incremental update cannot be written (${(err as Error)?.message})`, {
      cause: err,
    });
  }
  return placeByteRange(Buffer.concat([input, increment]), input.length, field);
}

/**
 * The same seal signature for a document built in this process and not yet written (a licence fresh from its
 * template): the field goes into the document's only revision, saved once, so the file is not parsed back
 * just to append an update to it.
 */
export async function prepareNewPdfSeal(
  doc: PDFDocument,
  opts: Omit<SealSigningOptions, 'sign'>,
  save: Omit<SaveOptions, 'updateFieldAppearances'> = {},
): Promise<PreparedPdfSeal> {
  checkOptions(opts);
  const field = await addSealField(doc, opts, () => {});
  // The signature field must not get a generated appearance: its widgets show the seal.
  const out = Buffer.from(await doc.save({ ...save, updateFieldAppearances: false }));
  return placeByteRange(out, 0, field);
}

/** What addSealField wrote: the raw signature dictionary and where its placeholders are. */
interface SealField {
  sigRef: PDFRef;
  sig: { text: string; placeholder: string };
  sigBytes: Buffer;
  contentsBytes: number;
}

/**
 * Adds the signature dictionary, the field with one widget per placement, and the AcroForm entries.
 * `changed` is told of every object that existed before and was modified (an incremental update rewrites them).
 */
async function addSealField(
  doc: PDFDocument,
  opts: Omit<SealSigningOptions, 'sign'>,
  changed: (ref: PDFRef) => void,
): Promise<SealField> {
  const pages = doc.getPages();
  for (const p of opts.placements)
    if (p.page < 0 || p.page >= pages.length)
      throw new PdfError(
        'PAGE_OUT_OF_RANGE',
        `page ${p.page} is out of range (the document has ${pages.length})`,
      );

  const existing = fieldNames(doc);
  let fieldName = opts.fieldName;
  if (fieldName !== undefined && existing.has(fieldName))
    throw new PdfError('FIELD_EXISTS', `a field named '${fieldName}' already exists`);
  for (let n = 1; fieldName === undefined; n++)
    if (!existing.has(`SealSignature${n}`)) fieldName = `SealSignature${n}`;

  const ctx = doc.context;
  const contentsBytes = opts.contentsBytes ?? DEFAULT_CONTENTS_BYTES;

  // Signature dictionary: raw bytes, so that pdf-lib neither reformats nor compresses it.
  const sig = sigDictBytes(opts, contentsBytes);
  const sigBytes = Buffer.from(sig.text, 'latin1');
  const sigRef = ctx.register(PDFInvalidObject.of(sigBytes));

  // Field and widgets.
  const fieldRef = ctx.nextRef();
  const kids = ctx.obj([]);
  const png = 'png' in opts.appearance ? await doc.embedPng(opts.appearance.png) : undefined;
  // Several placements (a cross-page seal on 50 pages) show one form XObject of the whole seal, each through
  // its own small clipped stream, instead of each carrying a copy of the seal's paths.
  const { widthMm, heightMm } = opts.appearance;
  const shared =
    opts.placements.length > 1
      ? await buildSealAppearance(doc, opts.appearance, { widthMm, heightMm }, png)
      : undefined;
  for (const p of opts.placements) {
    const page = pages[p.page]!;
    const box = page.getCropBox();
    const x = box.x + p.xMm * PT_PER_MM;
    const top = box.y + box.height - p.yMm * PT_PER_MM;
    const ap = shared
      ? sharedSealAppearance(doc, shared, p)
      : await buildSealAppearance(doc, opts.appearance, p, png);
    const widget = ctx.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      Rect: [x, top - p.heightMm * PT_PER_MM, x + p.widthMm * PT_PER_MM, top],
      F: 4,
      P: page.ref,
      Parent: fieldRef,
      AP: { N: ap },
    });
    const widgetRef = ctx.register(widget);
    kids.push(widgetRef);
    const annots = page.node.get(PDFName.of('Annots'));
    if (annots instanceof PDFRef) changed(annots);
    page.node.addAnnot(widgetRef);
    changed(page.ref);
  }
  const t = /^[\w -]*$/.test(fieldName) ? PDFString.of(fieldName) : PDFHexString.fromText(fieldName);
  ctx.assign(fieldRef, ctx.obj({ FT: 'Sig', T: t, V: sigRef, Kids: kids }));

  // AcroForm: /Fields += field, /SigFlags |= 3.
  const acroFormEntry = doc.catalog.get(PDFName.of('AcroForm'));
  let acroForm = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  if (!acroForm) {
    acroForm = ctx.obj({ Fields: [] });
    doc.catalog.set(PDFName.of('AcroForm'), ctx.register(acroForm));
  } else if (acroFormEntry instanceof PDFRef) changed(acroFormEntry);
  const fieldsEntry = acroForm.get(PDFName.of('Fields'));
  let fields = acroForm.lookupMaybe(PDFName.of('Fields'), PDFArray);
  if (!fields) {
    fields = ctx.obj([]);
    acroForm.set(PDFName.of('Fields'), fields);
  } else if (fieldsEntry instanceof PDFRef) changed(fieldsEntry);
  fields.push(fieldRef);
  const flags = acroForm.lookupMaybe(PDFName.of('SigFlags'), PDFNumber)?.asNumber() ?? 0;
  acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(flags | 3));
  if (ctx.trailerInfo.Root instanceof PDFRef) changed(ctx.trailerInfo.Root);
  return { sigRef, sig, sigBytes, contentsBytes };
}

/** Finds the written signature dictionary (at or after `from`), fixes its /ByteRange and hashes what it covers. */
function placeByteRange(out: Buffer, from: number, f: SealField): PreparedPdfSeal {
  const { sigRef, sig, sigBytes, contentsBytes } = f;
  const header = Buffer.from(`\n${sigRef.objectNumber} ${sigRef.generationNumber} obj\n`, 'latin1');
  const objAt = out.indexOf(Buffer.concat([header, sigBytes]), from);
  if (objAt < 0) throw new PdfError('MALFORMED', 'the signature dictionary was not written as expected');
  const dictAt = objAt + header.length;
  const brAt = dictAt + sig.text.indexOf(sig.placeholder);
  const contentsStart = dictAt + sig.text.indexOf('/Contents <') + '/Contents '.length;
  const contentsEnd = contentsStart + contentsBytes * 2 + 2;
  const byteRange = [0, contentsStart, contentsEnd, out.length - contentsEnd];
  const brText = `[${byteRange.join(' ')}]`.padEnd(sig.placeholder.length, ' ');
  if (brText.length !== sig.placeholder.length)
    throw new PdfError('MALFORMED', 'file too large for the ByteRange');
  out.write(brText, brAt, 'latin1');
  return { pdf: out, byteRange, digest: sm3(...coveredRanges(out, byteRange)), contentsStart, contentsBytes };
}
