import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basePdf } from '../pdf/pdf-test-fixtures.js';
import { contentBomb, manyObjectStreamsBomb, objectStreamBomb, xrefBomb } from '../pdf/pdf-bombs.js';
import { extractPdfSignatures } from '../../src/pdf/pdf-signature-extraction.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 12, attack classes 4 and 5: one small upload must not freeze the node. Stamping runs in a pool of one
// worker with a queue of one and a 6 s deadline here, so the queue bound and the deadline are reached on
// purpose; the bombs are the pathological files of test/pdf/pdf-bombs.ts.

let srv: TestServer;
let issuer: string;
let esID: string;
const bombs: { name: string; pdf: Buffer }[] = [];
let normal: Uint8Array;

async function json<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  assert.equal(res.status, status, body);
  return JSON.parse(body) as T;
}

before(async () => {
  srv = await startTestServer({
    services: { stampingPool: { workers: 1, maxQueue: 1, deadlineMs: 6_000 } },
  });
  const agency = await srv.agency('杭州市市场监督管理局', '113301000024902776', '330100');
  const key = await json<{ certificateSerial: string }>(
    await srv.request(`/v1/agencies/${agency}/signer-keys`, {
      method: 'POST',
      token: srv.adminToken,
      json: {},
    }),
    201,
  );
  esID = (
    await json<{ esID: string }>(
      await srv.request('/v1/seals', {
        method: 'POST',
        token: await srv.token('seal-maker'),
        json: {
          agencyId: agency,
          name: '杭州市市场监督管理局',
          type: 'official',
          signerCertSerials: [key.certificateSerial],
          validFrom: new Date(Date.now() - 60_000).toISOString(),
          validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
        },
      }),
      201,
    )
  ).esID;
  issuer = await srv.token('issuer', { agencyId: agency });
  bombs.push(
    { name: 'xref bomb', pdf: await xrefBomb() },
    { name: 'object-stream bomb', pdf: await objectStreamBomb() },
    { name: '8 × 60 MB object streams', pdf: await manyObjectStreamsBomb() },
  );
  await contentBomb(2);
  normal = await basePdf({ pages: 2 });
});
after(() => srv.stop());

const ABSOLUTE = [{ type: 'absolute', page: 1, xMm: 20, yMm: 20 }];

function stampRequest(pdf: Uint8Array, placements: unknown[] = ABSOLUTE): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(pdf)], { type: 'application/pdf' }), 'bomb.pdf');
  form.append('request', JSON.stringify({ esID, placements }));
  return srv.request('/v1/documents/seal', { method: 'POST', token: issuer, body: form });
}

const verifyRequest = (pdf: Uint8Array) =>
  srv.request('/v1/verify', {
    method: 'POST',
    headers: { 'content-type': 'application/pdf' },
    body: Buffer.from(pdf),
  });

/** Resolves once `cond` holds, checking between turns of the event loop (state, not time). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

/** A promise's settlement, observable without awaiting it. */
function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const promise = p.finally(() => (done = true));
  return { settled: () => done, promise };
}

describe('resource budgets over HTTP (attack classes 4 and 5)', () => {
  test('a normal stamping succeeds through the worker pool', async () => {
    const res = await stampRequest(normal);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(extractPdfSignatures(Buffer.from(await res.arrayBuffer())).length, 1);
  });

  test('POST /v1/verify answers each bomb with 422 too-complex', async () => {
    for (const { name, pdf } of bombs) {
      const body = await json<{ type: string; limit: string }>(await verifyRequest(pdf), 422);
      assert.match(body.type, /too-complex$/, name);
    }
  });

  test('POST /v1/documents/seal answers each bomb with 422 too-complex', async () => {
    for (const { name, pdf } of bombs) {
      const body = await json<{ type: string; limit: string }>(await stampRequest(pdf), 422);
      assert.match(body.type, /too-complex$/, name);
      assert.match(body.limit, /^(xref-entries|inflated-bytes)$/, name);
    }
    // A page content of 200 MB, searched for a keyword: refused before text extraction starts.
    const keyword = [{ type: 'keyword', text: '盖章处' }];
    const body = await json<{ type: string; limit: string }>(
      await stampRequest(await contentBomb(1), keyword),
      422,
    );
    assert.match(body.type, /too-complex$/);
    assert.equal(body.limit, 'inflated-bytes');
  });

  test('/healthz answers while bombs are read by the verifier', async () => {
    const pending = bombs.map(({ pdf }) => track(verifyRequest(pdf)));
    const health = await srv.request('/healthz');
    assert.equal(health.status, 200);
    assert.ok(
      pending.some((p) => !p.settled()),
      'healthz answered after every bomb: something blocked the event loop',
    );
    for (const p of pending) assert.equal((await p.promise).status, 422);
  });

  test('a stamping past its deadline: healthz answers meanwhile, the queue refuses with 503, the worker is replaced', async () => {
    const pool = srv.services.documentStamping.pool;
    const replacedBefore = pool.replaced;
    // Keyword placement over a content the budget cannot decode: text extraction parses 50 million
    // operators, and only the deadline ends it.
    const bomb = track(stampRequest(await contentBomb(2), [{ type: 'keyword', text: '盖章处' }]));
    await until(() => pool.load.running === 1);

    const health = await srv.request('/healthz');
    assert.equal(health.status, 200);
    assert.equal(bomb.settled(), false, 'healthz must answer while the bomb is being stamped');

    const queued = track(stampRequest(normal));
    await until(() => pool.load.queued === 1);
    const refused = await stampRequest(normal);
    const problem = await json<{ type: string }>(refused, 503);
    assert.match(problem.type, /stamping-busy$/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After');

    const over = await json<{ type: string; limit: string }>(await bomb.promise, 422);
    assert.match(over.type, /too-complex$/);
    assert.match(over.limit, /^(deadline|memory)$/);
    assert.ok(pool.replaced > replacedBefore, 'the worker was replaced');

    // The stamping that waited behind the bomb runs on the new worker, and so does the next one.
    const next = await queued.promise;
    assert.equal(next.status, 200, await next.clone().text());
    assert.equal(extractPdfSignatures(Buffer.from(await next.arrayBuffer())).length, 1);
    assert.equal((await stampRequest(normal)).status, 200);
  });

  test('the process memory stays bounded after the bombs', async () => {
    const before = process.memoryUsage().rss;
    for (let round = 0; round < 2; round++)
      await Promise.all(
        bombs.flatMap(({ pdf }) => [
          verifyRequest(pdf).then((r) => r.arrayBuffer()),
          stampRequest(pdf).then((r) => r.arrayBuffer()),
        ]),
      );
    const grown = (process.memoryUsage().rss - before) / (1024 * 1024);
    // Before the budgets, the 8 × 60 MB file alone left the process 600 MB larger.
    assert.ok(grown < 300, `RSS grew by ${grown.toFixed(0)} MB`);
  });
});
