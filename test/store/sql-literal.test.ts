// inlineBindings writes values into SQL text for the simple query protocol (the audit append sent with its
// COMMIT), and runAndCommit runs that text on the transaction's connection: every value must come back from the
// server exactly as given, whatever quotes, backslashes, question marks or dollar signs it holds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { inlineBindings } from '../../src/store/sql-literal.js';
import { runAndCommit } from '../../src/store/commit-folding-client.js';
import { createTestDatabase } from '../helpers/test-database.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

// The characters that end or change literals and placeholders, mixed with any others.
const tricky = fc.constantFrom('?', '??', '\\', '\\?', "'", "''", '"', '$1', '$$', 'E', '\n', '中', 'a');
const text = fc.oneof(
  fc.array(tricky, { maxLength: 12 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
);

test(
  'property: text, bytes, numbers and arrays read back from PostgreSQL unchanged',
  { skip: process.env.DATABASE_URL ? false : 'the simple query protocol is node-postgres (PostgreSQL) only' },
  async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.uint8Array({ maxLength: 64 }),
        fc.integer(),
        fc.array(text, { maxLength: 4 }),
        fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 3 }),
        async (t, b, n, ts, bs) => {
          const sql = inlineBindings(
            'SELECT ?::text AS t, ?::bytea AS b, ?::bigint AS n, ?::text[] AS ts, ?::bytea[] AS bs',
            [t, b, n, ts, bs],
          );
          const [result] = await db.knex.transaction((trx) =>
            runAndCommit(trx, `${sql}; SELECT 1 AS second`),
          );
          const row = result!.rows[0]!;
          assert.equal(row.t, t);
          assert.deepEqual(Buffer.from(row.b as Uint8Array), Buffer.from(b));
          assert.equal(Number(row.n), n);
          assert.deepEqual(row.ts, ts);
          assert.deepEqual(
            (row.bs as Uint8Array[]).map((x) => Buffer.from(x).toString('hex')),
            bs.map((x) => Buffer.from(x).toString('hex')),
          );
        },
      ),
      { numRuns: 200 },
    );
  },
);

test('refuses what it cannot write safely, and miscounted placeholders', () => {
  assert.throws(() => inlineBindings('SELECT ?', ['a\0b']), /NUL/);
  assert.throws(() => inlineBindings('SELECT ?', [Number.NaN]), /finite/);
  assert.throws(() => inlineBindings('SELECT ?', [{} as never]), TypeError);
  assert.throws(() => inlineBindings('SELECT ?, ?', [1]), /more placeholders/);
  assert.throws(() => inlineBindings('SELECT ?', [1, 2]), /more bindings/);
  assert.equal(
    inlineBindings('SELECT ?, ?, ?', [null, true, new Date(0)]),
    "SELECT NULL, TRUE, '1970-01-01T00:00:00.000Z'",
  );
  // A value's own question marks are not placeholders.
  assert.equal(inlineBindings('SELECT ?, ?', ['a?', 'b']), "SELECT 'a?', 'b'");
});
