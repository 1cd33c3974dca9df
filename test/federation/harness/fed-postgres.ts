// PostgreSQL for the multi-node harness (federation.md §5.1): one database per node on the local server,
// created for a run and dropped with FORCE after it.
import knexFactory, { type Knex } from 'knex';

/** The server: DATABASE_URL's when set (as .ci/run gives it), else the local default 127.0.0.1:5432. */
export function serverUrl(): URL {
  const url = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  url.search = '';
  return url;
}

export function databaseUrl(name: string): string {
  const url = serverUrl();
  url.pathname = `/${name}`;
  return url.toString();
}

function admin(): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: serverUrl().toString(), connectionTimeoutMillis: 2000 },
    pool: { min: 0, max: 1 },
  });
}

/** Why the harness cannot run here (the test skips with it), or undefined when PostgreSQL answers. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const k = admin();
  try {
    await k.raw('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${serverUrl().host} is unreachable (${(err as Error).message}); the multi-node harness needs it`;
  } finally {
    await k.destroy();
  }
}

export async function createDatabase(name: string): Promise<void> {
  const k = admin();
  try {
    await k.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
    await k.raw('CREATE DATABASE ??', [name]);
  } finally {
    await k.destroy();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  const k = admin();
  try {
    await k.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
  } finally {
    await k.destroy();
  }
}

/** A small pool on a node's database, for assertions the node's API does not answer (yet). */
export function connect(name: string): Knex {
  return knexFactory({ client: 'pg', connection: databaseUrl(name), pool: { min: 0, max: 2 } });
}
