import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { withAudit } from '../../../src/service/audit/audit-service.js';
import { TlogIntegrator } from '../../../src/service/federation/tlog-integrator.js';
import { readTlogState, readTlogStateRow } from '../../../src/store/tlog-state-repository.js';
import { countTiles, listTiles, type StoredTile } from '../../../src/store/tlog-tile-repository.js';
import { SM3_MERKLE_HASHER } from '../../../src/tlog/merkle-hasher.js';
import { computeTileInternalNodes } from '../../../src/tlog/tile-internal-nodes.js';
import { tilesForTreeSize, tileWidth } from '../../../src/tlog/tiles.js';
import { createTestDatabase } from '../../helpers/test-database.js';
import { reference, TestLog } from './tlog-test-log.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

async function allTiles(db: TestDb): Promise<StoredTile[]> {
  return listTiles(db.knex, undefined, 100_000);
}

/**
 * What the tables must hold for `log` at tile height `height`: the state's root is the reference MTH, and the
 * stored tiles are exactly the tree's tiles (full ones, and the right-edge partial ones at their current width),
 * each with the reference's hashes and the internal nodes over them.
 */
async function assertStored(db: TestDb, log: TestLog, height: number): Promise<void> {
  const size = log.leaves.length;
  const state = await readTlogState(db.knex);
  assert.equal(state.size, size);
  assert.deepEqual(state.root, reference.mth(log.leaves), `root at size ${size}`);
  const want = tilesForTreeSize(size, height);
  const got = await allTiles(db);
  assert.deepEqual(
    got.map((t) => `${t.level}/${t.index}/${t.width}`).sort(),
    want.map((t) => `${t.level}/${t.index}/${t.width}`).sort(),
    `tiles at size ${size}`,
  );
  for (const t of got) {
    assert.deepEqual(
      t.hashes,
      log.expectedTile(t.level, t.index, t.width, height),
      `tile ${t.level}/${t.index}`,
    );
    assert.deepEqual(t.internal, Buffer.from(computeTileInternalNodes(SM3_MERKLE_HASHER, t.hashes, height)));
  }
}

for (const height of [2, 3]) {
  describe(`TlogIntegrator at tile height ${height}`, () => {
    let db: TestDb;
    before(async () => {
      db = await createTestDatabase();
    });
    after(async () => {
      await db?.drop();
    });

    it('integrates random appends in random pass sizes, crossing tile boundaries', async () => {
      await db.knex.raw('TRUNCATE tlog_entries, tlog_tiles, tlog_state');
      const log = new TestLog(db.knex);
      await assertStored(db, log, height); // the empty tree: SM3("") and no tiles
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({ append: fc.integer({ min: 0, max: 23 }), perPass: fc.integer({ min: 1, max: 17 }) }),
            {
              minLength: 1,
              maxLength: 6,
            },
          ),
          async (steps) => {
            for (const step of steps) {
              await log.append(step.append);
              const integrator = new TlogIntegrator(db.knex, {
                tileHeight: height,
                maxPerPass: step.perPass,
              });
              const first = await integrator.integrateOnce();
              assert.ok(first.size - first.from <= step.perPass);
              assert.equal(await integrator.catchUp(), log.leaves.length);
              await assertStored(db, log, height);
            }
          },
        ),
        { numRuns: 8 },
      );
      // Past a full level-1 tile, whatever the random runs added: the tree spans tile level 2.
      await log.append(2 * tileWidth(height) ** 2 + 1);
      await new TlogIntegrator(db.knex, { tileHeight: height, maxPerPass: 50 }).catchUp();
      await assertStored(db, log, height);
    });

    it('a pass that fails leaves the previous state, and a new integrator continues from it', async () => {
      await db.knex.raw('TRUNCATE tlog_entries, tlog_tiles, tlog_state');
      const log = new TestLog(db.knex);
      await log.append(37);
      await new TlogIntegrator(db.knex, { tileHeight: height }).catchUp();
      const before = await allTiles(db);
      const stateBefore = await readTlogStateRow(db.knex);

      // A database-level fault between the tile writes and the state write of the next pass.
      await db.knex.raw(`CREATE FUNCTION fail_tlog_state() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
      await db.knex.raw(
        'CREATE TRIGGER fail_tlog_state BEFORE UPDATE ON tlog_state FOR EACH ROW EXECUTE FUNCTION fail_tlog_state()',
      );
      await log.append(29);
      await assert.rejects(
        new TlogIntegrator(db.knex, { tileHeight: height }).integrateOnce(),
        /injected fault/,
      );
      assert.deepEqual(await allTiles(db), before, 'the failed pass wrote no tile');
      assert.deepEqual(await readTlogStateRow(db.knex), stateBefore);
      await db.knex.raw('DROP TRIGGER fail_tlog_state ON tlog_state');
      await db.knex.raw('DROP FUNCTION fail_tlog_state()');

      // A fresh integrator (a restarted process) continues where the last committed pass ended.
      assert.equal(await new TlogIntegrator(db.knex, { tileHeight: height, maxPerPass: 5 }).catchUp(), 66);
      await assertStored(db, log, height);
    });

    it('skips its pass while another integrator holds the lock, and stops at a gap', async () => {
      await db.knex.raw('TRUNCATE tlog_entries, tlog_tiles, tlog_state');
      const log = new TestLog(db.knex);
      await log.append(10);
      const integrator = new TlogIntegrator(db.knex, { tileHeight: height });
      if (db.kind === 'postgres') {
        const trx = await db.knex.transaction();
        try {
          const held = await trx.raw(
            "SELECT pg_try_advisory_xact_lock(hashtext('sealtrust.tlog:' || current_schema())) AS ok",
          );
          assert.equal((held as { rows: { ok: boolean }[] }).rows[0]?.ok, true);
          assert.equal((await integrator.integrateOnce()).outcome, 'locked');
        } finally {
          await trx.rollback();
        }
      }
      assert.equal(await integrator.catchUp(), 10);
      // Index 12 without 10 and 11: integration stops before the gap.
      await db.knex.raw(
        "INSERT INTO tlog_entries (idx, leaf, leaf_hash, kind, subject, audit_seq, at) VALUES (12, 'x', ?, 'licence', 't', 0, now())",
        [reference.leafHash(Buffer.from('x'))],
      );
      assert.deepEqual(await integrator.integrateOnce(), { outcome: 'gap', from: 10, size: 10 });
      await assertStored(db, log, height);
    });

    it('refuses to extend tiles cut at another height', async () => {
      const other = new TlogIntegrator(db.knex, { tileHeight: height + 1 });
      await assert.rejects(
        other.integrateOnce(),
        (e: Error & { code?: string }) => e.code === 'tlog-tile-height-changed',
      );
    });
  });
}

describe('TlogIntegrator in the background', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('is woken by audited changes that log leaves', async () => {
    const integrator = new TlogIntegrator(db.knex, { tileHeight: 2, pollMs: 60_000, coalesceMs: 0 });
    integrator.start();
    try {
      const system = { principal: { kind: 'system' as const }, requestId: 'test' };
      for (let i = 0; i < 5; i++) {
        await withAudit(db.knex, system, 'test.log', async () => ({
          result: null,
          target: { type: 'agency', id: null },
          directory: [
            {
              kind: 'agency',
              op: 'register',
              subject: `S${i}`,
              at: new Date(),
              body: { agency: { uscc: `S${i}` } },
            },
          ],
        }));
      }
      // Woken by the commits (the poll is a minute away): wait for the condition, not for a time.
      const deadline = Date.now() + 20_000;
      while ((await readTlogState(db.knex)).size < 5 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal((await readTlogState(db.knex)).size, 5);
      assert.equal(await countTiles(db.knex), 3); // 4 + 1 leaf hashes at level 0, 1 at level 1
    } finally {
      await integrator.stop();
    }
  });
});
