import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { fromPem, toPem } from '../../src/crypto/pem.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { buildCsr } from '../../src/pki/csr.js';
import { encodeName } from '../../src/pki/distinguished-name.js';
import { contentsBytesForSeal } from '../../src/pdf/pdf-seal-signing.js';
import { signSesV4 } from '../../src/seal/ses-encoder.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { expectJson } from '../helpers/licence-fixtures.js';
import { scratchDir } from '../helpers/openssl.js';
import { runCli } from '../helpers/run-cli.js';
import type { TestCertificate } from '../helpers/test-pki.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { basePdf, cmsSigner, firstProblem, seal, withDss } from '../verify/pdf-verify-fixtures.js';

// Attack class 2 of issue 12, built from the node's own artefacts: a signer certificate issued by this node is
// revoked; the attacker keeps the key and the last CRL from before the revocation (GET /crl/{caId}.crl is
// public), signs a PDF and carries that CRL inside the signed revision (/DSS) and in the CMS SignedData crls.
// The node's CA database is authoritative for its own CAs, so the verdict must never be TOTAL_PASSED: through
// POST /v1/verify, and through `sealtrust verify` online (the node's CRL is then the authority) and offline
// (the carried CRL predates the signing time, so it proves nothing).

let srv: TestServer;
let signer: TestCertificate;
let revokedAt: Date;
/** Signed after the revocation, and with a signing time claimed before it. */
let signedAfter: Buffer;
let claimedBefore: Buffer;
let claimedBeforeTime: Date;
/** The same attack as a GB/T 38540 seal signature, with a seal this node made for the signer. */
let sesSignedAfter: Buffer;
const tmp = scratchDir('sealtrust-revocation-authority-');
let trustDir: string;
let ip = 0;

async function verify(pdf: Buffer): Promise<ValidationReport> {
  const res = await srv.request('/v1/verify', {
    method: 'POST',
    headers: { 'content-type': 'application/pdf', 'x-forwarded-for': `203.0.113.${++ip}` },
    body: new Uint8Array(pdf),
  });
  return expectJson<ValidationReport>(res, 200);
}

function revocationCheck(r: ValidationReport) {
  return r.signatures[0]!.checks.find((c) => c.id === 'revocation')!;
}

function describeChecks(r: ValidationReport): string {
  return r.signatures[0]!.checks.map((c) => `${c.id}:${c.status}:${c.code}`).join(' ');
}

/** The attack file: the pre-revocation CRL in /DSS inside the signed revision and in CMS crls. */
async function attackPdf(crl: Buffer, signingTime: Date): Promise<Buffer> {
  return seal(await withDss(await basePdf(), [crl]), {
    sign: cmsSigner(signer, { signingTime, crls: [crl] }),
    subFilter: 'adbe.pkcs7.detached',
  });
}

before(async () => {
  srv = await startTestServer();
  const agencyId = await srv.agency('杭州市市场监督管理局', '113301000024902776', '330100');
  // The signer's key is the attacker's own (a CSR); the node certifies it as a seal signer.
  const key = generateSm2KeyPair();
  const csr = toPem('CERTIFICATE REQUEST', buildCsr(key, encodeName({ C: 'CN', CN: '张三' })));
  const issued = await expectJson<{ serial: string; certificate: string }>(
    await srv.request('/v1/certificates', {
      method: 'POST',
      token: srv.adminToken,
      json: { csr, profile: 'seal-signer', agencyId, commonName: '张三' },
    }),
    201,
  );
  const der = fromPem(issued.certificate).der;
  const info = parseCertificate(der);
  signer = { key, name: info.subjectDer, der, info };

  // A seal of this node listing the signer, made while the certificate was good.
  const made = await expectJson<{ esID: string }>(
    await srv.request('/v1/seals', {
      method: 'POST',
      token: srv.adminToken,
      json: {
        agencyId,
        name: '合同专用章',
        type: 'contract',
        signerCertSerials: [issued.serial],
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      },
    }),
    201,
  );
  const sealRes = await srv.request(`/v1/seals/${made.esID}.esl`, { token: srv.adminToken });
  assert.equal(sealRes.status, 200);
  const sealDer = Buffer.from(await sealRes.arrayBuffer());

  // The last CRL before the revocation, from the node's public CRL distribution point.
  const cdp = new URL(info.crlUrls[0]!);
  assert.equal(cdp.origin, srv.url, 'the certificate names the node as its CRL distribution point');
  const crlRes = await srv.request(cdp.pathname);
  assert.equal(crlRes.status, 200);
  const preRevocationCrl = Buffer.from(await crlRes.arrayBuffer());
  // Claimed a second (whole: CMS signingTime has no fractions) before the revocation happens.
  claimedBeforeTime = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);

  const revoked = await expectJson<{ status: string; revokedAt: string }>(
    await srv.request(`/v1/certificates/${issued.serial}/revoke`, {
      method: 'POST',
      token: srv.adminToken,
      json: { reason: 'keyCompromise' },
    }),
    200,
  );
  assert.equal(revoked.status, 'revoked');
  revokedAt = new Date(revoked.revokedAt);

  // At or after the revocation (the next whole second from it).
  signedAfter = await attackPdf(preRevocationCrl, new Date(Math.ceil(revokedAt.getTime() / 1000) * 1000));
  claimedBefore = await attackPdf(preRevocationCrl, claimedBeforeTime);
  const timeInfo = new Date(Math.ceil(revokedAt.getTime() / 1000) * 1000);
  sesSignedAfter = await seal(await withDss(await basePdf(), [preRevocationCrl]), {
    sign: async (digest) =>
      signSesV4(
        { seal: sealDer, timeInfo, dataHash: digest, propertyInfo: 'PDF ByteRange' },
        { cert: der, privateKey: key.privateKey },
      ).der,
    contentsBytes: contentsBytesForSeal(sealDer.length + 4096),
  });
  tmp.file('root.pem', srv.node.root.pem);
  tmp.file('ca.pem', srv.node.defaultCa.ca.pem);
  trustDir = tmp.dir;
});

after(async () => {
  await srv?.stop();
  tmp.cleanup();
});

describe('a revoked signer with the pre-revocation CRL embedded in the signed revision', () => {
  it('POST /v1/verify, signed after the revocation: TOTAL_FAILED / REVOKED on the revocation check', async () => {
    const r = await verify(signedAfter);
    assert.equal(r.indication, 'TOTAL_FAILED', describeChecks(r));
    assert.equal(r.subIndication, 'REVOKED');
    assert.equal(firstProblem(r.signatures[0]!.checks), 'revocation');
    const c = revocationCheck(r);
    assert.equal(c.code, 'REVOKED');
    const details = c.details as { revokedAt: string; source: string };
    assert.equal(details.revokedAt, revokedAt.toISOString());
    assert.match(details.source, /^ca-database; crl:embedded/, 'the embedded CRL is named as a source too');
  });

  it("POST /v1/verify, an SES signature with the node's own seal, signed after: TOTAL_FAILED / REVOKED", async () => {
    const r = await verify(sesSignedAfter);
    assert.equal(r.signatures[0]!.format, 'PDF SES v4');
    assert.equal(r.indication, 'TOTAL_FAILED', describeChecks(r));
    assert.equal(r.subIndication, 'REVOKED');
    assert.equal(firstProblem(r.signatures[0]!.checks), 'revocation');
    assert.equal(revocationCheck(r).code, 'REVOKED');
    assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'seal-status')?.status, 'passed');
  });

  it('POST /v1/verify, signing time claimed before the revocation: INDETERMINATE / REVOKED_NO_POE', async () => {
    const r = await verify(claimedBefore);
    assert.equal(r.indication, 'INDETERMINATE', describeChecks(r));
    assert.equal(r.subIndication, 'REVOKED_NO_POE');
    assert.equal(firstProblem(r.signatures[0]!.checks), 'revocation');
    assert.equal(revocationCheck(r).code, 'REVOKED_NO_POE');
  });

  it('sealtrust verify --online <node>: the node is authoritative for its CA (exit 1 REVOKED, exit 2 REVOKED_NO_POE)', async () => {
    const after = await runCli([
      'verify',
      tmp.file('signed-after.pdf', signedAfter),
      '--trust',
      trustDir,
      '--online',
      srv.url,
      '--json',
    ]);
    assert.equal(after.code, 1, after.stdout + after.stderr);
    const ra = JSON.parse(after.stdout) as ValidationReport;
    assert.equal(`${ra.indication}/${ra.subIndication}`, 'TOTAL_FAILED/REVOKED');
    assert.equal(firstProblem(ra.signatures[0]!.checks), 'revocation');
    assert.match(
      (revocationCheck(ra).details as { source: string }).source,
      new RegExp(`crl:${srv.url}/crl/`),
    );

    const before = await runCli([
      'verify',
      tmp.file('claimed-before.pdf', claimedBefore),
      '--trust',
      trustDir,
      '--online',
      srv.url,
      '--json',
    ]);
    assert.equal(before.code, 2, before.stdout + before.stderr);
    const rb = JSON.parse(before.stdout) as ValidationReport;
    assert.equal(`${rb.indication}/${rb.subIndication}`, 'INDETERMINATE/REVOKED_NO_POE');
    assert.equal(revocationCheck(rb).code, 'REVOKED_NO_POE');
  });

  it('sealtrust verify offline (--trust only): the carried CRL predates the signing time, so INDETERMINATE', async () => {
    const r = await runCli(['verify', tmp.file('offline.pdf', signedAfter), '--trust', trustDir, '--json']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as ValidationReport;
    assert.equal(report.indication, 'INDETERMINATE');
    assert.equal(firstProblem(report.signatures[0]!.checks), 'revocation');
    assert.equal(revocationCheck(report).code, 'REVOCATION_OUT_OF_BOUNDS_NO_POE');
  });
});
