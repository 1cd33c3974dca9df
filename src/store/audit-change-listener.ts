import type pg from 'pg';
import type { Db } from './database.js';

/** The channel migration 008's trigger notifies on every committed audit record (payload: its target type). */
export const AUDIT_CHANNEL = 'sealtrust_audit';

/** The listener connection's application_name (PostgreSQL keeps 63 bytes of it). */
export const auditListenerName = (schema: string): string =>
  `sealtrust-audit-listener:${schema}`.slice(0, 63);

export interface AuditChangeListener {
  close(): Promise<void>;
}

/**
 * Hears about audit records committed by any process: LISTEN on a dedicated connection (outside knex's
 * pool, which would hand it to queries). `onChange` runs for every notification, with the record's target type
 * ('' when it has none); `onDown` once, when the
 * connection fails or ends, after which the caller must not rely on having heard everything.
 *
 * PGlite is embedded: only this process can write to it, so there is nobody else to hear from and the
 * listener is live without a connection.
 */
export async function listenForAuditChanges(
  db: Db,
  onChange: (targetType: string) => void,
  onDown: (err: Error) => void,
): Promise<AuditChangeListener> {
  if ((db.client as { pglite?: unknown }).pglite !== undefined) return { close: async () => {} };
  const knexClient = db.client as {
    acquireRawConnection(): Promise<pg.Client>;
    destroyRawConnection(c: pg.Client): Promise<void>;
  };
  const conn = await knexClient.acquireRawConnection();
  let closed = false;
  let down = false;
  const fail = (err: Error) => {
    if (down || closed) return;
    down = true;
    onDown(err);
  };
  let schema: string | undefined;
  conn.on('notification', (n) => {
    if (n.channel !== AUDIT_CHANNEL) return;
    const payload = n.payload ?? '';
    const colon = payload.indexOf(':');
    // Another schema's records are another deployment's (the schema is known before LISTEN).
    if (colon >= 0 && payload.slice(0, colon) !== schema) return;
    onChange(colon >= 0 ? payload.slice(colon + 1) : '');
  });
  conn.on('error', fail);
  conn.on('end', () => fail(new Error('audit listener connection ended')));
  try {
    // The schema this handle's tables live in, as the trigger names it (TG_TABLE_SCHEMA).
    schema = String((await conn.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s ?? 'public');
    // Named (with its schema), so that operators see it in pg_stat_activity for what it is.
    await conn.query("SELECT set_config('application_name', $1, false)", [auditListenerName(schema)]);
    await conn.query(`LISTEN ${AUDIT_CHANNEL}`);
  } catch (err) {
    closed = true;
    await knexClient.destroyRawConnection(conn).catch(() => {});
    throw err;
  }
  // An idle listener must not keep a finished process (a CLI run, a test file) alive.
  (conn as unknown as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.();
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      await knexClient.destroyRawConnection(conn).catch(() => {});
    },
  };
}
