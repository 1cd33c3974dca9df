import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sm3 } from '../../src/crypto/sm3.js';
import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
} from '../../src/licence/demo-licence-types.js';
import {
  buildCertId,
  buildOcspRequest,
  certificateSubjectDer,
  parseOcspResponse,
} from '../../src/pki/ocsp.js';
import { LicenceBatchService } from '../../src/service/licences/licence-batch-service.js';
import { issueLicenceBody } from '../../src/service/licences/licence-request-schema.js';
import type { LicenceService } from '../../src/service/licences/licence-service.js';
import type { ActionContext } from '../../src/service/access/principal.js';
import { findJob } from '../../src/store/job-repository.js';
import { revokeToken as revokeTokenRow } from '../../src/store/token-repository.js';
import { expectJson } from '../helpers/licence-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  issueLicence,
  startVerifyWorld,
  VALID_FROM,
  VALID_TO,
  type VerifyWorld,
} from '../web/verify-fixtures.js';

// The access and robustness fixes of issue 13, each attacked the way it was found: from outside, with the
// service's own artefacts (licences, tokens, OCSP requests), on a real server and database.
//
// The world trusts one proxy hop, allows each client bursts of 2 (1 more per second) on the public limiter and
// holds one large upload at a time. Each test speaks from its own address (the last X-Forwarded-For entry, the
// one a trusted proxy appends) so a limit only bites where it is tested.

let w: VerifyWorld;
let srv: TestServer;
let licence: { identifier: string; pdf: Buffer; holderCode: string };
let otherAgency: string;
let otherIssuer: string;
let syncPeer: string;
const OTHER_NAME = '杭州市市场监督管理局';
let ipSeq = 0;
const nextIp = () => `198.51.100.${++ipSeq}`;

const USAGE = {
  user: '李四',
  itemName: '住房公积金贷款',
  itemCode: '330100-000-XK-001',
  businessNumber: 'YW20261204001',
};
const query = (o: Record<string, string>) => new URLSearchParams(o).toString();

before(async () => {
  w = await startVerifyWorld({
    SEALTRUST_VERIFY_RATE: '1',
    SEALTRUST_VERIFY_BURST: '2',
    SEALTRUST_TRUST_PROXY: '1',
    SEALTRUST_UPLOAD_SLOTS: '1',
  });
  srv = w.srv;
  licence = await issueLicence(w);
  otherAgency = await srv.agency(OTHER_NAME, '113301000024902776', '330100');
  otherIssuer = await srv.token('issuer', { agencyId: otherAgency });
  syncPeer = await srv.token('sync-peer', { province: '32' });
});

after(async () => {
  await srv?.stop();
});

interface Hit {
  identifier: string;
  holder: { name: string; code: string } | null;
}
interface Use {
  identifier: string;
  action: string;
  organization: string;
  businessNumber: string;
  userAgencyId: string | null;
  userNode: string | null;
  requestedBy: string | null;
}

const uses = async (identifier: string) =>
  (
    await expectJson<{ items: Use[] }>(
      await srv.request(`/v1/licence-usages?identifier=${identifier}&limit=100`, { token: w.agency.issuer }),
      200,
    )
  ).items;

describe('1. X-Forwarded-For is believed only from configured proxy hops', () => {
  it('with no proxy configured (the default), a client cannot pick a fresh rate-limit bucket per request', async () => {
    const saved = { rate: process.env.SEALTRUST_VERIFY_RATE, burst: process.env.SEALTRUST_VERIFY_BURST };
    process.env.SEALTRUST_VERIFY_RATE = '1';
    process.env.SEALTRUST_VERIFY_BURST = '2';
    let direct: TestServer;
    try {
      direct = await startTestServer({ trustProxyHops: 0 });
    } finally {
      process.env.SEALTRUST_VERIFY_RATE = saved.rate;
      process.env.SEALTRUST_VERIFY_BURST = saved.burst;
      if (saved.rate === undefined) delete process.env.SEALTRUST_VERIFY_RATE;
      if (saved.burst === undefined) delete process.env.SEALTRUST_VERIFY_BURST;
    }
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await direct.request('/v1/verify', {
          method: 'POST',
          headers: { 'content-type': 'application/pdf', 'x-forwarded-for': `203.0.113.${i + 1}` },
          body: 'not a pdf',
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [422, 422, 429]);
    } finally {
      await direct.stop();
    }
  });

  it('with one trusted hop, the entry that hop appended is the client: what the client wrote before it is not', async () => {
    const real = nextIp();
    const statuses: number[] = [];
    for (const forged of ['203.0.113.7', '203.0.113.8', '203.0.113.9']) {
      const res = await srv.request('/v1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/pdf', 'x-forwarded-for': `${forged}, ${real}` },
        body: 'not a pdf',
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [422, 422, 429]);
  });
});

describe('2 and 6. batch jobs run with their token, keep their progress and store their input sealed', () => {
  const line = JSON.stringify({
    typeCode: CONSTRUCTION_ENGINEER_2.code,
    holder: DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code],
    validFrom: VALID_FROM,
    validTo: VALID_TO,
    fields: { ...DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code] },
  });
  const ndjson = (n: number) => Buffer.from(Array.from({ length: n }, () => line).join('\n'));
  const system: ActionContext = { principal: { kind: 'system' }, requestId: 'access-fixes' };

  async function issuerContext(): Promise<{ ctx: ActionContext; tokenId: string }> {
    const { token } = await srv.services.tokens.create(system, {
      role: 'issuer',
      agencyId: w.agency.agencyId,
    });
    return {
      tokenId: token.id,
      ctx: {
        principal: {
          kind: 'token',
          tokenId: token.id,
          role: 'issuer',
          agencyId: w.agency.agencyId,
          province: null,
        },
        requestId: 'access-fixes',
      },
    };
  }
  /** The real licence service, with `hook` run after each issuance (its 1-based count). */
  function licencesWith(hook: (n: number) => Promise<void>): LicenceService {
    let n = 0;
    const real = srv.services.licences;
    return {
      issue: async (...args: Parameters<LicenceService['issue']>) => {
        const r = await real.issue(...args);
        await hook(++n);
        return r;
      },
    } as unknown as LicenceService;
  }
  const batches = (licences: LicenceService = srv.services.licences) =>
    new LicenceBatchService(srv.database.knex, licences, issueLicenceBody, srv.services.dataProtector);
  const licenceCount = async () =>
    Number(((await srv.database.knex('licences').count({ n: '*' }).first()) as { n: unknown }).n);

  it('a token revoked while its job runs stops the job before the next line, with the progress it reached', async () => {
    const { ctx, tokenId } = await issuerContext();
    // Revoked in the database after the first line (as another node would), not through this service.
    const service = batches(
      licencesWith(async (n) => {
        if (n === 1) await revokeTokenRow(srv.database.knex, tokenId, new Date());
      }),
    );
    const job = await service.submit(ctx, ndjson(3));
    await service.settled(job.id);
    const done = (await findJob(srv.database.knex, job.id))!;
    assert.equal(done.status, 'cancelled');
    assert.equal(done.processed, 1);
    assert.equal(done.succeeded, 1);
    assert.equal(done.results.length, 1);
  });

  it('revoking a token cancels its unfinished jobs, and a job whose token was revoked is not resumed', async () => {
    const { ctx, tokenId } = await issuerContext();
    const stopped = batches();
    await stopped.stop(); // jobs submitted now are recorded but stop before their first line
    const cancelled = await stopped.submit(ctx, ndjson(2));
    await stopped.settled(cancelled.id);
    const revoked = await srv.request(`/v1/tokens/${tokenId}`, { method: 'DELETE', token: srv.adminToken });
    assert.equal(revoked.status, 204);
    assert.equal((await findJob(srv.database.knex, cancelled.id))?.status, 'cancelled');

    // A job left unfinished whose token is revoked behind the service's back (no cancellation written).
    const second = await issuerContext();
    const orphan = await stopped.submit(second.ctx, ndjson(2));
    await stopped.settled(orphan.id);
    await revokeTokenRow(srv.database.knex, second.tokenId, new Date());

    const before = await licenceCount();
    const restarted = batches();
    await restarted.resume();
    await restarted.settled(cancelled.id);
    await restarted.settled(orphan.id);
    assert.equal(await licenceCount(), before, 'nothing was issued for a revoked token');
    for (const id of [cancelled.id, orphan.id]) {
      const j = (await findJob(srv.database.knex, id))!;
      assert.equal(j.status, 'cancelled', id);
      assert.equal(j.processed, 0);
    }
  });

  it('a job that fails unexpectedly is written back with the lines it reached and the identifiers it issued', async () => {
    const { ctx } = await issuerContext();
    const service = batches(
      licencesWith(async (n) => {
        if (n === 2) throw new Error('the disk is on fire');
      }),
    );
    const job = await service.submit(ctx, ndjson(4));
    await service.settled(job.id);
    const done = (await findJob(srv.database.knex, job.id))!;
    assert.equal(done.status, 'failed');
    // Line 1 issued and counted; line 2 was issued too (the hook threw after it), and its idempotency key
    // names it, but the job cannot claim it: it is not counted.
    assert.equal(done.processed, 1);
    assert.equal(done.succeeded, 1);
    assert.equal(done.results.length, 1);
    assert.match(done.results[0]!.identifier, /^1\.2\.156\.3005\.2\./);
  });

  it('the stored input does not hold holder codes in clear, and a resumed job still reads it', async () => {
    const { ctx } = await issuerContext();
    const stopped = batches();
    await stopped.stop();
    const job = await stopped.submit(ctx, ndjson(1));
    await stopped.settled(job.id);
    const row = (await srv.database.knex('jobs').where({ id: job.id }).first('input', 'input_encrypted')) as {
      input: Buffer;
      input_encrypted: boolean;
    };
    assert.equal(row.input_encrypted, true);
    const holderCode = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!.code;
    assert.ok(!Buffer.from(row.input).includes(Buffer.from(holderCode)), 'holder code stored in clear');
    assert.ok(!Buffer.from(row.input).includes(Buffer.from('"holder"')), 'input stored in clear');

    const restarted = batches();
    await restarted.resume();
    await restarted.settled(job.id);
    const done = (await findJob(srv.database.knex, job.id))!;
    assert.equal(done.status, 'succeeded');
    assert.equal(done.results.length, 1);
    const dropped = (await srv.database.knex('jobs').where({ id: job.id }).first('input')) as {
      input: unknown;
    };
    assert.equal(dropped.input, null, 'the input is dropped once the job is done');
  });
});

describe('3. directory search is scoped: personal columns for the owner, or with the usage elements and recorded', () => {
  const search = (token: string, q: Record<string, string> = {}) =>
    srv.request(`/v1/licences?${query({ agencyId: w.agency.agencyId, limit: '100', ...q })}`, { token });

  it("another agency's issuer, without usage elements, pages through no holder names", async () => {
    const res = await search(otherIssuer);
    const text = await res.clone().text();
    const page = await expectJson<{ items: Hit[] }>(res, 200);
    assert.ok(page.items.some((h) => h.identifier === licence.identifier));
    assert.ok(page.items.every((h) => h.holder === null));
    assert.ok(!text.includes('王建国'), 'a holder name in another agency’s search');
    const before = (await uses(licence.identifier)).filter((u) => u.action === 'search');
    assert.equal(before.length, 0, 'nothing personal shown, nothing recorded');
  });

  it('the issuing agency sees its own licences in full', async () => {
    const page = await expectJson<{ items: Hit[] }>(await search(w.agency.issuer), 200);
    const mine = page.items.find((h) => h.identifier === licence.identifier);
    assert.equal(mine?.holder?.name, '王建国');
  });

  it('with the usage elements, another agency sees holders and each hit is recorded as a use in its name', async () => {
    const partial = await search(otherIssuer, { user: '李四' });
    assert.equal((await expectJson<{ field: string }>(partial, 422)).field, 'itemName');
    const page = await expectJson<{ items: Hit[] }>(
      await search(otherIssuer, { ...USAGE, businessNumber: 'YW-SEARCH-1' }),
      200,
    );
    assert.ok(page.items.length >= 1);
    assert.ok(page.items.every((h) => h.holder !== null));
    const recorded = (await uses(licence.identifier)).filter((u) => u.businessNumber === 'YW-SEARCH-1');
    assert.deepEqual(
      recorded.map((u) => [u.action, u.organization]),
      [['search', OTHER_NAME]],
    );
  });

  it('a sync-peer gets no holder data without all five elements; with them, masked and recorded by node', async () => {
    const page = await expectJson<{ items: Hit[] }>(await search(syncPeer), 200);
    assert.ok(page.items.length >= 1);
    assert.ok(page.items.every((h) => h.holder === null));
    // A node token has no agency here: it states 用证机构 itself.
    const asked = await search(syncPeer, USAGE);
    const problem = await expectJson<{ type: string; field: string }>(asked, 422);
    assert.match(problem.type, /usage-elements-required$/);
    assert.equal(problem.field, 'organization');
    const shown = await expectJson<{ items: Hit[] }>(
      await search(syncPeer, { ...USAGE, organization: '江苏省政务服务中心', businessNumber: 'YW-PEER-S' }),
      200,
    );
    assert.ok(shown.items.every((h) => h.holder !== null && h.holder.code !== licence.holderCode));
    const recorded = (await uses(licence.identifier)).filter((u) => u.businessNumber === 'YW-PEER-S');
    assert.deepEqual(
      recorded.map((u) => [u.action, u.organization, u.userAgencyId, u.userNode, u.requestedBy]),
      [['search', '江苏省政务服务中心', null, '32', null]],
    );
  });
});

describe('4. the anonymous licence status look-up', () => {
  const lookup = (q = '', ip = nextIp()) =>
    srv.request(`/v1/verify/licences/${licence.identifier}${q}`, { headers: { 'x-forwarded-for': ip } });

  it('without the file: status, type, issuer and validity; no holder, and no file hash to replay as proof', async () => {
    const res = await lookup();
    const text = await res.clone().text();
    const r = await expectJson<Record<string, unknown>>(res, 200);
    assert.equal(r.status, 'valid');
    assert.equal(r.typeCode, CONSTRUCTION_ENGINEER_2.code);
    assert.deepEqual(r.issuer, { name: '江苏省住房和城乡建设厅', code: '11320100014000714D' });
    assert.equal(r.validFrom, VALID_FROM);
    assert.equal(r.holder, undefined);
    assert.equal(r.pdfSm3, null);
    assert.equal(r.copies, undefined);
    assert.ok(!text.includes('王'), text);
    assert.ok(!text.includes(sm3(licence.pdf).toString('hex')), 'the file hash would be the proof');

    const wrong = await expectJson<Record<string, unknown>>(await lookup(`?sm3=${'ab'.repeat(32)}`), 200);
    assert.equal(wrong.holder, undefined);
    assert.equal(wrong.pdfSm3, null);
  });

  it("with the SM3 of the licence's file, the masked holder too", async () => {
    const fileSm3 = sm3(licence.pdf).toString('hex');
    const r = await expectJson<{ holder?: { name: string }; pdfSm3: string }>(
      await lookup(`?sm3=${fileSm3.toUpperCase()}`),
      200,
    );
    assert.equal(r.holder?.name, '王**');
    assert.equal(r.pdfSm3, fileSm3);
  });

  it('is rate limited per client, like /v1/verify', async () => {
    const ip = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await lookup('', ip);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    const limited = await lookup('', ip);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.match((await expectJson<{ type: string }>(limited, 429)).type, /rate-limited$/);
  });
});

describe('7. signatures for anonymous callers are rate limited; uploads are capped before they are read', () => {
  it('/tsa takes a token of the per-client limiter', async () => {
    const ip = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await srv.request('/tsa', {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', 'x-forwarded-for': ip },
        body: new Uint8Array(randomBytes(40)),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  it('/ocsp with a nonce is answered tryLater past the limit; pre-produced answers are not limited', async () => {
    const ca = srv.node.defaultCa.ca.cert;
    const certId = buildCertId(
      'sha1',
      certificateSubjectDer(ca.der),
      ca.publicKey,
      randomBytes(16).fill(1, 0, 1),
    );
    const ip = nextIp();
    const post = async (nonce?: Uint8Array) => {
      const res = await srv.request('/ocsp', {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request', 'x-forwarded-for': ip },
        body: new Uint8Array(buildOcspRequest([certId], nonce)),
      });
      assert.equal(res.status, 200);
      return { res, status: parseOcspResponse(Buffer.from(await res.arrayBuffer())).status };
    };
    assert.equal((await post(randomBytes(16))).status, 'successful');
    assert.equal((await post(randomBytes(16))).status, 'successful');
    const third = await post(randomBytes(16));
    assert.equal(third.status, 'tryLater');
    assert.ok(Number(third.res.headers.get('retry-after')) >= 1);
    for (let i = 0; i < 3; i++) assert.equal((await post()).status, 'successful', 'no nonce: no limit');
  });

  it('with every upload slot taken, the next upload is refused 503 with Retry-After before its body is read', async () => {
    const size = 2 * 1024 * 1024;
    const first = httpRequest({
      host: '127.0.0.1',
      port: srv.port,
      method: 'POST',
      path: '/v1/verify',
      headers: {
        'content-type': 'application/pdf',
        'content-length': String(size),
        expect: '100-continue',
        'x-forwarded-for': nextIp(),
      },
    });
    first.on('error', () => undefined); // destroyed below when done: a hang-up is expected then
    first.flushHeaders();
    // A failure below must not leave the held upload open (the server would wait for it at shutdown).
    try {
      // 100 Continue is sent as the request enters the application, whose middleware up to the upload slot
      // runs before the client can read it: from here on the slot is held.
      await once(first, 'continue');
      const refused = await srv.request('/v1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/pdf', 'x-forwarded-for': nextIp() },
        body: 'x',
      });
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.match((await expectJson<{ type: string }>(refused, 503)).type, /uploads-busy$/);

      const answered = once(first, 'response');
      first.end(Buffer.alloc(size));
      const [res] = (await answered) as [import('node:http').IncomingMessage];
      res.resume();
      assert.equal(res.statusCode, 422, 'the held upload is read and answered');
      await once(res, 'end');
      const next = await srv.request('/v1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/pdf', 'x-forwarded-for': nextIp() },
        body: 'x',
      });
      await next.arrayBuffer();
      assert.equal(next.status, 422, 'the slot was given back');
    } finally {
      first.destroy();
    }
  });
});

describe('8. lifecycle history records the status read under the row lock', () => {
  it('a change that lands while the event waits for the lock is the recorded fromStatus', async (t) => {
    if (srv.database.kind !== 'postgres') return t.skip('needs two connections (PostgreSQL)');
    const issued = await issueLicence(w);
    const knex = srv.database.knex;
    const trx = await knex.transaction();
    let pending: Promise<Response> | undefined;
    try {
      const holder = ((await trx.raw('SELECT pg_backend_pid() AS pid')) as { rows: { pid: number }[] })
        .rows[0]!.pid;
      await trx('licences').where({ identifier: issued.identifier }).forUpdate().first('identifier');
      await trx('licences').where({ identifier: issued.identifier }).update({ status: 'suspended' });
      pending = srv.request(`/v1/licences/${issued.identifier}/events`, {
        method: 'POST',
        token: w.agency.issuer,
        json: { operation: 'revoke', reason: '违法吊销' },
      });
      // Wait (by observation, not by time) until the event's transaction is queued behind our lock.
      for (let i = 0; ; i++) {
        const waiting = (await knex.raw(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))',
          [holder],
        )) as { rows: { n: number }[] };
        if (waiting.rows[0]!.n > 0) break;
        assert.ok(i < 500, 'the event never waited for the row lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      await trx.commit();
    } catch (err) {
      await trx.rollback().catch(() => undefined);
      throw err;
    }
    const body = await expectJson<{
      licence: { status: string; history: { operation: string; fromStatus: string | null }[] };
    }>(await pending, 200);
    assert.equal(body.licence.status, 'revoked');
    const revoke = body.licence.history.find((e) => e.operation === 'revoke');
    assert.equal(revoke?.fromStatus, 'suspended');
  });
});

describe('9 and 10. usage records name the caller’s agency; a sync-peer reads with the five elements, by node', () => {
  it('organization in the query is ignored: the use is recorded in the name of the token’s agency', async () => {
    const res = await srv.request(
      `/v1/licences/${licence.identifier}?${query({ ...USAGE, organization: '国务院办公厅', businessNumber: 'YW-ORG-1' })}`,
      { token: otherIssuer },
    );
    assert.equal(res.status, 200, await res.clone().text());
    const recorded = (await uses(licence.identifier)).filter((u) => u.businessNumber === 'YW-ORG-1');
    assert.deepEqual(
      recorded.map((u) => u.organization),
      [OTHER_NAME],
    );
  });

  it('a sync-peer reads, downloads and copies a licence with all five elements, recorded with its node', async () => {
    const ELEMENTS = { ...USAGE, organization: '江苏省政务服务中心', businessNumber: 'YW-PEER-1' };
    for (const path of [`/v1/licences/${licence.identifier}`, `/v1/licences/${licence.identifier}/pdf`]) {
      const refused = await srv.request(`${path}?${query(USAGE)}`, { token: syncPeer });
      assert.equal((await expectJson<{ field: string }>(refused, 422)).field, 'organization', path);
      const res = await srv.request(`${path}?${query(ELEMENTS)}`, { token: syncPeer });
      assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
      await res.arrayBuffer();
    }
    // A sync-peer cannot pretend to be the hub relaying for a node: requestedBy is the hub's to state, and is
    // not recorded from anyone else (below: null).
    const record = await expectJson<{ holder: { code: string; masked: boolean } }>(
      await srv.request(`/v1/licences/${licence.identifier}?${query({ ...ELEMENTS, requestedBy: '44' })}`, {
        token: syncPeer,
      }),
      200,
    );
    assert.equal(record.holder.masked, true);
    assert.notEqual(record.holder.code, licence.holderCode);
    const copy = await srv.request(`/v1/licences/${licence.identifier}/copies`, {
      method: 'POST',
      token: syncPeer,
      json: {
        purpose: '办理公积金贷款',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        maker: '江苏省政务服务中心',
        usage: ELEMENTS,
      },
    });
    assert.equal(copy.status, 201, await copy.clone().text());
    await copy.arrayBuffer();
    const recorded = (await uses(licence.identifier)).filter((u) => u.businessNumber === 'YW-PEER-1');
    assert.deepEqual(
      recorded.map((u) => [u.action, u.organization, u.userAgencyId, u.userNode, u.requestedBy]),
      [
        ['record', '江苏省政务服务中心', null, '32', null],
        ['file', '江苏省政务服务中心', null, '32', null],
        ['record', '江苏省政务服务中心', null, '32', null],
        ['copy', '江苏省政务服务中心', null, '32', null],
      ],
    );
  });

  it('the hub relays with the five elements and the node it asks for, recorded as node 00', async () => {
    const hub = await srv.token('hub');
    const ELEMENTS = { ...USAGE, organization: '浙江省大数据发展管理局', businessNumber: 'YW-HUB-1' };
    const missing = await srv.request(`/v1/licences/${licence.identifier}/pdf?${query(ELEMENTS)}`, {
      token: hub,
    });
    assert.equal((await expectJson<{ field: string }>(missing, 422)).field, 'requestedBy');
    const res = await srv.request(
      `/v1/licences/${licence.identifier}/pdf?${query({ ...ELEMENTS, requestedBy: '33' })}`,
      { token: hub },
    );
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(licence.pdf));
    const recorded = (await uses(licence.identifier)).filter((u) => u.businessNumber === 'YW-HUB-1');
    assert.deepEqual(
      recorded.map((u) => [u.action, u.organization, u.userAgencyId, u.userNode, u.requestedBy]),
      [['file', '浙江省大数据发展管理局', null, '00', '33']],
    );
    // The hub token is for relays of single licences, not for browsing the directory.
    const list = await srv.request('/v1/licences', { token: hub });
    assert.equal(list.status, 403);
  });
});
