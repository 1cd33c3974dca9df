// The witness endpoints over HTTP (federation.md §3.2): C2SP plain-text answers, not problem+json.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startTestServer } from '../helpers/test-server.js';
import { originSm3 } from '../../src/service/federation/witness-service.js';
import { TestLog, testWitnessKey } from '../service/federation/witness-fixture.js';

const witnessKey = testWitnessKey();
const zj = new TestLog('zj.sealtrust.test/directory', '33').grow(7);
const server = await startTestServer({
  services: {
    productionWorkers: 0,
    witness: {
      logs: [{ nodeId: zj.nodeId, origin: zj.origin, vkeys: [zj.vkey] }],
      cosigner: witnessKey.signer,
    },
  },
});
after(() => server.stop());

async function add(body: string | Buffer) {
  const res = await server.request('/witness/add-checkpoint', {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('POST /witness/add-checkpoint', () => {
  it('answers 409 as text/x.tlog.size with the size, then 200 with the cosignature line', async () => {
    const conflict = await add(zj.request(3, 7));
    assert.equal(conflict.status, 409);
    assert.equal(conflict.type, 'text/x.tlog.size');
    assert.equal(conflict.body, '0\n');
    const ok = await add(zj.request(0, 7));
    assert.equal(ok.status, 200);
    assert.match(ok.type, /^text\/plain/);
    assert.match(ok.body, /^— hub\.sealtrust\.test\/witness \S+\n$/);
  });

  it('answers 400, 403, 404 and 422 in plain text', async () => {
    const bad = await add('old x\n\n');
    assert.equal(bad.status, 400);
    assert.match(bad.type, /^text\/plain/);
    const stranger = new TestLog(zj.origin);
    assert.equal(
      (await add(zj.request(7, 7, { note: stranger.checkpoint(7, { root: zj.root(7) }) }))).status,
      403,
    );
    assert.equal((await add(new TestLog('x.sealtrust.test/d').grow(1).request(0))).status, 404);
    const fork = zj.checkpoint(7, { root: Buffer.alloc(32, 1) });
    assert.equal((await add(zj.request(7, 7, { note: fork }))).status, 422);
  });

  it('refuses a body over 64 KB with 400', async () => {
    const res = await add(Buffer.alloc(64 * 1024 + 10, 0x41));
    assert.equal(res.status, 400);
  });
});

describe('GET /witness/<hex SM3(origin)>/checkpoint and /v1/witness/state', () => {
  it('serves the cosigned checkpoint by the SM3 of the origin; 404 for others', async () => {
    const res = await server.request(`/witness/${originSm3(zj.origin).toString('hex')}/checkpoint`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(text.startsWith(`${zj.origin}\n7\n`));
    assert.match(text, /— hub\.sealtrust\.test\/witness /);
    assert.equal((await server.request(`/witness/${'0'.repeat(64)}/checkpoint`)).status, 404);
  });

  it('lists the state for an admin token only', async () => {
    assert.equal((await server.request('/v1/witness/state')).status, 401);
    const issuer = await server.token('ca-operator');
    assert.equal((await server.request('/v1/witness/state', { token: issuer })).status, 403);
    const res = await server.request('/v1/witness/state', { token: server.adminToken });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { items: { origin: string; nodeId: string; size: number }[] };
    assert.deepEqual(
      body.items.map((i) => [i.origin, i.nodeId, i.size]),
      [[zj.origin, '33', 7]],
    );
  });
});
