import { mkdirSync } from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import { CommitFoldingPgClient } from './commit-folding-client.js';

export type Db = Knex;
export type Executor = Knex | Knex.Transaction;

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; `null` keeps it in memory (tests). */
  dataDir?: string | null;
  /** PostgreSQL schema to work in (tests isolate each file in its own). */
  schema?: string;
}

export interface Database {
  knex: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

// int8 (counts, sequences) as JS numbers: our values stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

const migrationSource: Knex.MigrationSource<{ name: string; module: Knex.Migration }> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m.module,
};

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let knex: Knex;
  let kind: Database['kind'];
  if (opts.databaseUrl) {
    kind = 'postgres';
    knex = knexFactory({
      client: CommitFoldingPgClient as unknown as typeof knexFactory.Client,
      connection: opts.databaseUrl,
      pool: { min: 0, max: 10 },
      ...(opts.schema ? { searchPath: [opts.schema] } : {}),
    });
  } else {
    kind = 'pglite';
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    knex = knexFactory({
      client: ClientPgLite as unknown as typeof knexFactory.Client,
      dialect: 'postgres',
      connection: opts.dataDir ? { filename: opts.dataDir } : {},
      ...(opts.schema ? { searchPath: [opts.schema] } : {}),
    } as Knex.Config);
  }
  try {
    if (opts.schema) await knex.raw('CREATE SCHEMA IF NOT EXISTS ??', [opts.schema]);
    await knex.migrate.latest({
      migrationSource,
      ...(opts.schema ? { schemaName: opts.schema } : {}),
    });
  } catch (err) {
    await knex.destroy();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return { knex, kind, close: () => (closing ??= knex.destroy()) };
}

export async function isReachable(knex: Db): Promise<boolean> {
  try {
    await knex.raw('select 1');
    return true;
  } catch {
    return false;
  }
}
