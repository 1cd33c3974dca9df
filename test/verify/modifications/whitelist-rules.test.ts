import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PdfObjectIndex } from '../../../src/pdf/pdf-object-index.js';
import { analyseModifications } from '../../../src/verify/modifications/revision-diff.js';
import type { WhitelistRule } from '../../../src/verify/modifications/rule.js';
import { acroFormRule } from '../../../src/verify/modifications/rules/acro-form.js';
import { annotationRule } from '../../../src/verify/modifications/rules/annotation.js';
import { catalogRule } from '../../../src/verify/modifications/rules/catalog.js';
import { documentInfoRule } from '../../../src/verify/modifications/rules/document-info.js';
import { dssRule } from '../../../src/verify/modifications/rules/dss.js';
import { fileStructureRule } from '../../../src/verify/modifications/rules/file-structure.js';
import { formFieldRule } from '../../../src/verify/modifications/rules/form-field.js';
import { WHITELIST_RULES } from '../../../src/verify/modifications/rules/index.js';
import { pageAnnotationsRule } from '../../../src/verify/modifications/rules/page-annotations.js';
import { signatureDictionaryRule } from '../../../src/verify/modifications/rules/signature-dictionary.js';
import { signatureFieldRule } from '../../../src/verify/modifications/rules/signature-field.js';
import { xmpMetadataRule } from '../../../src/verify/modifications/rules/xmp-metadata.js';
import { applyRule, BASE, miniPdf, SIG_PLACEHOLDER, stream, type Objects } from './mini-pdf.js';

// One table per whitelist rule: the update (objects of a second revision over BASE), the object judged, and
// the category the rule gives it, or null ("not whitelisted": the rule does not speak for it).

type Row = [name: string, update: Objects, num: number, expected: string | null];

const PAINT = stream('1 0 0 rg 0 0 100 20 re f', '/Type /XObject /Subtype /Form /BBox [0 0 100 20]');
const EMPTY = stream('q Q', '/Type /XObject /Subtype /Form /BBox [0 0 100 20]');
const annot = (extra: string) => `<< /Type /Annot /Rect [60 690 300 720] /P 3 0 R ${extra} >>`;
const page = (annots: string, extra = '') =>
  `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Annots [${annots}] ${extra}>>`;

const TABLES: [WhitelistRule, Row[]][] = [
  [
    documentInfoRule,
    [
      ['the /Info dictionary changed: ignored', { 6: '<< /Producer (other) >>' }, 6, 'ignore'],
      ['a page: not this rule', { 3: page('10 0 R 11 0 R', '/Rotate 90 ') }, 3, null],
    ],
  ],
  [
    xmpMetadataRule,
    [
      [
        "the catalog's XMP stream rewritten",
        { 7: stream('<x:xmpmeta>2026</x:xmpmeta>', '/Type /Metadata /Subtype /XML') },
        7,
        'ignore',
      ],
      [
        "another XMP stream (a page's, or a new one)",
        { 20: stream('<x:xmpmeta/>', '/Type /Metadata /Subtype /XML') },
        20,
        null,
      ],
      ['a page: not this rule', { 3: page('10 0 R 11 0 R', '/Rotate 90 ') }, 3, null],
    ],
  ],
  [
    fileStructureRule,
    [
      ['an object stream: ignored', { 20: stream('', '/Type /ObjStm /N 0 /First 0') }, 20, 'ignore'],
      ['a plain stream: not this rule', { 20: stream('x') }, 20, null],
    ],
  ],
  [
    signatureDictionaryRule,
    [
      ['a new signature over its revision', { 20: `<< /Type /Sig ${SIG_PLACEHOLDER} >>` }, 20, 'signature'],
      [
        'a new document timestamp over its revision',
        { 20: `<< /Type /DocTimeStamp /SubFilter /ETSI.RFC3161 ${SIG_PLACEHOLDER} >>` },
        20,
        'validation-data',
      ],
      [
        'a new signature whose /ByteRange covers nothing: judged by its users',
        { 20: '<< /Type /Sig /ByteRange [0 10 20 30] /Contents <00> >>' },
        20,
        'derive',
      ],
      ['the signed signature dictionary changed', { 12: '<< /Type /Sig /Contents <00> >>' }, 12, 'other'],
      ['not a signature dictionary', { 20: '<< /Foo 1 >>' }, 20, null],
    ],
  ],
  [
    dssRule,
    [
      ['a document security store', { 20: '<< /Type /DSS /CRLs [] >>' }, 20, 'validation-data'],
      ['another dictionary', { 20: '<< /Type /Foo >>' }, 20, null],
    ],
  ],
  [
    catalogRule,
    [
      [
        '/DSS added',
        { 1: '<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Metadata 7 0 R /DSS 20 0 R >>' },
        1,
        'ignore',
      ],
      [
        '/AcroForm replaced by a reference',
        { 1: '<< /Type /Catalog /Pages 2 0 R /AcroForm 20 0 R /Metadata 7 0 R >>' },
        1,
        'ignore',
      ],
      [
        '/OpenAction added',
        { 1: '<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Metadata 7 0 R /OpenAction [3 0 R /Fit] >>' },
        1,
        'other',
      ],
      [
        '/Perms added (certifying after the fact)',
        {
          1: '<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Metadata 7 0 R /Perms << /DocMDP 12 0 R >> >>',
        },
        1,
        'other',
      ],
      [
        '/Pages replaced',
        { 1: '<< /Type /Catalog /Pages 20 0 R /AcroForm 5 0 R /Metadata 7 0 R >>' },
        1,
        'other',
      ],
      ['not the catalog', { 2: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' }, 2, null],
    ],
  ],
  [
    acroFormRule,
    [
      ['a field added', { 5: '<< /Fields [10 0 R 11 0 R 20 0 R] /SigFlags 3 >>' }, 5, 'ignore'],
      ['a field removed', { 5: '<< /Fields [10 0 R] /SigFlags 3 >>' }, 5, 'other'],
      [
        '/NeedAppearances set',
        { 5: '<< /Fields [10 0 R 11 0 R] /SigFlags 3 /NeedAppearances true >>' },
        5,
        'form-fill',
      ],
      ['/XFA added', { 5: '<< /Fields [10 0 R 11 0 R] /SigFlags 3 /XFA 20 0 R >>' }, 5, 'other'],
      ['not the form', { 2: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' }, 2, null],
    ],
  ],
  [
    signatureFieldRule,
    [
      [
        'a signed field: its /V signs this revision',
        {
          20: '<< /Type /Annot /Subtype /Widget /FT /Sig /T (S2) /V 21 0 R /Rect [60 690 300 720] /AP << /N 22 0 R >> >>',
          21: `<< /Type /Sig ${SIG_PLACEHOLDER} >>`,
          22: PAINT,
        },
        20,
        'signature',
      ],
      [
        'an unsigned field whose widget paints',
        { 20: annot('/Subtype /Widget /FT /Sig /T (S2) /AP << /N 21 0 R >>'), 21: PAINT },
        20,
        'overlay',
      ],
      [
        "a field whose /V is the earlier signature's dictionary (signs nothing now)",
        { 20: annot('/Subtype /Widget /FT /Sig /T (S2) /V 12 0 R /AP << /N 21 0 R >>'), 21: PAINT },
        20,
        'overlay',
      ],
      [
        'an unsigned field, zero size: a field prepared for signing',
        { 20: '<< /Type /Annot /Subtype /Widget /FT /Sig /T (S2) /Rect [0 0 0 0] >>' },
        20,
        'form-fill',
      ],
      [
        'an unsigned field without appearance draws nothing',
        { 20: annot('/Subtype /Widget /FT /Sig /T (S2)') },
        20,
        'form-fill',
      ],
      [
        "the signed field's widget given a new appearance",
        {
          11: '<< /Type /Annot /Subtype /Widget /FT /Sig /T (Seal1) /V 12 0 R /Rect [60 690 300 720] /P 3 0 R /AP << /N 20 0 R >> >>',
          20: PAINT,
        },
        11,
        'overlay',
      ],
      [
        "the signed field's /V replaced",
        { 11: '<< /Type /Annot /Subtype /Widget /FT /Sig /T (Seal1) /V 20 0 R /Rect [0 0 0 0] /P 3 0 R >>' },
        11,
        'other',
      ],
      ['a text field: not this rule', { 10: annot('/Subtype /Widget /FT /Tx /T (amount) /V (1)') }, 10, null],
    ],
  ],
  [
    formFieldRule,
    [
      [
        'an existing field filled in',
        {
          10: '<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /Rect [50 50 250 70] /P 3 0 R /V (100,000) /AP << /N 20 0 R >> >>',
          20: PAINT,
        },
        10,
        'form-fill',
      ],
      [
        'an existing field moved',
        { 10: '<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /Rect [60 690 300 720] /P 3 0 R >>' },
        10,
        'other',
      ],
      [
        'a new text field widget (drawn from its value)',
        { 20: annot('/Subtype /Widget /FT /Tx /T (x) /V (9)') },
        20,
        'overlay',
      ],
      [
        'a new text field widget, hidden',
        { 20: annot('/Subtype /Widget /FT /Tx /T (x) /V (9) /F 2') },
        20,
        'annotation',
      ],
      ['a new field without widget', { 20: '<< /FT /Tx /T (x) /Kids [] >>' }, 20, 'annotation'],
      ['a plain annotation: not this rule', { 20: annot('/Subtype /FreeText') }, 20, null],
    ],
  ],
  [
    annotationRule,
    [
      [
        'FreeText with an appearance',
        { 20: annot('/Subtype /FreeText /AP << /N 21 0 R >>'), 21: PAINT },
        20,
        'overlay',
      ],
      [
        'FreeText without appearance (drawn from /DA)',
        { 20: annot('/Subtype /FreeText /DA (/Helv 12 Tf)') },
        20,
        'overlay',
      ],
      [
        'Stamp without appearance (a named stamp)',
        { 20: annot('/Subtype /Stamp /Name /Approved') },
        20,
        'overlay',
      ],
      ['Square without appearance', { 20: annot('/Subtype /Square /IC [1 1 1]') }, 20, 'overlay'],
      ['Text (a note icon) without appearance', { 20: annot('/Subtype /Text') }, 20, 'annotation'],
      [
        'Text with an appearance that draws',
        { 20: annot('/Subtype /Text /AP << /N 21 0 R >>'), 21: PAINT },
        20,
        'overlay',
      ],
      ['Link without appearance', { 20: annot('/Subtype /Link') }, 20, 'annotation'],
      ['Popup', { 20: annot('/Subtype /Popup') }, 20, 'annotation'],
      [
        'hidden (F=2)',
        { 20: annot('/Subtype /FreeText /F 2 /AP << /N 21 0 R >>'), 21: PAINT },
        20,
        'annotation',
      ],
      [
        'NoView without Print (F=32)',
        { 20: annot('/Subtype /FreeText /F 32 /AP << /N 21 0 R >>'), 21: PAINT },
        20,
        'annotation',
      ],
      [
        'NoView with Print (F=36): it prints',
        { 20: annot('/Subtype /FreeText /F 36 /AP << /N 21 0 R >>'), 21: PAINT },
        20,
        'overlay',
      ],
      [
        'zero area',
        { 20: '<< /Type /Annot /Subtype /FreeText /Rect [60 60 60 90] /AP << /N 21 0 R >> >>', 21: PAINT },
        20,
        'annotation',
      ],
      [
        'outside the crop box',
        {
          20: '<< /Type /Annot /Subtype /FreeText /Rect [700 900 800 950] /P 3 0 R /AP << /N 21 0 R >> >>',
          21: PAINT,
        },
        20,
        'annotation',
      ],
      [
        'an appearance that only saves and restores',
        { 20: annot('/Subtype /FreeText /AP << /N 21 0 R >>'), 21: EMPTY },
        20,
        'annotation',
      ],
      [
        'appearance states: /AS picks the empty one',
        {
          20: annot('/Subtype /Square /AS /Off /AP << /N << /On 21 0 R /Off 22 0 R >> >>'),
          21: PAINT,
          22: EMPTY,
        },
        20,
        'annotation',
      ],
      [
        'appearance states: /AS picks the painting one',
        {
          20: annot('/Subtype /Square /AS /On /AP << /N << /On 21 0 R /Off 22 0 R >> >>'),
          21: PAINT,
          22: EMPTY,
        },
        20,
        'overlay',
      ],
      ['not an annotation', { 20: '<< /Foo 1 >>' }, 20, null],
    ],
  ],
  [
    pageAnnotationsRule,
    [
      ['an annotation added to the page', { 3: page('10 0 R 11 0 R 20 0 R') }, 3, 'ignore'],
      ['an annotation removed from the page', { 3: page('10 0 R') }, 3, 'annotation'],
      [
        'the page content replaced',
        { 3: page('10 0 R 11 0 R').replace('4 0 R', '20 0 R'), 20: stream('') },
        3,
        'other',
      ],
      ['the page rotated', { 3: page('10 0 R 11 0 R', '/Rotate 90 ') }, 3, 'other'],
      [
        'the content wrapped in q … Q (pdf-lib)',
        {
          3: page('10 0 R 11 0 R 20 0 R').replace('4 0 R', '[21 0 R 4 0 R 22 0 R]'),
          21: stream('q'),
          22: stream('Q'),
        },
        3,
        'ignore',
      ],
      ['not a page', { 20: '<< /Foo 1 >>' }, 20, null],
    ],
  ],
];

describe('whitelist rules', () => {
  for (const [rule, rows] of TABLES)
    describe(rule.name, () => {
      for (const [name, update, num, expected] of rows)
        it(`${name} → ${expected ?? 'not whitelisted'}`, () => {
          assert.equal(applyRule(rule, update, num), expected);
        });
    });

  it('every rule of the whitelist has a table', () => {
    assert.deepEqual(TABLES.map(([r]) => r.name).sort(), WHITELIST_RULES.map((r) => r.name).sort());
    for (const r of WHITELIST_RULES) assert.ok(r.whitelists.length > 10, r.name);
  });

  it('the mini PDF has a base signature over revision 0 only', () => {
    assert.equal(
      applyRule(signatureDictionaryRule, { 20: `<< /Type /Sig ${SIG_PLACEHOLDER} >>` }, 20),
      'signature',
    );
    assert.ok(BASE[12]!.includes(SIG_PLACEHOLDER));
  });
});

describe('the runner (revision-diff)', () => {
  const run = (update: Objects) => {
    const a = analyseModifications(new PdfObjectIndex(miniPdf([BASE, update], { info: 6 })), 0);
    return a.changes.map((c) => `${c.num}:${c.category}`).sort();
  };

  const rows: [string, Objects, string[]][] = [
    ['an unchanged rewrite is no change', { 4: BASE[4]! }, []],
    ['a new object nobody uses is invisible', { 20: stream('BT (x) Tj ET') }, []],
    [
      'the catalog rewritten unchanged with an unused object: nothing',
      { 8: stream('BT (x) Tj ET'), 1: '<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Metadata 7 0 R >>' },
      [],
    ],
    ['the page content redefined (shadow replace)', { 4: stream('BT (pay 100,000) Tj ET') }, ['4:other']],
    [
      "a FreeText's new appearance stream takes the FreeText's category",
      { 3: page('10 0 R 11 0 R 20 0 R'), 20: annot('/Subtype /FreeText /AP << /N 21 0 R >>'), 21: PAINT },
      ['20:overlay', '21:overlay'],
    ],
    [
      'a new signature with its field and appearance',
      {
        3: page('10 0 R 11 0 R 20 0 R'),
        5: '<< /Fields [10 0 R 11 0 R 20 0 R] /SigFlags 3 >>',
        20: '<< /Type /Annot /Subtype /Widget /FT /Sig /T (S2) /V 21 0 R /Rect [60 690 300 720] /P 3 0 R /AP << /N 22 0 R >> >>',
        21: `<< /Type /Sig ${SIG_PLACEHOLDER} >>`,
        22: PAINT,
      },
      ['20:signature', '21:signature', '22:signature'],
    ],
    ['an object deleted that the signed revision used', { 4: '' }, ['4:other']],
  ];
  for (const [name, update, expected] of rows)
    it(name, () => {
      if (update[4] === '') {
        // A free entry for object 4: written by hand below.
        const pdf = miniPdf([BASE, { 20: '<< >>' }], { info: 6 });
        const freed = Buffer.from(
          pdf.toString('latin1').replace(/20 1\n(\d{10}) 00000 n/, '4 1\n0000000000 00001 f'),
          'latin1',
        );
        const a = analyseModifications(new PdfObjectIndex(freed), 0);
        assert.deepEqual(
          a.changes.map((c) => `${c.num}:${c.category}`),
          expected,
        );
        return;
      }
      assert.deepEqual(run(update), expected);
    });
});
