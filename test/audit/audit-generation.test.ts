import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditGeneration } from '../../src/service/audit/audit-generation.js';
import { auditListenerName } from '../../src/store/audit-change-listener.js';
import { TokenService } from '../../src/service/access/token-service.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { createTestDatabase } from '../helpers/test-database.js';

const ctx = { principal: { kind: 'system' as const }, requestId: 'audit-generation-test' };

/** Polls `check` until it holds (notifications arrive asynchronously); fails after 10 s. */
async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never happened: ${what}`);
}

describe('audit generation (cache validity without a query per read)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let generation: AuditGeneration;

  before(async () => {
    db = await createTestDatabase();
    generation = AuditGeneration.of(db.knex);
    await generation.ready();
  });
  after(async () => {
    await generation.close();
    await db.drop();
  });

  test('is live once listening, and one handle has one generation', () => {
    assert.equal(typeof generation.current(), 'number');
    assert.equal(AuditGeneration.of(db.knex), generation);
  });

  test('a change made through this handle moves it before the change returns', async () => {
    const before = generation.current();
    await new TokenService(db.knex).create(ctx, { role: 'ca-operator' });
    assert.notEqual(generation.current(), before);
  });

  test(
    'a change committed by another process moves it (LISTEN/NOTIFY)',
    { skip: isPglite() ? 'PGlite is embedded: no other process can write to it' : false },
    async () => {
      const other: Database = await openDatabase({
        databaseUrl: process.env.DATABASE_URL!,
        schema: db.schema!,
      });
      try {
        const before = generation.current(['token']);
        const seals = generation.current(['seal']);
        await new TokenService(other.knex).create(ctx, { role: 'ca-operator' });
        await eventually('the notification of the other handle’s commit', () => {
          const now = generation.current(['token']);
          return now !== undefined && now !== before;
        });
        // Other test files write other schemas of the same database meanwhile: their records are not ours.
        assert.equal(generation.current(['seal']), seals, 'a token changed, not a seal');
      } finally {
        await other.close();
      }
    },
  );

  test(
    'while the listener is down it answers undefined (callers read the head), then listens again',
    { skip: isPglite() ? 'PGlite is embedded: there is no listener connection to lose' : false },
    async () => {
      const before = generation.current();
      await db.knex.raw(
        // Only this file's listener (its schema is in the name): other files' caches must stay live.
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE pid <> pg_backend_pid() AND application_name = ?`,
        [auditListenerName(db.schema!)],
      );
      await eventually(
        'the listener to notice its connection is gone',
        () => generation.current() === undefined,
      );
      await eventually('listening again', () => generation.current() !== undefined);
      assert.notEqual(generation.current(), before, 'nothing cached while deaf may count as current');
    },
  );
});

function isPglite(): boolean {
  return !process.env.DATABASE_URL;
}
