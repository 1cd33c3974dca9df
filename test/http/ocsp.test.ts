import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ownKeyCsr } from '../helpers/own-key-csr.js';
import { openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';
import { runCli } from '../helpers/run-cli.js';
import { fromPem } from '../../src/crypto/pem.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { buildCertId, buildOcspRequest, certificateSubjectDer, type OcspHash } from '../../src/pki/ocsp.js';

let srv: TestServer;
let agencyId: string;
let operator: string;
const tmp = scratchDir('sealtrust-ocsp-http-');

before(async () => {
  srv = await startTestServer();
  const res = await srv.request('/v1/agencies', {
    method: 'POST',
    token: srv.adminToken,
    json: { name: '杭州市市场监督管理局', uscc: '113301000024902776', regionCode: '330100', province: '33' },
  });
  agencyId = ((await res.json()) as { id: string }).id;
  operator = await srv.token('ca-operator');
  tmp.file('ca.pem', srv.node.defaultCa.ca.pem);
  tmp.file('root.pem', srv.node.root.pem);
  tmp.file('responder.pem', srv.node.defaultCa.ocspResponder.pem);
  const pub = await openssl(['x509', '-in', tmp.file('responder.pem'), '-pubkey', '-noout']);
  tmp.file('responder-pub.pem', pub.stdout);
});
after(async () => {
  await srv.stop();
  tmp.cleanup();
});

/** Issues a seal-signer certificate and writes it to `<name>.pem`; returns its serial. */
async function issue(name: string): Promise<string> {
  const res = await srv.request('/v1/certificates', {
    method: 'POST',
    token: operator,
    json: { profile: 'seal-signer', agencyId, csr: ownKeyCsr().csr },
  });
  assert.equal(res.status, 201, await res.clone().text());
  const body = (await res.json()) as { serial: string; certificate: string };
  tmp.file(`${name}.pem`, body.certificate);
  return body.serial;
}

const changeStatus = async (serial: string, action: 'revoke' | 'release', json?: object) => {
  const res = await srv.request(`/v1/certificates/${serial}/${action}`, {
    method: 'POST',
    token: operator,
    json: json ?? {},
  });
  assert.equal(res.status, 200, await res.clone().text());
};

async function opensslRequest(leaf: string, ...args: string[]): Promise<Buffer> {
  const out = tmp.file(`${leaf}-${randomBytes(4).toString('hex')}.req`);
  const r = await openssl([
    'ocsp',
    ...args,
    '-issuer',
    tmp.file('ca.pem'),
    '-cert',
    tmp.file(`${leaf}.pem`),
    '-reqout',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return readFileSync(out);
}

async function post(der: Uint8Array): Promise<{ res: Response; der: Buffer }> {
  const res = await srv.request('/ocsp', {
    method: 'POST',
    headers: { 'content-type': 'application/ocsp-request' },
    body: der,
  });
  return { res, der: Buffer.from(await res.arrayBuffer()) };
}

/** What `openssl ocsp -resp_text` says about a response; fails unless OpenSSL parses it. */
async function opensslText(resp: Buffer): Promise<string> {
  const r = await openssl([
    'ocsp',
    '-respin',
    tmp.file(`resp-${randomBytes(4).toString('hex')}.der`, resp),
    '-resp_text',
    '-noverify',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Verifies the response signature with OpenSSL over the tbsResponseData cut out by asn1js. */
async function assertSignedByResponder(resp: Buffer): Promise<void> {
  const outer = asn1js.fromBER(resp).result as asn1js.Sequence;
  const rb = (outer.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
  const basic = asn1js.fromBER((rb.valueBlock.value[1] as asn1js.OctetString).valueBlock.valueHexView)
    .result as asn1js.Sequence;
  const [tbs, , sig, certs] = basic.valueBlock.value as [
    asn1js.Sequence,
    unknown,
    asn1js.BitString,
    asn1js.Constructed,
  ];
  // The responder certificate travels in `certs`.
  const included = Buffer.from(
    (certs.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0]!.valueBeforeDecodeView,
  );
  assert.ok(included.equals(srv.node.defaultCa.ocspResponder.cert.der));
  const id = randomBytes(4).toString('hex');
  const r = await openssl(
    sm2VerifyArgs(
      tmp.file('responder-pub.pem'),
      tmp.file(`tbs-${id}.der`, Buffer.from(tbs.valueBeforeDecodeView)),
      tmp.file(`sig-${id}.der`, Buffer.from(sig.valueBlock.valueHexView)),
    ),
  );
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

function certIdFor(leafPem: string, hash: OcspHash = 'sha1', issuer = srv.node.defaultCa.ca.cert): Buffer {
  const leaf = parseCertificate(fromPem(leafPem).der);
  return buildCertId(
    hash,
    certificateSubjectDer(issuer.der),
    issuer.publicKey,
    Buffer.from(leaf.serialHex, 'hex'),
  );
}

test('OpenSSL requests with and without nonce are answered good, signed by the delegated responder', async () => {
  await issue('good');
  for (const args of [[], ['-no_nonce']]) {
    const { res, der } = await post(await opensslRequest('good', ...args));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/ocsp-response');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const text = await opensslText(der);
    assert.match(text, /OCSP Response Status: successful/);
    assert.match(text, /Cert Status: good/);
    assert.match(text, /Responder Id: [0-9A-F]{40}/);
    assert.match(text, /Produced At: .*GMT/);
    assert.match(text, /This Update: .*GMT\s+Next Update: .*GMT/);
    if (args.length) assert.doesNotMatch(text, /OCSP Nonce/);
    else assert.match(text, /OCSP Nonce:/);
    await assertSignedByResponder(der);
  }
});

test('OpenSSL as the client: the nonce is echoed and checked, SHA-256 and SM3 CertIDs work', async () => {
  await issue('client');
  for (const digest of ['-sha1', '-sha256', '-sm3']) {
    const r = await openssl([
      'ocsp',
      digest,
      '-issuer',
      tmp.file('ca.pem'),
      '-cert',
      tmp.file('client.pem'),
      '-url',
      `${srv.url}/ocsp`,
      '-noverify', // OpenSSL cannot verify standard-ID SM2 signatures; checked with pkeyutl instead
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /client\.pem: good/, digest);
    assert.doesNotMatch(r.stderr, /nonce/i, `${digest}: ${r.stderr}`);
  }
});

test('good → revoked (keyCompromise) with time and reason, listed in the CRL', async () => {
  const serial = await issue('revoke');
  const request = await opensslRequest('revoke', '-no_nonce');
  assert.match(await opensslText((await post(request)).der), /Cert Status: good/);
  await changeStatus(serial, 'revoke', { reason: 'keyCompromise' });
  const { der } = await post(request);
  const text = await opensslText(der);
  assert.match(
    text,
    /Cert Status: revoked\s+Revocation Time: .*GMT\s+Revocation Reason: keyCompromise \(0x1\)/,
  );
  await assertSignedByResponder(der);

  const crl = await srv.request('/crl/dev-ca.crl');
  assert.equal(crl.status, 200);
  const crlText = await openssl([
    'crl',
    '-inform',
    'DER',
    '-text',
    '-noout',
    '-in',
    tmp.file('dev-ca.crl', Buffer.from(await crl.arrayBuffer())),
  ]);
  assert.equal(crlText.code, 0, crlText.stderr);
  assert.match(
    crlText.stdout,
    new RegExp(
      `Serial Number: ${serial}\\s+Revocation Date: .*\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Key Compromise`,
    ),
  );
});

test('a serial the CA never issued is unknown, and so is an issuer that is not ours', async () => {
  const leafPem = readFileSync(tmp.file('good.pem'), 'utf8');
  const issuer = srv.node.defaultCa.ca.cert;
  const neverIssued = buildCertId(
    'sha1',
    certificateSubjectDer(issuer.der),
    issuer.publicKey,
    randomBytes(16).fill(0x11, 0, 1),
  );
  const otherIssuer = certIdFor(leafPem, 'sha256', srv.node.root.cert);
  for (const id of [neverIssued, otherIssuer]) {
    for (const nonce of [undefined, randomBytes(16)]) {
      const { der } = await post(buildOcspRequest([id], nonce));
      assert.match(await opensslText(der), /Cert Status: unknown/);
      await assertSignedByResponder(der);
    }
  }
});

test('held is revoked/certificateHold, released is good again (the cached answer is replaced)', async () => {
  const serial = await issue('hold');
  const request = await opensslRequest('hold', '-no_nonce');
  const first = (await post(request)).der;
  assert.match(await opensslText(first), /Cert Status: good/);
  // Pre-produced: the same bytes again, no new signature.
  assert.ok((await post(request)).der.equals(first));

  await changeStatus(serial, 'revoke', { reason: 'certificateHold' });
  const held = (await post(request)).der;
  assert.match(
    await opensslText(held),
    /Cert Status: revoked\s+Revocation Time: .*\s+Revocation Reason: certificateHold/,
  );

  await changeStatus(serial, 'release');
  const released = (await post(request)).der;
  assert.match(await opensslText(released), /Cert Status: good/);
  await assertSignedByResponder(released);
});

test('garbage, empty, oversized and bad-nonce requests get malformedRequest with HTTP 200', async () => {
  const bodies = [
    Buffer.from('this is not DER'),
    Buffer.alloc(0),
    randomBytes(200),
    Buffer.alloc(70 * 1024, 0x30),
    buildOcspRequest([certIdFor(readFileSync(tmp.file('good.pem'), 'utf8'))], randomBytes(33)),
  ];
  for (const body of bodies) {
    const { res, der } = await post(body);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/ocsp-response');
    assert.equal(der.toString('hex'), '30030a0101');
    const r = await openssl(['ocsp', '-respin', tmp.file('malformed.der', der), '-resp_text', '-noverify']);
    assert.match(r.stdout + r.stderr, /Responder Error: malformedrequest \(1\)/);
  }
});

test('several certificates in one request are answered each', async () => {
  const good = readFileSync(tmp.file('good.pem'), 'utf8');
  const revoked = readFileSync(tmp.file('revoke.pem'), 'utf8');
  const issuer = srv.node.defaultCa.ca.cert;
  const unknown = buildCertId(
    'sm3',
    certificateSubjectDer(issuer.der),
    issuer.publicKey,
    Buffer.from('0123456789', 'hex'),
  );
  const { der } = await post(buildOcspRequest([certIdFor(good), certIdFor(revoked, 'sha256'), unknown]));
  const text = await opensslText(der);
  const statuses = [...text.matchAll(/Cert Status: (\w+)/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['good', 'revoked', 'unknown']);
  await assertSignedByResponder(der);
});

test('GET with standard and URL-safe base64 works and carries caching headers', async () => {
  const request = await opensslRequest('good', '-no_nonce');
  const b64 = request.toString('base64');
  const forms = [encodeURIComponent(b64), request.toString('base64url'), b64.replace(/=+$/, '')];
  let etag: string | null = null;
  let body: Buffer | undefined;
  for (const form of forms) {
    const res = await srv.request(`/ocsp/${form}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/ocsp-response');
    const cc = res.headers.get('cache-control') ?? '';
    const maxAge = Number(/max-age=(\d+)/.exec(cc)?.[1]);
    assert.ok(maxAge > 3000 && maxAge <= 3600, cc);
    assert.ok(res.headers.get('last-modified'));
    assert.ok(res.headers.get('expires'));
    etag ??= res.headers.get('etag');
    assert.equal(res.headers.get('etag'), etag);
    const der = Buffer.from(await res.arrayBuffer());
    body ??= der;
    assert.ok(der.equals(body), 'the same pre-produced answer for every spelling');
  }
  assert.match(await opensslText(body!), /Cert Status: good/);
  const again = await srv.request(`/ocsp/${forms[1]}`, {
    // fetch itself adds `Cache-Control: no-cache` to conditional requests unless one is given.
    headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' },
  });
  assert.equal(again.status, 304);

  // A nonce makes the answer personal: not cacheable.
  const withNonce = await opensslRequest('good');
  const res = await srv.request(`/ocsp/${encodeURIComponent(withNonce.toString('base64'))}`);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(await opensslText(Buffer.from(await res.arrayBuffer())), /OCSP Nonce:/);

  const bad = await srv.request('/ocsp/%%%not-base64');
  assert.equal(bad.status, 200);
  assert.equal(Buffer.from(await bad.arrayBuffer()).toString('hex'), '30030a0101');
});

test('sealtrust ocsp check against the live server', async () => {
  const url = `${srv.url}/ocsp`;
  const args = (leaf: string, ...more: string[]) => [
    'ocsp',
    'check',
    '--cert',
    tmp.file(`${leaf}.pem`),
    '--issuer',
    tmp.file('ca.pem'),
    '--url',
    url,
    ...more,
  ];
  const good = await runCli(args('good', '--nonce'));
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /^good\n/);

  for (const hash of ['sha256', 'sm3']) {
    const r = await runCli(args('good', '--hash', hash));
    assert.equal(r.code, 0, r.stderr);
  }

  const revoked = await runCli(args('revoke', '--nonce'));
  assert.equal(revoked.code, 1, revoked.stderr);
  assert.match(revoked.stdout, /^revoked \(keyCompromise, \d{4}-\d\d-\d\dT[\d:.]+Z\)\n/);

  // Wrong issuer for the leaf: bad input.
  const wrongIssuer = await runCli([
    ...args('good').slice(0, 4),
    '--issuer',
    tmp.file('root.pem'),
    '--url',
    url,
  ]);
  assert.equal(wrongIssuer.code, 2);

  const unreachable = await runCli([...args('good').slice(0, 6), '--url', 'http://127.0.0.1:1/ocsp']);
  assert.equal(unreachable.code, 2);
  assert.match(unreachable.stderr, /unreachable/);

  const notOcsp = await runCli([...args('good').slice(0, 6), '--url', `${srv.url}/healthz`]);
  assert.equal(notOcsp.code, 1);
  assert.match(notOcsp.stderr, /invalid response/);

  const badHash = await runCli(args('good', '--hash', 'md5'));
  assert.equal(badHash.code, 2);
});
