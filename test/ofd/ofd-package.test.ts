import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { signatureCoverage } from '../../src/ofd/ofd-coverage.js';
import { OfdError } from '../../src/ofd/ofd-error.js';
import { openOfd, type OfdPackage } from '../../src/ofd/ofd-package.js';
import { buildOfd, minimalFiles, signatureXml } from './ofd-builder.js';
import { buildZip, text } from './zip-builder.js';

function refusal(bytes: Uint8Array): string {
  try {
    openOfd(bytes);
  } catch (err) {
    if (err instanceof OfdError) return `${err.code}/${err.reason}`;
    throw err;
  }
  return 'accepted';
}

const codes = (p: OfdPackage) => p.findings.map((f) => f.code);
const firstSignature = (p: OfdPackage) => p.documents[0]!.signatures[0]!.signature!;

describe('OFD package: model and reachability', () => {
  const pkg = openOfd(buildOfd());

  it('follows every reference from OFD.xml and classifies what it reaches', () => {
    const kinds = Object.fromEntries(
      [...pkg.reachable.values()].map((f) => [f.path, `${f.kind}:${f.roles.join('+')}`]),
    );
    assert.deepEqual(kinds, {
      'OFD.xml': 'rendered:entry',
      'Doc_0/Document.xml': 'rendered:document',
      'Doc_0/PublicRes.xml': 'rendered:public-res',
      'Doc_0/Res/font_3.ttf': 'rendered:font',
      'Doc_0/DocumentRes.xml': 'rendered:document-res',
      'Doc_0/Res/image_4.png': 'rendered:multimedia',
      'Doc_0/Tpls/Tpl_0/Content.xml': 'rendered:template',
      'Doc_0/Pages/Page_0/Content.xml': 'rendered:page',
      'Doc_0/Pages/Page_0/PageRes.xml': 'rendered:page-res',
      'Doc_0/Res/image_5.png': 'rendered:multimedia',
      'Doc_0/Annots/Annotations.xml': 'rendered:annotations',
      'Doc_0/Annots/Page_0/Annotation.xml': 'rendered:page-annotations',
      'Doc_0/Attachs/Attachments.xml': 'data:attachments',
      'Doc_0/Attachs/licence.json': 'data:attachment',
      'Doc_0/Tags/CustomTags.xml': 'data:custom-tags',
      'Doc_0/Tags/Tag_Licence.xml': 'data:custom-tag',
      'Doc_0/Signs/Signatures.xml': 'signature:signatures',
      'Doc_0/Signs/Sign_0/Signature.xml': 'signature:signature',
      'Doc_0/Signs/Sign_0/SignedValue.dat': 'signature:signed-value',
      'Doc_0/Signs/Sign_0/Seal.esl': 'signature:seal',
    });
    assert.deepEqual(pkg.stray, []);
    assert.deepEqual(pkg.unresolved, []);
    assert.deepEqual(codes(pkg), []);
  });

  it('lists documents, pages, templates and signatures with their References', () => {
    const d = pkg.documents[0]!;
    assert.equal(d.documentPath, 'Doc_0/Document.xml');
    assert.deepEqual(d.pages, [
      { id: '2', baseLoc: 'Pages/Page_0/Content.xml', path: 'Doc_0/Pages/Page_0/Content.xml' },
    ]);
    assert.equal(d.templates[0]!.path, 'Doc_0/Tpls/Tpl_0/Content.xml');
    assert.equal(d.maxSignId, 's001');
    const r = d.signatures[0]!;
    assert.equal(r.id, 's001');
    assert.equal(r.type, 'Seal');
    const s = r.signature!;
    assert.equal(s.rootName, 'Signature');
    assert.equal(s.hasSignedInfo, true);
    assert.equal(s.provider?.name, 'SealTrust');
    assert.equal(s.checkMethod, '1.2.156.10197.1.401');
    assert.equal(s.signatureMethod, '1.2.156.10197.1.501');
    assert.deepEqual(s.stampAnnots, [{ id: 's002', pageRef: '2', boundary: '10 10 40 40' }]);
    assert.equal(s.references.length, 6);
    assert.equal(s.references[0]!.checkValue, 'AAAA');
    assert.equal(s.seal?.location.status, 'found');
    assert.equal(Buffer.from(s.bytes).toString(), minimalFiles()['Doc_0/Signs/Sign_0/Signature.xml']);
  });

  it('says what a signature leaves uncovered', () => {
    const c = signatureCoverage(pkg, firstSignature(pkg));
    assert.deepEqual(
      c.uncovered.map((f) => f.path),
      [
        'Doc_0/DocumentRes.xml',
        'Doc_0/Res/image_4.png',
        'Doc_0/Tpls/Tpl_0/Content.xml',
        'Doc_0/Pages/Page_0/PageRes.xml',
        'Doc_0/Res/image_5.png',
        'Doc_0/Annots/Annotations.xml',
        'Doc_0/Annots/Page_0/Annotation.xml',
        'Doc_0/Attachs/Attachments.xml',
        'Doc_0/Attachs/licence.json',
        'Doc_0/Tags/CustomTags.xml',
        'Doc_0/Tags/Tag_Licence.xml',
        'Doc_0/Signs/Signatures.xml',
      ],
    );
    assert.equal(c.covered.length, 6);
  });

  it('DocRoot repointed to a copy: the copy and its pages are reachable, the original becomes stray', () => {
    // The KingGrid forgery shape: OFD.xml not covered, DocRoot pointed at an edited copy.
    const files = minimalFiles();
    const forged = openOfd(
      buildOfd({
        'OFD.xml': files['OFD.xml']!.replace('Doc_0/Document.xml', 'Doc_1/Document.xml'),
        'Doc_1/Document.xml': `<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages><ofd:Page ID="2" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>`,
        'Doc_1/Pages/Page_0/Content.xml': `<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"/>`,
      }),
    );
    const c = signatureCoverage(forged, firstSignature(forged));
    const uncovered = c.uncovered.map((f) => f.path);
    assert.ok(
      uncovered.includes('Doc_1/Document.xml') && uncovered.includes('Doc_1/Pages/Page_0/Content.xml'),
    );
    assert.ok(forged.stray.includes('Doc_0/Document.xml'));
    assert.ok(c.coveredStray.includes('Doc_0/Document.xml'));
  });

  it('reports stray and missing files, and a case-insensitive match', () => {
    const p = openOfd(
      buildOfd({
        'Doc_0/Res/extra.bin': 'smuggled',
        'Doc_0/Res/image_4.png': null,
        'Doc_0/Document.xml': minimalFiles()['Doc_0/Document.xml']!.replace('Tpls/Tpl_0', 'TPLS/Tpl_0'),
      }),
    );
    assert.deepEqual(p.stray, ['Doc_0/Res/extra.bin']);
    assert.deepEqual(
      p.unresolved.map((u) => [u.loc, u.location.status, u.role, u.from]),
      [['image_4.png', 'missing', 'multimedia', 'Doc_0/DocumentRes.xml']],
    );
    assert.deepEqual(codes(p).sort(), ['loc-case-mismatch', 'loc-missing', 'package-stray-file']);
    assert.equal(p.documents[0]!.templates[0]!.path, 'Doc_0/Tpls/Tpl_0/Content.xml');
  });

  it('keeps an unreadable Signature.xml as a finding on that signature', () => {
    const p = openOfd(buildOfd({ 'Doc_0/Signs/Sign_0/Signature.xml': '<!DOCTYPE x><x/>' }));
    const r = p.documents[0]!.signatures[0]!;
    assert.equal(r.signature, undefined);
    assert.equal(r.unreadable?.reason, 'xml-doctype');
    assert.ok(codes(p).includes('signature-unreadable'));
  });

  it('keeps an unreadable page as a finding; a DOCTYPE in OFD.xml refuses the package', () => {
    const p = openOfd(buildOfd({ 'Doc_0/Pages/Page_0/Content.xml': '<ofd:Page>' }));
    assert.ok(codes(p).includes('xml-unreadable'));
    assert.ok(p.reachable.has('Doc_0/Pages/Page_0/Content.xml'));
    assert.equal(
      refusal(buildOfd({ 'OFD.xml': '<!DOCTYPE a [<!ENTITY x "y">]><ofd:OFD/>' })),
      'malformed-ofd/xml-doctype',
    );
  });

  it('reads Provider written as elements and a relative SignedValue', () => {
    const sig = signatureXml(['/OFD.xml'])
      .replace(
        '<ofd:Provider ProviderName="SealTrust" Version="0.1.0"/>',
        '<ofd:Provider><ofd:ProviderName>iOFD</ofd:ProviderName></ofd:Provider>',
      )
      .replace('<ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat', '<ofd:SignedValue>SignedValue.dat');
    const p = openOfd(buildOfd({ 'Doc_0/Signs/Sign_0/Signature.xml': sig }));
    const s = firstSignature(p);
    assert.deepEqual(s.provider, { name: 'iOFD', asElements: true });
    assert.equal(s.signedValue?.location.status, 'found');
    assert.ok(codes(p).includes('signature-provider-elements'));
  });

  it('notes GM/T 0099 integrity protection and encryption files instead of calling them stray', () => {
    const p = openOfd(
      buildOfd({
        'OFDEntries.xml': `<ofd:DocEntries xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedValueLoc>/signedvalue.dat</ofd:SignedValueLoc></ofd:DocEntries>`,
        'signedvalue.dat': 'x',
        'Encryptions.xml': '<ofd:Encryptions xmlns:ofd="http://www.ofdspec.org/2016"/>',
      }),
    );
    assert.deepEqual(p.protection, ['OFDEntries.xml', 'signedvalue.dat', 'Encryptions.xml']);
    assert.deepEqual(p.stray, []);
    assert.ok(codes(p).includes('package-integrity-protection') && codes(p).includes('package-encryption'));
  });

  const refused: [string, Buffer, string][] = [
    ['a ZIP without OFD.xml', buildZip([{ name: 'a.txt', data: text('x') }]), 'not-an-ofd/ofd-no-entry'],
    [
      'an entry named ofd.xml',
      buildZip([{ name: 'ofd.xml', data: text('<OFD/>') }]),
      'malformed-ofd/ofd-no-entry',
    ],
    [
      'OFD.xml with another root',
      buildOfd({ 'OFD.xml': '<ofd:Document xmlns:ofd="x"/>' }),
      'malformed-ofd/ofd-root',
    ],
    [
      'a DocBody without DocRoot',
      buildOfd({ 'OFD.xml': '<OFD><DocBody/></OFD>' }),
      'malformed-ofd/ofd-doc-root',
    ],
    ['a DocRoot to nowhere', buildOfd({ 'Doc_0/Document.xml': null }), 'malformed-ofd/ofd-doc-root'],
    [
      'too many signatures',
      buildOfd({
        'Doc_0/Signs/Signatures.xml': `<Signatures>${'<Signature ID="1" BaseLoc="x"/>'.repeat(65)}</Signatures>`,
      }),
      'too-complex/ofd-too-many-signatures',
    ],
    [
      'a flood of references to absent pages',
      buildOfd({
        'Doc_0/Document.xml': `<Document><Pages>${'<Page ID="1" BaseLoc="nowhere.xml"/>'.repeat(10_001)}</Pages></Document>`,
      }),
      'too-complex/ofd-too-many-unresolved',
    ],
  ];
  for (const [title, bytes, expected] of refused)
    it(`refuses ${title}`, () => assert.equal(refusal(bytes), expected));

  it('random byte flips in any entry end in a model or an OfdError, never another exception', () => {
    const names = Object.keys(minimalFiles()).filter((n) => n.endsWith('.xml'));
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (name, flips) => {
          const content = Buffer.from(minimalFiles()[name]!);
          for (const [at, v] of flips) content[at % content.length] = v;
          const entries = Object.entries(minimalFiles()).map(([n, c]) => ({
            name: n,
            data: n === name ? content : text(c),
          }));
          refusal(buildZip(entries));
        },
      ),
      { numRuns: 400 },
    );
  });
});
