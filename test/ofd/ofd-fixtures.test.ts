import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { signatureCoverage } from '../../src/ofd/ofd-coverage.js';
import { openOfd, type OfdPackage } from '../../src/ofd/ofd-package.js';

// Real sealed OFDs from eight producers (../shared/fixtures/ofd, MANIFEST.md there): each opens with its
// signatures and references listed, with the findings MANIFEST.md names; and an independent ZIP implementation
// (Python's zipfile, Info-ZIP's zipinfo) lists exactly the entries and bytes we read.
const dir = fileURLToPath(new URL('../../../shared/fixtures/ofd/', import.meta.url));
const present = existsSync(dir);
const skip = present
  ? false
  : `fixtures absent: ${dir} (../shared/fixtures is not checked out next to the repo)`;
const fixtures = present
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.ofd'))
      .sort()
  : [];
const open = (name: string) => openOfd(readFileSync(dir + name));

const codes = (p: OfdPackage) => new Set(p.findings.map((f) => f.code));
const sigs = (p: OfdPackage) => p.documents.flatMap((d) => d.signatures);
const uncoveredRendered = (p: OfdPackage, i: number) =>
  signatureCoverage(p, sigs(p)[i]!.signature!)
    .uncovered.filter((f) => f.kind === 'rendered')
    .map((f) => f.path)
    .sort();
const covers = (p: OfdPackage, i: number, path: string) => sigs(p)[i]!.signature!.covered.has(path);

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('OFD fixtures: every real file opens as MANIFEST.md says', { skip }, () => {
  it('there are twelve of them and each opens with its signatures resolved', () => {
    assert.equal(fixtures.length, 12);
    for (const f of fixtures) {
      const p = open(f);
      for (const s of sigs(p)) {
        assert.equal(s.location.status, 'found', `${f} ${s.id}`);
        assert.ok(s.signature, `${f} ${s.id} Signature.xml readable`);
        assert.ok(s.signature.references.length > 0, `${f} ${s.id} has References`);
        assert.ok(
          s.signature.references.every((r) => r.location.status === 'found'),
          `${f} every FileRef exists`,
        );
        assert.equal(s.signature.signedValue?.location.status, 'found', `${f} ${s.id} SignedValue`);
      }
    }
  });

  it('ofdrw continue / whole: one SES seal covering every displayed file; only "whole" covers Signatures.xml', () => {
    for (const [f, locked] of [
      ['ofdrw_v4_continue.ofd', false],
      ['ofdrw_v4_whole.ofd', true],
    ] as const) {
      const p = open(f);
      assert.equal(sigs(p).length, 1);
      const s = sigs(p)[0]!;
      assert.equal(s.type, 'Seal');
      assert.equal(s.signature!.checkMethod, 'SM3');
      assert.equal(s.signature!.seal?.location.status, 'found');
      assert.deepEqual(uncoveredRendered(p, 0), []);
      assert.equal(covers(p, 0, 'Doc_0/Signs/Signatures.xml'), locked, f);
      assert.deepEqual(p.stray, []);
    }
  });

  it('ofdrw riding: five StampAnnots with Clip; the absent PublicRes.xml is a missing reference', () => {
    const p = open('ofdrw_v4_riding.ofd');
    const annots = sigs(p)[0]!.signature!.stampAnnots;
    assert.equal(annots.length, 5);
    assert.ok(annots.every((a) => a.clip !== undefined && a.boundary !== undefined));
    assert.deepEqual(
      p.unresolved.map((u) => [u.location.status, u.role, 'path' in u.location ? u.location.path : '']),
      [['missing', 'public-res', 'Doc_0/PublicRes.xml']],
    );
    assert.deepEqual(uncoveredRendered(p, 0), []);
  });

  it('AntChain tax seal: no Seal.esl, one stray page', () => {
    const p = open('antchain_tax_noseal_file.ofd');
    assert.equal(sigs(p)[0]!.signature!.seal, undefined);
    assert.equal(sigs(p)[0]!.signature!.provider?.name, 'AntChainGov');
    assert.deepEqual(p.stray, ['Doc_0/Pages/Page_1/Content.xml']);
  });

  it('gomain invoice: TPLS/Tpls resolved case-insensitively with a warning', () => {
    const p = open('gomain_tax_invoice_chongqing.ofd');
    assert.equal(p.documents[0]!.templates[0]!.path, 'Doc_0/Tpls/Tpl_0/Content.xml');
    const note = p.findings.find((f) => f.code === 'loc-case-mismatch');
    assert.equal(note?.severity, 'warning');
    assert.equal(sigs(p)[0]!.signature!.checkMethod, '1.2.156.10197.1.401');
    assert.deepEqual(uncoveredRendered(p, 0), []);
    assert.equal(covers(p, 0, 'Doc_0/Signs/Signatures.xml'), false);
  });

  it('Shandong oesplugin: a Seal and a Sign; fonts and resource lists never covered; stray file; missing Annotations.xml', () => {
    const p = open('shandong_oesplugin_edited.ofd');
    assert.deepEqual(
      sigs(p).map((s) => [s.id, s.type]),
      [
        ['2', 'Seal'],
        ['4', 'Sign'],
      ],
    );
    for (const i of [0, 1])
      assert.deepEqual(uncoveredRendered(p, i), [
        'Doc_0/DocumentRes.xml',
        'Doc_0/PublicRes.xml',
        'Doc_0/Res/Font7.ttf',
      ]);
    assert.deepEqual(p.stray, ['Doc_0/Signs/Sign_1/signFilePaths.dat']);
    assert.deepEqual(
      p.unresolved.map((u) => [u.location.status, u.role]),
      [['missing', 'annotations']],
    );
  });

  it('dms360: Provider as elements and a non-SM3 CheckMethod are read, not thrown', () => {
    const p = open('dms360_v1_nonconformant.ofd');
    const s = sigs(p)[0]!.signature!;
    assert.equal(s.provider?.asElements, true);
    assert.equal(s.checkMethod, '1.2.156.10197.1.401.2');
    assert.ok(codes(p).has('signature-provider-elements'));
  });

  for (const f of [
    'dzzz_licence_two_sign_missing_image.ofd',
    'dzzz_licence_two_sign_old_namespace.ofd',
    'dzzz_licence_two_sign_pathclip.ofd',
  ])
    it(`${f}: two Sign signatures; the first leaves OFD.xml and the annotation index uncovered; superseded files stray`, () => {
      const p = open(f);
      assert.deepEqual(
        sigs(p).map((s) => s.type),
        ['Sign', 'Sign'],
      );
      assert.equal(p.documents[0]!.documentPath, 'Doc_0/Document_0.xml');
      assert.deepEqual(uncoveredRendered(p, 0), ['Doc_0/Annots/Annotations.xml', 'OFD.xml']);
      assert.deepEqual(uncoveredRendered(p, 1), []);
      assert.ok(covers(p, 1, 'Doc_0/Signs/Signatures.xml'));
      assert.ok(
        covers(p, 1, 'Doc_0/Signs/Sign_0/Signature.xml') &&
          covers(p, 1, 'Doc_0/Signs/Sign_0/SignedValue.dat'),
      );
      assert.ok(p.stray.includes('Doc_0/Document.xml'));
      if (f.includes('missing_image')) {
        assert.deepEqual(
          p.unresolved.map((u) => ('path' in u.location ? u.location.path : '')),
          ['Doc_0/Res_0/image_135.PNG'],
        );
      }
      if (f.includes('old_namespace'))
        assert.ok(p.findings.some((x) => x.code === 'xml-namespace-nonstandard' && x.path === 'OFD.xml'));
    });

  it('ofdrw plain SM2 signature: Type=Sign without a seal', () => {
    const p = open('ofdrw_plain_sm2_sign.ofd');
    assert.deepEqual(
      sigs(p).map((s) => [s.type, s.signature!.seal]),
      [['Sign', undefined]],
    );
  });

  it('ofdrw integrity protection: no signature, protection files reported, nothing stray', () => {
    const p = open('ofdrw_integrity_protection.ofd');
    assert.deepEqual(sigs(p), []);
    assert.deepEqual(p.protection, ['OFDEntries.xml', 'signedvalue.dat']);
    assert.ok(codes(p).has('package-integrity-protection'));
    assert.deepEqual(p.stray, []);
  });
});

describe('OFD fixtures: an independent ZIP reader lists the same entries and bytes', { skip }, () => {
  const python = has('python3', ['-c', 'import zipfile']);
  const zipinfo = has('zipinfo', ['-h']);

  it(
    "Python's zipfile: names, methods, CRCs, sizes, offsets and SHA-256 of every entry",
    { skip: !python && 'python3 absent' },
    () => {
      const script =
        'import sys,zipfile,hashlib,json\n' +
        'z=zipfile.ZipFile(sys.argv[1])\n' +
        'print(json.dumps([[i.filename,i.compress_type,i.CRC,i.compress_size,i.file_size,i.header_offset,hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]))';
      for (const f of fixtures) {
        const theirs = JSON.parse(
          execFileSync('python3', ['-c', script, dir + f], { encoding: 'utf8' }),
        ) as unknown[];
        const ours = open(f).zip.entries.map((e) => [
          e.name,
          e.method,
          e.crc32,
          e.compressedSize,
          e.uncompressedSize,
          e.localHeaderOffset,
          createHash('sha256').update(e.data).digest('hex'),
        ]);
        assert.deepEqual(ours, theirs, f);
      }
    },
  );

  it("Info-ZIP's zipinfo: the same names in the same order", { skip: !zipinfo && 'zipinfo absent' }, () => {
    for (const f of fixtures) {
      const theirs = execFileSync('zipinfo', ['-1', dir + f], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      assert.deepEqual(
        open(f).zip.entries.map((e) => e.name),
        theirs,
        f,
      );
    }
  });
});
