import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/test-database.js';
import { appendAudit, auditHead } from '../../src/store/audit-repository.js';
import { verifyAuditChain, withAudit } from '../../src/service/audit-service.js';
import type { AuditEntry } from '../../src/audit/audit-chain.js';

// The optimistic single-statement append (chaining on this process's last head) must never fork or break
// the chain: not when another writer appends in between, not when a transaction that claimed a head rolls
// back, not under concurrency.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

const system = { principal: { kind: 'system' as const }, requestId: 'audit-append-test' };
const entry = (action: string): AuditEntry => ({
  at: new Date(),
  actorTokenId: null,
  actorRole: 'system',
  action,
  targetType: 'test',
  targetId: null,
  requestId: null,
  outcome: 'success',
  details: { action },
});
const change = (action: string) =>
  withAudit(database.knex, system, action, async () => ({
    result: undefined,
    target: { type: 'test', id: null },
  }));

test('appends chain on each other, also when another writer appends in between', async () => {
  await change('a.1');
  await change('a.2');
  // Another process (no prediction of its own for this database) appends: this process's guess goes stale.
  await database.knex.transaction((trx) => appendAudit(trx, entry('other.1'), {}));
  await change('a.3');
  await change('a.4');
  const v = await verifyAuditChain(database.knex);
  assert.deepEqual(v, { ok: true, records: 5, firstBreak: null });
});

test('a rolled-back change leaves no record, and the next append still chains on the committed head', async () => {
  const before = await auditHead(database.knex);
  // Roll back *after* the append: the audit statement ran, then the transaction failed.
  await assert.rejects(
    database.knex.transaction(async (trx) => {
      await appendAudit(trx, entry('b.doomed'), database.knex);
      throw new Error('change failed after its audit record');
    }),
  );
  assert.deepEqual(await auditHead(database.knex), before, 'the rolled-back append left the head alone');
  await change('b.after');
  const v = await verifyAuditChain(database.knex);
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.records, before.seq + 1);
});

test('concurrent changes form one chain without gaps', async () => {
  const start = (await auditHead(database.knex)).seq;
  await Promise.all(Array.from({ length: 40 }, (_, i) => change(`c.${i}`)));
  const v = await verifyAuditChain(database.knex);
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.records, start + 40);
});
