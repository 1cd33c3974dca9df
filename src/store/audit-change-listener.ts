import type pg from 'pg';
import type { Db } from './database.js';

/** The channel migration 008's trigger notifies on every committed audit record (payload: the schema). */
export const AUDIT_CHANNEL = 'sealtrust_audit';

export interface AuditChangeListener {
  close(): Promise<void>;
}

/**
 * Hears about audit records committed by any process: LISTEN on a dedicated connection (outside knex's
 * pool, which would hand it to queries). `onChange` runs for every notification; `onDown` once, when the
 * connection fails or ends, after which the caller must not rely on having heard everything.
 *
 * PGlite is embedded: only this process can write to it, so there is nobody else to hear from and the
 * listener is live without a connection.
 */
export async function listenForAuditChanges(
  db: Db,
  onChange: () => void,
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
  conn.on('notification', (n) => {
    if (n.channel === AUDIT_CHANNEL) onChange();
  });
  conn.on('error', fail);
  conn.on('end', () => fail(new Error('audit listener connection ended')));
  try {
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
