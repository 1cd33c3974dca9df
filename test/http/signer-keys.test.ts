import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';
import { ConfigError, PROJECT_ROOT } from '../../src/config.js';
import { DEV_KEK_FILE, loadKek } from '../../src/service/ca/key-encryption-key.js';
import { signerKeyAad } from '../../src/service/seals/signer-key-service.js';
import { KeyEncryptionKey } from '../../src/crypto/key-wrap.js';
import { fromPem } from '../../src/crypto/pem.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { generateSm2KeyPair, sm2PublicKeyFromPrivate } from '../../src/crypto/sm2.js';
import { parseSm2PublicKey, sm2PublicKeyToPem } from '../../src/crypto/sm2-keys.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { decodeSesSignature } from '../../src/seal/ses-decoder.js';
import { checkDataHash, checkSignerInSeal, checkSignerSignature } from '../../src/seal/ses-crypto-checks.js';
import { softwareSigner } from '../../src/crypto/signer.js';
import { readFileSync } from 'node:fs';

let srv: TestServer;
const tmp = scratchDir('sealtrust-signer-keys-');
let agencyA: string;
let agencyB: string;
let operator: string;
let sealMaker: string;
let issuerA: string;
let issuerB: string;
/** Every response body seen, to check that no key material ever left the service. */
const seenBodies: string[] = [];

interface CreatedJson {
  id: string;
  agencyId: string;
  certificateSerial: string;
  certificate: string;
  chain: string[];
  publicKey: string;
  retired: string[];
}
interface KeyJson {
  id: string;
  status: 'active' | 'retired';
  certificateSerial: string;
  certificateStatus: string;
  publicKey: string;
  kekId: string;
  retiredAt: string | null;
}

async function json<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  seenBodies.push(body);
  assert.equal(res.status, status, body);
  return JSON.parse(body) as T;
}

const keysPath = (agencyId: string) => `/v1/agencies/${agencyId}/signer-keys`;
const createKey = (agencyId: string, json?: unknown, token = operator) =>
  srv.request(keysPath(agencyId), { method: 'POST', token, ...(json === undefined ? {} : { json }) });
const listKeys = async (agencyId: string, token = operator) =>
  (await json<{ items: KeyJson[] }>(await srv.request(keysPath(agencyId), { token }), 200)).items;

async function makeSeal(agencyId: string, serials: string[]): Promise<string> {
  const res = await srv.request('/v1/seals', {
    method: 'POST',
    token: sealMaker,
    json: {
      agencyId,
      name: '测试专用章',
      type: 'contract',
      signerCertSerials: serials,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    },
  });
  return (await json<{ esID: string }>(res, 201)).esID;
}

/** The clear scalar, recovered the only way there is: the stored blob opened with the node's KEK. */
async function clearKeyOf(id: string): Promise<Buffer> {
  const row = (await srv.database.knex('signer_keys').where({ id }).first()) as {
    agency_id: string;
    certificate_serial: string;
    wrapped_key: Uint8Array;
  };
  return loadKek({ production: false }).unwrap(
    row.wrapped_key,
    signerKeyAad(id, row.agency_id, row.certificate_serial),
  );
}

before(async () => {
  srv = await startTestServer();
  agencyA = await srv.agency('杭州市市场监督管理局', '113301000024902776', '330100');
  agencyB = await srv.agency('浙江省市场监督管理局', '113300000024821899', '330000');
  operator = await srv.token('ca-operator');
  sealMaker = await srv.token('seal-maker');
  issuerA = await srv.token('issuer', { agencyId: agencyA });
  issuerB = await srv.token('issuer', { agencyId: agencyB });
});
after(async () => {
  await srv.stop();
  tmp.cleanup();
});

describe('signer keys over HTTP', () => {
  let first: CreatedJson;
  let second: CreatedJson;
  let third: CreatedJson;
  let sealOfFirst: string;
  let sealOfSecond: string;

  test('create: a seal-signer certificate is issued for the agency and listed; no key material in the answer', async () => {
    first = await json<CreatedJson>(await createKey(agencyA), 201);
    assert.equal(first.agencyId, agencyA);
    assert.deepEqual(first.retired, []);
    const cert = parseCertificate(fromPem(first.certificate).der);
    assert.equal(cert.serialHex, first.certificateSerial);
    assert.deepEqual(cert.publicKey, Buffer.from(parseSm2PublicKey(first.publicKey)));

    const record = await json<{ profile: string; agencyId: string; status: string }>(
      await srv.request(`/v1/certificates/${first.certificateSerial}`),
      200,
    );
    assert.equal(record.profile, 'seal-signer');
    assert.equal(record.agencyId, agencyA);
    assert.equal(record.status, 'good');

    const keys = await listKeys(agencyA);
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.id, first.id);
    assert.equal(keys[0]!.status, 'active');
    assert.equal(keys[0]!.certificateStatus, 'good');
    assert.equal(keys[0]!.kekId, loadKek({ production: false }).id);
    for (const body of seenBodies) assert.doesNotMatch(body, /PRIVATE KEY|privateKey|wrapped/i);
  });

  test('the database holds the key only wrapped: the clear 32-byte scalar appears nowhere in any table', async () => {
    const d = await clearKeyOf(first.id);
    // It is the real key: it derives the certified public key.
    assert.deepEqual(
      Buffer.from(sm2PublicKeyFromPrivate(d)),
      Buffer.from(parseSm2PublicKey(first.publicKey)),
    );
    const needles = [d.toString('hex'), d.toString('base64'), d.toString('base64url')];
    const knex = srv.database.knex;
    const tables = (
      (await knex.raw(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
      )) as { rows: { table_name: string }[] }
    ).rows.map((r) => r.table_name);
    assert.ok(tables.includes('signer_keys'));
    let rowsSeen = 0;
    for (const table of tables) {
      const rows = (
        (await knex.raw('SELECT row_to_json(t)::text AS j FROM ?? t', [table])) as { rows: { j: string }[] }
      ).rows;
      for (const { j } of rows) {
        rowsSeen++;
        const text = j.toLowerCase();
        for (const needle of needles)
          assert.ok(!text.includes(needle.toLowerCase()), `clear key found in ${table}`);
      }
    }
    assert.ok(rowsSeen > 10, 'the scan saw the database');
    // And byte for byte in the bytea columns of the key table.
    const raw = (await knex('signer_keys').select('wrapped_key', 'public_key')) as {
      wrapped_key: Uint8Array;
    }[];
    for (const r of raw) assert.equal(Buffer.from(r.wrapped_key).indexOf(d), -1);
    for (const body of seenBodies) for (const needle of needles) assert.ok(!body.includes(needle));
  });

  test('signerFor picks the key bound to the seal; its SES signature verifies with openssl', async () => {
    sealOfFirst = await makeSeal(agencyA, [first.certificateSerial]);
    const chosen = await srv.services.signerKeys.signerFor(agencyA, sealOfFirst);
    assert.equal(chosen.certificateSerial, first.certificateSerial);
    const data = Buffer.from('电子证照 licence body');
    const signed = await srv.services.sealSignatures.sign({
      esID: sealOfFirst,
      signer: { certificateDer: chosen.certificateDer, signer: chosen.signer },
      digest: sm3(data),
      propertyInfo: 'licence.pdf',
    });
    const decoded = decodeSesSignature(signed.der);
    assert.equal(checkSignerSignature(decoded).status, 'passed');
    assert.equal(checkSignerInSeal(decoded).status, 'passed');
    assert.equal(checkDataHash(decoded, data).status, 'passed');

    const pub = tmp.file(
      'signer.pub.pem',
      sm2PublicKeyToPem(parseCertificate(chosen.certificateDer).publicKey),
    );
    const tbs = tmp.file('tbs.der', decoded.tbsSignDer);
    const sig = tmp.file('sig.der', decoded.signature);
    const v = await openssl(sm2VerifyArgs(pub, tbs, sig));
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /Signature Verified Successfully/);
    // The verifier rejects a signature over other bytes: the check above can fail.
    const other = tmp.file('tbs-other.der', Buffer.concat([decoded.tbsSignDer, Buffer.from([0])]));
    assert.notEqual((await openssl(sm2VerifyArgs(pub, other, sig))).code, 0);
  });

  test('a signer whose key is not the certified one is refused before signing', async () => {
    const chosen = await srv.services.signerKeys.signerFor(agencyA, sealOfFirst);
    await assert.rejects(
      srv.services.sealSignatures.sign({
        esID: sealOfFirst,
        signer: {
          certificateDer: chosen.certificateDer,
          signer: softwareSigner(generateSm2KeyPair().privateKey),
        },
        digest: sm3(Buffer.from('x')),
        propertyInfo: 'x',
      }),
      { code: 'signer-key-mismatch' },
    );
  });

  test('rotation: a new active key, the old one retired with its certificate still good', async () => {
    second = await json<CreatedJson>(await createKey(agencyA, { rotate: true, commonName: '张三' }), 201);
    assert.deepEqual(second.retired, [first.id]);
    const keys = await listKeys(agencyA);
    assert.deepEqual(
      keys.map((k) => [k.id, k.status, k.certificateStatus]),
      [
        [second.id, 'active', 'good'],
        [first.id, 'retired', 'good'],
      ],
    );
    assert.ok(keys[1]!.retiredAt);
    const old = await json<{ status: string }>(
      await srv.request(`/v1/certificates/${first.certificateSerial}`),
      200,
    );
    assert.equal(old.status, 'good');
    assert.match(parseCertificate(fromPem(second.certificate).der).subject, /CN=张三/);

    // The old seal lists only the retired key: nothing may sign with it now.
    await assert.rejects(
      srv.services.signerKeys.signerFor(agencyA, sealOfFirst),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'no-signer-key');
        assert.match(err.message, new RegExp(sealOfFirst));
        return true;
      },
    );
    sealOfSecond = await makeSeal(agencyA, [first.certificateSerial, second.certificateSerial]);
    assert.equal(
      (await srv.services.signerKeys.signerFor(agencyA, sealOfSecond)).certificateSerial,
      second.certificateSerial,
    );
  });

  test('with several active keys the newest bound to the seal wins, and an unbound newer one is ignored', async () => {
    third = await json<CreatedJson>(await createKey(agencyA, {}), 201); // no rotation: two active keys
    assert.deepEqual(third.retired, []);
    assert.equal(
      (await srv.services.signerKeys.signerFor(agencyA, sealOfSecond)).certificateSerial,
      second.certificateSerial,
    );
    const sealOfBoth = await makeSeal(agencyA, [second.certificateSerial, third.certificateSerial]);
    assert.equal(
      (await srv.services.signerKeys.signerFor(agencyA, sealOfBoth)).certificateSerial,
      third.certificateSerial,
    );
  });

  test('signerFor names what is wrong: unknown seal, seal of another agency', async () => {
    await assert.rejects(srv.services.signerKeys.signerFor(agencyA, '33010099999999'), {
      code: 'seal-not-found',
    });
    await assert.rejects(srv.services.signerKeys.signerFor(agencyB, sealOfSecond), {
      code: 'seal-of-other-agency',
    });
  });

  test('a wrapped key copied into another row does not open there', async () => {
    const fourth = await json<CreatedJson>(await createKey(agencyA), 201);
    const seal = await makeSeal(agencyA, [fourth.certificateSerial]);
    const knex = srv.database.knex;
    const own = (await knex('signer_keys').where({ id: fourth.id }).first()) as { wrapped_key: Uint8Array };
    const foreign = (await knex('signer_keys').where({ id: third.id }).first()) as {
      wrapped_key: Uint8Array;
    };
    await knex('signer_keys')
      .where({ id: fourth.id })
      .update({ wrapped_key: Buffer.from(foreign.wrapped_key) });
    try {
      await assert.rejects(srv.services.signerKeys.signerFor(agencyA, seal), {
        code: 'signer-key-unavailable',
      });
    } finally {
      await knex('signer_keys')
        .where({ id: fourth.id })
        .update({ wrapped_key: Buffer.from(own.wrapped_key) });
    }
    assert.equal(
      (await srv.services.signerKeys.signerFor(agencyA, seal)).certificateSerial,
      fourth.certificateSerial,
    );
    await json(
      await srv.request(`${keysPath(agencyA)}/${fourth.id}/retire`, { method: 'POST', token: operator }),
      200,
    );
  });

  test('retire: idempotent, the key stops signing, the certificate stays good; other agency → 404', async () => {
    const path = `${keysPath(agencyA)}/${third.id}/retire`;
    const retired = await json<KeyJson>(await srv.request(path, { method: 'POST', token: operator }), 200);
    assert.equal(retired.status, 'retired');
    assert.equal(retired.certificateStatus, 'good');
    const again = await json<KeyJson>(
      await srv.request(path, { method: 'POST', token: srv.adminToken }),
      200,
    );
    assert.equal(again.retiredAt, retired.retiredAt);
    const wrongAgency = await srv.request(`${keysPath(agencyB)}/${third.id}/retire`, {
      method: 'POST',
      token: operator,
    });
    assert.equal(wrongAgency.status, 404);
    assert.equal(
      ((await wrongAgency.json()) as { type: string }).type,
      'https://sealtrust.org.cn/problems/signer-key-not-found',
    );
    assert.equal(
      (await srv.services.signerKeys.signerFor(agencyA, sealOfSecond)).certificateSerial,
      second.certificateSerial,
    );
  });

  test('a revoked certificate takes its key out of service', async () => {
    const revoked = await srv.request(`/v1/certificates/${second.certificateSerial}/revoke`, {
      method: 'POST',
      token: operator,
      json: { reason: 'keyCompromise' },
    });
    assert.equal(revoked.status, 200, await revoked.text());
    await assert.rejects(srv.services.signerKeys.signerFor(agencyA, sealOfSecond), { code: 'no-signer-key' });
    const res = await srv.request(keysPath(agencyA), { token: issuerA });
    const keys = (await json<{ items: KeyJson[] }>(res, 200)).items;
    assert.equal(keys.find((k) => k.id === second.id)?.certificateStatus, 'revoked');
  });

  test('authorization: an issuer lists only its own agency; only admins and CA operators create or retire', async () => {
    assert.equal((await listKeys(agencyA, issuerA)).length, 4);
    const other = await srv.request(keysPath(agencyA), { token: issuerB });
    assert.equal(other.status, 403);
    assert.equal(
      ((await other.json()) as { type: string }).type,
      'https://sealtrust.org.cn/problems/other-agency',
    );
    assert.equal((await srv.request(keysPath(agencyB), { token: issuerA })).status, 403);
    assert.equal((await srv.request(keysPath(agencyA), { token: sealMaker })).status, 403);
    assert.equal((await srv.request(keysPath(agencyA))).status, 401);
    assert.equal((await createKey(agencyA, undefined, issuerA)).status, 403);
    assert.equal((await createKey(agencyA, undefined, sealMaker)).status, 403);
    assert.equal(
      (await srv.request(`${keysPath(agencyA)}/${first.id}/retire`, { method: 'POST', token: issuerA }))
        .status,
      403,
    );
    assert.deepEqual(await listKeys(agencyB, srv.adminToken), []);
  });

  test('bad input is a problem naming the field; an unknown agency leaves no certificate behind', async () => {
    const bad = await createKey(agencyA, { rotate: 'yes' });
    assert.equal(bad.status, 422);
    assert.equal(((await bad.json()) as { field: string }).field, 'rotate');
    const unknownField = await createKey(agencyA, { privateKey: 'x' });
    assert.equal(((await unknownField.json()) as { field: string }).field, 'privateKey');
    const malformed = await srv.request(keysPath(agencyA), {
      method: 'POST',
      token: operator,
      headers: { 'content-type': 'application/json' },
      body: '{"rotate":',
    });
    assert.equal(malformed.status, 400);
    const notJson = await srv.request(keysPath(agencyA), {
      method: 'POST',
      token: operator,
      headers: { 'content-type': 'text/plain' },
      body: 'rotate',
    });
    assert.equal(notJson.status, 415);
    assert.equal((await srv.request(`/v1/agencies/not-a-uuid/signer-keys`, { token: operator })).status, 404);

    const knex = srv.database.knex;
    const count = async () =>
      Number(((await knex('certificates').count('* as n')) as { n: unknown }[])[0]!.n);
    const before = await count();
    const missing = await createKey('00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(
      ((await missing.json()) as { type: string }).type,
      'https://sealtrust.org.cn/problems/agency-not-found',
    );
    assert.equal(await count(), before);
  });

  test('a failure after the certificate is issued rolls back the certificate and its audit record too', async () => {
    const knex = srv.database.knex;
    const count = async (table: string) =>
      Number(((await knex(table).count('* as n')) as { n: unknown }[])[0]!.n);
    const before = { certificates: await count('certificates'), audit: await count('audit_log') };
    // Fault injection in the real database: the key row itself cannot be written.
    await knex.raw('ALTER TABLE signer_keys ADD CONSTRAINT refuse_all CHECK (false) NOT VALID');
    try {
      const res = await createKey(agencyA, { rotate: true });
      assert.equal(res.status, 500);
      const problem = (await res.json()) as { type: string; detail: string };
      assert.equal(problem.type, 'https://sealtrust.org.cn/problems/internal-error');
    } finally {
      await knex.raw('ALTER TABLE signer_keys DROP CONSTRAINT refuse_all');
    }
    assert.deepEqual({ certificates: await count('certificates'), audit: await count('audit_log') }, before);
    // The rotation's retirements were rolled back with it.
    const active = (await listKeys(agencyA)).filter((k) => k.status === 'active');
    assert.ok(active.some((k) => k.id === second.id));
  });

  test('the OpenAPI document lists the signer-key operations', async () => {
    // Not through json(): the document describes the certificate route's privateKey field.
    const doc = (await (await srv.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const keys = doc.paths['/v1/agencies/{agencyId}/signer-keys']!;
    assert.equal(keys.post?.operationId, 'createSignerKey');
    assert.equal(keys.get?.operationId, 'listSignerKeys');
    assert.equal(
      doc.paths['/v1/agencies/{agencyId}/signer-keys/{id}/retire']?.post?.operationId,
      'retireSignerKey',
    );
  });

  test('every change is audited with its certificate issuance, and the chain holds', async () => {
    const rows = (await srv.database.knex('audit_log').select('action', 'target_id').orderBy('seq')) as {
      action: string;
      target_id: string;
    }[];
    const actions = rows.map((r) => r.action);
    const at = actions.indexOf('signer-key.create');
    assert.equal(actions[at - 1], 'certificate.issue', 'the certificate is issued in the same transaction');
    assert.ok(actions.includes('signer-key.rotate'));
    assert.ok(actions.includes('signer-key.retire'));
    assert.equal(rows.find((r) => r.action === 'signer-key.rotate')?.target_id, second.id);
    const chain = await srv.services.audit.verifyChain();
    assert.equal(chain.ok, true, JSON.stringify(chain.firstBreak));
    for (const body of seenBodies) assert.doesNotMatch(body, /PRIVATE KEY/);
  });
});

describe('loadKek', () => {
  const devHex = readFileSync(DEV_KEK_FILE, 'utf8').trim();

  test('development falls back to keys-dev/kek.dev; the id is the first 8 bytes of SM3(kek)', () => {
    const kek = loadKek({ production: false });
    assert.equal(kek.id, sm3(Buffer.from(devHex, 'hex')).subarray(0, 8).toString('hex'));
    assert.equal(JSON.stringify({ kek }), `{"kek":{"kekId":"${kek.id}"}}`);
  });

  test('production refuses the development KEK however it is given, and a missing one', () => {
    assert.throws(() => loadKek({ production: true }), ConfigError);
    assert.throws(
      () => loadKek({ production: true, kekFile: DEV_KEK_FILE }),
      /development key-encryption key/,
    );
    assert.throws(() => loadKek({ production: true, kek: devHex }), /development key-encryption key/);
    const copy = tmp.file('copied-kek', devHex);
    assert.throws(() => loadKek({ production: true, kekFile: copy }), /development key-encryption key/);
    assert.throws(
      () => loadKek({ production: true, kek: Buffer.from(devHex, 'hex').toString('base64') }),
      /development key-encryption key/,
    );
  });

  test('a node KEK from the variable (hex or base64) or a file (text or raw 32 bytes); bad lengths refused', () => {
    const key = Buffer.alloc(32, 7);
    const id = new KeyEncryptionKey(key).id;
    assert.equal(loadKek({ production: true, kek: key.toString('hex') }).id, id);
    assert.equal(loadKek({ production: true, kek: key.toString('base64') }).id, id);
    assert.equal(
      loadKek({ production: true, kekFile: tmp.file('kek.b64', key.toString('base64') + '\n') }).id,
      id,
    );
    assert.equal(loadKek({ production: true, kekFile: tmp.file('kek.bin', key) }).id, id);
    assert.throws(() => loadKek({ production: true, kek: 'ab'.repeat(31) }), /exactly 32 bytes/);
    assert.throws(
      () => loadKek({ production: true, kek: Buffer.alloc(31).toString('base64') }),
      /exactly 32 bytes/,
    );
    assert.throws(
      () => loadKek({ production: false, kekFile: join(PROJECT_ROOT, 'no-such-kek') }),
      /cannot read/,
    );
    assert.throws(
      () => loadKek({ production: false, kek: key.toString('hex'), kekFile: DEV_KEK_FILE }),
      /not both/,
    );
    // Nothing of the key in the error.
    try {
      loadKek({ production: true, kek: 'ab'.repeat(33) });
    } catch (err) {
      assert.doesNotMatch((err as Error).message, /abab/);
    }
  });

  test('a blob wrapped under one KEK does not open under another', () => {
    const a = new KeyEncryptionKey(Buffer.alloc(32, 1));
    const b = new KeyEncryptionKey(Buffer.alloc(32, 2));
    const blob = a.wrap(Buffer.from('secret'), Buffer.from('row'));
    assert.throws(() => b.unwrap(blob, Buffer.from('row')), { code: 'WRONG_KEK' });
    assert.equal(a.unwrap(blob, Buffer.from('row')).toString(), 'secret');
  });
});
