import type { Knex } from 'knex';

interface SimpleQueryConnection {
  query(text: string): Promise<{ rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[]>;
}

/**
 * Runs `sql` (one or more statements, every value already written as a literal by `inlineBindings`) on the
 * transaction's own node-postgres connection, through the simple query protocol, and answers one result per
 * statement. Not through knex: knex rewrites every `?` of a statement's text into a `$n` placeholder, and a `?`
 * inside a literal (a reason that asks a question) would be changed in what is stored.
 */
export async function simpleQuery(
  trx: Knex.Transaction,
  sql: string,
): Promise<{ rows: Record<string, unknown>[] }[]> {
  const client = trx.client as unknown as { acquireConnection(): Promise<SimpleQueryConnection> };
  // Inside a transaction knex hands out the transaction's connection, and releasing it is a no-op.
  const connection = await client.acquireConnection();
  const result = await connection.query(sql);
  return Array.isArray(result) ? result : [result];
}
