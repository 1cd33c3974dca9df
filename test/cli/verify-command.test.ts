import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { toPem } from '../../src/crypto/pem.js';
import { sm3, sm3Hex } from '../../src/crypto/sm3.js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { scratchDir } from '../helpers/openssl.js';
import { runCli } from '../helpers/run-cli.js';
import { SEALTRUST_POLICY } from '../../src/pki/sealtrust-policies.js';
import { issueTestCertificate, type TestCertificate } from '../helpers/test-pki.js';
import {
  basePdf,
  licenceMetadata,
  licencePdf,
  record,
  seal,
  sealKit,
} from '../verify/pdf-verify-fixtures.js';

const DAY = 86_400_000;
const NOW = Date.now();
const tmp = scratchDir('sealtrust-verify-cli-');
after(() => tmp.cleanup());

type Issued = TestCertificate;

function issue(cn: string, issuer: Issued | null, ca: boolean, policy?: string): Issued {
  return issueTestCertificate(cn, issuer, {
    ca,
    ...(ca ? { pathLen: 1, usage: ['keyCertSign', 'cRLSign'] } : {}),
    ...(policy === SEALTRUST_POLICY.sealMaker ? { usage: ['digitalSignature'] } : {}),
    ...(policy ? { policies: [policy] } : {}),
    notBefore: new Date(NOW - DAY),
    notAfter: new Date(NOW + 365 * DAY),
    organization: 'SealTrust CLI 测试',
  });
}

const root = issue('CLI 测试根 CA', null, true);
const ca = issue('CLI 测试签发 CA', root, true);
const maker = issue('CLI 测试制章系统', ca, false, SEALTRUST_POLICY.sealMaker);
const signer = issue('CLI 测试单位', ca, false, SEALTRUST_POLICY.sealSigner);
const DATA = Buffer.from('<Signature>CLI</Signature>');

const sealDer = makeSeal(
  {
    version: 4,
    vid: 'SealTrust',
    esID: '33010000000002',
    type: 1,
    name: 'CLI 测试章',
    certs: [signer.der],
    createDate: new Date(NOW - 1000 * 60),
    validStart: new Date(NOW - 1000 * 60),
    validEnd: new Date(NOW + 100 * DAY),
    picture: { type: 'PNG', data: Buffer.from('png'), width: 40, height: 40 },
  },
  { cert: maker.der, privateKey: maker.key.privateKey },
);
const sigDer = signSesV4(
  {
    seal: sealDer,
    timeInfo: new Date(NOW - 1000),
    dataHash: sm3(DATA),
    propertyInfo: '/Doc_0/Signs/Sign_0/Signature.xml',
  },
  { cert: signer.der, privateKey: signer.key.privateKey },
).der;

// File names say nothing: the CLI sniffs the structure.
const sigFile = tmp.file('a.bin', sigDer);
const sealFile = tmp.file('b.bin', sealDer);
const dataFile = tmp.file('Signature.xml', DATA);
const otherData = tmp.file('other.xml', 'tampered');
const trustDir = join(tmp.dir, 'trust');
mkdirSync(trustDir);
// Several certificates in one PEM file (the anchors and the known seal maker: it carries the seal-maker
// policy), and a file that holds no certificate at all.
tmp.file(
  'trust/chain.pem',
  toPem('CERTIFICATE', root.der) + toPem('CERTIFICATE', ca.der) + toPem('CERTIFICATE', maker.der),
);
const anchorsOnly = tmp.file(
  'anchors-only.pem',
  toPem('CERTIFICATE', root.der) + toPem('CERTIFICATE', ca.der),
);
tmp.file('trust/notes.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');

describe('sealtrust verify', () => {
  it('exit 0: a trusted signature with its data is TOTAL_PASSED; human output is one line per check', async () => {
    const r = await runCli(['verify', sigFile, '--data', dataFile, '--trust', trustDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SES v4/);
    assert.match(r.stdout, /✓ signature: 签章者签名有效/);
    assert.match(r.stdout, /✓ chain: 签章者证书：证书链有效/);
    assert.match(r.stdout, /- revocation: 未配置吊销状态来源（离线验证）/);
    assert.match(r.stdout, /- seal-status: .*离线/);
    assert.match(r.stdout, /结论 verdict: 验证通过 TOTAL_PASSED\n$/);
    const seal = await runCli(['verify', sealFile, '--trust', join(trustDir, 'chain.pem')]);
    assert.equal(seal.code, 0, seal.stdout + seal.stderr);
    assert.match(seal.stdout, /SES seal v4/);
  });

  it('exit 2: a seal whose maker is not among the --trust certificates is INDETERMINATE (unknown maker)', async () => {
    const r = await runCli(['verify', sigFile, '--data', dataFile, '--trust', anchorsOnly, '--json']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const s = (JSON.parse(r.stdout) as ValidationReport).signatures[0]!;
    assert.deepEqual([s.indication, s.subIndication], ['INDETERMINATE', 'NO_CERTIFICATE_CHAIN_FOUND']);
    assert.equal(s.checks.find((c) => c.id === 'chain')?.status, 'passed');
    assert.equal(s.checks.find((c) => c.id === 'maker-authority')?.code, 'MAKER_UNKNOWN');
    // Offline there is no registry to ask, so the seal status stays skipped (not worse than before).
    assert.equal(s.checks.find((c) => c.id === 'seal-status')?.code, 'NO_REGISTRY');
  });

  it('exit 1: other data is TOTAL_FAILED / HASH_FAILURE', async () => {
    const r = await runCli(['verify', sigFile, '--data', otherData, '--trust', trustDir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✗ data-hash/);
    assert.match(r.stdout, /验证失败 TOTAL_FAILED \/ HASH_FAILURE/);
  });

  it('exit 2: nothing is trusted by default (INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND); --json report shape', async () => {
    const r = await runCli(['verify', sigFile, '--data', dataFile, '--json']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as ValidationReport;
    assert.equal(report.indication, 'INDETERMINATE');
    assert.equal(report.subIndication, 'NO_CERTIFICATE_CHAIN_FOUND');
    assert.ok(!Number.isNaN(Date.parse(report.validatedAt)));
    assert.equal(report.signatures.length, 1);
    const s = report.signatures[0]!;
    assert.equal(s.format, 'SES v4');
    assert.equal(s.indication, 'INDETERMINATE');
    assert.equal(s.seal?.esID, '33010000000002');
    assert.equal(typeof s.signer?.subject, 'string');
    assert.equal(typeof s.signingTime, 'string');
    assert.equal(s.bestSignatureTime, null);
    assert.ok(Array.isArray(s.chain));
    for (const c of s.checks) {
      assert.deepEqual(Object.keys(c).slice(0, 5), ['id', 'status', 'code', 'message', 'messageEn']);
      assert.ok(['passed', 'failed', 'indeterminate', 'skipped'].includes(c.status));
    }
    assert.equal(s.checks.find((c) => c.id === 'chain')?.code, 'NO_CERTIFICATE_CHAIN_FOUND');
    // Without --data a signature cannot pass either.
    const noData = await runCli(['verify', sigFile, '--trust', trustDir, '--json']);
    assert.equal(noData.code, 2);
    assert.equal((JSON.parse(noData.stdout) as ValidationReport).subIndication, 'SIGNED_DATA_NOT_FOUND');
  });

  it('exit 3: missing file, not an SES structure, unreadable --data or --trust', async () => {
    const missing = await runCli(['verify', join(tmp.dir, 'nope.esl')]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /ENOENT/);
    const notSes = await runCli(['verify', dataFile]);
    assert.equal(notSes.code, 3);
    assert.match(notSes.stderr, /not an SES/);
    assert.equal(notSes.stdout, '');
    const noData = await runCli(['verify', sigFile, '--data', join(tmp.dir, 'nope.xml')]);
    assert.equal(noData.code, 3);
    const noTrust = await runCli(['verify', sigFile, '--trust', join(tmp.dir, 'no-such-dir')]);
    assert.equal(noTrust.code, 3);
  });

  const fixtures = join(PROJECT_ROOT, '..', 'shared', 'fixtures', 'ses');
  it(
    'a non-conformant real-world signature fails (exit 1) and names its failures',
    { skip: existsSync(fixtures) ? false : `fixtures not found at ${fixtures}` },
    async () => {
      const dir = join(fixtures, 'signatures', 'dms360_v1_nonconformant');
      const r = await runCli(['verify', join(dir, 'SignedValue.dat'), '--data', join(dir, 'Signature.xml')]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /✗ signature/);
      assert.match(r.stdout, /✗ signer-in-seal/);
      assert.match(r.stdout, /✗ data-hash/);
      assert.match(r.stdout, /✓ seal-signature/);
    },
  );
});

describe('sealtrust verify <file.pdf>', () => {
  let pdfFile: string;
  let tamperedFile: string;
  let unsignedFile: string;
  let licenceFile: string;
  let licenceSm3: string;
  let pdfTrust: string;
  let server: Server;
  let url: string;
  const statuses = new Map<string, string>();

  before(async () => {
    const signed = await seal(await basePdf());
    pdfFile = tmp.file('sealed.pdf', signed);
    const tampered = Buffer.from(signed);
    tampered[200]! ^= 1;
    tamperedFile = tmp.file('tampered.pdf', tampered);
    unsignedFile = tmp.file('unsigned.pdf', await basePdf());
    const licence = await seal(await licencePdf());
    licenceFile = tmp.file('licence.pdf', licence);
    licenceSm3 = sm3Hex(licence);
    pdfTrust = tmp.file(
      'pdf-root.pem',
      toPem('CERTIFICATE', sealKit().root.der) + toPem('CERTIFICATE', sealKit().maker.der),
    );
    // The node's public licence route, as the directory contract describes it.
    server = createServer((req, res) => {
      const m = /^\/v1\/verify\/licences\/([^?]+)/.exec(req.url ?? '');
      const id = m ? decodeURIComponent(m[1]!) : '';
      const status = statuses.get(id);
      if (!status) {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(record({ identifier: id, pdfSm3: licenceSm3, status })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('exit 0: a sealed PDF with its trust anchor; the revision and /SubFilter are shown', async () => {
    const r = await runCli(['verify', pdfFile, '--trust', pdfTrust]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PDF SES v4（SealSignature1）/);
    assert.match(r.stdout, /\/SubFilter GM\.sm2seal，覆盖整个文件/);
    assert.match(r.stdout, /✓ byte-range:/);
    assert.match(r.stdout, /✓ modifications: 签名后文档未被修改/);
    assert.match(r.stdout, /结论 verdict: 验证通过 TOTAL_PASSED\n$/);
  });

  it('exit 1: a tampered PDF (HASH_FAILURE); exit 2: no signature or no anchor', async () => {
    const bad = await runCli(['verify', tamperedFile, '--trust', pdfTrust]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /TOTAL_FAILED \/ HASH_FAILURE/);
    const none = await runCli(['verify', unsignedFile, '--json']);
    assert.equal(none.code, 2);
    const report = JSON.parse(none.stdout) as ValidationReport;
    assert.equal(report.subIndication, 'NO_SIGNATURE_FOUND');
    const untrusted = await runCli(['verify', pdfFile]);
    assert.equal(untrusted.code, 2);
  });

  it('--json for a licence PDF offline: licence section with the identifier, directory checks skipped', async () => {
    const r = await runCli(['verify', licenceFile, '--trust', pdfTrust, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as ValidationReport;
    assert.equal(report.licence?.identifier, licenceMetadata().identifier);
    assert.equal(report.licence?.checks.find((c) => c.id === 'licence-status')?.status, 'skipped');
    const s = report.signatures[0]!;
    assert.equal(s.subFilter, 'GM.sm2seal');
    assert.equal(s.coversWholeDocument, true);
    assert.equal(s.revision, 1);
  });

  it('--online asks the node: valid passes, revoked fails (exit 1), unknown fails, unreachable is exit 2', async () => {
    const id = licenceMetadata().identifier;
    statuses.set(id, 'valid');
    const ok = await runCli(['verify', licenceFile, '--trust', pdfTrust, '--online', url]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✓ licence-status: 证照当前有效/);
    statuses.set(id, 'revoked');
    const revoked = await runCli(['verify', licenceFile, '--trust', pdfTrust, '--online', url]);
    assert.equal(revoked.code, 1, revoked.stdout);
    assert.match(revoked.stdout, /✗ licence-status: 证照当前状态为“吊销”/);
    assert.match(revoked.stdout, /TOTAL_FAILED \/ LICENCE_REVOKED/);
    statuses.clear();
    const unknown = await runCli(['verify', licenceFile, '--trust', pdfTrust, '--online', url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, /LICENCE_NOT_REGISTERED/);
    const down = await runCli(['verify', licenceFile, '--trust', pdfTrust, '--online', 'http://127.0.0.1:9']);
    assert.equal(down.code, 2, down.stdout);
    assert.match(down.stdout, /证照目录查询失败/);
  });
});
