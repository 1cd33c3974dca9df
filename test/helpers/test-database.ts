import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { openDatabase, type Database } from '../../src/store/database.js';

/**
 * A clean database for one test file: a fresh schema on PostgreSQL when DATABASE_URL is set (CI),
 * otherwise an in-memory PGlite. `drop()` removes everything it made.
 */
export async function createTestDatabase(): Promise<Database & { schema?: string; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ dataDir: null });
    return { ...db, drop: () => db.close() };
  }
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ databaseUrl: url, schema });
  return {
    ...db,
    schema,
    drop: async () => {
      await db.close();
      const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
      try {
        await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      } finally {
        await admin.destroy();
      }
    },
  };
}
