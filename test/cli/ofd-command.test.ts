import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { toPem } from '../../src/crypto/pem.js';
import type { OfdInspection } from '../../src/cli/ofd-command.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { scratchDir } from '../helpers/openssl.js';
import { runCli } from '../helpers/run-cli.js';
import { buildZip, text } from '../ofd/zip-builder.js';
import {
  addSeal,
  ca,
  maker,
  mutate,
  root,
  textOf,
  unsignedFiles,
  zip,
} from '../verify/ofd-sealed-fixtures.js';

// `sealtrust verify file.ofd` (same flags and exit codes as for a PDF) and `sealtrust ofd inspect`, run as a
// separate process. The sealed OFD is made with the test PKI of ofd-sealed-fixtures; the real producers' files
// come from ../shared/fixtures/ofd (MANIFEST.md says what each holds).

const tmp = scratchDir('sealtrust-ofd-cli-');
after(() => tmp.cleanup());
const file = (name: string, bytes: Uint8Array | string) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return path;
};

const files = addSeal(unsignedFiles());
const sealed = zip(files);
const PAGE = 'Doc_0/Pages/Page_0/Content.xml';
const sealedFile = file('sealed.ofd', sealed);
// Named .bin: the bytes, not the name, make it an OFD.
const sealedBin = file('sealed.bin', sealed);
const editedFile = file(
  'edited.ofd',
  mutate(sealed, {
    [PAGE]: textOf(files, PAGE).replace('<ofd:Content/>', '<ofd:Content><ofd:Layer ID="90"/></ofd:Content>'),
  }),
);
const addedPage = file(
  'added-page.ofd',
  mutate(sealed, {
    'Doc_0/Document.xml': textOf(files, 'Doc_0/Document.xml').replace(
      '</ofd:Pages>',
      '<ofd:Page ID="91" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages>',
    ),
    'Doc_0/Pages/Page_1/Content.xml': textOf(files, PAGE),
    'Doc_0/extra.bin': 'nobody references me',
  }),
);
const noEntry = file('no-entry.ofd', buildZip([{ name: 'readme.txt', data: text('hello') }]));
const garbage = file('garbage.ofd', 'not a zip at all');
// Root, issuing CA (no --intermediate flag offline: it is trusted as given) and the seal maker.
const trust = file('trust.pem', [root, ca, maker].map((c) => toPem('CERTIFICATE', c.der)).join(''));

const json = <T>(stdout: string): T => JSON.parse(stdout) as T;
const checkOf = (r: ValidationReport, id: string) => r.signatures[0]?.checks.find((c) => c.id === id);

describe('sealtrust verify file.ofd', () => {
  it('exit 0: a sealed OFD with its anchors is TOTAL_PASSED; the signature and its checks are shown', async () => {
    for (const f of [sealedFile, sealedBin]) {
      const r = await runCli(['verify', f, '--trust', trust]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /OFD 签名 signature: s001（Seal） \/Doc_0\/Signs\/Sign_0\/Signature\.xml/);
      assert.match(r.stdout, /✓ references: /);
      assert.match(r.stdout, /✓ coverage: /);
      assert.match(r.stdout, /结论 verdict: .* TOTAL_PASSED/);
    }
  });

  it('exit 1: an edited page is TOTAL_FAILED naming references; --json carries the OFD parts', async () => {
    const r = await runCli(['verify', editedFile, '--trust', trust, '--json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = json<ValidationReport>(r.stdout);
    assert.equal(report.indication, 'TOTAL_FAILED');
    assert.equal(checkOf(report, 'references')?.status, 'failed');
    assert.match(JSON.stringify(checkOf(report, 'references')), /Page_0\/Content\.xml/);
    assert.equal(report.signatures[0]?.ofd?.id, 's001');
    assert.ok(Array.isArray(report.findings));
  });

  it('exit 1: a page added through Document.xml fails coverage; the stray file is a finding', async () => {
    const r = await runCli(['verify', addedPage, '--trust', trust]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✗ coverage: /);
    assert.match(r.stdout, /文件级发现 document findings/);
    assert.match(r.stdout, /Doc_0\/extra\.bin/);
  });

  it('exit 2: nothing trusted by default; --data is ignored with a note', async () => {
    const r = await runCli(['verify', sealedFile, '--data', sealedFile]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--data is ignored for an OFD/);
    assert.match(r.stdout, /NO_CERTIFICATE_CHAIN_FOUND/);
  });

  it('exit 3: a ZIP without OFD.xml, and a .ofd that is no ZIP, name why', async () => {
    const a = await runCli(['verify', noEntry, '--trust', trust]);
    assert.equal(a.code, 3, a.stdout + a.stderr);
    assert.match(a.stderr, /not-an-ofd/);
    const b = await runCli(['verify', garbage, '--trust', trust]);
    assert.equal(b.code, 3, b.stdout + b.stderr);
    assert.match(b.stderr, /not-an-ofd/);
  });
});

describe('sealtrust ofd inspect', () => {
  it('prints documents, pages, files by kind and what the signature covers', async () => {
    const r = await runCli(['ofd', 'inspect', sealedFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /文档 document 0: Doc_0\/Document\.xml/);
    assert.match(r.stdout, /页 pages: 1/);
    assert.match(r.stdout, /s001（Seal）\/Doc_0\/Signs\/Sign_0\/Signature\.xml/);
    assert.match(r.stdout, /提供者 provider: SealTrust/);
    assert.match(r.stdout, /✓ OFD\.xml/);
    // Not locking: Signatures.xml stays open for a later signature (GB/T 33190 §18.1), and is the only gap.
    assert.match(r.stdout, /未覆盖 does not cover: 1\n\s+✗ Doc_0\/Signs\/Signatures\.xml（签名 signature）/);
  });

  it('--json: references, covered and uncovered files with their kind, stray files', async () => {
    const r = await runCli(['ofd', 'inspect', addedPage, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const i = json<OfdInspection>(r.stdout);
    assert.equal(i.documents[0]?.pages.length, 2);
    const s = i.signatures[0]!;
    assert.equal(s.id, 's001');
    assert.equal(s.references, s.covers.length + s.missing.length);
    assert.ok(s.covers.includes('OFD.xml'));
    assert.deepEqual(
      s.doesNotCover.filter((f) => f.kind === 'rendered').map((f) => f.path),
      ['Doc_0/Pages/Page_1/Content.xml'],
    );
    assert.equal(i.files.find((f) => f.path === 'Doc_0/extra.bin')?.kind, 'stray');
    assert.equal(i.files.find((f) => f.path === PAGE)?.kind, 'rendered');
  });

  it('exit 3 for a ZIP without OFD.xml', async () => {
    const r = await runCli(['ofd', 'inspect', noEntry]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /not-an-ofd \(ofd-no-entry\)/);
  });
});

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/ofd/', import.meta.url));
const skip = existsSync(join(FIXTURES, 'MANIFEST.md'))
  ? false
  : `fixtures absent: ${FIXTURES} (../shared/fixtures is not checked out next to the repo)`;

describe('real OFDs (../shared/fixtures/ofd)', { skip }, () => {
  it('dzzz two-signature licence: Sign 1 leaves OFD.xml and the annotations uncovered, Sign 2 covers all', async () => {
    const r = await runCli([
      'ofd',
      'inspect',
      join(FIXTURES, 'dzzz_licence_two_sign_missing_image.ofd'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const i = json<OfdInspection>(r.stdout);
    const [one, two] = i.signatures;
    assert.deepEqual(
      one?.doesNotCover
        .filter((f) => f.kind === 'rendered')
        .map((f) => f.path)
        .sort(),
      ['Doc_0/Annots/Annotations.xml', 'OFD.xml'],
    );
    assert.deepEqual(two?.doesNotCover, []);
    assert.deepEqual(
      i.files
        .filter((f) => f.kind === 'stray')
        .map((f) => f.path)
        .sort(),
      ['Doc_0/Document.xml', 'Doc_0/DocumentRes_0.xml', 'Doc_0/Res/image_135.PNG'],
    );
    assert.ok(i.unresolved.some((u) => u.loc === 'image_135.PNG' && u.status === 'missing'));
  });

  it('ofdrw whole-document seal: verify offline without anchors is exit 2, every digest checked', async () => {
    const r = await runCli(['verify', join(FIXTURES, 'ofdrw_v4_whole.ofd'), '--json']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const report = json<ValidationReport>(r.stdout);
    assert.equal(checkOf(report, 'references')?.status, 'passed');
    assert.equal(checkOf(report, 'coverage')?.status, 'passed');
    assert.equal(checkOf(report, 'chain')?.code, 'NO_CERTIFICATE_CHAIN_FOUND');
  });
});
