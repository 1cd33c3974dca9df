import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let srv: TestServer;
let agencyId: string;
before(async () => {
  srv = await startTestServer();
  const res = await srv.request('/v1/agencies', {
    method: 'POST',
    token: srv.adminToken,
    json: { name: '浙江省市场监督管理局', uscc: '113300000024821899', regionCode: '330000', province: '33' },
  });
  agencyId = ((await res.json()) as { id: string }).id;
});
after(() => srv.stop());

const create = (json: unknown) => srv.request('/v1/tokens', { method: 'POST', token: srv.adminToken, json });

test('a token is shown once, works, and only its hash is stored', async () => {
  const res = await create({ role: 'issuer', agencyId, label: '证照签发系统' });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const t = (await res.json()) as { id: string; token: string; role: string; agencyId: string };
  assert.match(t.token, /^st_[A-Za-z0-9_-]{43}$/);
  assert.equal(t.agencyId, agencyId);
  const rows = await srv.database.knex('api_tokens').where({ id: t.id });
  assert.equal(rows.length, 1);
  assert.ok(!JSON.stringify(rows[0]).includes(t.token.slice(3)), 'the secret is not stored');
  assert.equal((await srv.request(`/v1/agencies/${agencyId}`, { token: t.token })).status, 200);
  const listed = (await (await srv.request('/v1/tokens', { token: srv.adminToken })).json()) as {
    items: object[];
  };
  assert.ok(listed.items.every((i) => !('token' in i) && !('tokenHash' in i)));
});

test('role bindings are enforced at creation', async () => {
  const cases: [unknown, string][] = [
    [{ role: 'issuer' }, 'agencyId'],
    [{ role: 'issuer', agencyId: '00000000-0000-4000-8000-000000000000' }, 'agencyId'],
    [{ role: 'sync-peer' }, 'province'],
    [{ role: 'sync-peer', province: '77' }, 'province'],
    [{ role: 'sync-peer', province: '00' }, 'province'], // the hub is no node a sync-peer acts for
    [{ role: 'sync-peer', province: 'm-91110000' }, 'province'],
    [{ role: 'ca-operator', agencyId }, 'agencyId'],
    [{ role: 'root' }, 'role'],
  ];
  for (const [json, field] of cases) {
    const res = await create(json);
    assert.equal(res.status, 422, JSON.stringify(json));
    assert.equal(((await res.json()) as { field: string }).field, field, JSON.stringify(json));
  }
  assert.equal((await create({ role: 'sync-peer', province: '44' })).status, 201);
  // A ministry node (federation.md §4.3): m-<USCC>.
  const ministry = await create({ role: 'sync-peer', province: 'm-11100000000013338W' });
  assert.equal(ministry.status, 201, await ministry.clone().text());
  assert.equal(((await ministry.json()) as { province: string }).province, 'm-11100000000013338W');
});

test('a revoked token is refused with 401; revoking twice is fine; unknown id 404', async () => {
  const t = (await (await create({ role: 'seal-maker' })).json()) as { id: string; token: string };
  assert.equal((await srv.request('/v1/agencies', { token: t.token })).status, 200);
  assert.equal(
    (await srv.request(`/v1/tokens/${t.id}`, { method: 'DELETE', token: srv.adminToken })).status,
    204,
  );
  assert.equal((await srv.request('/v1/agencies', { token: t.token })).status, 401);
  assert.equal(
    (await srv.request(`/v1/tokens/${t.id}`, { method: 'DELETE', token: srv.adminToken })).status,
    204,
  );
  const missing = await srv.request('/v1/tokens/00000000-0000-4000-8000-000000000000', {
    method: 'DELETE',
    token: srv.adminToken,
  });
  assert.equal(missing.status, 404);
});

test('a sync peer sees only the agencies of its province', async () => {
  const gd = (await (await create({ role: 'sync-peer', province: '44' })).json()) as { token: string };
  const zj = (await (await create({ role: 'sync-peer', province: '33' })).json()) as { token: string };
  const gdList = (await (await srv.request('/v1/agencies', { token: gd.token })).json()) as {
    items: unknown[];
  };
  const zjList = (await (await srv.request('/v1/agencies', { token: zj.token })).json()) as {
    items: { id: string }[];
  };
  assert.equal(gdList.items.length, 0);
  assert.deepEqual(
    zjList.items.map((i) => i.id),
    [agencyId],
  );
  assert.equal((await srv.request(`/v1/agencies/${agencyId}`, { token: gd.token })).status, 403);
});

test('a token acting outside its role is refused 403, and a refused change is on the audit trail', async () => {
  const operator = await srv.token('ca-operator');
  const audited = async () =>
    (await (await srv.request('/v1/audit?limit=500', { token: srv.adminToken })).json()) as {
      items: { action: string; actorRole: string; outcome: string; targetType: string; targetId: string }[];
    };
  const denials = async () => (await audited()).items.filter((r) => r.outcome === 'denied');
  const before = (await denials()).length;

  const read = await srv.request('/v1/tokens', { token: operator });
  assert.equal(read.status, 403);
  assert.equal(((await read.json()) as { type: string }).type.endsWith('/role-not-allowed'), true);
  assert.equal((await denials()).length, before, 'a refused read is not a change and is not recorded');

  const change = await srv.request('/v1/tokens', {
    method: 'POST',
    token: operator,
    json: { role: 'admin' },
  });
  assert.equal(change.status, 403);
  const after = await denials();
  assert.equal(after.length, before + 1);
  assert.deepEqual(
    (({ action, actorRole, targetType, targetId }) => ({ action, actorRole, targetType, targetId }))(
      after[after.length - 1]!,
    ),
    { action: 'POST /v1/tokens', actorRole: 'ca-operator', targetType: 'route', targetId: '/v1/tokens' },
  );
});
