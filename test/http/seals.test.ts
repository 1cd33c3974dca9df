import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ownKeyCsr } from '../helpers/own-key-csr.js';
import { DISTID, openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';
import { decodeSesSeal, decodeSesSignature } from '../../src/seal/ses-decoder.js';
import {
  checkMakerSignature,
  checkSignerInSeal,
  checkSignerSignature,
  checkDataHash,
} from '../../src/seal/ses-crypto-checks.js';
import { parseSm2PrivateKey } from '../../src/crypto/sm2-keys.js';
import { fromPem, toPem } from '../../src/crypto/pem.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { verifyTimestampToken } from '../../src/pki/timestamp.js';
import { caRevocationView, sealRegistryView } from '../../src/service/verification/validation-views.js';
import { nodeSealMakers } from '../../src/service/ca/ca-node.js';
import { validateSesSignature } from '../../src/verify/ses-validation.js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';
import { parseCertificate } from '../../src/pki/certificate.js';

let srv: TestServer;
const tmp = scratchDir('sealtrust-seals-');
let agencyA: string;
let agencyB: string;
let sealMaker: string;
let issuerA: string;
let issuerB: string;
interface Issued {
  serial: string;
  certificate: string;
  privateKey: string;
}
let signerA: Issued;
let signerA2: Issued;
let signerB: Issued;
let makerCertA: Issued;

async function json<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  assert.equal(res.status, status, body);
  return JSON.parse(body) as T;
}

before(async () => {
  srv = await startTestServer();
  agencyA = await srv.agency('杭州市市场监督管理局', '113301000024902776', '330100');
  agencyB = await srv.agency('浙江省市场监督管理局', '113300000024821899', '330000');
  const operator = await srv.token('ca-operator');
  // Seal-signer keys are the holder's own (a CSR); the server generates none (only for other profiles).
  const issue = async (agencyId: string, profile: string, commonName?: string) => {
    const own = profile === 'seal-signer' ? ownKeyCsr() : null;
    const issued = await json<Issued>(
      await srv.request('/v1/certificates', {
        method: 'POST',
        token: operator,
        json: {
          profile,
          agencyId,
          ...(own ? { csr: own.csr } : { passphrase: 'test passphrase 123' }),
          ...(commonName ? { commonName } : {}),
        },
      }),
      201,
    );
    return own ? { ...issued, privateKey: own.privateKeyPem } : issued;
  };
  signerA = await issue(agencyA, 'seal-signer', '张三');
  signerA2 = await issue(agencyA, 'seal-signer', '李四');
  signerB = await issue(agencyB, 'seal-signer', '王五');
  makerCertA = await issue(agencyA, 'seal-maker');
  sealMaker = await srv.token('seal-maker');
  issuerA = await srv.token('issuer', { agencyId: agencyA });
  issuerB = await srv.token('issuer', { agencyId: agencyB });
});
after(async () => {
  await srv.stop();
  tmp.cleanup();
});

/** The signer's certificate and decrypted key from a server-side issuance response. */
const signerKey = (issued: Issued) => ({
  certificateDer: fromPem(issued.certificate).der,
  privateKey: parseSm2PrivateKey(issued.privateKey, 'test passphrase 123').privateKey,
});

/** What this node's verifier knows: the dev trust anchor and CA, the CA database and the seal registry. */
const nodeContext = (data: Buffer) => ({
  anchors: [srv.node.root.cert],
  intermediates: [srv.node.defaultCa.ca.cert],
  revocation: caRevocationView(srv.database.knex, srv.node),
  sealRegistry: sealRegistryView(srv.services.seals),
  sealMakers: { certificates: nodeSealMakers(srv.node), registeredHere: nodeSealMakers(srv.node) },
  data,
});

const validity = () => ({
  validFrom: new Date(Date.now() - 60_000).toISOString(),
  validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
});
const make = (body: object, token = sealMaker) =>
  srv.request('/v1/seals', { method: 'POST', token, json: body });

interface SealJson {
  esID: string;
  status: string;
  name: string;
  signerCertificateSerials: string[];
  picture: { url: string; widthMm: number; heightMm: number };
  history?: { status: string }[];
}

describe('making seals', () => {
  let seal: SealJson;

  test('a seal-maker makes the agency seal; code from the region, drawn picture, maker signature openssl verifies', async () => {
    seal = await json<SealJson>(
      await make({
        agencyId: agencyA,
        name: '杭州市市场监督管理局',
        type: 'official',
        signerCertSerials: [signerA.serial, signerA2.serial],
        ...validity(),
      }),
      201,
    );
    assert.match(seal.esID, /^330100\d{8}$/);
    assert.equal(seal.status, 'active');
    assert.deepEqual(seal.signerCertificateSerials, [signerA.serial, signerA2.serial].sort());
    assert.equal(seal.picture.widthMm, 42);

    const esl = Buffer.from(
      await (await srv.request(`/v1/seals/${seal.esID}.esl`, { token: sealMaker })).arrayBuffer(),
    );
    const decoded = decodeSesSeal(esl);
    assert.equal(decoded.version, 4);
    assert.equal(decoded.esID, seal.esID);
    assert.equal(decoded.property.name, '杭州市市场监督管理局');
    assert.equal(decoded.property.certs.length, 2);
    assert.equal(decoded.picture.type, 'PNG');
    assert.equal(checkMakerSignature(decoded).status, 'passed');
    // Independent check: openssl over the exact SES_SealInfo bytes with the maker certificate's key.
    const makerPem = tmp.file('maker.pem', toPem('CERTIFICATE', decoded.makerCert));
    const pub = tmp.file(
      'maker-pub.pem',
      (await openssl(['x509', '-in', makerPem, '-pubkey', '-noout'])).stdout,
    );
    const v = await openssl(
      sm2VerifyArgs(pub, tmp.file('info.der', decoded.sealInfoDer), tmp.file('sig.der', decoded.signedValue)),
    );
    assert.equal(v.code, 0, v.stderr + v.stdout);
    // The maker certificate is this node's seal-maker, issued by the dev CA.
    const chain = await openssl([
      'verify',
      '-partial_chain',
      '-CAfile',
      tmp.file('ca.pem', srv.node.defaultCa.ca.pem),
      '-vfyopt',
      DISTID,
      makerPem,
    ]);
    assert.equal(chain.code, 0, chain.stderr);

    const png = Buffer.from(
      await (await srv.request(`/v1/seals/${seal.esID}.png`, { token: issuerA })).arrayBuffer(),
    );
    assert.deepEqual(png.subarray(1, 4).toString(), 'PNG');
    assert.deepEqual(png, decoded.picture.data);
  });

  test('codes are unique and sequential per region; an uploaded picture is kept as given', async () => {
    const png = Buffer.from(
      await (await srv.request(`/v1/seals/${seal.esID}.png`, { token: sealMaker })).arrayBuffer(),
    );
    const second = await json<SealJson>(
      await make({
        agencyId: agencyA,
        name: '合同专用章',
        type: 'contract',
        signerCertSerials: [signerA.serial],
        picture: { png: png.toString('base64'), widthMm: 40, heightMm: 40 },
        ...validity(),
      }),
      201,
    );
    assert.equal(BigInt(second.esID), BigInt(seal.esID) + 1n);
    assert.equal(second.picture.widthMm, 40);
    const esl = Buffer.from(
      await (await srv.request(`/v1/seals/${second.esID}.esl`, { token: sealMaker })).arrayBuffer(),
    );
    assert.deepEqual(decodeSesSeal(esl).picture.data, png);
  });

  test('signer certificates must be seal-signer certificates of the same agency, good and current', async () => {
    const cases: [object, string][] = [
      [{ signerCertSerials: [signerB.serial] }, 'signerCertSerials.0'],
      [{ signerCertSerials: [signerA.serial, makerCertA.serial] }, 'signerCertSerials.1'],
      [{ signerCertSerials: ['ABCDEF0123'] }, 'signerCertSerials.0'],
      [{ signerCertSerials: [] }, 'signerCertSerials'],
      [
        { signerCertSerials: [signerA.serial], validTo: new Date(Date.now() - 1000).toISOString() },
        'validTo',
      ],
      [{ signerCertSerials: [signerA.serial], agencyId: '00000000-0000-4000-8000-000000000000' }, 'agencyId'],
      [
        {
          signerCertSerials: [signerA.serial],
          picture: { png: Buffer.from('GIF89a').toString('base64'), widthMm: 40, heightMm: 40 },
        },
        'picture.png',
      ],
      [{ signerCertSerials: [signerA.serial], type: 'secret' }, 'type'],
      // Longer than the ring of a drawn seal holds (12 characters): a 422 naming the field, not a 500.
      [{ signerCertSerials: [signerA.serial], name: '杭州市市场监督管理局合同专用章副本' }, 'name'],
    ];
    for (const [override, field] of cases) {
      const res = await make({
        agencyId: agencyA,
        name: '测试章',
        type: 'business',
        ...validity(),
        ...override,
      });
      const p = await json<{ field: string }>(res, 422);
      assert.equal(p.field, field, JSON.stringify(override));
    }
  });

  test('roles: only seal-makers (and admins) make seals; issuers read only their own agency', async () => {
    const body = {
      agencyId: agencyA,
      name: '测试章',
      type: 'business',
      signerCertSerials: [signerA.serial],
      ...validity(),
    };
    assert.equal((await make(body, issuerA)).status, 403);
    assert.equal((await make(body, await srv.token('ca-operator'))).status, 403);
    assert.equal((await srv.request(`/v1/seals/${seal.esID}`, { token: issuerA })).status, 200);
    assert.equal((await srv.request(`/v1/seals/${seal.esID}`, { token: issuerB })).status, 403);
    assert.equal((await srv.request(`/v1/seals/${seal.esID}.esl`, { token: issuerB })).status, 403);
    assert.equal((await srv.request(`/v1/seals/${seal.esID}`)).status, 401);
    const own = await json<{ items: { agencyId: string }[] }>(
      await srv.request('/v1/seals', { token: issuerA }),
      200,
    );
    assert.ok(own.items.length >= 2 && own.items.every((s) => s.agencyId === agencyA));
    assert.equal((await srv.request(`/v1/seals?agencyId=${agencyA}`, { token: issuerB })).status, 403);
    assert.equal((await srv.request('/v1/seals/99999999999999', { token: sealMaker })).status, 404);
  });
});

describe('lifecycle and seal signatures', () => {
  let esID: string;
  before(async () => {
    esID = (
      await json<SealJson>(
        await make({
          agencyId: agencyA,
          name: '电子证照专用章',
          type: 'licence',
          signerCertSerials: [signerA.serial],
          ...validity(),
        }),
        201,
      )
    ).esID;
  });

  const signer = () => signerKey(signerA);

  test('an active seal signs; the SES signature verifies and carries a timestamp over its value', async () => {
    const data = Buffer.from('受保护的文档内容 protected bytes');
    const sig = await srv.services.sealSignatures.sign({
      esID,
      signer: signer(),
      digest: sm3(data),
      propertyInfo: 'test',
      timestamp: true,
    });
    const decoded = decodeSesSignature(sig.der);
    assert.equal(checkSignerSignature(decoded).status, 'passed');
    assert.equal(checkSignerInSeal(decoded).status, 'passed');
    assert.equal(checkMakerSignature(decoded.seal).status, 'passed');
    assert.equal(checkDataHash(decoded, data).status, 'passed');
    assert.ok(decoded.timeStamp);
    const ts = verifyTimestampToken(decoded.timeStamp!, {
      expectedImprint: sm3(decoded.signature),
      trustedTsaCerts: [parseCertificate(fromPem(srv.node.defaultCa.tsa!.pem).der)],
    });
    assert.equal(ts.signatureValid, true);
    assert.equal(ts.imprintMatches, true);
    // The seal inside the signature is byte-identical to the registered seal.
    const esl = Buffer.from(
      await (await srv.request(`/v1/seals/${esID}.esl`, { token: sealMaker })).arrayBuffer(),
    );
    assert.deepEqual(decoded.sealDer, esl);
    // A signer certificate not bound to the seal is refused.
    await assert.rejects(
      srv.services.sealSignatures.sign({
        esID,
        signer: signerKey(signerA2),
        digest: sm3(data),
        propertyInfo: 'x',
      }),
      /signer-not-in-seal|not bound/,
    );
  });

  test('suspend (issuer, own agency), resume (seal-maker), revoke (final), with history and audit', async () => {
    const act = (action: string, token: string, reason = '印章遗失，申请挂失') =>
      srv.request(`/v1/seals/${esID}/${action}`, { method: 'POST', token, json: { reason } });
    assert.equal((await act('suspend', issuerB)).status, 403);
    assert.equal((await json<SealJson>(await act('suspend', issuerA), 200)).status, 'suspended');
    assert.equal((await json<SealJson>(await act('suspend', issuerA), 200)).status, 'suspended'); // idempotent
    await assert.rejects(
      srv.services.sealSignatures.sign({
        esID,
        signer: signer(),
        digest: sm3(Buffer.from('x')),
        propertyInfo: 'x',
      }),
      /suspended/,
    );
    assert.equal((await act('resume', issuerA)).status, 403);
    assert.equal((await json<SealJson>(await act('resume', sealMaker, '已找回'), 200)).status, 'active');
    assert.equal((await json<SealJson>(await act('revoke', sealMaker, '机构撤销'), 200)).status, 'revoked');
    assert.equal((await act('resume', sealMaker, '误操作')).status, 409);
    assert.equal((await act('suspend', sealMaker)).status, 409);
    assert.equal(
      (await srv.request(`/v1/seals/${esID}/revoke`, { method: 'POST', token: sealMaker, json: {} })).status,
      422,
    );
    const got = await json<SealJson>(await srv.request(`/v1/seals/${esID}`, { token: sealMaker }), 200);
    assert.deepEqual(
      got.history!.map((h) => h.status),
      ['active', 'suspended', 'active', 'revoked'],
    );
    const audit = await srv.database.knex('audit_log').where({ target_id: esID }).orderBy('seq');
    assert.deepEqual(
      audit.map((r: { action: string }) => r.action),
      ['seal.make', 'seal.suspend', 'seal.suspend', 'seal.resume', 'seal.revoke'],
    );
  });
});

describe('verification against the registry and the CA database', () => {
  test('a signature made while the seal was active: after revocation it stands only with a timestamp', async () => {
    const esID = (
      await json<SealJson>(
        await make({
          agencyId: agencyA,
          name: '业务专用章',
          type: 'business',
          signerCertSerials: [signerA.serial],
          ...validity(),
        }),
        201,
      )
    ).esID;
    const signer = signerKey(signerA);
    const data = Buffer.from('审批决定书');
    const plain = await srv.services.sealSignatures.sign({
      esID,
      signer,
      digest: sm3(data),
      propertyInfo: 'p',
    });
    const stamped = await srv.services.sealSignatures.sign({
      esID,
      signer,
      digest: sm3(data),
      propertyInfo: 'p',
      timestamp: true,
    });
    const ctx = nodeContext(data);
    const before = await validateSesSignature(plain.der, ctx);
    assert.equal(
      before.indication,
      'TOTAL_PASSED',
      JSON.stringify(before.checks.filter((c) => c.status !== 'passed')),
    );

    await new Promise((r) => setTimeout(r, 1100)); // the revocation must fall after the second-precision timeInfo
    assert.equal(
      (
        await srv.request(`/v1/seals/${esID}/revoke`, {
          method: 'POST',
          token: sealMaker,
          json: { reason: '机构合并' },
        })
      ).status,
      200,
    );

    const after = await validateSesSignature(plain.der, ctx);
    assert.equal(after.indication, 'INDETERMINATE');
    assert.equal(after.subIndication, 'REVOKED_NO_POE');
    const sealCheck = after.checks.find((c) => c.id === 'seal-status')!;
    assert.match(sealCheck.message + sealCheck.messageEn, /\d{4}-\d{2}-\d{2}/, 'names the revocation time');

    const withProof = await validateSesSignature(stamped.der, ctx);
    assert.equal(
      withProof.indication,
      'TOTAL_PASSED',
      JSON.stringify(withProof.checks.filter((c) => c.status !== 'passed')),
    );
    assert.ok(withProof.bestSignatureTime);

    // Signing with the revoked seal is refused outright.
    await assert.rejects(
      srv.services.sealSignatures.sign({ esID, signer, digest: sm3(data), propertyInfo: 'p' }),
      /revoked/,
    );
  });

  test('a signature by a revoked signer certificate made before its revocation needs a timestamp too', async () => {
    const operator = await srv.token('ca-operator');
    const own = ownKeyCsr();
    const fresh = {
      ...(await json<Issued>(
        await srv.request('/v1/certificates', {
          method: 'POST',
          token: operator,
          json: { profile: 'seal-signer', agencyId: agencyA, csr: own.csr },
        }),
        201,
      )),
      privateKey: own.privateKeyPem,
    };
    const esID = (
      await json<SealJson>(
        await make({
          agencyId: agencyA,
          name: '财务专用章',
          type: 'finance',
          signerCertSerials: [fresh.serial],
          ...validity(),
        }),
        201,
      )
    ).esID;
    const signer = signerKey(fresh);
    const data = Buffer.from('付款凭证');
    const plain = await srv.services.sealSignatures.sign({
      esID,
      signer,
      digest: sm3(data),
      propertyInfo: 'p',
    });
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(
      (
        await srv.request(`/v1/certificates/${fresh.serial}/revoke`, {
          method: 'POST',
          token: operator,
          json: { reason: 'keyCompromise' },
        })
      ).status,
      200,
    );
    const ctx = nodeContext(data);
    const r = await validateSesSignature(plain.der, ctx);
    assert.equal(r.indication, 'INDETERMINATE');
    assert.equal(r.subIndication, 'REVOKED_NO_POE');
    assert.equal(r.checks.find((c) => c.id === 'revocation')!.status, 'indeterminate');
  });
});

test('a signature carrying a forged copy of a registered seal (same code, other bytes) fails seal-status', async () => {
  const esID = (
    await json<SealJson>(
      await make({
        agencyId: agencyA,
        name: '合同专用章',
        type: 'contract',
        signerCertSerials: [signerA.serial],
        ...validity(),
      }),
      201,
    )
  ).esID;
  const registered = decodeSesSeal(
    Buffer.from(await (await srv.request(`/v1/seals/${esID}.esl`, { token: sealMaker })).arrayBuffer()),
  );
  // Even signed by the real seal maker, a re-made seal with a different validity is not the registered one.
  const maker = srv.node.defaultCa.sealMaker!;
  const forged = makeSeal(
    {
      version: 4,
      vid: 'SealTrust',
      esID,
      type: registered.property.type,
      name: registered.property.name,
      certs: registered.property.certs,
      createDate: new Date(),
      validStart: new Date(Date.now() - 86_400_000),
      validEnd: new Date(Date.now() + 10 * 365 * 86_400_000),
      picture: registered.picture,
    },
    { cert: maker.cert.der, privateKey: maker.privateKey },
  );
  const data = Buffer.from('合同正文');
  const sig = signSesV4(
    { seal: forged, timeInfo: new Date(), dataHash: sm3(data), propertyInfo: 'p' },
    { cert: signerKey(signerA).certificateDer, privateKey: signerKey(signerA).privateKey },
  );
  const r = await validateSesSignature(sig.der, nodeContext(data));
  assert.equal(r.indication, 'TOTAL_FAILED');
  const c = r.checks.find((x) => x.id === 'seal-status')!;
  assert.equal(c.status, 'failed');
  assert.equal(c.code, 'SEAL_BYTES_MISMATCH');
});
