import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PDFArray, PDFDict, PDFDocument, PDFName } from '@cantoo/pdf-lib';
import { checkByteRange } from '../../src/pdf/pdf-byte-range.js';
import { listRevisions } from '../../src/pdf/pdf-revisions.js';
import { contentsBytesForSeal, signPdfWithSeal } from '../../src/pdf/pdf-seal-signing.js';
import { extractPdfSignatures } from '../../src/pdf/pdf-signature-extraction.js';
import { basePdf, sealKit } from './pdf-test-fixtures.js';

describe('listRevisions', () => {
  it('ignores %%EOF markers inside stream data', async () => {
    for (const useObjectStreams of [false, true]) {
      const doc = await PDFDocument.create();
      doc.addPage();
      const fake = doc.context.stream(
        '%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<<>>\nstartxref\n9\n%%EOF\n',
      );
      doc.catalog.set(PDFName.of('Fake'), doc.context.register(fake));
      const pdf = await doc.save({ useObjectStreams });
      const revs = listRevisions(pdf);
      assert.equal(revs.length, 1, `useObjectStreams ${useObjectStreams}`);
      assert.equal(revs[0]!.xref?.kind, useObjectStreams ? 'stream' : 'table');
      assert.ok(revs[0]!.end >= pdf.length - 1);
    }
  });

  it('finds a signature of an earlier revision that the latest AcroForm no longer lists', async () => {
    const kit = sealKit();
    const signed = await signPdfWithSeal(await basePdf(), {
      placements: [{ page: 0, xMm: 100, yMm: 100, widthMm: 42, heightMm: 42 }],
      appearance: kit.picture,
      contentsBytes: contentsBytesForSeal(kit.seal.length),
      sign: kit.sign,
    });
    // An incremental update that empties /Fields and the page's /Annots (hiding the signature from a viewer).
    const doc = await PDFDocument.load(signed, { forIncrementalUpdate: true });
    const acroForm = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict);
    acroForm.set(PDFName.of('Fields'), doc.context.obj([]));
    doc.getPage(0).node.set(PDFName.of('Annots'), doc.context.obj([]));
    const hidden = await doc.save();
    assert.ok(
      doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).lookup(PDFName.of('Fields'), PDFArray).size() === 0,
    );

    assert.equal(listRevisions(hidden).length, 3);
    const sigs = extractPdfSignatures(hidden);
    assert.equal(sigs.length, 1);
    const sig = sigs[0]!;
    assert.equal(sig.inAcroForm, false);
    assert.equal(sig.inXref, true);
    assert.equal(sig.fieldName, 'SealSignature1');
    assert.equal(sig.revision?.index, 1);
    const r = checkByteRange(hidden, sig);
    assert.equal(r.status, 'passed');
    assert.equal(r.coversWholeDocument, false);
  });
});
