// The audit chain hashed after commit (migrations 020, 023): appends leave the chain hashes to the chainer, which must
// produce exactly the chain the records imply; the commit folded into the append must never end a transaction
// it does not own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_GENESIS_HASH, auditHash, type AuditRecord } from '../../src/audit/audit-chain.js';
import { AuditChainer } from '../../src/service/audit/audit-chainer.js';
import { AuditService, withAudit } from '../../src/service/audit/audit-service.js';
import { listAudit } from '../../src/store/audit-repository.js';
import { createTestDatabase } from '../helpers/test-database.js';

const ctx = { principal: { kind: 'system' as const }, requestId: 'chainer-test' };
/** What a reason typed by a person may hold: quotes, backslashes, question marks (knex placeholders), dollars. */
const TRICKY = "引号 ' 和 \\ 反斜杠，为什么? 还是 \\? 或 ?? 与 $1";
let db: Awaited<ReturnType<typeof createTestDatabase>>;

async function change(n: number, tx = db.knex) {
  return withAudit(tx, ctx, 'test.change', async (trx) => {
    await trx.raw('SELECT 1');
    return { result: n, target: { type: 'test', id: `t${n}?` }, details: { n, text: TRICKY } };
  });
}

async function records(): Promise<AuditRecord[]> {
  return (await listAudit(db.knex, { limit: 1000 })).items;
}

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

describe('audit chainer', () => {
  test('records commit unhashed; the chainer hashes them in seq order into the same chain as before', async () => {
    for (let i = 1; i <= 5; i++) await change(i);
    const before = await records();
    assert.equal(before.length, 5);
    assert.ok(before.every((r) => r.hash === null && r.prevHash === null));
    assert.deepEqual(
      before.map((r) => r.details),
      [1, 2, 3, 4, 5].map((n) => ({ n, text: TRICKY })),
      'details stored exactly: quotes, backslashes and question marks included',
    );
    assert.deepEqual(
      before.map((r) => r.targetId),
      [1, 2, 3, 4, 5].map((n) => `t${n}?`),
    );
    assert.equal(await new AuditChainer(db.knex, { maxPerPass: 2 }).catchUp(), 5);
    let prev = AUDIT_GENESIS_HASH;
    for (const r of await records()) {
      assert.deepEqual(r.prevHash, prev);
      assert.deepEqual(r.hash, auditHash(prev, r.seq, r));
      prev = r.hash!;
    }
    const head = (await db.knex('audit_chain_head').first()) as { seq: unknown; hash: Buffer };
    assert.equal(Number(head.seq), 5);
    assert.deepEqual(Buffer.from(head.hash), prev);
  });

  test('concurrent changes take distinct, gap-free seqs, and the chain verifies', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => change(100 + i)));
    const all = await records();
    assert.deepEqual(
      all.map((r) => r.seq),
      all.map((_, i) => i + 1),
    );
    const v = await new AuditService(db.knex).verifyChain();
    assert.deepEqual(v, { ok: true, records: 45, pending: 0, firstBreak: null });
  });

  test('a change nested in a transaction that rolls back leaves no record (no early COMMIT)', async () => {
    const seqBefore = (await records()).length;
    await assert.rejects(
      db.knex.transaction(async (outer) => {
        await change(900, outer);
        await new AuditService(outer).denied(ctx, 'test.denied', { type: 'test', id: null }, 'nested');
        throw new Error('the outer work fails afterwards');
      }),
      /outer work fails/,
    );
    assert.equal((await records()).length, seqBefore);
    const head = (await db.knex('audit_head').first()) as { seq: unknown };
    assert.equal(Number(head.seq), seqBefore, 'the head counter rolled back too');
    assert.equal((await new AuditService(db.knex).verifyChain()).ok, true);
  });

  test(
    'a background pass skips while another process chains; a catch-up for verification waits for it',
    { skip: process.env.DATABASE_URL ? false : 'needs two connections (PostgreSQL)' },
    async () => {
      await change(500);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const lockTaken = new Promise<void>((r) => (locked = r));
      // Another chainer's transaction, holding the chained end.
      const other = db.knex.transaction(async (trx) => {
        await trx('audit_chain_head').where({ id: 1 }).forUpdate();
        locked();
        await held;
      });
      await lockTaken;
      const chainer = new AuditChainer(db.knex);
      assert.deepEqual(await chainer.chainOnce({ skipIfBusy: true }), { seq: -1, chained: 0 });
      let waited = false;
      const waiting = chainer.catchUp().then((seq) => {
        waited = true;
        return seq;
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(waited, false, 'waits for the lock');
      release();
      await other;
      assert.equal(await waiting, (await records()).length);
    },
  );

  test('migration 023 moves the chain hashes out of audit_log and back, unchanged (down and up again)', async () => {
    await new AuditChainer(db.knex).catchUp();
    const chained = await records();
    assert.ok(chained.length >= 5 && chained.every((r) => r.hash !== null));
    const m023 = await import('../../migrations/023_audit_chain_table.js');
    await m023.down(db.knex);
    const inLog = (await db.knex('audit_log').orderBy('seq').select('seq', 'prev_hash', 'hash')) as {
      prev_hash: Uint8Array;
      hash: Uint8Array;
    }[];
    assert.deepEqual(
      inLog.map((r) => [Buffer.from(r.prev_hash), Buffer.from(r.hash)]),
      chained.map((r) => [r.prevHash, r.hash]),
    );
    await m023.up(db.knex);
    assert.deepEqual(await records(), chained);
    assert.equal((await new AuditService(db.knex).verifyChain()).ok, true);
    await change(99);
    assert.equal(
      (await new AuditService(db.knex).verifyChain()).ok,
      true,
      'new records chain after the move',
    );
  });

  test('un-hashing a chained record is a break, not pending', async () => {
    await db.knex('audit_chain').where({ seq: 3 }).delete();
    const v = await new AuditService(db.knex).verifyChain();
    assert.equal(v.ok, false);
    assert.deepEqual(v.firstBreak, { seq: 3, reason: 'unchained-record' });
  });
});
