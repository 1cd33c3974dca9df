import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ownKeyCsr } from '../helpers/own-key-csr.js';
import { DISTID, openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';
import { parseSm2PrivateKey } from '../../src/crypto/sm2-keys.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { fromPem } from '../../src/crypto/pem.js';

let srv: TestServer;
let agencyId: string;
let otherAgencyId: string;
let operator: string;
const tmp = scratchDir('sealtrust-certs-');

before(async () => {
  srv = await startTestServer();
  const mk = async (json: object) =>
    (
      (await (await srv.request('/v1/agencies', { method: 'POST', token: srv.adminToken, json })).json()) as {
        id: string;
      }
    ).id;
  agencyId = await mk({
    name: '杭州市市场监督管理局',
    uscc: '113301000024902776',
    regionCode: '330100',
    province: '33',
  });
  otherAgencyId = await mk({
    name: '浙江省市场监督管理局',
    uscc: '113300000024821899',
    regionCode: '330000',
    province: '33',
  });
  operator = await srv.token('ca-operator');
  tmp.file('ca.pem', srv.node.defaultCa.ca.pem);
  tmp.file('root.pem', srv.node.root.pem);
});
after(async () => {
  await srv.stop();
  tmp.cleanup();
});

async function opensslCsr(name: string, sigopt = true): Promise<string> {
  const key = tmp.file(`${name}.key`);
  assert.equal(
    (await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', key])).code,
    0,
  );
  const csr = tmp.file(`${name}.csr`);
  const args = ['req', '-new', '-key', key, '-subj', '/CN=ignored by the CA/O=whatever', '-sm3', '-out', csr];
  if (sigopt) args.push('-sigopt', DISTID);
  const r = await openssl(args);
  assert.equal(r.code, 0, r.stderr);
  return readFileSync(csr, 'utf8');
}

const issue = (json: object, token = operator) =>
  srv.request('/v1/certificates', { method: 'POST', token, json });

describe('issuance', () => {
  test('a CSR made by openssl is accepted; the leaf verifies with openssl against the issuing CA', async () => {
    const csr = await opensslCsr('signer');
    const res = await issue({ csr, profile: 'seal-signer', agencyId, commonName: '张三' });
    assert.equal(res.status, 201);
    const body = (await res.json()) as {
      serial: string;
      certificate: string;
      chain: string[];
      privateKey?: string;
    };
    assert.match(body.serial, /^[0-9A-F]{32}$/);
    assert.equal(body.privateKey, undefined);
    assert.equal(body.chain.length, 2);
    const leaf = tmp.file('signer.pem', body.certificate);
    const v = await openssl([
      'verify',
      '-partial_chain',
      '-CAfile',
      tmp.file('ca.pem'),
      '-vfyopt',
      DISTID,
      leaf,
    ]);
    assert.equal(v.code, 0, v.stderr + v.stdout);
    const text = (await openssl(['x509', '-in', leaf, '-text', '-noout', '-nameopt', 'oneline,-esc_msb']))
      .stdout;
    assert.match(text, /Signature Algorithm: SM2-with-SM3/);
    assert.match(text, /CN = 张三/);
    assert.match(text, /O = 杭州市市场监督管理局/);
    assert.match(text, /Digital Signature, Non Repudiation/);
    assert.match(text, new RegExp(`URI:${srv.url.replace(/[.]/g, '\\.')}/crl/dev-ca\\.crl`));
    assert.match(text, new RegExp(`OCSP - URI:${srv.url.replace(/[.]/g, '\\.')}/ocsp`));
    assert.match(text, /1\.2\.156\.10260\.4\.4:\s*\n\s*\.*113301000024902776/);
    const info = parseCertificate(fromPem(body.certificate).der);
    assert.equal(info.serialHex, body.serial);
    assert.equal(info.uscc, '113301000024902776');
    // One attribute per RDN: each SET holds exactly one AttributeTypeAndValue.
    const name = asn1js.fromBER(info.subjectDer).result as asn1js.Sequence;
    for (const rdn of name.valueBlock.value) assert.equal((rdn as asn1js.Set).valueBlock.value.length, 1);
  });

  test('the issuing CA verifies against the root, and the root against itself', async () => {
    const r = await openssl([
      'verify',
      '-partial_chain',
      '-CAfile',
      tmp.file('root.pem'),
      '-vfyopt',
      DISTID,
      tmp.file('ca.pem'),
    ]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('a CSR signed without the standard SM2 ID (or tampered) is rejected with 422', async () => {
    const emptyId = await opensslCsr('empty-id', false);
    const res = await issue({ csr: emptyId, profile: 'seal-signer', agencyId });
    assert.equal(res.status, 422);
    assert.equal(((await res.json()) as { field: string }).field, 'csr');
    const good = await opensslCsr('tamper');
    const der = Buffer.from(fromPem(good).der);
    der[der.length - 5]! ^= 0x01; // inside the signature value
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.equal((await issue({ csr: tampered, profile: 'seal-signer', agencyId })).status, 422);
    assert.equal((await issue({ csr: 'not a csr', profile: 'seal-signer', agencyId })).status, 422);
  });

  test('server-side key generation returns an encrypted key that openssl decrypts and that matches', async () => {
    const res = await issue({ profile: 'seal-maker', agencyId, passphrase: 'correct horse battery staple' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as { serial: string; certificate: string; privateKey: string };
    assert.match(body.privateKey, /-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const keyFile = tmp.file('maker.key', body.privateKey);
    const pub = await openssl([
      'pkey',
      '-in',
      keyFile,
      '-passin',
      'pass:correct horse battery staple',
      '-pubout',
    ]);
    assert.equal(pub.code, 0, pub.stderr);
    const certPub = await openssl([
      'x509',
      '-in',
      tmp.file('maker.pem', body.certificate),
      '-pubkey',
      '-noout',
    ]);
    assert.equal(pub.stdout, certPub.stdout);
    const key = parseSm2PrivateKey(body.privateKey, 'correct horse battery staple');
    assert.equal(key.privateKey.length, 32);
    // The server keeps no copy: nothing in the database holds the key.
    const row = await srv.database.knex('certificates').where({ serial: body.serial }).first();
    assert.ok(!JSON.stringify(row).includes(Buffer.from(key.privateKey).toString('hex')));
    const text = (await openssl(['x509', '-in', tmp.file('maker.pem'), '-text', '-noout'])).stdout;
    assert.match(text, /Key Usage: critical\s*\n\s*Digital Signature\s*\n/);
  });

  test('no server-generated key for a seal-signer: 422 pointing to the signer-key vault, nothing issued', async () => {
    const before = await srv.database.knex('certificates').count<{ n: string }[]>({ n: '*' });
    const res = await issue({ profile: 'seal-signer', agencyId, passphrase: 'correct horse battery staple' });
    assert.equal(res.status, 422);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const body = (await res.json()) as { type: string; field: string; detail: string };
    assert.match(body.type, /server-key-generation-refused$/);
    assert.equal(body.field, 'passphrase');
    assert.match(body.detail, /POST \/v1\/agencies\/\{id\}\/signer-keys/);
    assert.match(body.detail, /签章密钥库/);
    const after = await srv.database.knex('certificates').count<{ n: string }[]>({ n: '*' });
    assert.deepEqual(after, before);
    // Its own key (a CSR) is still the way, as are server-generated keys for other profiles.
    assert.equal((await issue({ profile: 'seal-signer', agencyId, csr: ownKeyCsr().csr })).status, 201);
  });

  test('bad requests: unknown profile, unknown agency, both or neither key source, CN where not allowed', async () => {
    const csr = await opensslCsr('bad');
    const cases: [object, string][] = [
      [{ csr, profile: 'root-ca', agencyId }, 'profile'],
      [{ csr, profile: 'seal-signer', agencyId: '00000000-0000-4000-8000-000000000000' }, 'agencyId'],
      [{ csr, passphrase: 'long enough passphrase', profile: 'seal-signer', agencyId }, 'passphrase'],
      [{ profile: 'seal-signer', agencyId }, 'csr'],
      [{ csr, profile: 'seal-maker', agencyId, commonName: '李四' }, 'commonName'],
      [{ profile: 'seal-maker', agencyId, passphrase: 'short' }, 'passphrase'],
    ];
    for (const [json, field] of cases) {
      const res = await issue(json);
      assert.equal(res.status, 422, JSON.stringify(json));
      assert.equal(((await res.json()) as { field: string }).field, field, JSON.stringify(json));
    }
  });

  test('roles: only ca-operator and admin issue or revoke; an issuer lists only its own agency', async () => {
    const csr = await opensslCsr('roles');
    const issuer = await srv.token('issuer', { agencyId });
    const sealMaker = await srv.token('seal-maker');
    assert.equal((await issue({ csr, profile: 'seal-signer', agencyId }, issuer)).status, 403);
    assert.equal((await issue({ csr, profile: 'seal-signer', agencyId }, sealMaker)).status, 403);
    assert.equal((await issue({ csr, profile: 'seal-signer', agencyId }, srv.adminToken)).status, 201);
    const list = (await (await srv.request('/v1/certificates', { token: issuer })).json()) as {
      items: { agencyId: string }[];
    };
    assert.ok(list.items.length >= 1);
    assert.ok(list.items.every((c) => c.agencyId === agencyId));
    assert.equal(
      (await srv.request(`/v1/certificates?agencyId=${otherAgencyId}`, { token: issuer })).status,
      403,
    );
    const anyCert = list.items[0] as unknown as { serial: string };
    const revoke = await srv.request(`/v1/certificates/${anyCert.serial}/revoke`, {
      method: 'POST',
      token: issuer,
      json: { reason: 'keyCompromise' },
    });
    assert.equal(revoke.status, 403);
  });

  test('GET by serial answers JSON, PEM or DER by Accept; unknown serial 404', async () => {
    const csr = await opensslCsr('get');
    const { serial, certificate } = (await (
      await issue({ csr, profile: 'seal-signer', agencyId })
    ).json()) as {
      serial: string;
      certificate: string;
    };
    const json = (await (await srv.request(`/v1/certificates/${serial.toLowerCase()}`)).json()) as {
      status: string;
      history: unknown[];
    };
    assert.equal(json.status, 'good');
    assert.equal(json.history.length, 1);
    const pem = await srv.request(`/v1/certificates/${serial}`, {
      headers: { accept: 'application/pem-certificate-chain' },
    });
    assert.equal(await pem.text(), certificate);
    const der = await srv.request(`/v1/certificates/${serial}`, {
      headers: { accept: 'application/pkix-cert' },
    });
    assert.deepEqual(Buffer.from(await der.arrayBuffer()), fromPem(certificate).der);
    assert.equal((await srv.request('/v1/certificates/ABCDEF')).status, 404);
  });
});

describe('revocation and CRL', () => {
  let serial: string;
  let heldSerial: string;
  before(async () => {
    const issueOne = async () =>
      (
        (await (await issue({ profile: 'seal-signer', agencyId, csr: ownKeyCsr().csr })).json()) as {
          serial: string;
        }
      ).serial;
    serial = await issueOne();
    heldSerial = await issueOne();
  });

  const revoke = (s: string, json: object, token = operator) =>
    srv.request(`/v1/certificates/${s}/revoke`, { method: 'POST', token, json });

  test('revoking is idempotent, audited once, and the new CRL lists it with reason and invalidity date', async () => {
    const invalidityDate = new Date(Date.now() - 3_600_000).toISOString();
    const r1 = await revoke(serial, { reason: 'keyCompromise', invalidityDate });
    assert.equal(r1.status, 200);
    const b1 = (await r1.json()) as { status: string; revocationReason: string; revokedAt: string };
    assert.equal(b1.status, 'revoked');
    const r2 = await revoke(serial, { reason: 'superseded' });
    assert.equal(r2.status, 200);
    const b2 = (await r2.json()) as { revocationReason: string; revokedAt: string };
    assert.equal(b2.revocationReason, 'keyCompromise', 'a final revocation is not rewritten');
    assert.equal(b2.revokedAt, b1.revokedAt);
    const revocations = await srv.database
      .knex('audit_log')
      .where({ action: 'certificate.revoke', target_id: serial })
      .orderBy('seq'); // rows come back in heap order otherwise, which the chainer's update of each row changes
    assert.equal(revocations.length, 2);
    assert.deepEqual(
      revocations.map(
        (r: { details: unknown }) =>
          (typeof r.details === 'string' ? JSON.parse(r.details) : r.details).changed,
      ),
      [true, false],
    );

    const crlRes = await srv.request('/crl/dev-ca.crl');
    assert.equal(crlRes.status, 200);
    assert.equal(crlRes.headers.get('content-type'), 'application/pkix-crl');
    assert.match(crlRes.headers.get('cache-control') ?? '', /max-age=\d+/);
    const crl = tmp.file('dev-ca.crl', Buffer.from(await crlRes.arrayBuffer()));
    const text = (await openssl(['crl', '-inform', 'DER', '-in', crl, '-text', '-noout'])).stdout;
    assert.match(text, new RegExp(`Serial Number: ${serial}`));
    assert.match(text, /Key Compromise/);
    assert.match(text, /Invalidity Date/);
    assert.match(text, /X509v3 CRL Number/);
    assert.match(text, /Version 2/);
  });

  test("the CRL's signature verifies with openssl pkeyutl over the extracted TBS bytes", async () => {
    const der = Buffer.from(await (await srv.request('/crl/dev-ca.crl')).arrayBuffer());
    const outer = asn1js.fromBER(der).result as asn1js.Sequence;
    const [tbs, , sig] = outer.valueBlock.value as [asn1js.Sequence, asn1js.Sequence, asn1js.BitString];
    const tbsFile = tmp.file('crl-tbs.der', Buffer.from(tbs.toBER()));
    const sigFile = tmp.file('crl-sig.der', Buffer.from(sig.valueBlock.valueHexView));
    const pub = tmp.file(
      'ca-pub.pem',
      (await openssl(['x509', '-in', tmp.file('ca.pem'), '-pubkey', '-noout'])).stdout,
    );
    const v = await openssl(sm2VerifyArgs(pub, tbsFile, sigFile));
    assert.equal(v.code, 0, v.stderr + v.stdout);
    assert.match(v.stdout, /Signature Verified Successfully/);
    // And a flipped TBS bit fails, so the check above can fail.
    const bad = Buffer.from(tbs.toBER());
    bad[bad.length - 1]! ^= 1;
    const v2 = await openssl(sm2VerifyArgs(pub, tmp.file('bad.der', bad), sigFile));
    assert.notEqual(v2.code, 0);
  });

  test('a held certificate is on the CRL, can be released, and is then off it; final revocations cannot be released', async () => {
    assert.equal((await revoke(heldSerial, { reason: 'certificateHold' })).status, 200);
    let text = (
      await openssl([
        'crl',
        '-inform',
        'DER',
        '-in',
        tmp.file('c1.crl', Buffer.from(await (await srv.request('/crl/dev-ca.crl')).arrayBuffer())),
        '-text',
        '-noout',
      ])
    ).stdout;
    assert.match(text, new RegExp(`Serial Number: ${heldSerial}[\\s\\S]*Certificate Hold`));
    const rel = await srv.request(`/v1/certificates/${heldSerial}/release`, {
      method: 'POST',
      token: operator,
    });
    assert.equal(rel.status, 200);
    assert.equal(((await rel.json()) as { status: string }).status, 'good');
    text = (
      await openssl([
        'crl',
        '-inform',
        'DER',
        '-in',
        tmp.file('c2.crl', Buffer.from(await (await srv.request('/crl/dev-ca.crl')).arrayBuffer())),
        '-text',
        '-noout',
      ])
    ).stdout;
    assert.doesNotMatch(text, new RegExp(heldSerial));
    const again = await srv.request(`/v1/certificates/${heldSerial}/release`, {
      method: 'POST',
      token: operator,
    });
    assert.equal(again.status, 409);
    assert.equal(
      (await srv.request(`/v1/certificates/${serial}/release`, { method: 'POST', token: operator })).status,
      409,
    );
    const history = (
      (await (await srv.request(`/v1/certificates/${heldSerial}`)).json()) as {
        history: { status: string }[];
      }
    ).history;
    assert.deepEqual(
      history.map((h) => h.status),
      ['good', 'hold', 'good'],
    );
  });

  test('bad revocation input: unknown reason 422, future invalidity date 422, removeFromCRL 422, unknown serial 404', async () => {
    assert.equal((await revoke(heldSerial, { reason: 'becauseISaidSo' })).status, 422);
    assert.equal(
      (
        await revoke(heldSerial, {
          reason: 'keyCompromise',
          invalidityDate: new Date(Date.now() + 86_400_000).toISOString(),
        })
      ).status,
      422,
    );
    assert.equal((await revoke(heldSerial, { reason: 'removeFromCRL' })).status, 422);
    assert.equal((await revoke('0123456789ABCDEF', { reason: 'keyCompromise' })).status, 404);
  });

  test('CRL numbers increase with each publication, and CA certificates are published for AIA', async () => {
    const numbers = (await srv.database.knex('crls').where({ ca_id: 'dev-ca' }).orderBy('crl_number')).map(
      (r: { crl_number: unknown }) => Number(r.crl_number),
    );
    assert.ok(numbers.length >= 3);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => numbers[0]! + i),
    );
    const ca = await srv.request('/ca/dev-ca.crt');
    assert.equal(ca.headers.get('content-type'), 'application/pkix-cert');
    assert.deepEqual(Buffer.from(await ca.arrayBuffer()), srv.node.defaultCa.ca.cert.der);
    const tsa = await srv.request('/ca/dev-ca-tsa.pem');
    assert.equal(await tsa.text(), srv.node.defaultCa.tsa!.pem);
    assert.equal((await srv.request('/ca/dev-ca-seal-maker.crt')).status, 200);
    assert.equal((await srv.request('/ca/nope.crt')).status, 404);
    const rootCrl = await srv.request('/crl/root.crl');
    assert.equal(rootCrl.status, 200);
    assert.equal((await srv.request('/crl/nope.crl')).status, 404);
  });
});
