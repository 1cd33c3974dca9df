import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import { inlineBindings, type InlineStatement } from './sql-literal.js';

// knex's own PostgreSQL client (node-postgres underneath); knex exports no type for it, so it is described here as
// far as this module uses it.
interface PgQueryObject {
  sql: string;
  bindings?: unknown[];
  response?: unknown;
}
type KnexPgClient = new (config: Knex.Config) => {
  _query(connection: object, obj: PgQueryObject): Promise<PgQueryObject>;
  acquireConnection(): Promise<unknown>;
};
const KnexPg = createRequire(import.meta.url)('knex/lib/dialects/postgres/index.js') as KnexPgClient;

/** Connections whose transaction was just committed by the last statement batch they ran (see below). */
const committedInBatch = new WeakSet<object>();

/**
 * knex's PostgreSQL client, with one addition: a transaction whose final batch of statements ended in its own
 * COMMIT (the audit append, `runAndCommit`) is not sent knex's COMMIT afterwards. knex always ends a transaction
 * with a COMMIT round trip of its own; after the batch that is an empty statement on an already finished
 * transaction, so it is answered here. A ROLLBACK knex sends instead (its caller failed after the batch) is
 * answered the same way: the change has committed, and PostgreSQL would only warn. Anything else on that
 * connection before the transaction ends is a programming error and fails loudly rather than run outside it.
 */
export class CommitFoldingPgClient extends KnexPg {
  override _query(connection: object, obj: PgQueryObject): Promise<PgQueryObject> {
    if (committedInBatch.has(connection)) {
      committedInBatch.delete(connection);
      if (obj.sql === 'COMMIT;' || obj.sql === 'ROLLBACK') {
        obj.response = {
          command: obj.sql === 'COMMIT;' ? 'COMMIT' : 'ROLLBACK',
          rows: [],
          rowCount: null,
          fields: [],
        };
        return Promise.resolve(obj);
      }
      return Promise.reject(
        new Error(`statement after the transaction committed with its audit append: ${obj.sql.slice(0, 80)}`),
      );
    }
    return super._query(connection, obj);
  }
}

interface SimpleQueryConnection {
  query(text: string): Promise<{ rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[]>;
}

/** Whether `trx` is an outermost transaction of a node-postgres client, where `runAndCommit` applies. */
export function canRunAndCommit(trx: Knex | Knex.Transaction): trx is Knex.Transaction {
  const t = trx as Knex.Transaction;
  return t.isTransaction === true && !t.parentTransaction && isNodePostgres(trx);
}

/** node-postgres (the database service), not the embedded PGlite: several statements per message, sessions. */
export function isNodePostgres(db: Knex | Knex.Transaction): boolean {
  return (
    db.client instanceof CommitFoldingPgClient ||
    (db.client as { config?: { client?: unknown } }).config?.client === 'pg'
  );
}

/**
 * Runs `sql` (statements whose values are already literals, `inlineBindings`) followed by COMMIT as one message
 * on the transaction's own connection, through the simple query protocol, and answers one result per statement
 * before the COMMIT. PostgreSQL stops at the first failing statement, so either all of it commits or the
 * transaction is aborted and knex rolls it back. Not through knex: knex rewrites every `?` of a statement's text
 * into a `$n` placeholder, even inside a literal (a reason that asks a question).
 */
export async function runAndCommit(
  trx: Knex.Transaction,
  sql: string,
): Promise<{ rows: Record<string, unknown>[] }[]> {
  const client = trx.client as unknown as { acquireConnection(): Promise<SimpleQueryConnection & object> };
  // Inside a transaction knex hands out the transaction's connection, and releasing it is a no-op.
  const connection = await client.acquireConnection();
  // With a plain 'pg' knex client, knex's COMMIT must still find a transaction: one is opened for it to end.
  const folding = trx.client instanceof CommitFoldingPgClient;
  const result = await connection.query(`${sql};\nCOMMIT${folding ? '' : ';\nBEGIN'}`);
  if (folding) committedInBatch.add(connection);
  const results = Array.isArray(result) ? result : [result];
  return results.slice(0, folding ? -1 : -2);
}

/**
 * Runs a transaction's last statements: with `commit` on node-postgres outside a savepoint, as literals together
 * with the COMMIT in one message (`runAndCommit`); otherwise one by one as bound statements, the caller's
 * transaction committing as usual. Answers one result per statement either way.
 */
export async function runLastStatements(
  trx: Knex | Knex.Transaction,
  statements: readonly InlineStatement[],
  opts: { commit?: boolean | undefined } = {},
): Promise<{ rows: Record<string, unknown>[] }[]> {
  if (opts.commit && canRunAndCommit(trx)) {
    return runAndCommit(trx, statements.map((st) => inlineBindings(st.sql, st.bindings)).join(';\n'));
  }
  const results: { rows: Record<string, unknown>[] }[] = [];
  for (const st of statements) results.push(await trx.raw(st.sql, st.bindings as Knex.Value[]));
  return results;
}
