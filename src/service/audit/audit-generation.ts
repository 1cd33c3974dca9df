import type { Db } from '../../store/database.js';
import { listenForAuditChanges, type AuditChangeListener } from '../../store/audit-change-listener.js';

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
  /** Moves with changes of unknown kind (and listener restarts): every type's generation includes it. */
  #all = 0;
  /** Changes per audit target type (seal, certificate, token, …). */
  readonly #byType = new Map<string, number>();
  #state: 'idle' | 'starting' | 'live' | 'down' | 'closed' = 'idle';
  #downSince = 0;
  #listener: AuditChangeListener | undefined;
  #starting: Promise<void> | undefined;
  readonly #watchers = new Set<(targetType: string | undefined) => void>();

  private constructor(private readonly db: Db) {}

  /** The one generation of a database handle (withAudit bumps it; caches read it). */
  static of(db: Db): AuditGeneration {
    let g = byDatabase.get(db);
    if (!g) byDatabase.set(db, (g = new AuditGeneration(db)));
    return g;
  }

  /** An audit record of this target type was committed (no type: something, of any kind, may have changed). */
  bump(targetType?: string): void {
    if (targetType === undefined) this.#all++;
    else this.#byType.set(targetType, (this.#byType.get(targetType) ?? 0) + 1);
    for (const w of this.#watchers) w(targetType);
  }

  /**
   * Calls `watcher` on every bump (this process's commits at once, other processes' by NOTIFY while the listener
   * is live), e.g. to wake background work; starts listening. Returns the unsubscribe function. Watchers must
   * be cheap and must not throw.
   */
  watch(watcher: (targetType: string | undefined) => void): () => void {
    this.#watchers.add(watcher);
    this.current();
    return () => this.#watchers.delete(watcher);
  }

  /**
   * The generation of changes to the given audit target types (of every change without `types`), or undefined
   * while changes by other processes could go unheard (it then starts listening). A sum of counters that only
   * grow: it changes exactly when one of them does.
   */
  current(types?: readonly string[]): number | undefined {
    if (this.#state === 'live') {
      let n = this.#all;
      if (types) for (const t of types) n += this.#byType.get(t) ?? 0;
      else for (const count of this.#byType.values()) n += count;
      return n;
    }
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
      (targetType) => this.bump(targetType || undefined),
      () => {
        this.bump();
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
        this.bump();
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
