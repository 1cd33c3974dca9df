// The hub's trust list over HTTP (federation.md §2.8, §3.3): admins edit a draft and publish; anyone fetches the
// exact signed bytes, their detached signature and SM3. The published files are checked as a node would (and
// the SM2 signature once more with sm-crypto, the SM3s with node:crypto), and every refusal has its problem type.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import smCrypto from 'sm-crypto';
import { DEV_KEYS_PASSPHRASE, loadFederationConfig } from '../../src/config.js';
import { parseCmsSignedData } from '../../src/pki/cms-signed-data.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { parseTrustList } from '../../src/trust-list/trust-list.js';
import { acceptTrustList } from '../../src/trust-list/trust-list-acceptance.js';
import { testTrustListDraft } from '../helpers/trust-list-hub.js';
import { DEV_KEYS_DIR, PROFILES_DIR, startTestServer, type TestServer } from '../helpers/test-server.js';
import { loadCaNode } from '../../src/service/ca/ca-node.js';
import { logVerifierKeyOf } from '../../src/service/federation/node-log-keys.js';
import { nodeTrustEntry } from '../../src/service/federation/node-trust-entry.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAY = 86_400_000;
const SINCE = '2026-12-01T00:00:00.000Z';
const devNode = loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'https://zj.example');
let srv: TestServer;
const sm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

const draft = testTrustListDraft();
const node33 = draft.nodes[0]!;

async function problem(res: Response, status: number, type: string): Promise<void> {
  const body = (await res.json()) as { type: string };
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(res.headers.get('content-type')?.startsWith('application/problem+json'), true);
  assert.equal(body.type, `https://sealtrust.org.cn/problems/${type}`);
}

const admin = (path: string, method: string, json?: unknown) =>
  srv.request(path, { method, token: srv.adminToken, ...(json === undefined ? {} : { json }) });
const publish = (nextUpdate: Date) =>
  admin('/v1/trust-list/draft:publish', 'POST', { nextUpdate: nextUpdate.toISOString() });

before(async () => {
  srv = await startTestServer({
    services: { federation: { ...loadFederationConfig({}), role: 'hub' } },
  });
});
after(() => srv?.stop());

describe('trust list at the hub', () => {
  it('nothing is published before the first list; only admins edit the draft', async () => {
    await problem(await srv.request('/trust/list.json'), 404, 'trust-list-not-published');
    await problem(
      await admin('/v1/trust-list/draft:publish', 'POST', {
        nextUpdate: new Date(Date.now() + DAY).toISOString(),
      }),
      409,
      'trust-list-draft-missing',
    );
    const issuer = await srv.token('sync-peer', { province: '33' });
    await problem(await srv.request('/v1/trust-list/draft', { token: issuer }), 403, 'role-not-allowed');
    assert.equal((await srv.request('/v1/trust-list/draft')).status, 401);
    assert.deepEqual(await (await admin('/v1/trust-list/draft', 'GET')).json(), { draft: null });
  });

  it('refuses an invalid draft and a node entry under another id', async () => {
    await problem(
      await admin('/v1/trust-list/draft', 'PUT', { ...draft, extra: true }),
      422,
      'trust-list-invalid',
    );
    assert.equal((await admin('/v1/trust-list/draft', 'PUT', draft)).status, 200);
    await problem(await admin('/v1/trust-list/draft/nodes/44', 'PUT', node33), 422, 'node-id-mismatch');
  });

  it('refuses a log key whose certificate certifies another key, naming the field', async () => {
    const dev = devNode.defaultCa;
    const vkey = logVerifierKeyOf(dev.logSigner!.cert.publicKey, node33.log.origin);
    const key = (cert: Buffer) => ({
      vkey,
      certificate: cert.toString('base64'),
      status: 'active',
      since: SINCE,
    });
    const mismatched = { ...node33, log: { ...node33.log, keys: [key(dev.ocspResponder.cert.der)] } };
    const res = await admin('/v1/trust-list/draft/nodes/33', 'PUT', mismatched);
    const body = (await res.clone().json()) as { field?: string; detail?: string };
    await problem(res, 422, 'log-key-certificate-invalid');
    assert.equal(body.field, 'log.keys[0].certificate');
    assert.match(body.detail ?? '', /节点 33 的日志密钥证书/);
    const draftRes = await admin('/v1/trust-list/draft', 'PUT', { ...draft, nodes: [mismatched] });
    assert.equal(
      ((await draftRes.clone().json()) as { field?: string }).field,
      'nodes[0].log.keys[0].certificate',
    );
    await problem(draftRes, 422, 'log-key-certificate-invalid');
    // The entry the node's own keys make (its CAs listed, its log signer's certificate) is listed.
    const own = nodeTrustEntry(devNode, {
      nodeId: '33',
      kind: 'province',
      name: node33.name,
      regionCode: node33.regionCode,
      publicUrl: 'https://zj.example',
      logOrigin: node33.log.origin,
      since: devNode.root.cert.notBefore,
    });
    assert.equal((await admin('/v1/trust-list/draft/nodes/33', 'PUT', own)).status, 200);
    assert.equal((await admin('/v1/trust-list/draft/nodes/33', 'PUT', node33)).status, 200);
  });

  it('publishes a signed list that a node accepts, served with its SM3 as ETag', async () => {
    await problem(await publish(new Date(Date.now() + 8 * DAY)), 422, 'next-update-too-far');
    const res = await publish(new Date(Date.now() + 7 * DAY - 60_000));
    assert.equal(res.status, 201);
    const published = (await res.json()) as { sequenceNumber: number; sm3: string };
    assert.equal(published.sequenceNumber, 1);

    const json = await srv.request('/trust/list.json');
    const bytes = Buffer.from(await json.arrayBuffer());
    assert.equal(sm3(bytes), published.sm3);
    assert.equal(json.headers.get('etag'), `"${published.sm3}"`);
    assert.equal((await (await srv.request('/trust/list.json.sm3')).text()).trim(), published.sm3);
    assert.equal(
      (await srv.request('/trust/list.json', { headers: { 'if-none-match': `"${published.sm3}"` } })).status,
      304,
    );
    const p7s = Buffer.from(await (await srv.request('/trust/list.json.p7s')).arrayBuffer());
    const list = parseTrustList(bytes);
    assert.deepEqual(
      list.nodes.map((n) => n.nodeId),
      ['33'],
    );
    // Independently: the messageDigest is SM3 of the served bytes and the SM2 signature holds (sm-crypto).
    const si = parseCmsSignedData(p7s).signers[0]!;
    assert.equal(si.messageDigest!.toString('hex'), sm3(bytes));
    const signerDer = Buffer.from(list.signers.current[0]!, 'base64');
    const publicKey = parseCertificate(signerDer).publicKey.toString('hex');
    assert.equal(
      smCrypto.sm2.doVerifySignature(si.signedAttrsSet!, si.signature.toString('hex'), publicKey, {
        hash: true,
        der: true,
        userId: '1234567812345678',
      }),
      true,
    );
    // As a node bootstrapped with the hub's signer certificate accepts it.
    const accepted = acceptTrustList(undefined, bytes, p7s, {
      bootstrapSigners: [signerDer],
      now: new Date(),
    });
    assert.equal(accepted.outcome, 'accepted');
  });

  it('refuses a list that says nothing new, republishes to move nextUpdate on, and keeps history', async () => {
    const first = Buffer.from(await (await srv.request('/trust/list.json')).arrayBuffer());
    const current = parseTrustList(first);
    await problem(await publish(new Date(current.nextUpdate)), 409, 'nothing-changed');
    const res = await publish(new Date(Date.now() + 7 * DAY - 30_000));
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { sequenceNumber: number }).sequenceNumber, 2);
    const one = await srv.request('/trust/lists/1.json');
    assert.ok(Buffer.from(await one.arrayBuffer()).equals(first), 'list 1 as it was published');
    assert.equal(one.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await srv.request('/trust/lists/1.json.p7s')).status, 200);
    await problem(await srv.request('/trust/lists/9.json'), 404, 'trust-list-not-found');
  });

  it('refuses removing a published node: it must be withdrawn, with the change appended to its history', async () => {
    assert.equal((await admin('/v1/trust-list/draft/nodes/33', 'DELETE')).status, 200);
    await problem(await publish(new Date(Date.now() + DAY)), 422, 'history-rewritten');
    const withdrawn = {
      ...node33,
      status: 'withdrawn',
      statusHistory: [...node33.statusHistory, { status: 'withdrawn', since: new Date().toISOString() }],
    };
    assert.equal((await admin('/v1/trust-list/draft/nodes/33', 'PUT', withdrawn)).status, 200);
    const res = await publish(new Date(Date.now() + DAY));
    assert.equal(res.status, 201, await res.clone().text());
    const list = parseTrustList(Buffer.from(await (await srv.request('/trust/list.json')).arrayBuffer()));
    assert.equal(list.sequenceNumber, 3);
    assert.equal(list.nodes[0]!.status, 'withdrawn');
    const audit = await srv.database.knex('audit_log').whereLike('action', 'trust-list.%').select('action');
    assert.deepEqual(
      audit.map((a: { action: string }) => a.action).filter((a: string) => a === 'trust-list.publish').length,
      3,
    );
  });
});

describe('the hub’s trust-list signer expiry (§2.8 rule 6)', () => {
  it('is a gauge of the certificate’s notAfter, for alerting well before it', async () => {
    const metrics = await (await srv.request('/metrics')).text();
    const m = /^sealtrust_trust_list_signer_expiration_timestamp_seconds (\d+)$/m.exec(metrics);
    assert.ok(m, 'the gauge is exported at the hub');
    const notAfter = srv.services.trustLists.signerNotAfter()!;
    assert.equal(Number(m[1]), Math.floor(notAfter.getTime() / 1000));
    assert.ok(notAfter.getTime() > Date.now(), 'the development signer has not expired');
  });

  it('exports the standing log key alerts as a gauge by kind, with no series while there are none', async () => {
    const metrics = await (await srv.request('/metrics')).text();
    assert.match(metrics, /^# TYPE sealtrust_trust_list_log_key_alerts gauge$/m);
    const counts = await srv.services.trustLists.logKeyAlertCounts();
    for (const [kind, n] of counts)
      assert.match(
        metrics,
        new RegExp(`^sealtrust_trust_list_log_key_alerts\\{kind="${kind}"\\} ${n}$`, 'm'),
      );
    if (counts.size === 0) assert.doesNotMatch(metrics, /^sealtrust_trust_list_log_key_alerts\{/m);
  });
});

describe('trust list at a node following the hub', () => {
  let nodeSrv: TestServer;
  before(async () => {
    // The node bootstraps from the hub's trust-list signer certificate (development keys here).
    const signers = join(mkdtempSync(join(tmpdir(), 'trust-signers-')), 'signers.pem');
    writeFileSync(signers, readFileSync(join(DEV_KEYS_DIR, 'dev-ca-trust-list-signer.crt.pem')));
    nodeSrv = await startTestServer({
      services: {
        federation: {
          ...loadFederationConfig({}),
          trustList: { url: `${srv.url}/trust/list.json`, signersFile: signers, pollMs: 3_600_000 },
        },
      },
    });
  });
  after(() => nodeSrv?.stop());

  it('fetches, verifies and serves the hub list byte for byte; it edits nothing', async () => {
    const res = await nodeSrv.request('/v1/trust-list:refresh', {
      method: 'POST',
      token: nodeSrv.adminToken,
    });
    const state = (await res.json()) as { sequenceNumber: number; status: string; sm3: string };
    assert.equal(res.status, 200, JSON.stringify(state));
    assert.equal(state.status, 'valid');
    const hubBytes = Buffer.from(await (await srv.request('/trust/list.json')).arrayBuffer());
    const nodeBytes = Buffer.from(await (await nodeSrv.request('/trust/list.json')).arrayBuffer());
    assert.ok(nodeBytes.equals(hubBytes));
    assert.equal(state.sm3, sm3(hubBytes));
    assert.equal(state.sequenceNumber, parseTrustList(hubBytes).sequenceNumber);
    const viaState = (await (
      await nodeSrv.request('/v1/trust-list/state', { token: nodeSrv.adminToken })
    ).json()) as { sequenceNumber: number };
    assert.equal(viaState.sequenceNumber, state.sequenceNumber);
    await problem(
      await nodeSrv.request('/v1/trust-list/draft', {
        method: 'PUT',
        token: nodeSrv.adminToken,
        json: draft,
      }),
      404,
      'not-a-hub',
    );
  });
});
