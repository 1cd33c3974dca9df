// Fixtures for the modification and DocMDP tests: signatures written by hand (a certification signature
// with /Perms /DocMDP and a DocMDP or FieldMDP /Reference, which the stamping service does not make, and a
// later signature on a P=1 document, which it refuses to make), and overlays added after signing.
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFInvalidObject,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  StandardFonts,
} from '@cantoo/pdf-lib';
import { sm3 } from '../../src/crypto/sm3.js';
import { coveredRanges } from '../../src/pdf/pdf-byte-range.js';
import { contentsBytesForSeal } from '../../src/pdf/pdf-seal-signing.js';
import { sealKit, type Sign } from './pdf-verify-fixtures.js';

export interface RawSignatureOptions {
  /** Write a DocMDP /Reference with this P and name the signature in the catalog's /Perms /DocMDP. */
  docMdp?: 1 | 2 | 3;
  /** A DocMDP /Reference without /TransformParams /P (the default, 2). */
  docMdpDefault?: boolean;
  /** Write a FieldMDP /Reference locking these fields. */
  fieldMdp?: { action: 'All' | 'Include' | 'Exclude'; fields: string[] };
  sign?: Sign;
  /** The widget's /Rect (default: invisible, [0 0 0 0]). */
  rect?: [number, number, number, number];
}

/**
 * Appends one incremental update with an SES signature (GM.sm2seal, the kit's seal) in an invisible
 * signature field on page 0, optionally certifying the document (ISO 32000-1 §12.8.2.2).
 */
export async function signRaw(pdf: Uint8Array, opts: RawSignatureOptions = {}): Promise<Buffer> {
  const input = Buffer.from(pdf);
  const doc = await PDFDocument.load(input, { forIncrementalUpdate: true, updateMetadata: false });
  const ctx = doc.context;
  const snapshot = ctx.snapshot!;
  const kit = sealKit();
  const contentsBytes = contentsBytesForSeal(kit.seal.length + 4096);
  const placeholder = `[0 ${'0'.repeat(10)} ${'0'.repeat(10)} ${'0'.repeat(10)}]`;
  const refs: string[] = [];
  if (opts.docMdp !== undefined || opts.docMdpDefault)
    refs.push(
      `<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams${
        opts.docMdp !== undefined ? ` /P ${opts.docMdp}` : ''
      } /V /1.2 >> >>`,
    );
  if (opts.fieldMdp)
    refs.push(
      `<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /${
        opts.fieldMdp.action
      } /Fields [${opts.fieldMdp.fields.map((f) => `(${f})`).join(' ')}] /V /1.2 >> >>`,
    );
  const text = [
    '<<',
    '/Type /Sig',
    '/Filter /Adobe.PPKLite',
    '/SubFilter /GM.sm2seal',
    `/ByteRange ${placeholder}`,
    `/Contents <${'0'.repeat(contentsBytes * 2)}>`,
    ...(refs.length ? [`/Reference [${refs.join(' ')}]`] : []),
    '>>',
  ].join('\n');
  const sigBytes = Buffer.from(text, 'latin1');
  const sigRef = ctx.register(PDFInvalidObject.of(sigBytes));

  const page = doc.getPage(0);
  const acroFormEntry = doc.catalog.get(PDFName.of('AcroForm'));
  let acroForm = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  if (!acroForm) {
    acroForm = ctx.obj({ Fields: [] });
    doc.catalog.set(PDFName.of('AcroForm'), ctx.register(acroForm));
  } else if (acroFormEntry instanceof PDFRef) snapshot.markRefForSave(acroFormEntry);
  const fieldsEntry = acroForm.get(PDFName.of('Fields'));
  let fields = acroForm.lookupMaybe(PDFName.of('Fields'), PDFArray);
  if (!fields) {
    fields = ctx.obj([]);
    acroForm.set(PDFName.of('Fields'), fields);
  } else if (fieldsEntry instanceof PDFRef) snapshot.markRefForSave(fieldsEntry);
  const widget = ctx.register(
    ctx.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      T: PDFString.of(`RawSignature${fields.size() + 1}`),
      V: sigRef,
      Rect: opts.rect ?? [0, 0, 0, 0],
      F: 132,
      P: page.ref,
    }),
  );
  fields.push(widget);
  acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  const annots = page.node.get(PDFName.of('Annots'));
  if (annots instanceof PDFRef) snapshot.markRefForSave(annots);
  page.node.addAnnot(widget);
  snapshot.markRefForSave(page.ref);
  if (opts.docMdp !== undefined || opts.docMdpDefault)
    doc.catalog.set(PDFName.of('Perms'), ctx.obj({ DocMDP: sigRef }));
  snapshot.markRefForSave(ctx.trailerInfo.Root as PDFRef);

  const out = Buffer.concat([input, Buffer.from(await doc.saveIncremental(snapshot))]);
  const dictAt = out.indexOf(sigBytes, input.length);
  if (dictAt < 0) throw new Error('signature dictionary not written as given');
  const contentsStart = dictAt + text.indexOf('/Contents <') + '/Contents '.length;
  const contentsEnd = contentsStart + contentsBytes * 2 + 2;
  const byteRange = [0, contentsStart, contentsEnd, out.length - contentsEnd];
  out.write(
    `[${byteRange.join(' ')}]`.padEnd(placeholder.length, ' '),
    dictAt + text.indexOf(placeholder),
    'latin1',
  );
  const der = await (opts.sign ?? kit.sign)(sm3(...coveredRanges(out, byteRange)));
  out.write(der.toString('hex').toUpperCase(), contentsStart + 1, 'latin1');
  return out;
}

/** A one-page document saying "pay 1,000" at (72, 700), without object streams. */
export async function contractPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595.28, 841.89]);
  page.drawText('Contract: the buyer shall pay 1,000 yuan', { x: 72, y: 700, size: 14, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** Where the overlays below paint (PDF user space): over the amount of contractPdf. */
export const OVERLAY_RECT: [number, number, number, number] = [250, 690, 400, 720];

/** An appearance stream painting a red box with "pay 100,000" in it. */
function overlayAppearance(doc: PDFDocument, font: PDFRef): PDFRef {
  const [x0, y0, x1, y1] = OVERLAY_RECT;
  const ops = `q 1 0 0 rg 0 0 ${x1 - x0} ${y1 - y0} re f Q BT 1 1 1 rg /F1 14 Tf 4 10 Td (pay 100,000) Tj ET`;
  return doc.context.register(
    doc.context.stream(ops, {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, x1 - x0, y1 - y0],
      Resources: { Font: { F1: font } },
    }),
  );
}

export type OverlayKind =
  | 'unsigned-signature-field'
  | 'free-text'
  | 'free-text-no-appearance'
  | 'hidden-free-text'
  | 'zero-size-free-text'
  | 'text-note-with-appearance';

/** An incremental update (made by pdf-lib) adding an overlay annotation to page 0. */
export async function overlayAfter(pdf: Buffer, kind: OverlayKind): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  const ctx = doc.context;
  const snapshot = ctx.snapshot!;
  const page = doc.getPage(0);
  const font = ctx.register(ctx.obj({ Type: 'Font', Subtype: 'Type1', BaseFont: 'Helvetica' }));
  const ap = kind === 'free-text-no-appearance' ? undefined : { N: overlayAppearance(doc, font) };
  const rect = kind === 'zero-size-free-text' ? [250, 690, 250, 690] : OVERLAY_RECT;
  let annot: PDFRef;
  if (kind === 'unsigned-signature-field') {
    annot = ctx.register(
      ctx.obj({
        Type: 'Annot',
        Subtype: 'Widget',
        FT: 'Sig',
        T: PDFString.of('Approval'),
        Rect: rect,
        F: 4,
        P: page.ref,
        AP: ap,
      }),
    );
    const acroFormEntry = doc.catalog.get(PDFName.of('AcroForm'));
    const acroForm = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict);
    if (acroFormEntry instanceof PDFRef) snapshot.markRefForSave(acroFormEntry);
    const fieldsEntry = acroForm.get(PDFName.of('Fields'));
    if (fieldsEntry instanceof PDFRef) snapshot.markRefForSave(fieldsEntry);
    acroForm.lookup(PDFName.of('Fields'), PDFArray).push(annot);
    snapshot.markRefForSave(ctx.trailerInfo.Root as PDFRef);
  } else {
    annot = ctx.register(
      ctx.obj({
        Type: 'Annot',
        Subtype: kind === 'text-note-with-appearance' ? 'Text' : 'FreeText',
        Rect: rect,
        Contents: PDFString.of('pay 100,000'),
        DA: PDFString.of('/Helv 14 Tf 1 0 0 rg'),
        F: kind === 'hidden-free-text' ? 2 : 4,
        P: page.ref,
        ...(ap ? { AP: ap } : {}),
      }),
    );
  }
  const annots = page.node.get(PDFName.of('Annots'));
  if (annots instanceof PDFRef) snapshot.markRefForSave(annots);
  page.node.addAnnot(annot);
  snapshot.markRefForSave(page.ref);
  return Buffer.concat([pdf, Buffer.from(await doc.saveIncremental(snapshot))]);
}
