import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, DEV_KEYS_DIR, type TestServer } from '../helpers/test-server.js';
import { runCli } from '../helpers/run-cli.js';
import { scratchDir } from '../helpers/openssl.js';
import { seedDemo } from '../../src/cli/demo-seed.js';

let srv: TestServer;
let identifier: string;
const dir = scratchDir('verify-licence-');

before(async () => {
  srv = await startTestServer();
  const seed = await seedDemo(srv.services, 1);
  identifier = seed.licences[0]!.identifier;
});
after(async () => {
  dir.cleanup();
  await srv?.stop();
});

async function licenceFile(): Promise<string> {
  const { pdf } = await srv.services.licences.pdf(identifier);
  return dir.file('licence.pdf', pdf);
}

/** `sealtrust verify --json` trusting the development root and issuing CA, with the node online. */
const verifyOnline = (file: string) =>
  runCli([
    'verify',
    file,
    '--json',
    '--trust',
    join(DEV_KEYS_DIR, 'root.crt.pem'),
    '--trust',
    join(DEV_KEYS_DIR, 'dev-ca.crt.pem'),
    // The node's seal maker (it carries the seal-maker policy): the seal-making system this verifier knows.
    '--trust',
    join(DEV_KEYS_DIR, 'dev-ca-seal-maker.crt.pem'),
    '--online',
    srv.url,
  ]);

interface Report {
  indication: string;
  subIndication: string | null;
  signatures: { checks: { id: string; status: string; code: string }[] }[];
  licence?: { status: string; checks: { id: string; status: string }[] };
}

test('a demo licence is TOTAL_PASSED offline against the development root plus the node online', async () => {
  const file = await licenceFile();
  const r = await verifyOnline(file);
  const report = JSON.parse(r.stdout) as Report;
  const notPassed = report.signatures.flatMap((s) =>
    s.checks.filter((c) => !['passed', 'skipped'].includes(c.status)),
  );
  assert.equal(report.indication, 'TOTAL_PASSED', JSON.stringify(notPassed));
  assert.equal(r.code, 0);
  assert.equal(report.licence?.status, 'valid');
  // --online also fetched the node's CRL for the signer and the seal maker.
  const checks = Object.fromEntries(report.signatures[0]!.checks.map((c) => [c.id, c.status]));
  assert.equal(checks.revocation, 'passed');
  assert.equal(checks['maker-revocation'], 'passed');
  const licenceChecks = Object.fromEntries((report.licence?.checks ?? []).map((c) => [c.id, c.status]));
  assert.deepEqual(licenceChecks, {
    'licence-identifier': 'passed',
    'licence-registered': 'passed',
    'licence-file-hash': 'passed',
    'licence-status': 'passed',
    'licence-copy': licenceChecks['licence-copy'] === 'skipped' ? 'skipped' : 'passed',
    // The issuing node's own directory answered --online: no log evidence or trust list is involved.
    'licence-in-log': 'skipped',
    'trust-list': 'skipped',
  });
});

test('after the directory revokes it, --online makes the same file fail', async () => {
  const file = await licenceFile();
  await srv.services.licences.applyEvent({ principal: { kind: 'system' }, requestId: 't' }, identifier, {
    operation: 'revoke',
    reason: '违法吊销',
  });
  const r = await verifyOnline(file);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.indication, 'TOTAL_FAILED');
  assert.equal(r.code, 1);
  assert.equal(report.licence?.status, 'revoked');
});
