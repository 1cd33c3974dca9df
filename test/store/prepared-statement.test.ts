// preparedRaw runs a statement that carries licence files as a named prepared statement on PostgreSQL (parsed
// once per connection, then a generic plan that does not copy the parameters into it), and as a plain statement
// on the embedded PGlite. What must hold: the rows written are the values sent, byte for byte, on either backend;
// on PostgreSQL the connection holds the statement under its name after the first run and reuses it; and a
// statement with identifier bindings is refused (its text would change under one name).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { isNodePostgres } from '../../src/store/commit-folding-client.js';
import { preparedRaw } from '../../src/store/prepared-statement.js';
import { createTestDatabase } from '../helpers/test-database.js';

describe('preparedRaw', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const INSERT = 'INSERT INTO prepared_probe (k, v) VALUES (?, ?::bytea)';

  before(async () => {
    db = await createTestDatabase();
    await db.knex.raw('CREATE TABLE prepared_probe (k integer PRIMARY KEY, v bytea NOT NULL)');
  });
  after(async () => {
    await db.drop();
  });

  it('writes the values it is sent, byte for byte, each time it runs', async () => {
    // More than five runs: PostgreSQL switches a prepared statement to its generic plan after five.
    const sent = Array.from({ length: 8 }, (_, i) => randomBytes(i === 7 ? 71_000 : 1 + i * 997));
    for (const [k, v] of sent.entries()) await preparedRaw(db.knex, INSERT, [k, v]);
    const rows = (await db.knex('prepared_probe').orderBy('k')) as { k: number; v: Buffer }[];
    assert.deepEqual(
      rows.map((r) => Buffer.from(r.v)),
      sent,
    );
  });

  it(
    'is prepared once per connection under its name on PostgreSQL',
    {
      skip: process.env.DATABASE_URL ? false : 'needs PostgreSQL (DATABASE_URL)',
    },
    async () => {
      assert.ok(isNodePostgres(db.knex));
      await db.knex.transaction(async (trx) => {
        for (let k = 100; k < 103; k++) await preparedRaw(trx, INSERT, [k, Buffer.from([k])]);
        const prepared = (
          await trx.raw(
            `SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%prepared_probe%'`,
          )
        ).rows as { name: string; statement: string }[];
        assert.equal(prepared.length, 1, JSON.stringify(prepared));
        assert.match(prepared[0]!.name, /^st_[0-9a-f]{32}$/);
        assert.match(
          prepared[0]!.statement,
          /INSERT INTO prepared_probe \(k, v\) VALUES \(\$1, \$2::bytea\)/,
        );
      });
    },
  );

  it('refuses identifier bindings', () => {
    assert.throws(() => preparedRaw(db.knex, 'SELECT ?? FROM prepared_probe', ['k']), /identifiers/);
  });
});
