import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { toPem } from '../../src/crypto/pem.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { scratchDir } from '../helpers/openssl.js';
import { runCli } from '../helpers/run-cli.js';
import { issueTestCertificate, type TestCertificate } from '../helpers/test-pki.js';

const DAY = 86_400_000;
const NOW = Date.now();
const tmp = scratchDir('sealtrust-verify-cli-');
after(() => tmp.cleanup());

type Issued = TestCertificate;

function issue(cn: string, issuer: Issued | null, ca: boolean): Issued {
  return issueTestCertificate(cn, issuer, {
    ca,
    ...(ca ? { pathLen: 1, usage: ['keyCertSign', 'cRLSign'] } : {}),
    notBefore: new Date(NOW - DAY),
    notAfter: new Date(NOW + 365 * DAY),
    organization: 'SealTrust CLI 测试',
  });
}

const root = issue('CLI 测试根 CA', null, true);
const ca = issue('CLI 测试签发 CA', root, true);
const maker = issue('CLI 测试制章系统', ca, false);
const signer = issue('CLI 测试单位', ca, false);
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
// Several certificates in one PEM file, and a file that holds no certificate at all.
tmp.file('trust/chain.pem', toPem('CERTIFICATE', root.der) + toPem('CERTIFICATE', ca.der));
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
