import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { DISTID, openssl, scratchDir } from '../helpers/openssl.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loadCaNode } from '../../src/service/ca/ca-node.js';
import { PROJECT_ROOT } from '../../src/config.js';

const tmp = scratchDir('sealtrust-ca-cli-');
let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
  tmp.cleanup();
});

test('ca init runs the key ceremony: encrypted keys, a chain openssl accepts, a loadable node', async () => {
  const out = join(tmp.dir, 'zj');
  const env = { SEALTRUST_CA_PASSPHRASE: 'province ceremony passphrase' };
  const r = await runCli(
    [
      'ca',
      'init',
      '--config',
      join(PROJECT_ROOT, 'ca', 'example-province.json'),
      '--out',
      out,
      '--public-url',
      'https://ca.zj.example.cn',
    ],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  for (const f of [
    'zj-root.crt.pem',
    'zj-root.key.pem',
    'zj-root.crl',
    'zj-seal-ca.crt.pem',
    'zj-seal-ca.key.pem',
    'zj-seal-ca-ocsp.crt.pem',
    'zj-seal-ca-tsa.crt.pem',
    'node.json',
  ]) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.equal(statSync(join(out, 'zj-seal-ca.key.pem')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(out, 'zj-seal-ca.key.pem'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
  const dec = await openssl([
    'pkey',
    '-in',
    join(out, 'zj-seal-ca.key.pem'),
    '-passin',
    `pass:${env.SEALTRUST_CA_PASSPHRASE}`,
    '-noout',
  ]);
  assert.equal(dec.code, 0, dec.stderr);
  const v1 = await openssl([
    'verify',
    '-partial_chain',
    '-CAfile',
    join(out, 'zj-root.crt.pem'),
    '-vfyopt',
    DISTID,
    join(out, 'zj-seal-ca.crt.pem'),
  ]);
  assert.equal(v1.code, 0, v1.stderr);
  for (const leaf of ['zj-seal-ca-ocsp.crt.pem', 'zj-seal-ca-tsa.crt.pem']) {
    const v = await openssl([
      'verify',
      '-partial_chain',
      '-CAfile',
      join(out, 'zj-seal-ca.crt.pem'),
      '-vfyopt',
      DISTID,
      join(out, leaf),
    ]);
    assert.equal(v.code, 0, leaf + v.stderr);
  }
  const tsaText = (await openssl(['x509', '-in', join(out, 'zj-seal-ca-tsa.crt.pem'), '-text', '-noout']))
    .stdout;
  assert.match(tsaText, /Extended Key Usage: critical\s*\n\s*Time Stamping/);
  const caText = (await openssl(['x509', '-in', join(out, 'zj-seal-ca.crt.pem'), '-text', '-noout'])).stdout;
  assert.match(caText, /CA:TRUE, pathlen:0/);
  assert.match(caText, /URI:https:\/\/ca\.zj\.example\.cn\/crl\/zj-root\.crl/);
  const crl = await openssl(['crl', '-inform', 'DER', '-in', join(out, 'zj-root.crl'), '-text', '-noout']);
  assert.equal(crl.code, 0);
  const node = loadCaNode(
    out,
    env.SEALTRUST_CA_PASSPHRASE,
    join(PROJECT_ROOT, 'ca', 'profiles'),
    'https://ca.zj.example.cn',
  );
  assert.deepEqual([...node.issuingCas.keys()], ['zj-seal-ca']);
  // A province signs no trust list: only the hub's CA config names a trust-list signer (federation.md §2.8).
  assert.equal(node.defaultCa.trustListSigner, undefined);
  assert.equal(existsSync(join(out, 'zj-seal-ca-trust-list-signer.crt.pem')), false);
  assert.throws(
    () => loadCaNode(out, 'wrong passphrase!', join(PROJECT_ROOT, 'ca', 'profiles'), 'https://x.cn'),
    /passphrase/i,
  );
  const again = await runCli(
    ['ca', 'init', '--config', join(PROJECT_ROOT, 'ca', 'example-province.json'), '--out', out],
    { env },
  );
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a hierarchy/);
});

test('ca issue, ca revoke and ca crl work through the node API', async () => {
  const res = await srv.request('/v1/agencies', {
    method: 'POST',
    token: srv.adminToken,
    json: { name: '宁波市市场监督管理局', uscc: '113301000024902776', regionCode: '330200', province: '33' },
  });
  const agencyId = ((await res.json()) as { id: string }).id;
  const key = tmp.file('k.pem');
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', key]);
  const csr = tmp.file('r.csr');
  await openssl(['req', '-new', '-key', key, '-subj', '/CN=x', '-sm3', '-sigopt', DISTID, '-out', csr]);
  const env = { SEALTRUST_URL: srv.url, SEALTRUST_TOKEN: await srv.token('ca-operator') };
  const certOut = tmp.file('leaf.pem');
  const issued = await runCli(
    [
      'ca',
      'issue',
      '--csr',
      csr,
      '--profile',
      'seal-signer',
      '--agency',
      agencyId,
      '--out',
      certOut,
      '--chain-out',
      tmp.file('chain.pem'),
    ],
    { env },
  );
  assert.equal(issued.code, 0, issued.stderr);
  const serial = /serial ([0-9A-F]+)/.exec(issued.stderr)![1]!;
  const v = await openssl([
    'verify',
    '-partial_chain',
    '-CAfile',
    tmp.file('ca.pem', srv.node.defaultCa.ca.pem),
    '-vfyopt',
    DISTID,
    certOut,
  ]);
  assert.equal(v.code, 0, v.stderr);
  const revoked = await runCli(['ca', 'revoke', '--serial', serial, '--reason', 'superseded'], { env });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /revoked superseded/);
  const crlFile = tmp.file('now.crl');
  const crl = await runCli(['ca', 'crl', '--ca', 'dev-ca', '--out', crlFile], { env });
  assert.equal(crl.code, 0, crl.stderr);
  assert.match(
    (await openssl(['crl', '-inform', 'DER', '-in', crlFile, '-text', '-noout'])).stdout,
    new RegExp(serial),
  );
  const denied = await runCli(['ca', 'revoke', '--serial', serial, '--reason', 'superseded'], {
    env: { ...env, SEALTRUST_TOKEN: await srv.token('seal-maker') },
  });
  assert.equal(denied.code, 2);
  assert.match(denied.stderr, /HTTP 403/);
});
