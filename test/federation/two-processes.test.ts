// The province scale path (federation.md §4.4, issue 15): several stateless SealTrust processes of one node behind
// a load balancer, over one PostgreSQL database. Two `sealtrust serve` processes issue side by side, each
// verifies what the other issued (TOTAL_PASSED), a suspension made through one is seen by the other at once
// (the audit NOTIFY invalidates its caches), and the shared audit chain and directory log stay whole: one
// sequence, no gap, no index twice.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEV_KEYS_PASSPHRASE, PROJECT_ROOT } from '../../src/config.js';
import { AuditService } from '../../src/service/audit/audit-service.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { freePort } from '../helpers/free-port.js';
import {
  defineDemoTypes,
  expectJson,
  issueLicence,
  licenceEvent,
  provinceAgency,
  waitFor,
  type ProvinceAgency,
} from './harness/fed-api.js';
import { FedNode } from './harness/fed-node.js';
import { connect, createDatabase, dropDatabase, postgresUnavailable } from './harness/fed-postgres.js';

const skip = await postgresUnavailable();
if (skip) process.stderr.write(`skipping the two-process test: ${skip}\n`);

describe('two processes of one node over one database', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-two-'));
  const database = `two_${randomBytes(4).toString('hex')}`;
  const shared = {
    nodeId: '33',
    role: 'node' as const,
    keysDir: join(PROJECT_ROOT, 'keys-dev'),
    database,
    adminToken: 'st_' + randomBytes(32).toString('base64url'),
    caPassphrase: DEV_KEYS_PASSPHRASE,
    kek: randomBytes(32).toString('hex'),
    env: {},
  };
  let a: FedNode;
  let b: FedNode;
  let agency: ProvinceAgency;

  before(async () => {
    await createDatabase(database);
    const spec = async (name: string) => ({
      ...shared,
      port: await freePort(),
      dataDir: join(dir, `data-${name}`),
      logFile: join(dir, `${name}.log`),
    });
    a = new FedNode(await spec('a'));
    b = new FedNode(await spec('b'));
    // One after the other: the first runs the migrations.
    await a.start();
    await b.start();
    agency = await provinceAgency(a);
    await defineDemoTypes(a, [agency.agencyId]);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await dropDatabase(database).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const verifyAt = async (node: FedNode, identifier: string, from: FedNode) => {
    const pdf = await from.request(`/v1/licences/${identifier}/pdf`, { token: agency.issuer });
    assert.equal(pdf.status, 200, `${identifier} pdf`);
    return expectJson<ValidationReport>(
      await node.request('/v1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/pdf' },
        body: new Uint8Array(await pdf.arrayBuffer()),
      }),
      200,
      'verify',
    );
  };

  it('issue side by side; each process verifies what the other issued', async () => {
    // What process A defined is at once usable through B (its caches follow the audit NOTIFY).
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) => issueLicence(i % 2 === 0 ? a : b, agency)),
    );
    assert.equal(new Set(ids).size, ids.length, 'no identifier twice');
    for (const [i, id] of ids.entries()) {
      const [issuer, other] = i % 2 === 0 ? [a, b] : [b, a];
      const r = await verifyAt(other, id, issuer);
      assert.equal(r.indication, 'TOTAL_PASSED', `${id} at the other process: ${JSON.stringify(r.licence)}`);
    }
    // A suspension through A is what B reports next (no stale cache).
    await licenceEvent(a, agency, ids[1]!, 'suspend');
    const after = await verifyAt(b, ids[1]!, a);
    assert.notEqual(after.licence?.indication, 'TOTAL_PASSED');
    assert.match(JSON.stringify(after.licence), /suspend/i);
  });

  it('the shared audit chain and directory log stay whole', async () => {
    const knex = connect(database);
    try {
      const chain = await new AuditService(knex).verifyChain();
      assert.deepEqual(chain.firstBreak, null);
      assert.ok(chain.ok);
      const rows = (await knex('tlog_entries').select('idx').orderBy('idx')) as { idx: string | number }[];
      rows.forEach((r, i) => assert.equal(Number(r.idx), i, 'log indices without a gap'));
      // One integrator at a time (advisory lock), whichever process: the tree catches up with every entry.
      await waitFor(
        'the log integrated by one of the two',
        async () => {
          const s = (await knex('tlog_state').first()) as { integrated_size: unknown } | undefined;
          const size = Number(s?.integrated_size ?? -1);
          return size === rows.length ? true : undefined;
        },
        60_000,
      );
    } finally {
      await knex.destroy();
    }
  });
});
