import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { runTlogGenesis } from '../../../src/service/federation/tlog-genesis.js';
import { ServiceError } from '../../../src/service/service-error.js';
import { listTlogEntries } from '../../../src/store/tlog-entry-repository.js';
import { SM3_MERKLE_HASHER } from '../../../src/tlog/merkle-hasher.js';
import {
  defineDemoTypes,
  expectJson,
  issueDemoLicence,
  setupIssuingAgency,
  type IssuingAgency,
} from '../../helpers/licence-fixtures.js';
import { runCli } from '../../helpers/run-cli.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

process.env.SEALTRUST_NODE_ID = '32';

let srv: TestServer;
let a: IssuingAgency;
const SYSTEM = { principal: { kind: 'system' as const }, requestId: 'test-genesis' };

const issue = () => issueDemoLicence(srv, a.issuer);

async function leaves() {
  return (await listTlogEntries(srv.database.knex, 0, 100_000)).map((e) => ({
    ...e,
    json: JSON.parse(e.leaf.toString('utf8')) as Record<string, unknown> & { kind: string; op: string },
  }));
}

/** Makes the database look as it did before the log existed: rows, but no leaves. */
async function forgetTheLog(): Promise<void> {
  const k = srv.database.knex;
  await k('tlog_entries').del();
  await k('audit_head').update({ tlog_next: 0 });
}

before(async () => {
  srv = await startTestServer({ bodyLimitBytes: 4 * 1024 * 1024 });
  a = await setupIssuingAgency(srv, {
    name: '江苏省住房和城乡建设厅',
    uscc: '11320100014000714D',
    regionCode: '320000',
  });
  await defineDemoTypes(srv, [a.agencyId]);
});
after(async () => {
  await srv?.stop();
});

describe('sealtrust tlog genesis (federation.md §4.2 back-fill)', () => {
  let suspended: string;
  let renewed: string;

  it('back-fills every existing row once, in order, each leaf marked backfill, indices gap-free', async () => {
    const first = await issue();
    suspended = await issue();
    await expectJson(
      await srv.request(`/v1/licences/${suspended}/events`, {
        method: 'POST',
        token: a.issuer,
        json: { operation: 'suspend', reason: '暂扣测试' },
      }),
      200,
    );
    const renewal = await expectJson<{ created: { identifier: string } }>(
      await srv.request(`/v1/licences/${first}/events`, {
        method: 'POST',
        token: a.issuer,
        json: { operation: 'renew', reason: '延续测试' },
      }),
      200,
    );
    renewed = renewal.created.identifier;
    await forgetTheLog();

    const k = srv.database.knex;
    const counts = {
      agency: Number((await k('agencies').count({ n: '*' }))[0]!.n),
      'licence-type': Number((await k('licence_types').count({ n: '*' }))[0]!.n),
      certificate: Number((await k('certificates').count({ n: '*' }))[0]!.n),
      seal: Number((await k('seals').count({ n: '*' }))[0]!.n),
      licence: Number((await k('licences').count({ n: '*' }))[0]!.n),
    };
    const result = await runTlogGenesis(k, SYSTEM);
    assert.deepEqual(result, counts);

    const all = await leaves();
    assert.deepEqual(
      all.map((e) => e.idx),
      all.map((_, i) => i),
      'gap-free from 0',
    );
    // §4.2 order: agencies, (licence types), certificates, seals, licences.
    const order = ['agency', 'licence-type', 'certificate', 'seal', 'licence'];
    const kinds = all.map((e) => order.indexOf(e.kind));
    assert.deepEqual(
      kinds,
      [...kinds].sort((x, y) => x - y),
    );
    for (const e of all) {
      assert.equal(e.json.backfill, true);
      assert.equal(e.json.node, '32');
      assert.deepEqual(e.leafHash, Buffer.from(SM3_MERKLE_HASHER.hashLeaf(e.leaf)));
    }
    // One `issue` leaf per licence with its current status; the renewal names its predecessor.
    const lic = (id: string) =>
      all.find((e) => e.kind === 'licence' && e.subject === id)!.json.licence as Record<string, unknown>;
    assert.equal(lic(suspended).status, 'suspended');
    assert.equal(lic(renewed).related, first);
    const firstStatus = (await k('licences').where({ identifier: first }).first('status')) as {
      status: string;
    };
    assert.equal(lic(first).status, firstStatus.status);
    assert.equal(lic(first).prev, null);
    assert.ok(all.filter((e) => e.kind === 'licence').every((e) => e.json.op === 'issue'));
    // Every back-fill batch is an audit record, and the run is recorded.
    const audits = await k('audit_log').whereIn('action', ['tlog.backfill', 'tlog.genesis']).pluck('action');
    assert.ok(audits.includes('tlog.backfill'));
    assert.equal(audits.filter((x) => x === 'tlog.genesis').length, 1);
    const verified = await srv.services.audit.verifyChain();
    assert.equal(verified.ok, true);
  });

  it('refuses a second run, and live appends continue after the back-filled prefix', async () => {
    await assert.rejects(
      runTlogGenesis(srv.database.knex, SYSTEM),
      (e: unknown) => e instanceof ServiceError && e.code === 'tlog-genesis-done' && e.kind === 'conflict',
    );
    const before = (await leaves()).length;
    const id = await issue();
    const after = await leaves();
    assert.equal(after.length, before + 1);
    assert.equal(after.at(-1)!.idx, before);
    assert.equal(after.at(-1)!.subject, id);
    assert.equal(after.at(-1)!.json.backfill, undefined);
  });

  it('after an interrupted run, genesis logs only what the log does not introduce yet (CLI)', async () => {
    const k = srv.database.knex;
    // Back to "before the log", then keep the first 3 leaves as if a run had stopped after them.
    await k('audit_log').where({ action: 'tlog.genesis' }).update({ action: 'tlog.genesis-test-reset' });
    await forgetTheLog();
    await runTlogGenesis(k, SYSTEM);
    const full = await leaves();
    await k('audit_log').where({ action: 'tlog.genesis' }).update({ action: 'tlog.genesis-test-reset' });
    await k('tlog_entries').where('idx', '>=', 3).del();
    await k('audit_head').update({ tlog_next: 3 });

    const env = {
      DATABASE_URL: process.env.DATABASE_URL ?? '',
      SEALTRUST_NODE_ID: '32',
    };
    const schemaArgs = srv.database.schema ? ['--schema', srv.database.schema] : [];
    if (!process.env.DATABASE_URL) return; // the CLI cannot share an in-memory PGlite
    const r = await runCli(['tlog', 'genesis', ...schemaArgs], { env });
    assert.equal(r.code, 0, r.stderr);
    const resumed = await leaves();
    assert.equal(resumed.length, full.length, 'each object introduced exactly once');
    assert.deepEqual(
      new Set(resumed.map((e) => `${e.kind}:${e.subject}`)),
      new Set(full.map((e) => `${e.kind}:${e.subject}`)),
    );
    const again = await runCli(['tlog', 'genesis', ...schemaArgs], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already ran/);
  });
});
