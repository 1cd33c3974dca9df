import type { Logger } from 'pino';
import type { Db, Executor } from '../../store/database.js';
import { listTlogLeafHashes } from '../../store/tlog-entry-repository.js';
import {
  deleteTlogState,
  readTlogStateRow,
  relaxCommitDurability,
  tryLockTlogIntegration,
  writeTlogState,
} from '../../store/tlog-state-repository.js';
import { deleteAllTiles, readTiles, tileKey, upsertTiles } from '../../store/tlog-tile-repository.js';
import { CompactRange } from '../../tlog/compact-range.js';
import { SM3_MERKLE_HASHER, type MerkleHasher } from '../../tlog/merkle-hasher.js';
import { rightEdgeTiles, TileAccumulator } from '../../tlog/tile-accumulator.js';
import { AfterCommitTask } from '../audit/after-commit-task.js';
import { ServiceError } from '../service-error.js';

/** Entries integrated per pass (federation.md §4.1): one transaction each, so a pass is quick to redo. */
export const MAX_ENTRIES_PER_PASS = 4096;

export interface TlogIntegratorOptions {
  /** Tile height (config.federation.tileHeight): 8 in production, 2–3 in tests. */
  tileHeight: number;
  maxPerPass?: number | undefined;
  /** Fallback poll when no notification arrives (default 1 s). */
  pollMs?: number | undefined;
  /** After a wake-up, wait this long so a burst of commits becomes one pass (default 20 ms). */
  coalesceMs?: number | undefined;
  /**
   * Start passes at least this far apart (default 250 ms). Under steady issuance every commit wakes the
   * integrator; a pass per commit doubled the statements each issuance costs the database, while nothing
   * reads the integrated tree more often than the publisher signs (config.federation.checkpointMs).
   */
  minIntervalMs?: number | undefined;
  logger?: Logger | undefined;
  hasher?: MerkleHasher | undefined;
}

export interface IntegrationPass {
  /**
   * integrated: the tree grew; idle: nothing new; locked: another integrator holds the lock; gap: stopped at a
   * missing index (integrated up to it).
   */
  outcome: 'integrated' | 'idle' | 'locked' | 'gap';
  /** The integrated size before and after the pass. */
  from: number;
  size: number;
}

/**
 * Builds the Merkle tree over tlog_entries in the background (federation.md §4.1, Tessera's integration
 * stage): reads the entries after the integrated size, extends the stored compact range, writes the tiles the
 * new nodes complete or grow (with their internal nodes) and the new state, one transaction per pass. One
 * integrator works per database and schema at a time (an advisory lock); others skip their pass. Woken by
 * every audit commit (this process's at once, other processes' by the audit NOTIFY of migration 008), with a
 * poll as fallback, so it also catches up after a restart or a lost notification.
 */
export class TlogIntegrator {
  readonly #db: Db;
  readonly #hasher: MerkleHasher;
  readonly #height: number;
  readonly #maxPerPass: number;
  readonly #logger: Logger | undefined;
  readonly #task: AfterCommitTask;

  constructor(db: Db, opts: TlogIntegratorOptions) {
    this.#db = db;
    this.#hasher = opts.hasher ?? SM3_MERKLE_HASHER;
    this.#height = opts.tileHeight;
    this.#maxPerPass = opts.maxPerPass ?? MAX_ENTRIES_PER_PASS;
    this.#logger = opts.logger;
    this.#task = new AfterCommitTask(db, () => this.catchUp(), { ...opts, name: 'tlog integration pass' });
  }

  get tileHeight(): number {
    return this.#height;
  }

  start(): void {
    this.#task.start();
  }

  /** Stops waking up and waits for a running pass to finish (its transaction commits or rolls back). */
  stop(): Promise<void> {
    return this.#task.stop();
  }

  /** Passes until nothing is left (or the lock is elsewhere, or a gap): the integrated size then. */
  async catchUp(): Promise<number> {
    for (;;) {
      const pass = await this.integrateOnce();
      if (pass.outcome !== 'integrated') return pass.size;
    }
  }

  /** One pass, in one transaction. */
  integrateOnce(): Promise<IntegrationPass> {
    return this.#db.transaction((trx) => this.#pass(trx));
  }

  /**
   * Repair (`sealtrust tlog rebuild`): forgets the stored tree and tiles and integrates every entry again at this
   * integrator's tile height, all in one transaction, so readers see the old tree or the whole new one.
   */
  rebuild(): Promise<IntegrationPass> {
    return this.#db.transaction(async (trx) => {
      if (!(await tryLockTlogIntegration(trx))) {
        throw new ServiceError(
          'conflict',
          'tlog-integration-busy',
          '另一个集成进程正在运行 / another integrator holds the lock; try again',
        );
      }
      await deleteAllTiles(trx);
      await deleteTlogState(trx);
      for (;;) {
        const pass = await this.#pass(trx);
        if (pass.outcome !== 'integrated') return { ...pass, from: 0 };
      }
    });
  }

  async #pass(trx: Executor): Promise<IntegrationPass> {
    if (!(await tryLockTlogIntegration(trx))) return { outcome: 'locked', from: -1, size: -1 };
    await relaxCommitDurability(trx);
    const state = await readTlogStateRow(trx, { forUpdate: true });
    const from = state?.size ?? 0;
    if (state && state.tileHeight !== this.#height) {
      throw new ServiceError(
        'conflict',
        'tlog-tile-height-changed',
        `已存瓦片高度为 ${state.tileHeight}，配置为 ${this.#height}；请运行 sealtrust tlog rebuild / stored tiles have height ${state.tileHeight}, configured ${this.#height}: run sealtrust tlog rebuild`,
      );
    }
    const rows = await listTlogLeafHashes(trx, from, this.#maxPerPass);
    // Indices commit in order under the audit head lock, so committed rows form a prefix; a gap means
    // something else wrote or deleted entries, and the tree must not skip over it.
    let n = 0;
    while (n < rows.length && rows[n]!.idx === from + n) n++;
    const gap = n < rows.length;
    if (gap)
      this.#logger?.error(
        { expected: from + n, found: rows[n]!.idx },
        'tlog entries have a gap; integration stops there',
      );
    if (n === 0) return { outcome: gap ? 'gap' : 'idle', from, size: from };

    const range = new CompactRange(this.#hasher, 0, from, state?.compactRange ?? []);
    const tiles = new TileAccumulator(this.#hasher, this.#height);
    const edge = rightEdgeTiles(from, this.#height);
    const stored = await readTiles(trx, edge);
    for (const ref of edge) {
      const t = stored.get(tileKey(ref.level, ref.index));
      if (!t) {
        throw new ServiceError(
          'conflict',
          'tlog-tiles-inconsistent',
          `缺少瓦片 ${ref.level}/${ref.index}；请运行 sealtrust tlog rebuild / stored tile ${ref.level}/${ref.index} is missing: run sealtrust tlog rebuild`,
        );
      }
      tiles.load(t);
    }
    const visit = (level: number, index: number, hash: Uint8Array) => tiles.visit(level, index, hash);
    for (let i = 0; i < n; i++) range.append(rows[i]!.leafHash, visit);
    await upsertTiles(
      trx,
      tiles.tiles().map((t) => ({ ...t, hashes: Buffer.from(t.hashes), internal: Buffer.from(t.internal) })),
    );
    await writeTlogState(trx, {
      size: from + n,
      root: range.rootHash(),
      compactRange: range.nodes().map((x) => x.hash),
      tileHeight: this.#height,
    });
    return { outcome: gap ? 'gap' : 'integrated', from, size: from + n };
  }
}
