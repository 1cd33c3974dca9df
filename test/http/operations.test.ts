import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.stop());

test('healthz and readyz', async () => {
  assert.deepEqual(await (await srv.request('/healthz')).json(), { status: 'ok' });
  assert.deepEqual(await (await srv.request('/readyz')).json(), { status: 'ready' });
});

test('request ids are echoed when sane and generated otherwise', async () => {
  const given = await srv.request('/healthz', { headers: { 'x-request-id': 'trace-123' } });
  assert.equal(given.headers.get('x-request-id'), 'trace-123');
  const bad = await srv.request('/healthz', { headers: { 'x-request-id': 'x'.repeat(300) } });
  assert.match(bad.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
});

test('metrics count requests per route template', async () => {
  await srv.request('/v1/agencies/00000000-0000-4000-8000-000000000000', { token: srv.adminToken });
  const text = await (await srv.request('/metrics')).text();
  assert.match(
    text,
    /sealtrust_http_requests_total\{method="GET",route="\/v1\/agencies\/:id",status="404"\} 1/,
  );
  assert.match(
    text,
    /sealtrust_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz"\}/,
  );
  assert.ok(!text.includes('00000000-0000-4000'), 'raw paths never become labels');
});

test('the OpenAPI 3.1 document describes the routes from the same schemas', async () => {
  const doc = (await (await srv.request('/openapi.json')).json()) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        {
          requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
          security: unknown[];
        }
      >
    >;
  };
  assert.equal(doc.openapi, '3.1.0');
  for (const p of [
    '/v1/agencies',
    '/v1/agencies/{id}',
    '/v1/tokens',
    '/v1/tokens/{id}',
    '/v1/audit',
    '/healthz',
    '/readyz',
  ]) {
    assert.ok(doc.paths[p], p);
  }
  const body = doc.paths['/v1/agencies']!.post!.requestBody!.content['application/json']!.schema;
  assert.deepEqual((body.required as string[]).sort(), ['name', 'province', 'regionCode', 'uscc']);
  assert.equal(body.additionalProperties, false);
  assert.deepEqual(doc.paths['/healthz']!.get!.security, []);
});

test('the OpenAPI document lists the DER endpoints with their media types', async () => {
  type Media = Record<string, unknown>;
  interface Op {
    requestBody?: { content: Media };
    parameters?: { name: string; in: string }[];
    responses: Record<string, { content?: Media }>;
    security: unknown[];
  }
  const doc = (await (await srv.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, Op>>;
  };
  const ocspPost = doc.paths['/ocsp']?.post;
  assert.ok(ocspPost, '/ocsp POST');
  assert.deepEqual(Object.keys(ocspPost.requestBody!.content), ['application/ocsp-request']);
  assert.deepEqual(Object.keys(ocspPost.responses['200']!.content!), ['application/ocsp-response']);
  assert.deepEqual(ocspPost.security, []);

  const ocspGet = doc.paths['/ocsp/{request}']?.get;
  assert.ok(ocspGet, '/ocsp/{request} GET');
  assert.deepEqual(
    ocspGet.parameters?.map((p) => [p.name, p.in]),
    [['request', 'path']],
  );
  assert.deepEqual(Object.keys(ocspGet.responses['200']!.content!), ['application/ocsp-response']);

  const tsa = doc.paths['/tsa']?.post;
  assert.ok(tsa, '/tsa POST');
  assert.deepEqual(Object.keys(tsa.requestBody!.content), ['application/timestamp-query']);
  assert.deepEqual(Object.keys(tsa.responses['200']!.content!), ['application/timestamp-reply']);
});
