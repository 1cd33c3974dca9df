// The hub's sharing queries in one process (federation.md §3.6): two province logs (SourceLog) mirrored by an
// in-process hub, whose relays go to the same little servers. The multi-process scenario is share.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { loadFederationConfig } from '../../src/config.js';
import { sm3Hex } from '../../src/crypto/sm3.js';
import { expectJson } from '../helpers/licence-fixtures.js';
import { testTrustListDraft } from '../helpers/trust-list-hub.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { seedDirectory, SourceLog } from './source-log.js';

const HOLDER = { code: '330102199001011000', codeType: '111' }; // licence 0 of each seeded log
const X_HOLDER = { code: '11010519491231002X', codeType: '111' };
const USAGE = {
  organization: '浙江省大数据发展管理局',
  user: '张三',
  itemName: '企业开办',
  itemCode: '330000-000-XK-009',
  businessNumber: 'YW-SHARE-1',
};
const PDF = Buffer.from('%PDF-1.7\n% a sealed licence, as the issuing node would serve it\n%%EOF\n');
const TYPE = '11100000000013338W001';

function typeLeaf(log: SourceLog, name: string, sm3: string) {
  log.append({
    kind: 'licence-type',
    op: 'define',
    subject: TYPE,
    at: new Date(Date.UTC(2026, 10, 1)),
    body: { type: { code: TYPE, name, authority: '11100000000013338W', holderCategory: '1', sm3 } },
  });
}

interface Relayed {
  path: string;
  auth: string;
  body: string;
}

describe('sharing queries at the hub (federation.md §3.6)', () => {
  let hub: TestServer;
  const logs = new Map<string, SourceLog>();
  const relayed: Relayed[] = [];
  let peer: string;
  let goodId: string;
  let xId: string;
  let delayMs = 0;
  const targets = new Map<string, ReturnType<SourceLog['witnessed']>>();

  before(async () => {
    for (const nodeId of ['44', '51']) {
      const log = new SourceLog(nodeId, 3);
      typeLeaf(log, '二级建造师注册证书', (nodeId === '44' ? 'aa' : 'bb').repeat(32));
      seedDirectory(log, 3);
      logs.set(nodeId, log);
      log.other = async (ctx) => {
        if (!ctx.path.startsWith('/v1/licences/')) return false;
        relayed.push({
          path: ctx.url,
          auth: ctx.get('authorization'),
          body: ctx.method === 'POST' ? await readBody(ctx.req) : '',
        });
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        if (nodeId === '51' && ctx.path.endsWith('/pdf')) {
          ctx.status = 500;
          return true;
        }
        ctx.type = 'application/pdf';
        ctx.status = ctx.method === 'POST' ? 201 : 200;
        ctx.set('X-Copy-Id', '5b0b7c4e-8d33-4c1e-9a55-0a6f00000001');
        ctx.body = PDF;
        return true;
      };
      await log.listen();
    }
    // One licence whose logged file is the PDF the relay serves (the seeded ones log a made-up SM3).
    const log44 = logs.get('44')!;
    const issuer = `11440000MA0000001X`;
    /** A licence of 44 issued with one PDF of `sm3`, its holder sent through the side channel. */
    const issue44 = (
      id: string,
      file: { sm3: string; bytes: number },
      holder: { name: string; code: string },
      number: string,
    ) =>
      log44.append(
        {
          kind: 'licence',
          op: 'issue',
          subject: id,
          at: new Date(Date.UTC(2026, 11, 2)),
          body: {
            licence: {
              id,
              type: TYPE,
              issuer,
              version: 1,
              status: 'valid',
              prev: null,
              related: null,
              issueDate: '2026-12-02',
              validFrom: '2026-12-02',
              validTo: null,
              files: [{ format: 'pdf', ...file }],
              seal: { esID: '440100000000001', signer: '0C0D', signature: 'ses' },
            },
          },
        },
        {
          identifier: id,
          holder: { ...holder, codeType: '111' },
          number,
          typeName: '二级建造师注册证书',
          issuerName: '广东省住房和城乡建设厅',
        },
      );
    goodId = `1.2.156.3005.2.${TYPE}.${issuer}.44900000001.001.F`;
    issue44(
      goodId,
      { sm3: sm3Hex(PDF), bytes: PDF.length },
      { name: '王小明', code: HOLDER.code },
      'No.good',
    );
    // A holder whose ID number ends in the check letter X, as issuance stores it (upper case).
    xId = `1.2.156.3005.2.${TYPE}.${issuer}.44900000002.001.3`;
    issue44(xId, { sm3: 'ab'.repeat(32), bytes: 1000 }, { name: '李小红', code: X_HOLDER.code }, 'No.x');
    for (const log of logs.values()) targets.set(log.origin, log.witnessed(log.checkpoint()));
    hub = await startTestServer({
      services: {
        federation: {
          ...loadFederationConfig({}),
          role: 'hub',
          nodes: [...logs.values()].map((log) => ({
            nodeId: log.nodeId,
            origin: log.origin,
            vkey: log.vkey,
            url: log.url,
            hubToken: 'hub-token',
          })),
          tileHeight: 3,
          pullBatch: 64,
        },
        witnessedTree: async (origin) => targets.get(origin),
        mirrorPollMs: 3_600_000,
        shareRelay: { timeoutMs: 1_000 },
      },
    });
    for (let i = 0; ; i++) {
      const rows = (await hub.database
        .knex('mirror_state')
        .select('node_id', 'size', 'side_size', 'state', 'last_error')) as {
        size: string;
        side_size: string;
        node_id: string;
      }[];
      if (
        rows.length === 2 &&
        rows.every((r) => Number(r.size) === logs.get(r.node_id)!.leaves.length) &&
        rows.every((r) => Number(r.side_size) === logs.get(r.node_id)!.leaves.length)
      )
        break;
      if (i > 400) throw new Error(`not mirrored: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    peer = await hub.token('sync-peer', { province: '33' });
  });
  after(async () => {
    await hub?.stop();
    for (const log of logs.values()) await log.close();
  });

  const post = (path: string, json: unknown, token = peer) =>
    hub.request(path, { method: 'POST', token, json });
  const shareUsages = async () =>
    (await hub.database.knex('share_usages').orderBy('id')) as {
      owner_node_id: string;
      action: string;
      identifier: string | null;
      requester_node: string;
      use_for: string;
      item_code: string;
      business_number: string;
    }[];

  it('a missing element is 422 naming it, and nothing is recorded', async () => {
    const before = (await shareUsages()).length;
    const { itemCode: _omitted, ...noItemCode } = USAGE;
    const p = await expectJson<{ type: string; field: string; detail: string }>(
      await post('/v1/share/licences:search', { holder: HOLDER, useFor: '企业开办', usage: noItemCode }),
      422,
    );
    assert.match(p.type, /usage-elements-required$/);
    assert.equal(p.field, 'usage.itemCode');
    assert.match(p.detail, /itemCode/);
    const noUse = await expectJson<{ type: string; field: string }>(
      await post('/v1/share/licences:search', { holder: HOLDER, usage: USAGE }),
      422,
    );
    assert.match(noUse.type, /use-for-required$/);
    assert.equal(noUse.field, 'useFor');
    const noOrg = await expectJson<{ field: string }>(
      await post(`/v1/share/licences/${goodId}:file`, {
        useFor: '企业开办',
        usage: { ...USAGE, organization: ' ' },
      }),
      422,
    );
    assert.equal(noOrg.field, 'usage.organization');
    assert.equal((await shareUsages()).length, before);
    assert.equal(relayed.length, 0, 'nothing was relayed');
  });

  it('the holder goes in the body only: a query string is refused', async () => {
    const res = await hub.request(`/v1/share/licences:search?holderCode=${HOLDER.code}`, {
      method: 'POST',
      token: peer,
      json: { holder: HOLDER, useFor: '企业开办', usage: USAGE },
    });
    const p = await expectJson<{ field: string }>(res, 422);
    assert.equal(p.field, 'query.holderCode');
  });

  it('search finds the holder at both nodes, masked, and records one use per hit with the audit record', async () => {
    const body = await expectJson<{
      items: { identifier: string; node: string; holderMasked: string; status: string; typeName: string }[];
    }>(await post('/v1/share/licences:search', { holder: HOLDER, useFor: '企业开办', usage: USAGE }), 200);
    assert.deepEqual(
      body.items.map((h) => h.node),
      ['44', '44', '51'],
    );
    assert.ok(body.items.some((h) => h.identifier === goodId));
    for (const h of body.items) {
      assert.notEqual(h.holderMasked, HOLDER.code);
      assert.ok(h.holderMasked.includes('*'));
    }
    const uses = (await shareUsages()).filter((u) => u.action === 'search');
    assert.deepEqual(
      uses.map((u) => [u.owner_node_id, u.requester_node, u.use_for, u.item_code]),
      body.items.map((h) => [h.node, '33', '企业开办', USAGE.itemCode]),
    );
    const audit = (await hub.database.knex('audit_log').where({ action: 'share.search' })) as unknown[];
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit).includes(HOLDER.code), 'no holder code in the audit record');
    // By type and number (the number is decrypted from the side record, never stored in clear).
    const one = await expectJson<{ items: { identifier: string }[] }>(
      await post('/v1/share/licences:search', {
        holder: HOLDER,
        number: 'No.good',
        useFor: '企业开办',
        usage: USAGE,
      }),
      200,
    );
    assert.deepEqual(
      one.items.map((h) => h.identifier),
      [goodId],
    );
    const none = await expectJson<{ items: unknown[] }>(
      await post('/v1/share/licences:search', {
        holder: { code: '330102199001019999', codeType: '111' },
        useFor: '企业开办',
        usage: { ...USAGE, businessNumber: 'YW-NONE' },
      }),
      200,
    );
    assert.equal(none.items.length, 0);
    const recorded = (await shareUsages()).filter((u) => u.business_number === 'YW-NONE');
    assert.deepEqual(
      recorded.map((u) => [u.owner_node_id, u.identifier]),
      [['00', null]],
    );
  });

  it('only sync-peer tokens use licences through the hub; admins may read the catalogue', async () => {
    for (const token of [hub.adminToken, await hub.token('hub')]) {
      const res = await post(
        '/v1/share/licences:search',
        { holder: HOLDER, useFor: 'x', usage: USAGE },
        token,
      );
      assert.equal(res.status, 403);
    }
    assert.equal((await hub.request('/v1/share/licence-types', { token: hub.adminToken })).status, 200);
  });

  it(':file relays the PDF from the issuing node with the elements and the asking node, never the holder', async () => {
    relayed.length = 0;
    const res = await post(`/v1/share/licences/${goodId}:file`, { useFor: '企业开办', usage: USAGE });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    assert.ok(pdf.equals(PDF));
    assert.equal(res.headers.get('x-content-sm3'), sm3Hex(PDF));
    assert.equal(relayed.length, 1);
    const r = relayed[0]!;
    assert.equal(r.auth, 'Bearer hub-token');
    const url = new URL(r.path, 'http://node');
    assert.equal(url.pathname, `/v1/licences/${goodId}/pdf`);
    assert.deepEqual(Object.fromEntries(url.searchParams), { ...USAGE, requestedBy: '33' });
    assert.ok(!r.path.includes(HOLDER.code));
    const uses = (await shareUsages()).filter((u) => u.action === 'file');
    assert.deepEqual(
      uses.map((u) => [u.owner_node_id, u.identifier, u.requester_node]),
      [['44', goodId, '33']],
    );
  });

  it(':copy asks the issuing node for a copy in the hub token’s name, for the asking node', async () => {
    relayed.length = 0;
    const res = await post(`/v1/share/licences/${goodId}:copy`, {
      purpose: '办理公积金贷款',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      maker: '浙江省政务服务中心',
      useFor: '公积金贷款',
      usage: USAGE,
    });
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.get('x-copy-id'), '5b0b7c4e-8d33-4c1e-9a55-0a6f00000001');
    await res.arrayBuffer();
    const sent = JSON.parse(relayed[0]!.body) as { usage: Record<string, string>; formats: string[] };
    assert.equal(new URL(relayed[0]!.path, 'http://node').pathname, `/v1/licences/${goodId}/copies`);
    assert.deepEqual(sent.usage, { ...USAGE, requestedBy: '33' });
  });

  it('a file that does not match the log is refused (502); node failures are 502, 504, 404', async () => {
    const seeded44 = `1.2.156.3005.2.${TYPE}.11440000MA0000001X.44000000000.001.F`;
    const mismatch = await expectJson<{ type: string }>(
      await post(`/v1/share/licences/${seeded44}:file`, { useFor: '企业开办', usage: USAGE }),
      502,
    );
    assert.match(mismatch.type, /issuing-node-file-mismatch$/);
    const seeded51 = `1.2.156.3005.2.${TYPE}.11510000MA0000001X.51000000000.001.F`;
    const down = await expectJson<{ type: string }>(
      await post(`/v1/share/licences/${seeded51}:file`, { useFor: '企业开办', usage: USAGE }),
      502,
    );
    assert.match(down.type, /issuing-node-unreachable$/);
    delayMs = 3_000;
    try {
      const slow = await expectJson<{ type: string }>(
        await post(`/v1/share/licences/${goodId}:file`, { useFor: '企业开办', usage: USAGE }),
        504,
      );
      assert.match(slow.type, /issuing-node-timeout$/);
    } finally {
      delayMs = 0;
    }
    const unknown = await expectJson<{ type: string }>(
      await post(`/v1/share/licences/${seeded44.replace('44000000000', '44000000099')}:get`, {
        useFor: '企业开办',
        usage: USAGE,
      }),
      404,
    );
    assert.match(unknown.type, /licence-not-found$/);
  });

  it('a quarantined or withdrawn node is not asked (503)', async () => {
    const seeded51 = `1.2.156.3005.2.${TYPE}.11510000MA0000001X.51000000000.001.F`;
    relayed.length = 0;
    for (const [state, code] of [
      ['quarantined', 'node-quarantined'],
      ['withdrawn', 'node-withdrawn'],
    ] as const) {
      await hub.database.knex('mirror_state').where({ node_id: '51' }).update({ state });
      const res = await post(`/v1/share/licences/${seeded51}:file`, { useFor: '企业开办', usage: USAGE });
      assert.match((await expectJson<{ type: string }>(res, 503)).type, new RegExp(`${code}$`));
    }
    assert.equal(relayed.length, 0);
    await hub.database.knex('mirror_state').where({ node_id: '51' }).update({ state: 'ok' });
  });

  it('a holder code is searched in the form issuance stored it: a lower-case check letter still finds it', async () => {
    const res = await post('/v1/share/licences:search', {
      holder: { code: ` ${X_HOLDER.code.toLowerCase()} `, codeType: '111' },
      useFor: '企业开办',
      usage: USAGE,
    });
    const { items } = await expectJson<{ items: { identifier: string; holderMasked: string }[] }>(res, 200);
    assert.deepEqual(
      items.map((i) => i.identifier),
      [xId],
    );
    assert.ok(!JSON.stringify(items).includes(X_HOLDER.code.slice(6, 14)), 'the hit is masked');
  });

  it('the national catalogue is the union of licence-type leaves, with conflicting definitions flagged', async () => {
    const body = await expectJson<{
      items: { code: string; nodes: string[]; conflict: boolean; definitions?: { sm3: string }[] }[];
    }>(await hub.request('/v1/share/licence-types', { token: peer }), 200);
    const t = body.items.find((i) => i.code === TYPE)!;
    assert.deepEqual(t.nodes, ['44', '51']);
    assert.equal(t.conflict, true);
    assert.deepEqual(
      t.definitions?.map((d) => d.sm3),
      ['aa'.repeat(32), 'bb'.repeat(32)],
    );
    // 51 redefines the type as 44 has it: once mirrored, its latest definition counts and the conflict is gone.
    const log51 = logs.get('51')!;
    typeLeaf(log51, '二级建造师注册证书', 'aa'.repeat(32));
    targets.set(log51.origin, log51.witnessed(log51.checkpoint()));
    const sync = await hub.request('/v1/federation/nodes/51:sync', { method: 'POST', token: hub.adminToken });
    assert.equal(sync.status, 202);
    for (let i = 0; ; i++) {
      const row = (await hub.database.knex('mirror_state').where({ node_id: '51' }).first()) as {
        size: string;
      };
      if (Number(row.size) === log51.leaves.length) break;
      if (i > 400) throw new Error('51 not mirrored again');
      await new Promise((r) => setTimeout(r, 50));
    }
    const again = await expectJson<{ items: { code: string; conflict: boolean; nodes: string[] }[] }>(
      await hub.request('/v1/share/licence-types', { token: peer }),
      200,
    );
    const t2 = again.items.find((i) => i.code === TYPE)!;
    assert.deepEqual([t2.nodes, t2.conflict], [['44', '51'], false]);
  });
  it('/status is public: the same log evidence as /v1/federation/licences, no face data, no usage needed', async () => {
    const res = await hub.request(`/v1/share/licences/${goodId}/status`);
    const body = await expectJson<Record<string, unknown>>(res, 200);
    const fed = await expectJson<Record<string, unknown>>(
      await hub.request(`/v1/federation/licences/${goodId}`),
      200,
    );
    // The statement is signed afresh (SM2 signatures are randomised); everything else is the same answer.
    assert.ok(typeof body.statement === 'string' && body.statement.length > 0);
    assert.deepEqual({ ...body, statement: null }, { ...fed, statement: null });
    assert.equal(body.identifier, goodId);
    assert.equal(body.node, '44');
    const text = JSON.stringify(body);
    for (const personal of [HOLDER.code, '王小明', 'No.good']) assert.ok(!text.includes(personal), personal);
    const usesBefore = (await shareUsages()).length;
    const missing = await hub.request('/v1/share/licences/1.2.156.3005.2.nothing/status');
    assert.equal(missing.status, 404);
    assert.equal((await shareUsages()).length, usesBefore, 'a status read is not a use of the licence');
  });
});

describe('a node the trust list withdrew (federation.md §5.4 "node withdrawn")', () => {
  it('is not asked: :file answers 503 node-withdrawn', async () => {
    const log = new SourceLog('51', 3);
    const { identifiers } = seedDirectory(log, 1);
    let asked = 0;
    log.other = async () => {
      asked++;
      return false;
    };
    await log.listen();
    const target = log.witnessed(log.checkpoint());
    const hub = await startTestServer({
      services: {
        federation: {
          ...loadFederationConfig({}),
          role: 'hub',
          nodes: [{ nodeId: '51', origin: log.origin, vkey: log.vkey, url: log.url, hubToken: 'hub-token' }],
          tileHeight: 3,
        },
        witnessedTree: async (origin) => (origin === log.origin ? target : undefined),
        mirrorPollMs: 3_600_000,
      },
    });
    try {
      for (let i = 0; ; i++) {
        const row = (await hub.database.knex('mirror_state').where({ node_id: '51' }).first()) as
          { size: string } | undefined;
        if (row && Number(row.size) === log.leaves.length) break;
        if (i > 400) throw new Error('not mirrored');
        await new Promise((r) => setTimeout(r, 50));
      }
      const draft = testTrustListDraft();
      const since = '2026-12-01T00:00:00.000Z';
      const node = {
        ...draft.nodes[0]!,
        nodeId: '51',
        name: '四川省',
        regionCode: '510000',
        status: 'withdrawn' as const,
        statusHistory: [
          { status: 'active' as const, since },
          { status: 'withdrawn' as const, since: new Date(Date.now() - 60_000).toISOString() },
        ],
        log: { ...draft.nodes[0]!.log, origin: log.origin },
      };
      const put = await hub.request('/v1/trust-list/draft', {
        method: 'PUT',
        token: hub.adminToken,
        json: { ...draft, nodes: [node] },
      });
      assert.equal(put.status, 200, await put.text());
      const published = await hub.request('/v1/trust-list/draft:publish', {
        method: 'POST',
        token: hub.adminToken,
        json: { nextUpdate: new Date(Date.now() + 86_400_000).toISOString() },
      });
      assert.equal(published.status, 201, await published.text());
      const peer = await hub.token('sync-peer', { province: '33' });
      const res = await hub.request(`/v1/share/licences/${identifiers[0]}:file`, {
        method: 'POST',
        token: peer,
        json: { useFor: '企业开办', usage: USAGE },
      });
      const p = await expectJson<{ type: string }>(res, 503);
      assert.match(p.type, /node-withdrawn$/);
      assert.ok(res.headers.get('retry-after'));
      assert.equal(asked, 0);
    } finally {
      await hub.stop();
      await log.close();
    }
  });
});

async function readBody(req: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('sharing queries are limited per calling node (federation.md §3.6: 429 with Retry-After)', () => {
  it('a node past its burst gets 429 on every token it holds; another node is not slowed', async () => {
    const hub = await startTestServer({
      services: {
        federation: {
          ...loadFederationConfig({}),
          role: 'hub',
          nodes: [],
          // One token per 100 s: the third request of a node is refused however slow the machine is.
          shareRate: { perSecond: 0.01, burst: 2 },
        },
        mirrorPollMs: 3_600_000,
      },
    });
    try {
      const [a1, a2, b] = [
        await hub.token('sync-peer', { province: '33' }),
        await hub.token('sync-peer', { province: '33' }),
        await hub.token('sync-peer', { province: '44' }),
      ];
      for (const token of [a1, a2])
        assert.equal((await hub.request('/v1/share/licence-types', { token })).status, 200);
      const refused = await hub.request('/v1/share/licences:search', {
        method: 'POST',
        token: a1,
        json: { holder: HOLDER, useFor: '核验', usage: USAGE },
      });
      assert.equal(refused.status, 429);
      assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
      const retry = Number(refused.headers.get('retry-after'));
      assert.ok(retry >= 1, `Retry-After ${refused.headers.get('retry-after')}`);
      const problem = (await refused.json()) as { type: string; retryAfter: number };
      assert.match(problem.type, /rate-limited$/);
      assert.equal(problem.retryAfter, retry);
      assert.equal(
        (await hub.request('/v1/share/licence-types', { token: a2 })).status,
        429,
        'the bucket is the node’s, not the token’s',
      );
      assert.equal((await hub.request('/v1/share/licence-types', { token: b })).status, 200);
      assert.equal((await hub.database.knex('share_usages').count({ n: '*' }).first())?.n, 0);
    } finally {
      await hub.stop();
    }
  });
});
