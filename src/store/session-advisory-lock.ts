import { isNodePostgres } from './commit-folding-client.js';
import type { Db } from './database.js';

/**
 * Runs `fn` holding the session-level advisory lock of (`scope`, `key`) on PostgreSQL, so background work that
 * must run once per database (the hub's puller per node, §3.4; a node's checkpoint publisher per origin) runs in
 * one process at a time; answers undefined without running it when another session holds it. PGlite is one
 * process's own database, so there nothing else can run it and `fn` just runs.
 */
export async function withSessionAdvisoryLock<T>(
  db: Db,
  scope: string,
  key: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  if (!isNodePostgres(db)) return fn();
  const client = db.client as {
    acquireConnection(): Promise<{ query(sql: string, values: unknown[]): Promise<{ rows: unknown[] }> }>;
    releaseConnection(conn: unknown): Promise<void>;
  };
  const conn = await client.acquireConnection();
  try {
    const got = await conn.query('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok', [
      scope,
      key,
    ]);
    if (!(got.rows[0] as { ok: boolean }).ok) return undefined;
    try {
      return await fn();
    } finally {
      await conn.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [scope, key]);
    }
  } finally {
    await client.releaseConnection(conn);
  }
}
