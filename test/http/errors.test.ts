import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { PROBLEM_BASE } from '../../src/http/problem.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ bodyLimitBytes: 16 * 1024 });
});
after(() => srv.stop());

async function problem(res: Response, status: number, slug?: string) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.ok(String(body.type).startsWith(PROBLEM_BASE));
  if (slug) assert.equal(body.type, PROBLEM_BASE + slug);
  assert.equal(body.requestId, res.headers.get('x-request-id'));
  assert.ok(!JSON.stringify(body).includes('    at '), 'no stack trace');
  return body;
}

const agency = {
  name: '杭州市市场监督管理局',
  uscc: '113301000024902776',
  regionCode: '330100',
  province: '33',
};

describe('bad input gets a problem+json', () => {
  test('malformed JSON is 400', async () => {
    const res = await srv.request('/v1/agencies', {
      method: 'POST',
      token: srv.adminToken,
      headers: { 'content-type': 'application/json' },
      body: '{"name": "x",',
    });
    await problem(res, 400, 'malformed-json');
  });

  test('an oversized body is 413', async () => {
    const res = await srv.request('/v1/agencies', {
      method: 'POST',
      token: srv.adminToken,
      json: { ...agency, name: '机'.repeat(20_000) },
    });
    await problem(res, 413, 'payload-too-large');
  });

  test('a non-JSON content type is 415', async () => {
    const res = await srv.request('/v1/agencies', {
      method: 'POST',
      token: srv.adminToken,
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    await problem(res, 415);
  });

  test('wrong types are 422 naming the field', async () => {
    const res = await srv.request('/v1/agencies', {
      method: 'POST',
      token: srv.adminToken,
      json: { ...agency, regionCode: 330100 },
    });
    const body = await problem(res, 422, 'validation-failed');
    assert.equal(body.field, 'regionCode');
    assert.ok(Array.isArray(body.errors));
  });

  test('unknown fields are 422 naming each', async () => {
    const res = await srv.request('/v1/agencies', {
      method: 'POST',
      token: srv.adminToken,
      json: { ...agency, isAdmin: true, extra: 1 },
    });
    const body = await problem(res, 422);
    const fields = (body.errors as { field: string }[]).map((e) => e.field).sort();
    assert.deepEqual(fields, ['extra', 'isAdmin']);
  });

  test('a JSON array or scalar body is 422/400, never 500', async () => {
    const arr = await srv.request('/v1/agencies', { method: 'POST', token: srv.adminToken, json: [1, 2] });
    await problem(arr, 422);
    const scalar = await srv.request('/v1/agencies', {
      method: 'POST',
      token: srv.adminToken,
      headers: { 'content-type': 'application/json' },
      body: '"just a string"',
    });
    assert.ok([400, 422].includes(scalar.status));
    await scalar.arrayBuffer();
  });

  test('missing auth is 401 with WWW-Authenticate', async () => {
    const res = await srv.request('/v1/agencies', { method: 'POST', json: agency });
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    await problem(res, 401, 'authentication-required');
  });

  test('an unknown or malformed token is 401, also on public endpoints', async () => {
    await problem(await srv.request('/v1/agencies', { token: 'st_' + 'A'.repeat(43) }), 401, 'invalid-token');
    await problem(await srv.request('/healthz', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401);
  });

  test('a wrong role is 403', async () => {
    const caOperator = await srv.token('ca-operator');
    await problem(
      await srv.request('/v1/agencies', { method: 'POST', token: caOperator, json: agency }),
      403,
      'role-not-allowed',
    );
    await problem(
      await srv.request('/v1/tokens', { method: 'POST', token: caOperator, json: { role: 'admin' } }),
      403,
    );
    await problem(await srv.request('/v1/audit', { token: caOperator }), 403);
  });

  test("another agency's resource is 403", async () => {
    const a = await srv.request('/v1/agencies', { method: 'POST', token: srv.adminToken, json: agency });
    assert.equal(a.status, 201);
    const b = await srv.request('/v1/agencies', {
      method: 'POST',
      token: srv.adminToken,
      json: { name: '浙江省公安厅', uscc: '113300000024821899', regionCode: '330000', province: '33' },
    });
    assert.equal(b.status, 201);
    const { id: idA } = (await a.json()) as { id: string };
    const { id: idB } = (await b.json()) as { id: string };
    const issuerA = await srv.token('issuer', { agencyId: idA });
    assert.equal((await srv.request(`/v1/agencies/${idA}`, { token: issuerA })).status, 200);
    await problem(await srv.request(`/v1/agencies/${idB}`, { token: issuerA }), 403, 'other-agency');
    const list = (await (await srv.request('/v1/agencies', { token: issuerA })).json()) as {
      items: { id: string }[];
    };
    assert.deepEqual(
      list.items.map((i) => i.id),
      [idA],
    );
  });

  test('unknown routes are 404, wrong methods 405, bad path ids 404, bad query 422', async () => {
    await problem(await srv.request('/v1/nothing-here'), 404);
    await problem(await srv.request('/healthz', { method: 'DELETE' }), 405);
    await problem(await srv.request('/v1/agencies/not-a-uuid', { token: srv.adminToken }), 404);
    const q = await problem(await srv.request('/v1/agencies?limit=0', { token: srv.adminToken }), 422);
    assert.equal(q.field, 'query.limit');
    await problem(await srv.request('/v1/agencies?cursor=%%%', { token: srv.adminToken }), 422);
    await problem(await srv.request('/v1/agencies?sort=name', { token: srv.adminToken }), 422);
  });
});
