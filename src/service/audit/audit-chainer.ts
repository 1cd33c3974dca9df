import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { Logger } from 'pino';
import { auditHash } from '../../audit/audit-chain.js';
import { listUnchainedAudit, lockAuditChainHead, writeAuditChain } from '../../store/audit-repository.js';
import type { Db } from '../../store/database.js';
import { relaxCommitDurability } from '../../store/tlog-state-repository.js';
import { AfterCommitTask, type AfterCommitTaskOptions } from './after-commit-task.js';

/** Records hashed between two turns of the event loop. */
const HASH_SLICE = 64;

/** Records hashed per pass: one transaction each, so a pass is quick to redo. */
export const MAX_RECORDS_PER_PASS = 1000;

/**
 * Hashes committed audit records into the chain, in seq order, after their transactions end: hash =
 * SM3(previous hash ‖ canonical record), exactly as before the split (audit-chain.ts), so the chain reads the
 * same. Appends take their seq under the audit head lock and commit in seq order, so committed records form a
 * prefix and the chainer never skips one. Chainers of several processes take turns on the chained end's row.
 * The window between commit and chaining (one pass interval) is the price of holding the audit lock for the
 * server's work only; directory events in it are already bound by the log's own tree once integrated.
 */
export class AuditChainer {
  readonly #db: Db;
  readonly #maxPerPass: number;
  readonly #task: AfterCommitTask;

  constructor(db: Db, opts: Partial<AfterCommitTaskOptions> & { maxPerPass?: number; logger?: Logger } = {}) {
    this.#db = db;
    this.#maxPerPass = opts.maxPerPass ?? MAX_RECORDS_PER_PASS;
    // In the background a pass skips while another process chains (it will see these records too).
    this.#task = new AfterCommitTask(db, () => this.catchUp({ skipIfBusy: true }), {
      ...opts,
      name: 'audit chaining pass',
    });
  }

  start(): void {
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  /**
   * Passes until every committed record is chained: the chained end then (-1 when `skipIfBusy` and another
   * process holds the chain).
   */
  async catchUp(opts: { skipIfBusy?: boolean } = {}): Promise<number> {
    for (;;) {
      const { seq, chained } = await this.chainOnce(opts);
      if (chained < this.#maxPerPass) return seq;
    }
  }

  /** One pass in one transaction: how many records it chained, and the chained end after it. */
  chainOnce(opts: { skipIfBusy?: boolean } = {}): Promise<{ seq: number; chained: number }> {
    return this.#db.transaction(async (trx) => {
      const head = await lockAuditChainHead(trx, { skipLocked: opts.skipIfBusy });
      if (!head) return { seq: -1, chained: 0 };
      const records = await listUnchainedAudit(trx, head.seq, this.#maxPerPass);
      let prevHash = head.hash;
      let seq = head.seq;
      const chained: { seq: number; prevHash: Buffer; hash: Buffer }[] = [];
      for (const r of records) {
        // A gap means a record went missing (or another writer): the chain must not skip it.
        if (r.seq !== seq + 1 || r.hash !== null) break;
        // Hashing a pass's records takes milliseconds (~14 µs each): let requests through between slices, so a
        // pass under load never holds the event loop for long (only the chained end's row is locked meanwhile).
        if (chained.length > 0 && chained.length % HASH_SLICE === 0) await setImmediatePromise();
        const hash = auditHash(prevHash, r.seq, r);
        chained.push({ seq: r.seq, prevHash, hash });
        prevHash = hash;
        seq = r.seq;
      }
      if (chained.length === 0) return { seq, chained: 0 };
      // Recomputable from the records, so a crash may lose it: the WAL flush is not waited for.
      await relaxCommitDurability(trx);
      await writeAuditChain(trx, chained);
      return { seq, chained: chained.length };
    });
  }
}
