// Fixtures for the PDF validation tests: signed PDFs (SES and CMS), licence PDFs with licence.json, raw
// incremental updates written by hand (for attacks pdf-lib will not make), and in-test directory views.
import assert from 'node:assert/strict';
import { PDFDocument, PDFName, StandardFonts } from '@cantoo/pdf-lib';
import { sm2SignDigest } from '../../src/crypto/sm2.js';
import { buildLicenceIdentifier } from '../../src/licence/licence-identifier.js';
import type { LicenceMetadata } from '../../src/licence/licence-metadata.js';
import { contentsBytesForSeal, signPdfWithSeal } from '../../src/pdf/pdf-seal-signing.js';
import { listRevisions } from '../../src/pdf/pdf-revisions.js';
import { extractPdfSignatures, type ExtractedSignature } from '../../src/pdf/pdf-signature-extraction.js';
import { buildCmsSignedData } from '../../src/pki/cms-signed-data.js';
import type { LicenceDirectoryRecord, LicenceDirectoryView } from '../../src/verify/licence-validation.js';
import type { Check, ValidationReport } from '../../src/verify/report.js';
import { isCheckId, orderChecks } from '../../src/verify/checks/check-registry.js';
import { isCatalogued } from '../../src/verify/checks/messages.js';
import { PdfObjectIndex } from '../../src/pdf/pdf-object-index.js';
import { dictGet } from '../../src/pdf/pdf-object-scanner.js';
import { basePdf, kitTrust, sealKit } from '../pdf/pdf-test-fixtures.js';
import type { TestCertificate } from '../helpers/test-pki.js';

export { basePdf, kitTrust, sealKit };

export type Sign = (digest: Buffer) => Promise<Buffer>;

/** Seals `pdf` with the kit's seal (or another `sign`) at x mm on page 0. */
export async function seal(
  pdf: Uint8Array,
  opts: {
    x?: number;
    sign?: Sign;
    subFilter?: 'GM.sm2seal' | 'adbe.pkcs7.detached';
    contentsBytes?: number;
  } = {},
): Promise<Buffer> {
  const kit = sealKit();
  return Buffer.from(
    await signPdfWithSeal(pdf, {
      placements: [
        {
          page: 0,
          xMm: opts.x ?? 20,
          yMm: 100,
          widthMm: kit.picture.widthMm,
          heightMm: kit.picture.heightMm,
        },
      ],
      appearance: kit.picture,
      contentsBytes: opts.contentsBytes ?? contentsBytesForSeal(kit.seal.length + 4096),
      ...(opts.subFilter ? { subFilter: opts.subFilter } : {}),
      sign: opts.sign ?? kit.sign,
    }),
  );
}

/** A `sign` callback producing CMS SignedData with the given certificate (digest: optionally replaced). */
export function cmsSigner(
  who: TestCertificate,
  opts: {
    oids?: 'rfc5652' | 'gbt35275';
    wrongDigest?: boolean;
    signingTime?: Date;
    /** CRLs and OCSP responses to carry in SignedData.crls. */
    crls?: Uint8Array[];
    ocsps?: Uint8Array[];
  } = {},
): Sign {
  return (digest) =>
    buildCmsSignedData({
      digest: opts.wrongDigest ? Buffer.alloc(32, 7) : digest,
      signerCertDer: who.der,
      signDigest: (e) => sm2SignDigest(who.key.privateKey, e),
      oids: opts.oids ?? 'rfc5652',
      signingTime: opts.signingTime ?? new Date(),
      ...(opts.crls ? { crls: opts.crls } : {}),
      ...(opts.ocsps ? { ocsps: opts.ocsps } : {}),
    });
}

/**
 * A document security store (/DSS /CRLs and /OCSPs, ISO 32000-2 §12.8.4.3) holding `crls`: `incremental` appends it as
 * an update after the signatures (validation data added later, as PAdES-LT does); otherwise the whole file
 * is rewritten with it, for a store inside the revision a signature will cover.
 */
export async function withDss(
  pdf: Uint8Array,
  crls: Uint8Array[],
  opts: { incremental?: boolean; ocsps?: Uint8Array[] } = {},
): Promise<Buffer> {
  const incremental = opts.incremental ?? false;
  const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: incremental, updateMetadata: false });
  const refs = (items: Uint8Array[]) => items.map((c) => doc.context.register(doc.context.stream(c)));
  const dss = { Type: 'DSS', CRLs: refs(crls), ...(opts.ocsps ? { OCSPs: refs(opts.ocsps) } : {}) };
  doc.catalog.set(PDFName.of('DSS'), doc.context.register(doc.context.obj(dss)));
  if (!incremental) return Buffer.from(await doc.save({ useObjectStreams: false }));
  doc.context.snapshot!.markRefForSave(doc.context.trailerInfo.Root as never);
  return Buffer.concat([pdf, Buffer.from(await doc.saveIncremental(doc.context.snapshot!))]);
}

export function only(pdf: Buffer): ExtractedSignature {
  const s = extractPdfSignatures(pdf);
  assert.equal(s.length, 1);
  return s[0]!;
}

/** Rewrites a signature's /ByteRange in place (same file length). */
export function withByteRange(pdf: Buffer, s: ExtractedSignature, br: number[]): Buffer {
  const out = Buffer.from(pdf);
  const at = out.indexOf('/ByteRange [', s.dictOffset!, 'latin1') + '/ByteRange '.length;
  const close = out.indexOf(']', at, 'latin1');
  let end = close + 1;
  while (out[end] === 0x20) end++;
  const text = `[${br.join(' ')}]`;
  assert.ok(text.length <= end - at, 'the new ByteRange fits the old one');
  out.write(text.padEnd(end - at, ' '), at, 'latin1');
  return out;
}

/** The startxref value of the last revision. */
function lastStartxref(pdf: Buffer): number {
  const revs = listRevisions(pdf);
  return revs[revs.length - 1]!.startxref;
}

/** /Root and /Size of the last trailer (classic or stream). */
function trailerFacts(pdf: Buffer): { root: string; size: number } {
  const text = pdf.toString('latin1');
  const roots = [...text.matchAll(/\/Root\s+(\d+\s+\d+\s+R)/g)];
  const sizes = [...text.matchAll(/\/Size\s+(\d+)/g)];
  return { root: roots[roots.length - 1]![1]!, size: Number(sizes[sizes.length - 1]![1]) };
}

/**
 * Appends a hand-written incremental update: each object body written as `num 0 obj … endobj` (or, with
 * `at`, an xref entry pointing at an existing offset), an xref table and a trailer chained with /Prev.
 */
export function appendUpdate(
  pdf: Buffer,
  objects: { num: number; body?: string | Buffer; at?: number }[],
  opts: { unlisted?: { num: number; body: string }[] } = {},
): Buffer {
  const { root, size } = trailerFacts(pdf);
  const prev = lastStartxref(pdf);
  const parts: Buffer[] = [pdf, Buffer.from('\n')];
  let offset = pdf.length + 1;
  const entries = new Map<number, number>();
  const write = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  for (const u of opts.unlisted ?? []) write(Buffer.from(`${u.num} 0 obj\n${u.body}\nendobj\n`, 'latin1'));
  for (const o of objects) {
    if (o.at !== undefined) {
      entries.set(o.num, o.at);
      continue;
    }
    entries.set(o.num, offset);
    const body = typeof o.body === 'string' ? Buffer.from(o.body, 'latin1') : o.body!;
    write(Buffer.concat([Buffer.from(`${o.num} 0 obj\n`), body, Buffer.from('\nendobj\n')]));
  }
  const xrefAt = offset;
  const lines = ['xref'];
  for (const [num, off] of [...entries].sort((a, b) => a[0] - b[0]))
    lines.push(`${num} 1`, `${String(off).padStart(10, '0')} 00000 n\r`);
  const newSize = Math.max(size, ...[...entries.keys()].map((n) => n + 1));
  lines.push(`trailer\n<< /Size ${newSize} /Root ${root} /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`);
  write(Buffer.from(lines.join('\n'), 'latin1'));
  return Buffer.concat(parts);
}

/** Object numbers of the first page, its (first) content stream and its first font, as a viewer reads them. */
export function pageFacts(pdf: Buffer): { page: number; contents: number; font: number | null } {
  const index = new PdfObjectIndex(pdf);
  const root = index.deref(index.trailer!.entries.get('Root'));
  const pages = index.deref(dictGet(root, 'Pages', 'ref'));
  const kid = dictGet(pages, 'Kids', 'array')!.items[0] as { num: number };
  const page = index.deref(kid as never);
  const c = page?.kind === 'dict' ? page.entries.get('Contents') : undefined;
  const contentsRef =
    c?.kind === 'ref'
      ? index.deref(c)?.kind === 'array'
        ? (index.deref(c) as { items: { num: number }[] }).items[0]!
        : c
      : (c as { items: { num: number }[] }).items[0]!;
  const res = index.deref(page?.kind === 'dict' ? page.entries.get('Resources') : undefined);
  const fonts = index.deref(res?.kind === 'dict' ? res.entries.get('Font') : undefined);
  const first = fonts?.kind === 'dict' ? [...fonts.entries.values()][0] : undefined;
  return { page: kid.num, contents: contentsRef.num, font: first?.kind === 'ref' ? first.num : null };
}

/** A content stream drawing `text`. */
export function contentStream(text: string): string {
  const data = `BT /F1 24 Tf 72 400 Td (${text}) Tj ET`;
  return `<< /Length ${data.length} >>\nstream\n${data}\nendstream`;
}

/** An incremental update made by pdf-lib that draws text on page 0. */
export async function drawAfter(pdf: Buffer, text: string): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.getPage(0).drawText(text, { x: 50, y: 50, size: 12, font });
  return Buffer.concat([pdf, Buffer.from(await doc.saveIncremental(doc.context.snapshot!))]);
}

/** An incremental update made by pdf-lib that adds a page. */
export async function addPageAfter(pdf: Buffer): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  doc.addPage();
  return Buffer.concat([pdf, Buffer.from(await doc.saveIncremental(doc.context.snapshot!))]);
}

/** An incremental update that adds a text (sticky note) annotation to page 0. */
export async function annotateAfter(pdf: Buffer): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  const page = doc.getPage(0);
  const { PDFString } = await import('@cantoo/pdf-lib');
  const ref = doc.context.register(
    doc.context.obj({
      Type: 'Annot',
      Subtype: 'Text',
      Rect: [10, 10, 30, 30],
      Contents: PDFString.of('note'),
    }),
  );
  page.node.addAnnot(ref);
  doc.context.snapshot!.markRefForSave(page.ref);
  return Buffer.concat([pdf, Buffer.from(await doc.saveIncremental(doc.context.snapshot!))]);
}

export const LICENCE_TYPE = '11100000MB03271699001';
export const LICENCE_ISSUER = '11100000MB03271699';

export function licenceIdentifier(serial = 'A0001', version = 1): string {
  return buildLicenceIdentifier({ typeCode: LICENCE_TYPE, issuerCode: LICENCE_ISSUER, serial, version });
}

export function licenceMetadata(over: Partial<LicenceMetadata> = {}): LicenceMetadata {
  return {
    identifier: licenceIdentifier(),
    name: '不动产权证书',
    typeName: '不动产权证书',
    typeCode: LICENCE_TYPE,
    number: '浙(2026)杭州市不动产权第0000001号',
    issuerName: '杭州市测试管理局',
    issuerCode: LICENCE_ISSUER,
    issueDate: '2026-01-02',
    holderName: '张三',
    holderCode: '110101199003074514',
    holderCodeType: '111',
    validFrom: '2026-01-02',
    validTo: null,
    regionCode: '330100',
    version: '001',
    face: { 坐落: '杭州市西湖区测试路1号' },
    ...over,
  };
}

/** A one-page PDF with licence.json attached (as the licence renderer writes it), not yet sealed. */
export async function licencePdf(metadata: LicenceMetadata = licenceMetadata()): Promise<Buffer> {
  const doc = await PDFDocument.load(await basePdf({ useObjectStreams: false }));
  await doc.attach(Buffer.from(JSON.stringify({ metadata, face: metadata.face }), 'utf8'), 'licence.json', {
    mimeType: 'application/json',
    description: 'licence metadata',
  });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A directory of records keyed by identifier (lookups counted, for tests that need to know it was asked). */
export function directory(records: LicenceDirectoryRecord[]): LicenceDirectoryView & { asked: number } {
  const byId = new Map(records.map((r) => [r.identifier, r]));
  const view = {
    asked: 0,
    async lookup(identifier: string) {
      view.asked++;
      return byId.get(identifier) ?? null;
    },
  };
  return view;
}

export function record(
  over: Partial<LicenceDirectoryRecord> & { pdfSm3: string | null },
): LicenceDirectoryRecord {
  const identifier = over.identifier ?? licenceIdentifier();
  return {
    identifier,
    status: 'valid',
    version: '001',
    latestVersion: identifier,
    successor: null,
    statusHistory: [
      { at: new Date(Date.now() - 86_400_000).toISOString(), status: 'valid', operation: 'issue' },
    ],
    ...over,
  };
}

/** The first check of a signature (or the licence layer) that failed or was indeterminate, by report order. */
export function firstProblem(checks: { id: string; status: string; code: string }[]): string | null {
  return (
    checks.find((c) => c.status === 'failed')?.id ??
    checks.find((c) => c.status === 'indeterminate')?.id ??
    null
  );
}

/** The document's verdict as 'INDICATION/SUB' (and every check of the report must be a registered one). */
export function verdict(r: ValidationReport): string {
  assertRegisteredChecks(r);
  return `${r.indication}/${r.subIndication ?? '-'}`;
}

/**
 * Checks whose code a lower layer words (check-registry.test.ts lists the withText uses): the /ByteRange
 * reader (pdf/pdf-byte-range.ts), the certificate chain validator, the SES codec, and LICENCE_<STATUS>,
 * worded by the catalogue's LICENCE_ENDED.
 */
const WORDED_BELOW: Readonly<Record<string, RegExp>> = {
  'byte-range': /^(BYTE_RANGE_|CONTENTS_)[A-Z_]+$/,
  chain: /^[A-Z_]+$/,
  'maker-chain': /^[A-Z_]+$/,
  'data-hash': /^[A-Z_]+$/,
  signature: /^[A-Z_]+$/,
  'signer-in-seal': /^[A-Z_]+$/,
  'seal-signature': /^[A-Z_]+$/,
  'licence-status': /^LICENCE_[A-Z_]+$/,
};

/** A check the registry knows, whose code the catalogue (or a lower layer that words it) knows, in both languages. */
export function assertKnownCheck(c: Check): void {
  assert.ok(isCheckId(c.id), `check id ${c.id} is not in the check registry`);
  assert.ok(
    isCatalogued(c.id, c.code) || WORDED_BELOW[c.id]?.test(c.code),
    `${c.id}/${c.code} is not in the message catalogue`,
  );
  assert.ok(c.message && c.messageEn, `${c.id}/${c.code} has both languages`);
}

/**
 * Fails on any check id the registry does not know, a code the catalogue does not word, or a check out of
 * its report kind's declared order.
 */
export function assertRegisteredChecks(r: ValidationReport): void {
  for (const s of r.signatures) {
    for (const c of s.checks) assertKnownCheck(c);
    const kind = s.format.startsWith('PDF')
      ? 'pdf-signature'
      : s.format.startsWith('SES seal')
        ? 'ses-seal'
        : s.format.startsWith('SES')
          ? 'ses-signature'
          : 'cms';
    assert.deepEqual(
      s.checks.map((c) => c.id),
      orderChecks(s.checks, kind).map((c) => c.id),
      `checks of ${s.format} out of the declared order`,
    );
  }
  for (const c of r.licence?.checks ?? []) assertKnownCheck(c);
}
