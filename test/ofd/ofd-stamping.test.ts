import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signatureCoverage } from '../../src/ofd/ofd-coverage.js';
import { openOfd, type OfdPackage } from '../../src/ofd/ofd-package.js';
import { OfdStampError } from '../../src/ofd/ofd-stamp-error.js';
import { ofdPageBoxes } from '../../src/ofd/ofd-page-area.js';
import { prepareOfdSeal } from '../../src/ofd/ofd-stamping.js';
import { resolvePlacements } from '../../src/pdf/pdf-placement.js';
import { readZip } from '../../src/ofd/zip-reader.js';
import { buildOfd, minimalFiles } from './ofd-builder.js';
import {
  assertNoNewFindings,
  assertOriginalEntriesPreserved,
  assertReferencesMatch,
  baseOptions,
  DUMMY_SEAL,
  DUMMY_SIGNED_VALUE,
  fixture,
  fixturesSkip,
  signatureAt,
  sm3Base64,
  stamp,
  unsignedOfd,
  withExternalTools,
} from './ofd-stamping-support.js';

// GM/T 0099-2020 §7 / GB/T 33190 §18 stamping of an existing package (design §4.5): every original entry stays
// byte-identical, Signatures.xml is spliced, References cover every file (Signatures.xml only with `lock`),
// and independent tools (Python zipfile, Info-ZIP, node:crypto SM3) agree with what we wrote.

const NEW_FILES = (dir: string) => [`${dir}/Seal.esl`, `${dir}/Signature.xml`, `${dir}/SignedValue.dat`];
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8');
const renderedUncovered = (pkg: OfdPackage, path: string) =>
  signatureCoverage(pkg, signatureAt(pkg, path))
    .uncovered.filter((f) => f.kind === 'rendered')
    .map((f) => f.path);

describe('stamping an unsigned OFD', () => {
  const original = unsignedOfd();
  const { out, prepared, before, after } = stamp(original);

  it('adds the Signatures element to OFD.xml by splicing, and nothing else changes there', () => {
    assert.equal(prepared.ofdXmlChanged, true);
    const expected = text(before.file('OFD.xml')).replace(
      '</ofd:DocRoot>',
      '</ofd:DocRoot><ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>',
    );
    assert.equal(text(after.file('OFD.xml')), expected);
    assert.equal(after.documents[0]!.signaturesPath, 'Doc_0/Signs/Signatures.xml');
  });

  it('keeps every other original entry byte-identical and adds exactly the signature files', () => {
    assertOriginalEntriesPreserved(
      original,
      out,
      ['OFD.xml'],
      ['Doc_0/Signs/Signatures.xml', ...NEW_FILES('Doc_0/Signs/Sign_0')],
    );
    assertNoNewFindings(before, after);
  });

  it('writes a schema-ordered Signatures.xml and Signature.xml with ofdrw-style IDs (1, 2)', () => {
    assert.equal(
      text(after.file('Doc_0/Signs/Signatures.xml')),
      '<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"><ofd:MaxSignId>2</ofd:MaxSignId>' +
        '<ofd:Signature ID="1" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>',
    );
    const sig = signatureAt(after, 'Doc_0/Signs/Sign_0/Signature.xml');
    assert.equal(text(sig.bytes), text(prepared.signatureXml));
    assert.equal(sig.checkMethod, '1.2.156.10197.1.401');
    assert.equal(sig.signatureMethod, '1.2.156.10197.1.501');
    assert.equal(sig.signatureDateTime, '20261204021412Z');
    assert.deepEqual(sig.provider, {
      name: 'SealTrust',
      company: 'SealTrust',
      version: '0.1.0',
      asElements: false,
    });
    assert.deepEqual(sig.stampAnnots, [{ id: '2', pageRef: '2', boundary: '20 30 40 40' }]);
    assert.equal(sig.seal?.loc, '/Doc_0/Signs/Sign_0/Seal.esl');
    assert.equal(sig.signedValue?.loc, '/Doc_0/Signs/Sign_0/SignedValue.dat');
    assert.deepEqual(after.file('Doc_0/Signs/Sign_0/Seal.esl'), DUMMY_SEAL);
    assert.deepEqual(after.file('Doc_0/Signs/Sign_0/SignedValue.dat'), DUMMY_SIGNED_VALUE);
    // dataHash input and propertyInfo
    assert.equal(prepared.digest.toString('base64'), sm3Base64(sig.bytes));
    assert.equal(prepared.propertyInfo, '/Doc_0/Signs/Sign_0/Signature.xml');
  });

  it('References: every file but Signatures.xml and its own two, each SM3 recomputed from unzip -p', () => {
    const sig = signatureAt(after, 'Doc_0/Signs/Sign_0/Signature.xml');
    const files = readZip(out)
      .entries.map((e) => e.name)
      .filter(
        (n) =>
          ![
            'Doc_0/Signs/Signatures.xml',
            'Doc_0/Signs/Sign_0/Signature.xml',
            'Doc_0/Signs/Sign_0/SignedValue.dat',
          ].includes(n),
      );
    assert.deepEqual(
      sig.references.map((r) => r.fileRef.slice(1)),
      files,
    );
    withExternalTools(out, (read) => assertReferencesMatch(sig, read));
  });

  it('covers every rendered file reachable from OFD.xml', () => {
    assert.deepEqual(renderedUncovered(after, 'Doc_0/Signs/Sign_0/Signature.xml'), []);
    assert.ok(after.reachable.size > 10);
  });

  it('is deterministic: the same input and options give the same bytes', () => {
    assert.deepEqual(stamp(original).out, out);
  });
});

describe('countersigning and locking', () => {
  const first = stamp(unsignedOfd());
  const second = stamp(first.out, {
    placements: [{ pageId: '2', xMm: 100, yMm: 30, widthMm: 40, heightMm: 40 }],
  });

  it('splices the second record into Signatures.xml: only the record and MaxSignId change', () => {
    const was = text(first.after.file('Doc_0/Signs/Signatures.xml'));
    const now = text(second.after.file('Doc_0/Signs/Signatures.xml'));
    const record = '<ofd:Signature ID="3" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_1/Signature.xml"/>';
    assert.equal(
      now,
      was
        .replace('>2</ofd:MaxSignId>', '>4</ofd:MaxSignId>')
        .replace('</ofd:Signatures>', record + '</ofd:Signatures>'),
    );
    assertOriginalEntriesPreserved(
      first.out,
      second.out,
      ['Doc_0/Signs/Signatures.xml'],
      NEW_FILES('Doc_0/Signs/Sign_1'),
    );
    assert.equal(second.prepared.ofdXmlChanged, false);
  });

  it('keeps the first signature valid and covers its files', () => {
    const firstSig = signatureAt(second.after, 'Doc_0/Signs/Sign_0/Signature.xml');
    const secondSig = signatureAt(second.after, 'Doc_0/Signs/Sign_1/Signature.xml');
    assert.deepEqual(firstSig.bytes, first.prepared.signatureXml);
    for (const f of NEW_FILES('Doc_0/Signs/Sign_0')) assert.ok(secondSig.covered.has(f), f);
    assert.ok(!secondSig.covered.has('Doc_0/Signs/Signatures.xml'));
    withExternalTools(second.out, (read) => {
      assertReferencesMatch(firstSig, read);
      assertReferencesMatch(secondSig, read);
    });
    assert.deepEqual(renderedUncovered(second.after, 'Doc_0/Signs/Sign_1/Signature.xml'), []);
  });

  it('lock covers Signatures.xml (with its own record) and refuses a further stamp: document-locked', () => {
    const locked = stamp(second.out, { lock: true });
    const sig = signatureAt(locked.after, 'Doc_0/Signs/Sign_2/Signature.xml');
    assert.ok(sig.covered.has('Doc_0/Signs/Signatures.xml'));
    withExternalTools(locked.out, (read) => assertReferencesMatch(sig, read));
    assert.match(text(locked.after.file('Doc_0/Signs/Signatures.xml')), /ID="5"[^>]*Sign_2/);
    assert.throws(
      () => stamp(locked.out),
      (e: unknown) => e instanceof OfdStampError && e.code === 'document-locked',
    );
  });
});

describe('Signatures.xml shapes', () => {
  const withSignatures = (xml: string) =>
    buildOfd({
      'Doc_0/Signs/Signatures.xml': xml,
      'Doc_0/Signs/Sign_0/Signature.xml': minimalFiles()['Doc_0/Signs/Sign_0/Signature.xml']!.replace(
        'ID="s002" ',
        'ID="7" ',
      ),
    });
  const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';

  it('inserts MaxSignId first when it is absent, continuing the IDs in the file style (digits only)', () => {
    const xml = `<ofd:Signatures ${NS}>\n  <ofd:Signature ID="1" BaseLoc="Sign_0/Signature.xml"/>\n</ofd:Signatures>`;
    const { after } = stamp(withSignatures(xml));
    assert.equal(
      text(after.file('Doc_0/Signs/Signatures.xml')),
      `<ofd:Signatures ${NS}><ofd:MaxSignId>9</ofd:MaxSignId>\n  <ofd:Signature ID="1" BaseLoc="Sign_0/Signature.xml"/>` +
        '<ofd:Signature ID="8" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_1/Signature.xml"/>\n</ofd:Signatures>',
    );
  });

  it('keeps zero-padded IDs padded and a self-closing MaxSignId replaced in place', () => {
    const xml = `<ofd:Signatures ${NS}><ofd:Signature ID="001" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/><ofd:MaxSignId/></ofd:Signatures>`;
    const { after, prepared } = stamp(withSignatures(xml));
    assert.equal(prepared.signatureId, '008');
    assert.deepEqual(prepared.stampAnnotIds, ['009']);
    assert.match(
      text(after.file('Doc_0/Signs/Signatures.xml')),
      /<ofd:MaxSignId>009<\/ofd:MaxSignId><\/ofd:Signatures>$/,
    );
  });

  it('opens an empty-element Signatures root', () => {
    const unsigned = unsignedOfd({
      'OFD.xml': text(openOfd(buildOfd()).file('OFD.xml')),
      'Doc_0/Signs/Signatures.xml': `<ofd:Signatures ${NS}/>`,
    });
    const { after } = stamp(unsigned);
    assert.equal(
      text(after.file('Doc_0/Signs/Signatures.xml')),
      `<ofd:Signatures ${NS}><ofd:MaxSignId>2</ofd:MaxSignId><ofd:Signature ID="1" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>`,
    );
  });

  it('creates the file OFD.xml names when it is missing, leaving OFD.xml alone', () => {
    const unsigned = unsignedOfd({ 'OFD.xml': text(openOfd(buildOfd()).file('OFD.xml')) });
    const { prepared, after } = stamp(unsigned);
    assert.equal(prepared.ofdXmlChanged, false);
    assert.equal(after.documents[0]!.signatures.length, 1);
  });
});

describe('placements', () => {
  it('cross-page: one StampAnnot per page with Clip slices adding up to the seal', () => {
    const pages = [0, 1, 2, 3, 4];
    const files: Record<string, string> = {
      'Doc_0/Document.xml': text(openOfd(unsignedOfd()).file('Doc_0/Document.xml')).replace(
        /<ofd:Pages>.*<\/ofd:Pages>/,
        `<ofd:Pages>${pages.map((i) => `<ofd:Page ID="${10 + i}" BaseLoc="Pages/Page_${i}/Content.xml"/>`).join('')}</ofd:Pages>`,
      ),
    };
    for (const i of pages)
      files[`Doc_0/Pages/Page_${i}/Content.xml`] =
        '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content/></ofd:Page>';
    const slice = 42 / 5;
    // resolved by the same placement code as PDFs (骑缝章: slice i at the right edge of page i)
    const unsigned = unsignedOfd(files);
    const placements = resolvePlacements([{ type: 'cross-page', pages: 'all', yMm: 100 }], {
      pages: ofdPageBoxes(openOfd(unsigned)),
      seal: { widthMm: 42, heightMm: 42 },
    });
    const { after } = stamp(unsigned, { placements, picture: { widthMm: 42, heightMm: 42 } });
    const annots = signatureAt(after, 'Doc_0/Signs/Sign_0/Signature.xml').stampAnnots;
    assert.deepEqual(
      annots.map((a) => a.pageRef),
      ['10', '11', '12', '13', '14'],
    );
    let width = 0;
    annots.forEach((a, i) => {
      const [bx, by, bw, bh] = a.boundary!.split(' ').map(Number);
      const [cx, cy, cw, ch] = a.clip!.split(' ').map(Number);
      assert.equal(bw, 42);
      assert.equal(bh, 42);
      assert.equal(by, 100);
      assert.ok(Math.abs(cx! - i * slice) < 0.001 && cy === 0 && ch === 42);
      // the visible slice sits at the page's right edge
      assert.ok(Math.abs(bx! + cx! + cw! - 210) < 0.002);
      width += cw!;
    });
    assert.ok(Math.abs(width - 42) < 0.005);
  });

  it('refuses a page the document does not have, and a box that is not the seal size', () => {
    const pkg = openOfd(unsignedOfd());
    const invalid = (e: unknown) => e instanceof OfdStampError && e.code === 'invalid-options';
    assert.throws(
      () =>
        prepareOfdSeal(
          pkg,
          baseOptions({ placements: [{ page: 1, xMm: 0, yMm: 0, widthMm: 40, heightMm: 40 }] }),
        ),
      invalid,
    );
    assert.throws(
      () =>
        prepareOfdSeal(
          pkg,
          baseOptions({ placements: [{ pageId: '99', xMm: 0, yMm: 0, widthMm: 40, heightMm: 40 }] }),
        ),
      invalid,
    );
    assert.throws(
      () =>
        prepareOfdSeal(
          pkg,
          baseOptions({ placements: [{ page: 0, xMm: 0, yMm: 0, widthMm: 30, heightMm: 40 }] }),
        ),
      invalid,
    );
    assert.throws(() => prepareOfdSeal(pkg, baseOptions({ placements: [] })), invalid);
    assert.throws(() => prepareOfdSeal(pkg, baseOptions()).finish(new Uint8Array()), invalid);
    assert.throws(
      () => prepareOfdSeal(pkg, baseOptions({ signDate: new Date('1979-12-31T23:59:59Z') })),
      invalid,
    );
    assert.throws(() => prepareOfdSeal(pkg, baseOptions({ sealFile: new Uint8Array([0x04, 0]) })), invalid);
  });

  it('Type=Sign without a seal file and without placements writes no Seal and no StampAnnot', () => {
    const { after } = stamp(unsignedOfd(), {
      signatureType: 'Sign',
      placements: [],
      sealFile: undefined,
      picture: undefined,
    });
    const sig = signatureAt(after, 'Doc_0/Signs/Sign_0/Signature.xml');
    assert.equal(sig.seal, undefined);
    assert.deepEqual(sig.stampAnnots, []);
    assert.match(text(after.file('Doc_0/Signs/Signatures.xml')), /Type="Sign"/);
    assert.equal(after.file('Doc_0/Signs/Sign_0/Seal.esl'), undefined);
  });
});

describe('stamping real sealed OFDs', { skip: fixturesSkip }, () => {
  for (const [name, expected] of [
    ['ofdrw_v4_continue.ofd', { id: '3', annot: '4', records: 2 }],
    ['gomain_tax_invoice_chongqing.ofd', { id: '2', annot: '3', records: 2 }],
  ] as const) {
    it(`${name}: spliced, byte-identical entries, the producer's signature untouched`, () => {
      const original = fixture(name);
      const { out, prepared, before, after } = stamp(original);
      assert.equal(prepared.signatureId, expected.id);
      assert.deepEqual(prepared.stampAnnotIds, [expected.annot]);
      assertOriginalEntriesPreserved(
        original,
        out,
        ['Doc_0/Signs/Signatures.xml'],
        NEW_FILES('Doc_0/Signs/Sign_1'),
      );
      assertNoNewFindings(before, after);

      // Signatures.xml = the original with the record inserted after the last Signature and MaxSignId's text set
      const was = text(before.file('Doc_0/Signs/Signatures.xml'));
      const now = text(after.file('Doc_0/Signs/Signatures.xml'));
      const record = `<ofd:Signature ID="${expected.id}" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_1/Signature.xml"/>`;
      assert.equal(
        now
          .replace(record, '')
          .replace(`<ofd:MaxSignId>${expected.annot}<`, `<ofd:MaxSignId>${before.documents[0]!.maxSignId}<`),
        was,
      );
      assert.ok(now.indexOf(record) > now.lastIndexOf('<ofd:Signature ID="1"'));
      assert.equal(after.documents[0]!.signatures.length, expected.records);

      const theirs = signatureAt(after, 'Doc_0/Signs/Sign_0/Signature.xml');
      const ours = signatureAt(after, 'Doc_0/Signs/Sign_1/Signature.xml');
      withExternalTools(out, (read) => {
        assertReferencesMatch(theirs, read);
        assertReferencesMatch(ours, read);
      });
      assert.deepEqual(renderedUncovered(after, 'Doc_0/Signs/Sign_1/Signature.xml'), []);
    });
  }

  // Signatures.xml covered by a producer's signature (MANIFEST.md: whole mode, the dzzz second signatures,
  // Shandong's Sign 4)
  const locked = [
    'dzzz_licence_two_sign_missing_image.ofd',
    'dzzz_licence_two_sign_old_namespace.ofd',
    'dzzz_licence_two_sign_pathclip.ofd',
    'ofdrw_v4_riding.ofd',
    'ofdrw_v4_whole.ofd',
    'shandong_oesplugin_edited.ofd',
  ];
  for (const name of locked) {
    it(`${name}: locked by its producer, refused as document-locked`, () => {
      assert.throws(
        () => stamp(fixture(name)),
        (e: unknown) => e instanceof OfdStampError && e.code === 'document-locked' && /锁定/.test(e.message),
      );
    });
  }

  it('ofdrw_integrity_protection.ofd: refused, a stamp would invalidate its GM/T 0099 integrity protection', () => {
    assert.throws(
      () => stamp(fixture('ofdrw_integrity_protection.ofd')),
      (e: unknown) =>
        e instanceof OfdStampError && e.code === 'unsupported-package' && /OFDEntries\.xml/.test(e.message),
    );
  });

  for (const name of [
    'antchain_tax_noseal_file.ofd',
    'dms360_v1_nonconformant.ofd',
    'ofdrw_plain_sm2_sign.ofd',
  ]) {
    it(`${name}: stamped beside its signatures, every original entry intact`, () => {
      const original = fixture(name);
      const { out, prepared, before, after } = stamp(original);
      assert.equal(prepared.ofdXmlChanged, false);
      // Sign_N beside the existing signatures (dms360 keeps Signatures.xml in Doc_0/, signatures in Doc_0/Signs/)
      assert.match(prepared.paths.signature, /^Doc_0\/Signs\/Sign_\d+\/Signature\.xml$/);
      assertOriginalEntriesPreserved(
        original,
        out,
        [prepared.paths.signatures],
        [prepared.paths.seal!, prepared.paths.signature, prepared.paths.signedValue],
      );
      assertNoNewFindings(before, after);
      withExternalTools(out, (read) =>
        assertReferencesMatch(signatureAt(after, prepared.paths.signature), read),
      );
      assert.deepEqual(renderedUncovered(after, prepared.paths.signature), []);
    });
  }
});
