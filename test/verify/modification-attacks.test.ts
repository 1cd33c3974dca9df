import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { PDFDict, PDFDocument, PDFName, PDFRef } from '@cantoo/pdf-lib';
import { buildCrl } from '../../src/pki/crl-builder.js';
import { PdfObjectIndex } from '../../src/pdf/pdf-object-index.js';
import type { PdfDict } from '../../src/pdf/pdf-object-scanner.js';
import { validatePdf, type PdfValidationContext } from '../../src/verify/pdf-validation.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { countRed, renderPage } from '../pdf/page-render.js';
import { contractPdf, OVERLAY_RECT, overlayAfter, signRaw } from './modification-fixtures.js';
import {
  annotateAfter,
  basePdf,
  drawAfter,
  firstProblem,
  licencePdf,
  pageFacts,
  seal,
  sealKit,
  verdict,
} from './pdf-verify-fixtures.js';

// Attack class 3 of issue 12: visible changes after signing, and DocMDP. Each file is derived from a really
// sealed PDF; each test asserts the document's indication and sub-indication, the signature's failing check
// and its code.

let ctx: PdfValidationContext;

function mods(r: ValidationReport, sig = 0) {
  const c = r.signatures[sig]!.checks.find((x) => x.id === 'modifications')!;
  return `${c.status}/${c.code}`;
}

function expect(r: ValidationReport, v: string, failing: string | null, code: string, sig = 0): void {
  const s = r.signatures[sig]!;
  const all = s.checks.map((c) => `${c.id}:${c.status}:${c.code}`).join(' ');
  assert.equal(`${s.indication}/${s.subIndication ?? '-'}`, v, all);
  assert.equal(firstProblem(s.checks), failing, all);
  assert.equal(s.checks.find((c) => c.id === 'modifications')!.code, code, all);
}

describe('visible changes after signing', () => {
  let contract: Buffer;
  let licence: Buffer;
  before(async () => {
    ctx = { anchors: [sealKit().root.info], sealMakers: { certificates: [sealKit().maker.info] } };
    contract = await seal(await contractPdf());
    licence = await seal(await licencePdf());
    assert.equal(verdict(await validatePdf(contract, ctx)), 'TOTAL_PASSED/-');
  });

  it('an unsigned signature field whose widget paints "pay 100,000" over the page is not passed', async () => {
    const pdf = await overlayAfter(contract, 'unsigned-signature-field');
    // The overlay really paints where the amount was (poppler, 72 dpi, origin top-left).
    const [x0, y0, x1, y1] = OVERLAY_RECT;
    const h = renderPage(contract).height;
    assert.equal(countRed(renderPage(contract), x0, h - y1, x1, h - y0), 0);
    assert.ok(countRed(renderPage(pdf), x0, h - y1, x1, h - y0) > 1000);
    const r = await validatePdf(pdf, ctx);
    assert.equal(verdict(r), 'INDETERMINATE/DOCUMENT_MODIFIED');
    expect(r, 'INDETERMINATE/DOCUMENT_MODIFIED', 'modifications', 'OVERLAY_ANNOTATION');
    const change = (
      r.signatures[0]!.checks.find((c) => c.id === 'modifications')!.details!.changes as {
        category: string;
        rule?: string;
      }[]
    ).find((c) => c.rule === 'signature-field');
    assert.equal(change?.category, 'overlay');
  });

  it('the same overlay on a licence: TOTAL_FAILED', async () => {
    const r = await validatePdf(await overlayAfter(licence, 'unsigned-signature-field'), ctx);
    assert.equal(verdict(r), 'TOTAL_FAILED/DOCUMENT_MODIFIED');
    expect(r, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'OVERLAY_ANNOTATION');
  });

  for (const kind of ['free-text', 'free-text-no-appearance', 'text-note-with-appearance'] as const)
    it(`a ${kind} overlay: INDETERMINATE (licence: TOTAL_FAILED)`, async () => {
      const r = await validatePdf(await overlayAfter(contract, kind), ctx);
      assert.equal(verdict(r), 'INDETERMINATE/DOCUMENT_MODIFIED');
      expect(r, 'INDETERMINATE/DOCUMENT_MODIFIED', 'modifications', 'OVERLAY_ANNOTATION');
      const l = await validatePdf(await overlayAfter(licence, kind), ctx);
      assert.equal(verdict(l), 'TOTAL_FAILED/DOCUMENT_MODIFIED');
      expect(l, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'OVERLAY_ANNOTATION');
    });

  for (const kind of ['hidden-free-text', 'zero-size-free-text'] as const)
    it(`a ${kind} cannot paint: a warning only (licence: TOTAL_FAILED)`, async () => {
      const r = await validatePdf(await overlayAfter(contract, kind), ctx);
      assert.equal(verdict(r), 'TOTAL_PASSED/-');
      assert.equal(mods(r), 'warning/ANNOTATIONS_CHANGED');
      const l = await validatePdf(await overlayAfter(licence, kind), ctx);
      expect(l, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'ANNOTATIONS_CHANGED');
    });

  it("a new appearance for the signed seal's own widget is an overlay, not a signature", async () => {
    const { page } = pageFacts(contract);
    const index = new PdfObjectIndex(contract);
    const pageDict = index.resolve(page)!.obj.value as PdfDict;
    const annots = index.deref(pageDict.entries.get('Annots'));
    assert.equal(annots?.kind, 'array');
    const widget = (annots as { items: { num: number }[] }).items[0]!.num;
    const doc = await PDFDocument.load(contract, { forIncrementalUpdate: true, updateMetadata: false });
    const ap = doc.context.register(
      doc.context.stream('0 0 1 rg 0 0 50 50 re f', {
        Type: 'XObject',
        Subtype: 'Form',
        BBox: [0, 0, 50, 50],
      }),
    );
    const ref = PDFRef.of(widget, 0);
    const dict = doc.context.lookup(ref, PDFDict);
    dict.set(PDFName.of('AP'), doc.context.obj({ N: ap }));
    doc.context.snapshot!.markRefForSave(ref);
    const pdf = Buffer.concat([contract, Buffer.from(await doc.saveIncremental(doc.context.snapshot!))]);
    const r = await validatePdf(pdf, ctx);
    expect(r, 'INDETERMINATE/DOCUMENT_MODIFIED', 'modifications', 'OVERLAY_ANNOTATION');
  });

  it('a second real seal (its widget paints, but it signs its revision) is still a signature addition', async () => {
    const r = await validatePdf(await seal(contract, { x: 120 }), ctx);
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.equal(mods(r), 'passed/SIGNATURES_ADDED');
  });
});

describe('DocMDP (ISO 32000-1 §12.8.2.2) on the certification signature', () => {
  const certified: Partial<Record<1 | 2 | 3, Buffer>> = {};
  before(async () => {
    ctx = { anchors: [sealKit().root.info], sealMakers: { certificates: [sealKit().maker.info] } };
    const base = await basePdf({ useObjectStreams: false });
    for (const p of [1, 2, 3] as const) certified[p] = await signRaw(base, { docMdp: p });
    const r = await validatePdf(certified[1]!, ctx);
    assert.equal(verdict(r), 'TOTAL_PASSED/-', JSON.stringify(r.signatures[0]?.checks));
  });

  it('P=1 with a later signature: TOTAL_FAILED / DOCMDP_VIOLATION; the later signature itself passes', async () => {
    const r = await validatePdf(await signRaw(certified[1]!), ctx);
    assert.equal(verdict(r), 'TOTAL_FAILED/DOCUMENT_MODIFIED');
    expect(r, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'DOCMDP_VIOLATION');
    const m = r.signatures[0]!.checks.find((c) => c.id === 'modifications')!;
    assert.match(m.message, /P=1/);
    assert.match(m.messageEn, /P=1 \(no changes\).*signatures added/);
    assert.equal(m.details!.docMdp, 1);
    assert.equal(r.signatures[1]!.indication, 'TOTAL_PASSED');
  });

  it('P=1 with validation data (a /DSS) added: passes', async () => {
    const doc = await PDFDocument.load(certified[1]!, { forIncrementalUpdate: true, updateMetadata: false });
    const crl = doc.context.register(
      doc.context.stream(
        buildCrl(
          {
            issuerName: sealKit().root.name,
            issuerPublicKey: sealKit().root.key.publicKey,
            crlNumber: 1n,
            // Issued after the signing time: embedded revocation data proves nothing unless it is fresh.
            thisUpdate: new Date(),
            nextUpdate: new Date(Date.now() + 86_400_000),
            entries: [],
          },
          sealKit().root.key.privateKey,
        ),
      ),
    );
    doc.catalog.set(PDFName.of('DSS'), doc.context.register(doc.context.obj({ Type: 'DSS', CRLs: [crl] })));
    doc.context.snapshot!.markRefForSave(doc.context.trailerInfo.Root as never);
    const pdf = Buffer.concat([certified[1]!, Buffer.from(await doc.saveIncremental(doc.context.snapshot!))]);
    const r = await validatePdf(pdf, ctx);
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.equal(mods(r), 'passed/SIGNATURES_ADDED');
  });

  it('P=1 with an invisible annotation: TOTAL_FAILED / DOCMDP_VIOLATION', async () => {
    const r = await validatePdf(await annotateAfter(certified[1]!), ctx);
    expect(r, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'DOCMDP_VIOLATION');
  });

  it('P=2 with an added annotation: TOTAL_FAILED / DOCMDP_VIOLATION', async () => {
    const r = await validatePdf(await annotateAfter(certified[2]!), ctx);
    assert.equal(verdict(r), 'TOTAL_FAILED/DOCUMENT_MODIFIED');
    expect(r, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'DOCMDP_VIOLATION');
    assert.match(r.signatures[0]!.checks.find((c) => c.id === 'modifications')!.message, /P=2/);
  });

  it('P=2 with a later seal: passes', async () => {
    const r = await validatePdf(await seal(certified[2]!, { x: 100 }), ctx);
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.equal(mods(r), 'passed/SIGNATURES_ADDED');
  });

  it('a DocMDP reference without /P is P=2 (Table 254 default)', async () => {
    const cert = await signRaw(await basePdf({ useObjectStreams: false }), { docMdpDefault: true });
    const r = await validatePdf(await annotateAfter(cert), ctx);
    expect(r, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'DOCMDP_VIOLATION');
    assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'modifications')!.details!.docMdp, 2);
  });

  it('P=3 with an annotation: allowed (a warning)', async () => {
    const r = await validatePdf(await annotateAfter(certified[3]!), ctx);
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.equal(mods(r), 'warning/ANNOTATIONS_CHANGED');
  });

  it('P=3 with an overlay: permitted by DocMDP, still INDETERMINATE as an overlay', async () => {
    const r = await validatePdf(await overlayAfter(certified[3]!, 'free-text'), ctx);
    expect(r, 'INDETERMINATE/DOCUMENT_MODIFIED', 'modifications', 'OVERLAY_ANNOTATION');
  });

  it('page content drawn after any certification: DISALLOWED_MODIFICATION', async () => {
    const r = await validatePdf(await drawAfter(certified[3]!, 'PAID'), ctx);
    expect(r, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'DISALLOWED_MODIFICATION');
  });

  it('an approval signature without DocMDP followed by another signature: no DocMDP check', async () => {
    const approval = await signRaw(await basePdf({ useObjectStreams: false }));
    const r = await validatePdf(await signRaw(approval), ctx);
    assert.equal(verdict(r), 'TOTAL_PASSED/-');
    assert.equal(mods(r), 'passed/SIGNATURES_ADDED');
    assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'modifications')!.details!.docMdp, undefined);
  });
});

describe('FieldMDP (ISO 32000-1 §12.8.2.4)', () => {
  let form: Buffer;
  before(async () => {
    ctx = { anchors: [sealKit().root.info], sealMakers: { certificates: [sealKit().maker.info] } };
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    const f = doc.getForm();
    f.createTextField('amount').addToPage(page, { x: 50, y: 700, width: 200, height: 20 });
    f.createTextField('note').addToPage(page, { x: 50, y: 650, width: 200, height: 20 });
    form = Buffer.from(await doc.save({ useObjectStreams: false }));
  });

  async function fill(pdf: Buffer, field: string): Promise<Buffer> {
    const d = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
    d.getForm().getTextField(field).setText('100,000');
    return Buffer.concat([pdf, Buffer.from(await d.saveIncremental(d.context.snapshot!))]);
  }

  it('filling a locked field: TOTAL_FAILED / FIELDMDP_VIOLATION; an unlocked one: FORM_FILLED', async () => {
    const signed = await signRaw(form, { fieldMdp: { action: 'Include', fields: ['amount'] } });
    const locked = await validatePdf(await fill(signed, 'amount'), ctx);
    expect(locked, 'TOTAL_FAILED/DOCUMENT_MODIFIED', 'modifications', 'FIELDMDP_VIOLATION');
    const free = await validatePdf(await fill(signed, 'note'), ctx);
    assert.equal(verdict(free), 'TOTAL_PASSED/-');
    assert.equal(mods(free), 'warning/FORM_FILLED');
    const all = await signRaw(form, { fieldMdp: { action: 'Exclude', fields: ['amount'] } });
    expect(
      await validatePdf(await fill(all, 'note'), ctx),
      'TOTAL_FAILED/DOCUMENT_MODIFIED',
      'modifications',
      'FIELDMDP_VIOLATION',
    );
  });
});
