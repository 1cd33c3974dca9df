import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { isNodePostgres } from './commit-folding-client.js';
import type { Executor } from './database.js';

// A statement that carries a licence's files (some 70 KB each) runs as a named prepared statement on the
// database service. PostgreSQL plans an unnamed statement for the values it is sent (a custom plan), and that
// plan holds a copy of every value (copyObject of the parameter Consts): inserting a 71 KB bytea cost its backend
// 1.4–1.7 ms of CPU unnamed and 0.9–1.0 ms named (500 inserts each, PostgreSQL 15, this machine kind). A named
// statement is parsed once per connection and, after five executions, runs its generic plan, which reads the
// parameters where they are (PostgreSQL docs, PREPARE: "plan_cache_mode").

/** Statement names by SQL text: one per statement of the code, so the map stays as small as the code. */
const names = new Map<string, string>();

/**
 * `db.raw(sql, bindings)`, as a named prepared statement on node-postgres (node-postgres prepares it on each
 * connection the first time, knex passes the name through); as it is on the embedded PGlite. `sql` takes `?`
 * value placeholders only: an identifier binding (`??`) would change the statement's text under the same name.
 */
export function preparedRaw(db: Executor, sql: string, bindings: readonly unknown[]): Knex.Raw {
  if (sql.includes('??')) throw new Error('preparedRaw: identifiers must be written into the SQL text');
  const raw = db.raw(sql, bindings as Knex.RawBinding[]);
  if (!isNodePostgres(db)) return raw;
  let name = names.get(sql);
  if (!name) names.set(sql, (name = `st_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`));
  return raw.options({ name });
}
