import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { fromPem, toPem } from '../../src/crypto/pem.js';
import { parseCertificate, type CertificateInfo } from '../../src/pki/certificate.js';
import { buildCsr } from '../../src/pki/csr.js';
import { encodeName } from '../../src/pki/distinguished-name.js';
import { caRevocationView } from '../../src/service/verification/validation-views.js';
import type { RevocationView } from '../../src/verify/revocation/revocation-source.js';
import { expectJson } from '../helpers/licence-fixtures.js';
import { issueTestCertificate } from '../helpers/test-pki.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The node's CA database as a revocation source, over the real store: authoritative for this node's CAs (its
// history answers for any moment), silent for other CAs, and no vouching for certificates it never issued.

let srv: TestServer;
let view: RevocationView;
let agencyId: string;
let ca: CertificateInfo;

async function issue(): Promise<{ serial: string; info: CertificateInfo }> {
  const csr = toPem('CERTIFICATE REQUEST', buildCsr(generateSm2KeyPair(), encodeName({ CN: 'x' })));
  const body = await expectJson<{ serial: string; certificate: string }>(
    await srv.request('/v1/certificates', {
      method: 'POST',
      token: srv.adminToken,
      json: { csr, profile: 'seal-signer', agencyId, commonName: '李四' },
    }),
    201,
  );
  return { serial: body.serial, info: parseCertificate(fromPem(body.certificate).der) };
}

const post = async (path: string, json?: object) => {
  const res = await srv.request(path, { method: 'POST', token: srv.adminToken, ...(json ? { json } : {}) });
  assert.equal(res.status, 200, await res.text());
};

before(async () => {
  srv = await startTestServer();
  agencyId = await srv.agency('杭州市市场监督管理局', '113301000024902776', '330100');
  view = caRevocationView(srv.database.knex, srv.node);
  ca = srv.node.defaultCa.ca.cert;
});

after(async () => {
  await srv?.stop();
});

describe("the node's CA database as a revocation source", () => {
  it('a good certificate: good, authoritative; its issuing CA by the root CRL, authoritative too', async () => {
    const { info } = await issue();
    assert.deepEqual(await view.statusAt(info, ca, new Date()), {
      status: 'good',
      source: 'ca-database',
      authoritative: true,
    });
    const byRoot = await view.statusAt(ca, srv.node.root.cert, new Date());
    assert.equal(byRoot.status, 'good');
    assert.equal(byRoot.authoritative, true);
  });

  it('on hold while held, good again once released (history answers for the time asked)', async () => {
    const { serial, info } = await issue();
    await post(`/v1/certificates/${serial}/revoke`, { reason: 'certificateHold' });
    const during = new Date();
    const held = await view.statusAt(info, ca, during);
    assert.deepEqual([held.status, held.authoritative], ['hold', true]);
    await post(`/v1/certificates/${serial}/release`);
    assert.equal((await view.statusAt(info, ca, new Date())).status, 'good');
    // At the moment the hold took effect (before the release request was even sent).
    assert.equal((await view.statusAt(info, ca, held.revokedAt!)).status, 'hold');
  });

  it('revoked: the final revocation with its time and reason, whatever time is asked about', async () => {
    const { serial, info } = await issue();
    const before = new Date();
    await post(`/v1/certificates/${serial}/revoke`, { reason: 'keyCompromise' });
    const a = await view.statusAt(info, ca, before);
    assert.deepEqual([a.status, a.reason, a.authoritative], ['revoked', 'keyCompromise', true]);
    assert.ok(a.revokedAt && a.revokedAt >= new Date(before.getTime() - 1000));
  });

  it('silent for a CA of another node; unknown for a certificate naming our CA that we never issued', async () => {
    const otherRoot = issueTestCertificate('别的节点根 CA', null, { ca: true });
    const foreign = issueTestCertificate('别的节点签章者', otherRoot);
    assert.deepEqual(await view.statusAt(foreign.info, otherRoot.info, new Date()), {
      status: 'no-source',
      source: 'ca-database (not a CA of this node)',
    });
    // Same serial as a real certificate of ours, other bytes: not what we issued.
    const { info } = await issue();
    const lookalike = { ...foreign.info, serialHex: info.serialHex, issuerDer: info.issuerDer };
    const a = await view.statusAt(lookalike, ca, new Date());
    assert.deepEqual([a.status, a.authoritative], ['unknown', true]);
  });
});
