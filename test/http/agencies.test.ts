import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.stop());

const post = (json: unknown, token = srv.adminToken) =>
  srv.request('/v1/agencies', { method: 'POST', token, json });

test('register, fetch and list agencies', async () => {
  const res = await post({
    name: ' 住房和城乡建设部 ',
    uscc: '11100000000013338W',
    regionCode: '100000',
    province: '10',
  });
  assert.equal(res.status, 201);
  const a = (await res.json()) as Record<string, unknown>;
  assert.equal(a.name, '住房和城乡建设部');
  assert.equal(res.headers.get('location'), `/v1/agencies/${a.id}`);
  assert.deepEqual(a.warnings, []);
  const got = await srv.request(`/v1/agencies/${a.id}`, { token: srv.adminToken });
  assert.equal(got.status, 200);
  const body = (await got.json()) as Record<string, unknown>;
  assert.equal(body.uscc, '11100000000013338W');
  assert.equal(body.provinceName, '国家（中央）');
});

test('the pilot USCC is accepted with a warning in the response', async () => {
  const res = await post({
    name: '福州某试点企业',
    uscc: '91350100M0001TGQXM',
    regionCode: '350100',
    province: '35',
  });
  assert.equal(res.status, 201);
  const a = (await res.json()) as { warnings: { code: string; field: string }[] };
  assert.deepEqual(
    a.warnings.map((w) => [w.code, w.field]),
    [['pilot-code', 'uscc']],
  );
});

test('invalid USCC, region and province are 422 naming the field', async () => {
  const cases: [unknown, string][] = [
    [{ name: '某局', uscc: '91350100M000100Y44', regionCode: '350100', province: '35' }, 'uscc'],
    [{ name: '某局', uscc: '91350100M000100Y43', regionCode: '999999', province: '35' }, 'regionCode'],
    [{ name: '某局', uscc: '91350100M000100Y43', regionCode: '330100', province: '35' }, 'regionCode'],
    [{ name: '某局', uscc: '91350100M000100Y43', regionCode: '350100', province: '99' }, 'province'],
    [{ name: '某局', uscc: '91350100M000100Y43', regionCode: '350100' }, 'province'],
    [{ name: '', uscc: '91350100M000100Y43', regionCode: '350100', province: '35' }, 'name'],
  ];
  for (const [json, field] of cases) {
    const res = await post(json);
    assert.equal(res.status, 422, JSON.stringify(json));
    const p = (await res.json()) as { field: string };
    assert.equal(p.field, field, JSON.stringify(json));
  }
});

test('a second agency with the same USCC is 409, and nothing is half-written', async () => {
  const json = { name: '国家税务总局', uscc: '12110000400777687U', regionCode: '110000', province: '11' };
  assert.equal((await post(json)).status, 201);
  const auditBefore = await srv.database.knex('audit_log').count<{ n: number }[]>({ n: '*' });
  const dup = await post({ ...json, name: '重复' });
  assert.equal(dup.status, 409);
  const auditAfter = await srv.database.knex('audit_log').count<{ n: number }[]>({ n: '*' });
  assert.equal(Number(auditAfter[0]!.n), Number(auditBefore[0]!.n));
});

test('pagination walks every agency exactly once with opaque cursors', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await srv.request(`/v1/agencies?limit=1${cursor ? `&cursor=${cursor}` : ''}`, {
      token: srv.adminToken,
    });
    assert.equal(res.status, 200);
    const page = (await res.json()) as { items: { id: string }[]; next: string | null };
    assert.ok(page.items.length <= 1);
    seen.push(...page.items.map((i) => i.id));
    cursor = page.next;
    pages++;
  } while (cursor && pages < 50);
  const all = (await (await srv.request('/v1/agencies?limit=500', { token: srv.adminToken })).json()) as {
    items: { id: string }[];
    next: string | null;
  };
  assert.equal(all.next, null);
  assert.deepEqual(
    seen,
    all.items.map((i) => i.id),
  );
  assert.ok(seen.length >= 3);
});
