// runAndCommit ends a transaction inside its last statement batch (the audit append with its COMMIT), and the
// service's knex client then answers knex's own COMMIT without a round trip. What must hold: the batch commits as a
// whole or not at all, knex's COMMIT never reaches the server after it, nothing can run after it unnoticed, and
// the connection goes back to the pool clean. Real PostgreSQL only (PGlite takes one statement per message).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import { runAndCommit, isNodePostgres } from '../../src/store/commit-folding-client.js';
import { withSessionAdvisoryLock } from '../../src/store/session-advisory-lock.js';
import { createTestDatabase } from '../helpers/test-database.js';

const skip = process.env.DATABASE_URL
  ? false
  : 'needs PostgreSQL (DATABASE_URL): PGlite runs one statement per message';

describe('a transaction committed by its last batch', { skip }, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const sent: string[] = [];
  /** Records every statement text the transaction's connection is asked to send (a spy, not a stand-in). */
  const watch = async (trx: Knex.Transaction) => {
    const conn = (await (
      trx.client as unknown as { acquireConnection(): Promise<{ query: (...a: unknown[]) => unknown }> }
    ).acquireConnection()) as { query: (...a: unknown[]) => unknown; __watched?: boolean };
    if (conn.__watched) return;
    conn.__watched = true;
    const query = conn.query.bind(conn);
    conn.query = (...args: unknown[]) => {
      const a = args[0];
      sent.push(typeof a === 'string' ? a : (a as { text: string }).text);
      return query(...args);
    };
  };
  const rows = async () => ((await db.knex('folding_probe').orderBy('v')) as { v: string }[]).map((r) => r.v);

  before(async () => {
    db = await createTestDatabase();
    await db.knex.raw('CREATE TABLE folding_probe (v text PRIMARY KEY)');
  });
  after(async () => {
    await db.drop();
  });

  it('commits the batch, answers its statements, and never sends knex’s COMMIT', async () => {
    sent.length = 0;
    const results = await db.knex.transaction(async (trx) => {
      await watch(trx);
      await trx('folding_probe').insert({ v: 'a' });
      return runAndCommit(
        trx,
        "INSERT INTO folding_probe VALUES ('b?'); SELECT count(*)::int AS n FROM folding_probe",
      );
    });
    assert.deepEqual(results.at(-1)!.rows, [{ n: 2 }]);
    assert.deepEqual(await rows(), ['a', 'b?']);
    assert.equal(sent.filter((s) => /^\s*COMMIT;?\s*$/i.test(s)).length, 0, sent.join(' | '));
    assert.ok(sent.some((s) => /;\nCOMMIT$/.test(s)));
  });

  it('a failing batch commits nothing of the transaction; the connection serves the next one', async () => {
    await assert.rejects(
      db.knex.transaction(async (trx) => {
        await trx('folding_probe').insert({ v: 'c' });
        // The duplicate key stops the batch before its COMMIT.
        await runAndCommit(
          trx,
          "INSERT INTO folding_probe VALUES ('d'); INSERT INTO folding_probe VALUES ('a')",
        );
      }),
      /duplicate key/,
    );
    assert.deepEqual(await rows(), ['a', 'b?']);
    await db.knex.transaction((trx) => runAndCommit(trx, "INSERT INTO folding_probe VALUES ('e')"));
    assert.deepEqual(await rows(), ['a', 'b?', 'e']);
  });

  it('a statement after the batch is refused, not run outside the transaction', async () => {
    await assert.rejects(
      db.knex.transaction(async (trx) => {
        await runAndCommit(trx, "INSERT INTO folding_probe VALUES ('f')");
        await trx('folding_probe').insert({ v: 'g' });
      }),
      /after the transaction committed/,
    );
    // What the batch committed stays; the refused statement never ran; the pool's connections still work.
    assert.deepEqual(await rows(), ['a', 'b?', 'e', 'f']);
    await Promise.all(Array.from({ length: 12 }, () => db.knex.raw('SELECT 1')));
  });

  it('a caller failing after the batch gets its error; the connection goes back clean', async () => {
    await assert.rejects(
      db.knex.transaction(async (trx) => {
        await runAndCommit(trx, "INSERT INTO folding_probe VALUES ('h')");
        throw new Error('the caller failed');
      }),
      /the caller failed/,
    );
    assert.deepEqual(await rows(), ['a', 'b?', 'e', 'f', 'h']);
    await Promise.all(Array.from({ length: 12 }, () => db.knex('folding_probe').count()));
  });

  it('the service’s client is node-postgres to the rest of the store (session advisory locks)', async () => {
    assert.equal(isNodePostgres(db.knex), true);
    let inner: unknown = 'not run';
    const outer = await withSessionAdvisoryLock(db.knex, 'probe', 'k', async () => {
      inner = await withSessionAdvisoryLock(db.knex, 'probe', 'k', async () => 'ran');
      return 'held';
    });
    assert.equal(outer, 'held');
    assert.equal(inner, undefined, 'a second session does not get the lock the first holds');
  });

  it('with a plain knex pg client the batch opens a transaction for knex’s COMMIT to end', async () => {
    const plain = knexFactory({
      client: 'pg',
      connection: process.env.DATABASE_URL!,
      searchPath: [db.schema!],
      pool: { min: 0, max: 1 },
    });
    try {
      await plain.transaction((trx) => runAndCommit(trx, "INSERT INTO folding_probe VALUES ('i')"));
      assert.deepEqual((await rows()).at(-1), 'i');
    } finally {
      await plain.destroy();
    }
  });
});
