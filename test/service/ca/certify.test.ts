import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as pkijs from 'pkijs';
import { DEV_KEYS_PASSPHRASE } from '../../../src/config.js';
import { generateSm2KeyPair, sm2Verify } from '../../../src/crypto/sm2.js';
import { fromPem } from '../../../src/crypto/pem.js';
import { parseCertificate } from '../../../src/pki/certificate.js';
import { PKI_OID } from '../../../src/pki/pki-oids.js';
import { AgencyService } from '../../../src/service/access/agency-service.js';
import type { ActionContext, Principal } from '../../../src/service/access/principal.js';
import { loadCaNode, loadProfiles } from '../../../src/service/ca/ca-node.js';
import { CertificateEvents } from '../../../src/service/ca/certificate-events.js';
import { CertificateService } from '../../../src/service/ca/certificate-service.js';
import { CrlService } from '../../../src/service/ca/crl-service.js';
import { loadKek } from '../../../src/service/ca/key-encryption-key.js';
import { keyOriginRefusal, type KeyOrigin } from '../../../src/service/ca/key-origin.js';
import { SealService } from '../../../src/service/seals/seal-service.js';
import { SignerKeyService } from '../../../src/service/seals/signer-key-service.js';
import { ServiceError } from '../../../src/service/service-error.js';
import { ownKeyCsr } from '../../helpers/own-key-csr.js';
import { createTestDatabase } from '../../helpers/test-database.js';
import { DEV_KEYS_DIR, PROFILES_DIR } from '../../helpers/test-server.js';

// CertificateService.certify is the one place an issuance's policy is decided; the CSR, passphrase and vault
// paths only supply the key. These tests hold the paths to the same certificate and the same refusals, and
// check that the vault, which made its key itself, no longer proves possession through a worker.

const system: ActionContext = { principal: { kind: 'system' }, requestId: 'certify-test' };
const as = (principal: Principal): ActionContext => ({ principal, requestId: 'certify-test' });
const operator = as({
  kind: 'token',
  tokenId: '33333333-3333-4333-8333-333333333333',
  role: 'ca-operator',
  agencyId: null,
  province: null,
});

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let certificates: CertificateService;
let signerKeys: SignerKeyService;
let agencyId: string;
/** Proof-of-possession checks asked of the verifier (the real SM2 verify, counted). */
let popChecks = 0;

const count = async (table: string) =>
  Number(((await database.knex(table).count('* as n')) as { n: unknown }[])[0]!.n);

/** A certificate's extensions by OID, DER-encoded values, the key-dependent subject key identifier left out. */
function extensionsBesidesKeyId(der: Buffer): Map<string, string> {
  const cert = parseCertificate(der).cert;
  return new Map(
    (cert.extensions ?? [])
      .filter((e: pkijs.Extension) => e.extnID !== PKI_OID.subjectKeyIdentifier)
      .map((e: pkijs.Extension) => [
        e.extnID,
        `${e.critical}:${Buffer.from(e.extnValue.valueBlock.valueHexView).toString('hex')}`,
      ]),
  );
}

async function refusal(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ServiceError) return err;
    throw err;
  }
  assert.fail('expected a ServiceError');
}

before(async () => {
  database = await createTestDatabase();
  const db = database.knex;
  const node = loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'http://127.0.0.1:8080');
  certificates = new CertificateService(
    db,
    node,
    new CrlService(db, node),
    new CertificateEvents(),
    (job) => {
      popChecks++;
      return Promise.resolve(sm2Verify(job.publicKey, job.message, job.signature));
    },
  );
  signerKeys = new SignerKeyService(
    db,
    loadKek({ production: false }),
    certificates,
    new SealService(db, node),
  );
  agencyId = (
    await new AgencyService(db).create(system, {
      name: '杭州市市场监督管理局',
      uscc: '113301000024902776',
      regionCode: '330100',
      province: '33',
    })
  ).agency.id;
});
after(async () => {
  await database.drop();
});

describe('certify: one entry point for the CSR, passphrase and vault paths', () => {
  test('a vault key gets the certificate a CSR for the same request gets, without a proof-of-possession check', async () => {
    const checksBefore = popChecks;
    const vault = await signerKeys.create(operator, agencyId, { commonName: '张三' });
    assert.equal(popChecks, checksBefore, 'the vault made the key: no CSR, no signature check in a worker');

    const own = ownKeyCsr();
    const viaCsr = await certificates.certifyCsr(operator, {
      profile: 'seal-signer',
      agencyId,
      commonName: '张三',
      csr: own.csr,
    });
    assert.equal(popChecks, checksBefore + 1, 'a CSR is checked once');

    const a = parseCertificate(fromPem(vault.certificatePem).der);
    const b = parseCertificate(viaCsr.record.der);
    assert.deepEqual(a.subjectDer, b.subjectDer);
    assert.deepEqual(a.issuerDer, b.issuerDer);
    assert.deepEqual(extensionsBesidesKeyId(a.der), extensionsBesidesKeyId(b.der));
    assert.deepEqual(a.policies, ['2.25.331378933073741540232787376587029394141.1.1']);
    assert.deepEqual(a.keyUsage, ['digitalSignature', 'nonRepudiation']);
    assert.equal(a.uscc, '113301000024902776');
    assert.deepEqual(a.publicKey, vault.publicKey);
    // The same validity period (both issued within the test, so their starts differ by moments only).
    const span = (c: { notBefore: Date; notAfter: Date }) => c.notAfter.getTime() - c.notBefore.getTime();
    assert.equal(span(a), span(b));
    assert.deepEqual(vault.chainPem, viaCsr.chainPem);

    const stored = await certificates.get(vault.certificateSerial);
    assert.equal(stored.profile, 'seal-signer');
    assert.equal(stored.agencyId, agencyId);
  });

  test('each issuance is audited once by certify, naming where its key was made', async () => {
    const rows = (await database
      .knex('audit_log')
      .where({ action: 'certificate.issue' })
      .orderBy('seq')
      .select('details')) as { details: string | { keyGeneration: string } }[];
    const origins = rows.map((r) =>
      typeof r.details === 'string'
        ? (JSON.parse(r.details) as { keyGeneration: string }).keyGeneration
        : r.details.keyGeneration,
    );
    assert.deepEqual(origins, ['vault', 'csr']);
  });

  test('a caller who may not issue is refused on every path, before any key is made or checked', async () => {
    const issuer = as({
      kind: 'token',
      tokenId: '44444444-4444-4444-8444-444444444444',
      role: 'issuer',
      agencyId,
      province: '33',
    });
    const before = { certificates: await count('certificates'), keys: await count('signer_keys') };
    const checks = popChecks;
    // Thunks: each attempt starts only when awaited, so no refusal goes unhandled in between.
    for (const attempt of [
      () => signerKeys.create(issuer, agencyId),
      () => certificates.certifyCsr(issuer, { profile: 'seal-signer', agencyId, csr: ownKeyCsr().csr }),
      () =>
        certificates.issue(issuer, { profile: 'seal-maker', agencyId, passphrase: 'long enough passphrase' }),
    ]) {
      const e = await refusal(attempt());
      assert.equal(e.kind, 'forbidden');
      assert.equal(e.code, 'role-not-allowed');
    }
    assert.equal(popChecks, checks);
    assert.deepEqual({ certificates: await count('certificates'), keys: await count('signer_keys') }, before);
  });

  test('a profile that does not take the key origin is refused: server keys for signers, vault keys for others', async () => {
    const before = await count('certificates');
    const server = await refusal(
      certificates.issue(operator, {
        profile: 'seal-signer',
        agencyId,
        passphrase: 'long enough passphrase',
      }),
    );
    assert.equal(server.code, 'server-key-generation-refused');
    assert.equal(server.field, 'passphrase');

    let asked = false;
    const vault = await refusal(
      certificates.certify(operator, {
        profile: 'seal-maker',
        agencyId,
        key: {
          origin: 'vault',
          publicKey: () => {
            asked = true;
            return generateSm2KeyPair().publicKey;
          },
        },
      }),
    );
    assert.equal(vault.code, 'profile-not-for-vault-keys');
    assert.equal(vault.field, 'profile');
    assert.equal(asked, false, 'the key is not asked for once the request is refused');
    assert.equal(await count('certificates'), before);
  });

  test('a CSR request refused on its profile, subject or agency costs no proof-of-possession check', async () => {
    const { csr } = ownKeyCsr();
    const checks = popChecks;
    const cases: [Parameters<CertificateService['certifyCsr']>[1], string][] = [
      [{ profile: 'root-ca', agencyId, csr }, 'unknown-profile'],
      // The node's own services' certificates come from the key ceremony only (ca/profiles nodeOnly).
      [{ profile: 'ocsp-responder', agencyId, csr }, 'profile-node-only'],
      [{ profile: 'tsa', agencyId, csr }, 'profile-node-only'],
      [{ profile: 'log-signer', agencyId, csr }, 'profile-node-only'],
      [{ profile: 'witness', agencyId, csr }, 'profile-node-only'],
      [{ profile: 'trust-list-signer', agencyId, csr }, 'profile-node-only'],
      [{ profile: 'seal-maker', agencyId, csr, commonName: '李四' }, 'field-not-allowed'],
      [{ profile: 'seal-signer', agencyId: '00000000-0000-4000-8000-000000000000', csr }, 'unknown-agency'],
    ];
    for (const [req, code] of cases)
      assert.equal((await refusal(certificates.certifyCsr(operator, req))).code, code);
    assert.equal(popChecks, checks);
  });

  test('inside a caller transaction that fails, the certificate and its audit record roll back with it', async () => {
    const before = { certificates: await count('certificates'), audit: await count('audit_log') };
    await assert.rejects(
      database.knex.transaction(async (trx) => {
        await certificates.certify(
          system,
          {
            profile: 'seal-maker',
            agencyId,
            key: { origin: 'requester', publicKey: () => generateSm2KeyPair().publicKey },
          },
          trx,
        );
        throw new Error('the caller fails after the issuance');
      }),
      /the caller fails/,
    );
    assert.deepEqual({ certificates: await count('certificates'), audit: await count('audit_log') }, before);
  });
});

test('key origins per profile: own keys for all, vault keys for seal signers only, server keys for the rest', () => {
  const origins: KeyOrigin[] = ['requester', 'server-generated', 'vault'];
  const taken = [...loadProfiles(PROFILES_DIR).values()].map((p) => [
    p.id,
    origins.filter((o) => keyOriginRefusal(p, o) === null),
  ]);
  assert.deepEqual(Object.fromEntries(taken), {
    'log-signer': ['requester', 'server-generated'],
    'ocsp-responder': ['requester', 'server-generated'],
    'seal-maker': ['requester', 'server-generated'],
    'seal-signer': ['requester', 'vault'],
    tsa: ['requester', 'server-generated'],
    'trust-list-signer': ['requester', 'server-generated'],
    witness: ['requester', 'server-generated'],
  });
});
