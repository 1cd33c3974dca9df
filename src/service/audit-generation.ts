import type { Db } from '../store/database.js';
import { listenForAuditChanges, type AuditChangeListener } from '../store/audit-change-listener.js';

/** After the listener fails, wait this long before trying to listen again (head reads meanwhile). */
const RELISTEN_AFTER_MS = 1_000;

const byDatabase = new WeakMap<Db, AuditGeneration>();

/**
 * A number that moves whenever an audit record may have been committed, so a cache of database views can
 * tell whether an answer is still the database's without asking the database.
 *
 * Every state change commits together with its audit record (withAudit), which bumps the number in this
 * process before the change's caller sees the result; commits by other processes arrive by LISTEN/NOTIFY
 * (migration 008), within the notification's delivery time. While no listener is live the number proves
 * nothing: `current()` answers undefined and callers read the audit head instead.
 */
export class AuditGeneration {
  #value = 0;
  #state: 'idle' | 'starting' | 'live' | 'down' | 'closed' = 'idle';
  #downSince = 0;
  #listener: AuditChangeListener | undefined;
  #starting: Promise<void> | undefined;

  private constructor(private readonly db: Db) {}

  /** The one generation of a database handle (withAudit bumps it; caches read it). */
  static of(db: Db): AuditGeneration {
    let g = byDatabase.get(db);
    if (!g) byDatabase.set(db, (g = new AuditGeneration(db)));
    return g;
  }

  /** An audit record was committed through this handle. */
  bump(): void {
    this.#value++;
  }

  /** The generation, or undefined while changes by other processes could go unheard (starts listening). */
  current(): number | undefined {
    if (this.#state === 'live') return this.#value;
    if (
      this.#state === 'idle' ||
      (this.#state === 'down' && Date.now() - this.#downSince >= RELISTEN_AFTER_MS)
    )
      this.#listen();
    return undefined;
  }

  /** Resolves once the listener is live or has failed to start (tests, warm-up). */
  async ready(): Promise<void> {
    this.current();
    await this.#starting;
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    await this.#starting;
    const l = this.#listener;
    this.#listener = undefined;
    await l?.close();
  }

  #listen(): void {
    this.#state = 'starting';
    this.#starting = listenForAuditChanges(
      this.db,
      () => this.bump(),
      () => {
        this.#value++;
        this.#downSince = Date.now();
        if (this.#state !== 'closed') this.#state = 'down';
        const l = this.#listener;
        this.#listener = undefined;
        void l?.close();
      },
    ).then(
      async (listener) => {
        if (this.#state !== 'starting') {
          await listener.close(); // closed (or failed) while connecting
          return;
        }
        this.#listener = listener;
        // Whatever was cached before this moment was cached without hearing other processes.
        this.#value++;
        this.#state = 'live';
      },
      () => {
        if (this.#state === 'starting') {
          this.#state = 'down';
          this.#downSince = Date.now();
        }
      },
    );
  }
}
