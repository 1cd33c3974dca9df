import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fontkit, { type Font } from '@cantoo/fontkit';
import { DOMParser, type Element as XmlElement } from '@xmldom/xmldom';
import smCrypto from 'sm-crypto';
import { licenceFont } from '../../src/licence/licence-fonts.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { decodeSesSignature } from '../../src/seal/ses-decoder.js';
import { ofdLicenceLayer } from '../../src/verify/ofd-licence-layer.js';
import { validateOfd } from '../../src/verify/ofd-validation.js';
import { mutate, SEAL_1, trustedCtx } from '../verify/ofd-sealed-fixtures.js';
import { cmsSealedOfd, DEMO_LICENCE_TYPES, sealedPair, type SealedPair } from './licence-ofd-support.js';

// Acceptance tests T1–T4, T6, T8 of ../shared/spec/ofd.md §4.7 for licence OFDs made by the production path
// (prepareLicenceFiles, as the render worker runs it), plus size and the part-1 tamper cases. Everything read
// back from the OFD is read with tools other than the writer's: `unzip` for entries, xmldom for XML, fontkit
// for fonts, node:crypto for SM3, sm-crypto for SM2, pdfjs-dist for the PDF.

const { sm2: smc } = smCrypto;
const OFD_NS = 'http://www.ofdspec.org/2016';
const SIGN = 'Doc_0/Signs/Sign_0';

let dir: string;
const pairs = new Map<string, SealedPair>();

/** Entry names (unzip -Z1) and raw bytes (unzip -p) of an OFD, read by Info-ZIP, not by our reader. */
function unzipped(ofd: Buffer): Map<string, Buffer> {
  const file = join(dir, `${createHash('sha256').update(ofd).digest('hex')}.ofd`);
  writeFileSync(file, ofd);
  const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return new Map(
    names.map((n) => [n, execFileSync('unzip', ['-p', file, n], { maxBuffer: 1 << 26 })] as const),
  );
}

function xml(bytes: Buffer): XmlElement {
  return new DOMParser().parseFromString(bytes.toString('utf8'), 'text/xml').documentElement as XmlElement;
}

function* elements(e: XmlElement): Generator<XmlElement> {
  yield e;
  for (let c = e.firstChild; c; c = c.nextSibling)
    if (c.nodeType === 1) yield* elements(c as unknown as XmlElement);
}

const children = (e: XmlElement): XmlElement[] => {
  const out: XmlElement[] = [];
  for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c as unknown as XmlElement);
  return out;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'licence-ofd-'));
  for (const t of DEMO_LICENCE_TYPES) pairs.set(t.code, await sealedPair(t));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('licence OFD of every demo type (T1, T2, T3, T4, T6, size)', () => {
  for (const type of DEMO_LICENCE_TYPES) {
    describe(`${type.code} ${type.name}`, () => {
      it('T1: verifies TOTAL_PASSED; References = every file but the signature’s own two', async () => {
        const p = pairs.get(type.code)!;
        const r = await validateOfd(p.ofd, trustedCtx());
        assert.equal(r.indication, 'TOTAL_PASSED', JSON.stringify(r.signatures[0]?.checks, null, 1));
        assert.equal(r.signatures.length, 1);
        assert.equal(r.signatures[0]!.format, 'OFD SES v4');
        const files = unzipped(p.ofd);
        const sig = xml(files.get(`${SIGN}/Signature.xml`)!);
        const refs = [...elements(sig)].filter((e) => e.localName === 'Reference');
        const expected = [...files.keys()].filter(
          (n) => n !== `${SIGN}/Signature.xml` && n !== `${SIGN}/SignedValue.dat`,
        );
        assert.deepEqual(
          refs.map((e) => e.getAttribute('FileRef')).sort(),
          expected.map((n) => '/' + n).sort(),
        );
        assert.ok(expected.includes('Doc_0/Signs/Signatures.xml'), 'Signatures.xml covered: locked');
        assert.ok(files.get(`${SIGN}/Seal.esl`)!.equals(SEAL_1), 'Seal.esl is the registered seal');
        // The seal box: the template's centre, the picture's size.
        const annot = [...elements(sig)].find((e) => e.localName === 'StampAnnot')!;
        assert.ok(annot.getAttribute('Boundary'));
      });

      it('T6: sm-crypto verifies the SES signature over SM3(Signature.xml); node:crypto SM3 recomputes every Reference', () => {
        const files = unzipped(pairs.get(type.code)!.ofd);
        const signatureXml = files.get(`${SIGN}/Signature.xml`)!;
        const ses = decodeSesSignature(files.get(`${SIGN}/SignedValue.dat`)!);
        assert.equal(ses.version, 4);
        assert.ok(ses.dataHash.equals(createHash('sm3').update(signatureXml).digest()));
        assert.equal(ses.propertyInfo, `/${SIGN}/Signature.xml`);
        const written = /<ofd:SignatureDateTime>(\d{14})Z</.exec(signatureXml.toString('utf8'))![1]!;
        assert.equal(ses.timeInfo!.toISOString().replace(/[-:T]|\.\d+Z$/g, ''), written);
        const publicKey = Buffer.from(parseCertificate(ses.signerCert).publicKey).toString('hex');
        const opts = { hash: true, der: true, userId: '1234567812345678' };
        assert.equal(
          smc.doVerifySignature(ses.tbsSignDer, Buffer.from(ses.signature).toString('hex'), publicKey, opts),
          true,
        );
        const sig = xml(signatureXml);
        const references = [...elements(sig)].find((e) => e.localName === 'References')!;
        assert.equal(references.getAttribute('CheckMethod'), '1.2.156.10197.1.401');
        for (const ref of children(references)) {
          const path = ref.getAttribute('FileRef')!.slice(1);
          const value = children(ref)[0]!.textContent;
          assert.equal(value, createHash('sm3').update(files.get(path)!).digest('base64'), path);
        }
      });

      it('T2: ofd: prefix everywhere, XSD child order, unique IDs ≤ MaxUnitID, ofdrw-style signature IDs', () => {
        const files = unzipped(pairs.get(type.code)!.ofd);
        const ids: number[] = [];
        for (const [name, bytes] of files) {
          if (!name.endsWith('.xml')) continue;
          assert.ok(bytes.subarray(0, 5).toString() === '<?xml', `${name}: XML declaration, no BOM`);
          for (const e of elements(xml(bytes))) {
            if (name.endsWith('Tag_Licence.xml') && e.namespaceURI !== OFD_NS) continue;
            assert.equal(e.prefix, 'ofd', `${name}: ${e.tagName}`);
            assert.equal(e.namespaceURI, OFD_NS, `${name}: ${e.tagName}`);
            if (/Content\.xml$|PublicRes\.xml$|Document\.xml$/.test(name) && e.getAttribute('ID'))
              ids.push(Number(e.getAttribute('ID')));
          }
        }
        assert.equal(new Set(ids).size, ids.length, 'IDs unique');
        assert.ok(ids.every((i) => Number.isInteger(i) && i > 0));
        const doc = xml(files.get('Doc_0/Document.xml')!);
        const max = Number([...elements(doc)].find((e) => e.localName === 'MaxUnitID')!.textContent);
        assert.ok(Math.max(...ids) <= max, 'IDs ≤ MaxUnitID');
        // Child order (XSD sequences) of what SealTrust writes.
        const order = (root: XmlElement, local: string, seq: string[]) => {
          const e = [...elements(root)].find((x) => x.localName === local)!;
          const got = children(e).map((c) => c.localName!);
          const idx = got.map((g) => seq.indexOf(g));
          assert.ok(
            idx.every((i) => i >= 0),
            `${local}: unexpected child in ${got.join(',')}`,
          );
          assert.deepEqual(
            idx,
            [...idx].sort((x, y) => x - y),
            `${local}: ${got.join(',')}`,
          );
        };
        const ofd = xml(files.get('OFD.xml')!);
        order(ofd, 'DocInfo', [
          'DocID', 'Title', 'Author', 'Subject', 'Abstract', 'CreationDate', 'ModDate', 'DocUsage', 'Cover',
          'Keywords', 'Creator', 'CreatorVersion', 'CustomDatas',
        ]); // prettier-ignore
        order(ofd, 'DocBody', ['DocInfo', 'DocRoot', 'Versions', 'Signatures']);
        order(doc, 'Document', [
          'CommonData', 'Pages', 'Outlines', 'Permissions', 'Actions', 'VPreferences', 'Bookmarks',
          'Annotations', 'CustomTags', 'Attachments', 'Extensions',
        ]); // prettier-ignore
        order(doc, 'CommonData', [
          'MaxUnitID',
          'PageArea',
          'PublicRes',
          'DocumentRes',
          'TemplatePage',
          'DefaultCS',
        ]);
        const sig = xml(files.get(`${SIGN}/Signature.xml`)!);
        order(sig, 'Signature', ['SignedInfo', 'SignedValue']);
        order(sig, 'SignedInfo', [
          'Provider', 'SignatureMethod', 'SignatureDateTime', 'References', 'StampAnnot', 'Seal',
        ]); // prettier-ignore
        const page = xml(files.get('Doc_0/Pages/Page_0/Content.xml')!);
        for (const e of elements(page)) {
          if (e.localName === 'PathObject')
            assert.deepEqual(
              children(e)
                .map((c) => c.localName)
                .filter((n) => n !== 'FillColor' && n !== 'StrokeColor')
                .pop(),
              'AbbreviatedData',
            );
          if (e.localName === 'TextObject') {
            const names = children(e).map((c) => c.localName);
            assert.deepEqual(names, ['FillColor', 'CGTransform', 'TextCode']);
          }
        }
        // Signature-side IDs as ofdrw numbers them (Signature 1, StampAnnot 2, MaxSignId the last): ofd.js stacks
        // the seal by its StampAnnot ID, which an NCName like s002 breaks (T5). One counter, no repeats.
        const signIds: number[] = [];
        for (const e of elements(sig))
          if (e.localName === 'StampAnnot') signIds.push(Number(e.getAttribute('ID')));
        const list = xml(files.get('Doc_0/Signs/Signatures.xml')!);
        let maxSignId = 0;
        for (const e of elements(list)) {
          if (e.localName === 'Signature') signIds.push(Number(e.getAttribute('ID')));
          if (e.localName === 'MaxSignId') maxSignId = Number(e.textContent);
        }
        assert.deepEqual([...signIds].sort(), ['1', '2'].map(Number), 'Signature 1 and StampAnnot 2');
        assert.equal(maxSignId, Math.max(...signIds), 'MaxSignId is the last issued');
        const NCNAME = /^[A-Za-z_][\w.-]*$/;
        const att = xml(files.get('Doc_0/Attachs/Attachments.xml')!);
        for (const e of elements(att))
          if (e.localName === 'Attachment') assert.match(e.getAttribute('ID')!, NCNAME);
      });

      it('T3: every FontFile opens; for every character cmap glyph = CGTransform glyph, outline and advance = the source face', () => {
        const files = unzipped(pairs.get(type.code)!.ofd);
        const res = xml(files.get('Doc_0/PublicRes.xml')!);
        const fonts = new Map<string, { font: Font; source: Font }>();
        for (const e of elements(res)) {
          if (e.localName !== 'Font') continue;
          const file = children(e)[0]!.textContent!;
          const font = fontkit.create(files.get(`Doc_0/Res/${file}`)!) as Font;
          const ps = e.getAttribute('FontName')!;
          const family = ps.startsWith('NotoSerif') ? 'serif' : 'sans';
          const source = licenceFont(family, /Bold/.test(ps) ? 'bold' : 'regular').font;
          assert.equal(source.postscriptName, ps);
          assert.equal(font.postscriptName, ps);
          assert.equal(font.unitsPerEm, source.unitsPerEm);
          fonts.set(e.getAttribute('ID')!, { font, source });
        }
        const page = xml(files.get('Doc_0/Pages/Page_0/Content.xml')!);
        let checked = 0;
        for (const t of elements(page)) {
          if (t.localName !== 'TextObject') continue;
          const { font, source } = fonts.get(t.getAttribute('Font')!)!;
          const [, cg, code] = children(t) as [XmlElement, XmlElement, XmlElement];
          const glyphs = children(cg)[0]!.textContent!.split(' ').map(Number);
          const chars = [...code.textContent!];
          assert.equal(Number(cg.getAttribute('CodeCount')), chars.length);
          assert.equal(glyphs.length, chars.length);
          chars.forEach((ch, i) => {
            const cp = ch.codePointAt(0)!;
            const g = font.glyphForCodePoint(cp)!;
            assert.notEqual(g.id, 0, `${ch}: .notdef`);
            assert.equal(g.id, glyphs[i], `${ch}: cmap glyph = CGTransform glyph`);
            const s = source.glyphForCodePoint(cp)!;
            assert.equal(g.advanceWidth, s.advanceWidth, `${ch}: advance`);
            assert.equal(g.path.toSVG(), s.path.toSVG(), `${ch}: outline`);
            checked++;
          });
        }
        assert.ok(checked > 50, `${checked} characters checked`);
      });

      it('T4: the same licence.json bytes and the same face text (pdf.js extraction vs TextCode)', async () => {
        const p = pairs.get(type.code)!;
        const files = unzipped(p.ofd);
        const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
        const doc = await pdfjs.getDocument({
          data: new Uint8Array(p.pdf),
          isEvalSupported: false,
          useSystemFonts: false,
        }).promise;
        const attachments = (await doc.getAttachments()) as Record<string, { content: Uint8Array }>;
        const json = files.get('Doc_0/Attachs/licence.json')!;
        assert.ok(
          Buffer.from(attachments['licence.json']!.content).equals(json),
          'identical licence.json bytes',
        );
        const content = await (await doc.getPage(1)).getTextContent();
        // pdf.js splits letter-spaced runs and adds spaces: compare the text in drawing order, whitespace aside.
        const pdfText = content.items
          .map((i) => ('str' in i ? i.str : ''))
          .join('')
          .replace(/\s+/gu, '');
        await doc.destroy();
        const page = xml(files.get('Doc_0/Pages/Page_0/Content.xml')!);
        const ofdText = [...elements(page)]
          .filter((e) => e.localName === 'TextCode')
          .map((e) => e.textContent!)
          .join('')
          .replace(/\s+/gu, '');
        assert.equal(ofdText, pdfText);
        // The data index points every face value at its text object(s).
        const tags = xml(files.get('Doc_0/Tags/Tag_Licence.xml')!);
        const ids = new Set(
          [...elements(page)].filter((e) => e.localName === 'TextObject').map((e) => e.getAttribute('ID')),
        );
        const refs = [...elements(tags)].filter((e) => e.localName === 'ObjectRef');
        assert.ok(refs.length > 0);
        for (const r of refs) assert.ok(ids.has(r.textContent), `ObjectRef ${r.textContent} is a TextObject`);
        const holder = [...elements(tags)].find((e) => e.localName === 'holderName');
        if (holder) {
          const id = children(holder)[0]!.textContent;
          const obj = [...elements(page)].find((e) => e.getAttribute('ID') === id)!;
          assert.equal(children(obj)[2]!.textContent, p.metadata.holderName);
        }
        // DocInfo repeats the metadata.
        const ofd = xml(files.get('OFD.xml')!).toString();
        assert.ok(ofd.includes(`<ofd:CustomData Name="证照标识">${p.metadata.identifier}</ofd:CustomData>`));
      });

      it('one-page licence: ≤ 100 KB per format', () => {
        const p = pairs.get(type.code)!;
        assert.ok(p.pdf.length <= 100 * 1024, `PDF ${p.pdf.length} bytes`);
        assert.ok(p.ofd.length <= 100 * 1024, `OFD ${p.ofd.length} bytes`);
      });
    });
  }
});

describe('CMS as the alternative signature format (as for PDFs)', () => {
  for (const oids of ['gbt35275', 'rfc5652'] as const)
    it(`${oids}: Type="Sign", SignedValue.dat a SignedData over SM3(Signature.xml), TOTAL_PASSED`, async () => {
      const ofd = await cmsSealedOfd(DEMO_LICENCE_TYPES[0]!, oids);
      const r = await validateOfd(ofd, trustedCtx());
      assert.equal(r.indication, 'TOTAL_PASSED', JSON.stringify(r.signatures[0]?.checks, null, 1));
      assert.deepEqual(r.signatures[0]!.ofd?.type, 'Sign');
      const files = unzipped(ofd);
      assert.ok(!files.has(`${SIGN}/Seal.esl`));
      assert.ok(files.get('Doc_0/Signs/Signatures.xml')!.toString().includes('Type="Sign"'));
    });
});

describe('T8 determinism', () => {
  it('with a fixed clock every file but SignedValue.dat is byte-identical across renders', async () => {
    const type = DEMO_LICENCE_TYPES[0]!;
    const a = unzipped((await sealedPair(type)).ofd);
    const b = unzipped((await sealedPair(type)).ofd);
    assert.deepEqual([...a.keys()], [...b.keys()]);
    for (const [name, bytes] of a)
      if (name !== `${SIGN}/SignedValue.dat`) assert.ok(bytes.equals(b.get(name)!), name);
  });
});

describe('tampered licence OFDs (OFD part 1 attack table) are never TOTAL_PASSED', () => {
  const base = () => pairs.get(DEMO_LICENCE_TYPES[0]!.code)!;
  const PAGE = 'Doc_0/Pages/Page_0/Content.xml';
  const cases: [
    string,
    (files: Map<string, Buffer>) => Record<string, Uint8Array | string | null>,
    string,
  ][] = [
    [
      'one character of the page edited',
      (f) => ({ [PAGE]: f.get(PAGE)!.toString('utf8').replace(base().metadata.holderName, '某某某') }),
      'references',
    ],
    [
      'one byte of Seal.esl flipped',
      (f) => {
        const s = Buffer.from(f.get(`${SIGN}/Seal.esl`)!);
        s[s.length - 5]! ^= 1;
        return { [`${SIGN}/Seal.esl`]: s };
      },
      'references',
    ],
    [
      'a Reference deleted from Signature.xml',
      (f) => ({
        [`${SIGN}/Signature.xml`]: f
          .get(`${SIGN}/Signature.xml`)!
          .toString('utf8')
          .replace(/<ofd:Reference FileRef="\/Doc_0\/Pages[^]*?<\/ofd:Reference>/, ''),
      }),
      'data-hash',
    ],
    [
      'a page added through Document.xml',
      (f) => ({
        'Doc_0/Document.xml': f
          .get('Doc_0/Document.xml')!
          .toString('utf8')
          .replace('</ofd:Pages>', '<ofd:Page ID="999" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages>'),
        'Doc_0/Pages/Page_1/Content.xml': f.get(PAGE)!,
      }),
      'references',
    ],
  ];
  for (const [what, change, failing] of cases)
    it(`${what}: ${failing} failed`, async () => {
      const files = unzipped(base().ofd);
      const r = await validateOfd(mutate(base().ofd, change(files)), trustedCtx());
      assert.notEqual(r.indication, 'TOTAL_PASSED');
      const c = r.signatures[0]!.checks.find((x) => x.id === failing);
      assert.equal(c?.status, 'failed', JSON.stringify(r.signatures[0]!.checks.map((x) => [x.id, x.status])));
    });

  it('a stray file nobody references: never TOTAL_PASSED, and for a licence FAILED', async () => {
    const ctx = trustedCtx({ licenceLayer: ofdLicenceLayer() });
    const intact = await validateOfd(base().ofd, ctx);
    assert.equal(intact.licence?.identifier, base().metadata.identifier, 'the licence layer ran');
    assert.notEqual(intact.licence?.indication, 'TOTAL_FAILED');
    const r = await validateOfd(mutate(base().ofd, { 'Doc_0/evil.xml': '<x/>' }), ctx);
    assert.equal(r.indication, 'TOTAL_FAILED', JSON.stringify(r.licence?.checks));
    const c = r.licence!.checks.find((x) => x.id === 'licence-file-hash')!;
    assert.equal(c.status, 'failed');
    assert.equal(c.code, 'LICENCE_STRAY_FILES');
    assert.deepEqual(c.details, { stray: ['Doc_0/evil.xml'] });
  });
});
