import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
} from '../../src/licence/demo-licence-types.js';
import { loadFederationConfig } from '../../src/config.js';
import { SM3_MERKLE_HASHER } from '../../src/tlog/merkle-hasher.js';
import { decodeStrictBase64 } from '../../src/tlog/strict-base64.js';
import type { IndexRecord } from '../../src/service/federation/log-source.js';
import type { WitnessedTree } from '../../src/service/federation/replicator.js';
import { defineDemoTypes, expectJson, setupIssuingAgency } from '../helpers/licence-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { seedDirectory, SourceLog } from './source-log.js';

describe('province side channel GET /v1/federation/index-records (federation.md §3.4)', () => {
  let srv: TestServer;
  let identifier: string;

  before(async () => {
    srv = await startTestServer();
    const a = await setupIssuingAgency(srv, {
      name: '江苏省住房和城乡建设厅',
      uscc: '11320100014000714D',
      regionCode: '320000',
    });
    await defineDemoTypes(srv, [a.agencyId]);
    const t = CONSTRUCTION_ENGINEER_2.code;
    const h = DEMO_HOLDERS[t]!;
    const issued = await expectJson<{ identifier: string }>(
      await srv.request('/v1/licences', {
        method: 'POST',
        token: a.issuer,
        json: {
          typeCode: t,
          holder: { name: h.name, code: h.code, codeType: h.codeType },
          validFrom: '2025-01-01',
          validTo: '2027-12-31',
          fields: { ...DEMO_FACE_DATA[t] },
        },
      }),
      201,
    );
    identifier = issued.identifier;
    await expectJson(
      await srv.request(`/v1/licences/${identifier}/events`, {
        method: 'POST',
        token: a.issuer,
        json: { operation: 'suspend', reason: '测试' },
      }),
      200,
    );
  });
  after(async () => {
    await srv?.stop();
  });

  it('answers the hub one line per file-bearing licence leaf, tied by leaf hash, never cached', async () => {
    const hub = await srv.token('hub');
    const res = await srv.request('/v1/federation/index-records?start=0&end=1024', { token: hub });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IndexRecord);
    assert.equal(lines.length, 1, 'the issue leaf only; the suspension carries no file');
    const r = lines[0]!;
    const h = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
    assert.equal(r.identifier, identifier);
    assert.deepEqual(r.holder, { name: h.name, code: h.code, codeType: h.codeType });
    const leaf = await srv.database.knex('tlog_entries').where({ idx: r.index }).first();
    assert.deepEqual(Buffer.from(decodeStrictBase64(r.leafHash)!), Buffer.from(leaf.leaf_hash));
    assert.deepEqual(Buffer.from(SM3_MERKLE_HASHER.hashLeaf(leaf.leaf)), Buffer.from(leaf.leaf_hash));
    // The leaf itself holds no holder data (§2.2).
    assert.ok(!Buffer.from(leaf.leaf).toString('utf8').includes(h.code));
    assert.ok(!Buffer.from(leaf.leaf).toString('utf8').includes(h.name));
  });

  it('refuses other roles (403) and ranges over 1,024 or malformed (400)', async () => {
    const hub = await srv.token('hub');
    assert.equal(
      (await srv.request('/v1/federation/index-records?start=0&end=10', { token: srv.adminToken })).status,
      403,
    );
    const peer = await srv.token('sync-peer', { province: '32' });
    assert.equal(
      (await srv.request('/v1/federation/index-records?start=0&end=10', { token: peer })).status,
      403,
    );
    assert.equal((await srv.request('/v1/federation/index-records?start=0&end=10')).status, 401);
    const long = await srv.request('/v1/federation/index-records?start=0&end=1025', { token: hub });
    assert.equal(long.status, 400);
    assert.match(((await long.json()) as { type: string }).type, /index-range-too-long/);
    assert.equal(
      (await srv.request('/v1/federation/index-records?start=5&end=2', { token: hub })).status,
      400,
    );
    assert.equal(
      (await srv.request('/v1/federation/index-records?start=-1&end=2', { token: hub })).status,
      400,
    );
  });
});

describe('hub inspection endpoints (federation.md §3.4)', () => {
  let hub: TestServer;
  let log: SourceLog;
  let target: WitnessedTree;

  before(async () => {
    log = new SourceLog('44', 3);
    seedDirectory(log, 200);
    await log.listen();
    target = log.witnessed(log.checkpoint());
    const node = { nodeId: '44', origin: log.origin, vkey: log.vkey, url: log.url, hubToken: 'hub-token' };
    hub = await startTestServer({
      services: {
        federation: { ...loadFederationConfig({}), role: 'hub', nodes: [node], tileHeight: 3, pullBatch: 64 },
        witnessedTree: async (origin) => (origin === log.origin ? target : undefined),
        mirrorPollMs: 3_600_000,
      },
    });
  });
  after(async () => {
    await hub?.stop();
    await log?.close();
  });

  async function nodes() {
    return expectJson<{
      items: { nodeId: string; mirroredSize: number; witnessedSize: number; state: string }[];
    }>(await hub.request('/v1/federation/nodes', { token: hub.adminToken }), 200);
  }

  async function until(pred: (n: { mirroredSize: number; state: string }) => boolean) {
    for (let i = 0; i < 400; i++) {
      const n = (await nodes()).items[0]!;
      if (pred(n)) return n;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('replication did not reach the expected state');
  }

  it('mirrors a node to its witnessed size, then quarantines, refuses sync, alerts and releases', async () => {
    const done = await until((n) => n.mirroredSize === log.leaves.length);
    assert.equal(done.state, 'ok');
    // The node grows, and now serves one altered leaf in the new part.
    const before = log.leaves.length;
    seedDirectory(log, 20);
    log.alterServed.set(before + 5, (l) => Buffer.concat([l.subarray(0, l.length - 2), Buffer.from(' }')]));
    target = log.witnessed(log.checkpoint());
    assert.equal(
      (await hub.request('/v1/federation/nodes/44:sync', { method: 'POST', token: hub.adminToken })).status,
      202,
    );
    const q = await until((n) => n.state === 'quarantined');
    assert.ok(q.mirroredSize <= before + 5);
    const refused = await hub.request('/v1/federation/nodes/44:sync', {
      method: 'POST',
      token: hub.adminToken,
    });
    assert.equal(refused.status, 409);
    assert.match(((await refused.json()) as { type: string }).type, /node-quarantined/);
    const alerts = await expectJson<{ items: { id: string; kind: string }[] }>(
      await hub.request('/v1/federation/alerts?nodeId=44&kind=entries-inconsistent', {
        token: hub.adminToken,
      }),
      200,
    );
    assert.equal(alerts.items.length, 1);
    const bundle = await expectJson<{ evidence: { firstDifferingIndex: number; checkpoint: string } }>(
      await hub.request(`/v1/federation/alerts/${alerts.items[0]!.id}`, { token: hub.adminToken }),
      200,
    );
    assert.equal(bundle.evidence.firstDifferingIndex, before + 5);
    assert.equal(bundle.evidence.checkpoint, target.checkpoint);
    const metrics = await (await hub.request('/metrics')).text();
    assert.match(metrics, /sealtrust_fed_alerts_total\{kind="entries-inconsistent"\} 1/);
    assert.equal(
      (
        await hub.request(`/v1/federation/alerts/${alerts.items[0]!.id}`, {
          token: await hub.token('sync-peer', { province: '44' }),
        })
      ).status,
      403,
    );
    // The node fixes its bundle endpoint; the operator releases it and replication completes.
    log.alterServed.clear();
    assert.equal(
      (await hub.request('/v1/federation/nodes/44:release', { method: 'POST', token: hub.adminToken }))
        .status,
      204,
    );
    const ok = await until((n) => n.mirroredSize === log.leaves.length);
    assert.equal(ok.state, 'ok');
    const peer = await hub.token('sync-peer', { province: '44' });
    assert.equal((await hub.request('/v1/federation/nodes', { token: peer })).status, 200);
    assert.equal(
      (await hub.request('/v1/federation/nodes/44:sync', { method: 'POST', token: peer })).status,
      403,
    );
    assert.equal(
      (await hub.request('/v1/federation/nodes/99:sync', { method: 'POST', token: hub.adminToken })).status,
      404,
    );
  });
});
