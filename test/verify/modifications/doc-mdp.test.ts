import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PdfObjectIndex } from '../../../src/pdf/pdf-object-index.js';
import { lockedFieldsChanged, signaturePermissions } from '../../../src/verify/modifications/doc-mdp.js';
import { BASE, miniPdf, SIG_PLACEHOLDER } from './mini-pdf.js';

// Reading DocMDP and FieldMDP (ISO 32000-1 §12.8.2.2–12.8.2.4) from the signed revision with the verifier's
// own parser: the catalog's /Perms /DocMDP, the signature's /Reference, and their defaults.

const CATALOG = '<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Metadata 7 0 R';
const sig = (reference: string) => `<< /Type /Sig ${reference} ${SIG_PLACEHOLDER} >>`;
const docMdp = (params: string) =>
  `/Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams ${params} >> >>]`;

function permissions(catalog: string, sigDict: string) {
  const pdf = miniPdf([{ ...BASE, 1: catalog, 12: sigDict }], { info: 6 });
  return signaturePermissions(new PdfObjectIndex(pdf), 0, 12);
}

describe('signaturePermissions', () => {
  const rows: [string, string, string, number | null][] = [
    ['not certified', `${CATALOG} >>`, sig(''), null],
    ['/Perms names it, P=1', `${CATALOG} /Perms << /DocMDP 12 0 R >> >>`, sig(docMdp('/P 1')), 1],
    ['/Perms names it, P=3', `${CATALOG} /Perms << /DocMDP 12 0 R >> >>`, sig(docMdp('/P 3')), 3],
    ['no /P: the default 2', `${CATALOG} /Perms << /DocMDP 12 0 R >> >>`, sig(docMdp('')), 2],
    [
      '/Perms names it without a DocMDP reference: 2',
      `${CATALOG} /Perms << /DocMDP 12 0 R >> >>`,
      sig(''),
      2,
    ],
    ['a DocMDP reference the catalog does not name still binds', `${CATALOG} >>`, sig(docMdp('/P 1')), 1],
    ['an invalid /P reads as 1', `${CATALOG} /Perms << /DocMDP 12 0 R >> >>`, sig(docMdp('/P 7')), 1],
    ['/P not a number reads as 1', `${CATALOG} /Perms << /DocMDP 12 0 R >> >>`, sig(docMdp('/P (2)')), 1],
    ['/Perms names another signature', `${CATALOG} /Perms << /DocMDP 13 0 R >> >>`, sig(''), null],
  ];
  for (const [name, catalog, sigDict, p] of rows)
    it(`${name} → ${p ?? 'not certified'}`, () => {
      assert.equal(permissions(catalog, sigDict).docMdp, p);
    });

  it('reads a FieldMDP lock; an unknown action locks everything', () => {
    const fieldMdp = (action: string) =>
      `/Reference [<< /TransformMethod /FieldMDP /TransformParams << /Action /${action} /Fields [(amount) (a.b)] >> >>]`;
    assert.deepEqual(permissions(`${CATALOG} >>`, sig(fieldMdp('Include'))).fieldLock, {
      action: 'Include',
      fields: ['amount', 'a.b'],
    });
    assert.equal(permissions(`${CATALOG} >>`, sig(fieldMdp('Whatever'))).fieldLock?.action, 'All');
    assert.equal(permissions(`${CATALOG} >>`, sig('')).fieldLock, null);
  });
});

describe('lockedFieldsChanged', () => {
  const changed = ['amount', 'a.b.c', 'note'];
  it('All locks every field; Include the named ones and their descendants; Exclude the others', () => {
    assert.deepEqual(lockedFieldsChanged({ action: 'All', fields: [] }, changed), changed);
    assert.deepEqual(lockedFieldsChanged({ action: 'Include', fields: ['amount', 'a.b'] }, changed), [
      'amount',
      'a.b.c',
    ]);
    assert.deepEqual(lockedFieldsChanged({ action: 'Exclude', fields: ['amount', 'a.b'] }, changed), [
      'note',
    ]);
    assert.deepEqual(lockedFieldsChanged({ action: 'Include', fields: ['a.b'] }, ['a.bc']), []);
  });
});
