import type { Logger } from 'pino';
import type { Db } from '../../store/database.js';
import { AuditGeneration } from './audit-generation.js';

export interface AfterCommitTaskOptions {
  /** Fallback poll when no notification arrives (default 1 s). */
  pollMs?: number | undefined;
  /** After a wake-up, wait this long so a burst of commits becomes one run (default 20 ms). */
  coalesceMs?: number | undefined;
  /**
   * Start runs at least this far apart (default 250 ms). Under steady load every commit wakes the task; a run
   * per commit would multiply the statements each change costs the database.
   */
  minIntervalMs?: number | undefined;
  logger?: Logger | undefined;
  /** Named in the log line of a failed run. */
  name: string;
}

/**
 * Background work that follows the audit commits of one database (Tessera's integration stage, the audit
 * chainer): woken by every audit commit (this process's at once, other processes' by the audit NOTIFY of
 * migration 008), with a poll as fallback so it also catches up after a restart or a lost notification. One
 * run at a time; commits that arrive during a run get the next one, no sooner than the interval allows.
 */
export class AfterCommitTask {
  readonly #db: Db;
  readonly #run: () => Promise<unknown>;
  readonly #pollMs: number;
  readonly #coalesceMs: number;
  readonly #minIntervalMs: number;
  readonly #logger: Logger | undefined;
  readonly #name: string;
  #lastRunAt = -Infinity;
  #poll: NodeJS.Timeout | undefined;
  #scheduled: NodeJS.Timeout | undefined;
  #unwatch: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #dirty = false;
  #started = false;

  constructor(db: Db, run: () => Promise<unknown>, opts: AfterCommitTaskOptions) {
    this.#db = db;
    this.#run = run;
    this.#pollMs = opts.pollMs ?? 1000;
    this.#coalesceMs = opts.coalesceMs ?? 20;
    this.#minIntervalMs = opts.minIntervalMs ?? 250;
    this.#logger = opts.logger;
    this.#name = opts.name;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unwatch = AuditGeneration.of(this.#db).watch(() => this.#wake());
    this.#poll = setInterval(() => this.#wake(), this.#pollMs);
    this.#poll.unref();
    this.#wake();
  }

  /** Stops waking up and waits for a running run to finish (its transaction commits or rolls back). */
  async stop(): Promise<void> {
    this.#started = false;
    clearInterval(this.#poll);
    clearTimeout(this.#scheduled);
    this.#poll = this.#scheduled = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
    await this.#running;
  }

  #wake(): void {
    if (!this.#started) return;
    if (this.#running) {
      this.#dirty = true;
      return;
    }
    if (this.#scheduled) return;
    const sinceLast = performance.now() - this.#lastRunAt;
    const delay = Math.max(this.#coalesceMs, this.#minIntervalMs - sinceLast);
    this.#scheduled = setTimeout(() => {
      this.#scheduled = undefined;
      this.#running = this.#once().finally(() => {
        this.#running = undefined;
        if (this.#dirty) this.#wake();
      });
    }, delay);
    this.#scheduled.unref();
  }

  async #once(): Promise<void> {
    this.#dirty = false;
    this.#lastRunAt = performance.now();
    try {
      await this.#run();
    } catch (err) {
      // Retried at the next wake-up or poll; a failed run's transaction rolled back as a whole.
      this.#logger?.error({ err }, `${this.#name} failed`);
    }
  }
}
