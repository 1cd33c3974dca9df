import type { Logger } from 'pino';

import type { KnownNode } from '../../config.js';
import type { DataProtector } from '../../crypto/data-protection.js';
import type { Db } from '../../store/database.js';
import type { LogSource } from './log-source.js';
import { NodeReplicator, type ReplicationOptions, type WitnessedTreeReader } from './replicator.js';

/**
 * The hub's replication of every configured node (federation.md §3.4): one NodeReplicator and one background loop
 * per node, each pull guarded by the node's advisory lock. A loop pulls, then sleeps `pollMs` or until woken (an
 * operator's `:sync`, a release). Started and stopped with the other background work of the process.
 */
export class FederationMirror {
  private readonly replicators = new Map<string, NodeReplicator>();
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Map<string, () => void>();
  private running = false;
  private registered: Promise<void> | undefined;
  // Each pull holds one pooled connection for its session advisory lock and uses another for its batches, so
  // with ~70 nodes and a pool of 10 the pulls must take turns: at most this many run at once.
  private slots = 3;
  private readonly waiting: (() => void)[] = [];
  private readonly investigating = new Set<string>();
  /** The last refused note looked at, per origin. */
  private readonly investigated = new Map<string, string>();

  constructor(
    private readonly db: Db,
    nodes: readonly KnownNode[],
    sourceFor: (node: KnownNode) => LogSource,
    readonly witnessedTree: WitnessedTreeReader,
    protector: DataProtector,
    opts: ReplicationOptions,
    private readonly pollMs = 1000,
    private readonly logger?: Logger,
  ) {
    for (const n of nodes)
      this.replicators.set(
        n.nodeId,
        new NodeReplicator(db, n, sourceFor(n), witnessedTree, protector, opts, logger),
      );
  }

  get nodes(): KnownNode[] {
    return [...this.replicators.values()].map((r) => r.node);
  }

  replicator(nodeId: string): NodeReplicator | undefined {
    return this.replicators.get(nodeId);
  }

  /**
   * The witness refused a checkpoint a node signed (WitnessOptions.onSignedRefusal): its replicator checks
   * whether the node rewrote what the hub mirrors, and quarantines it as forked if so.
   */
  async investigateRefusal(refusal: {
    origin: string;
    size: number;
    root: Uint8Array;
    note: string;
  }): Promise<void> {
    const r = [...this.replicators.values()].find((x) => x.node.origin === refusal.origin);
    // A province offers a refused checkpoint again now and then: one look per origin at a time, and one per note.
    if (
      !r ||
      this.investigating.has(refusal.origin) ||
      this.investigated.get(refusal.origin) === refusal.note
    )
      return;
    this.investigating.add(refusal.origin);
    try {
      await this.register();
      const outcome = await r.investigateRefusal({
        size: refusal.size,
        root: refusal.root,
        checkpoint: refusal.note,
      });
      if (outcome !== 'busy') this.investigated.set(refusal.origin, refusal.note);
      if (outcome === 'forked') this.logger?.error({ nodeId: r.nodeId }, 'node forked its log: quarantined');
    } finally {
      this.investigating.delete(refusal.origin);
    }
  }

  /** Registers every node (fed_nodes, mirror_state) once. */
  register(): Promise<void> {
    return (this.registered ??= (async () => {
      for (const r of this.replicators.values()) await r.register();
    })());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const r of this.replicators.values()) this.loops.push(this.loop(r));
  }

  /** Wakes a node's loop now (202 semantics: the pull runs in the background). */
  wake(nodeId: string): void {
    this.wakers.get(nodeId)?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const r of this.replicators.values()) r.stop();
    for (const w of this.wakers.values()) w();
    await Promise.allSettled(this.loops);
    this.loops.length = 0;
  }

  private async acquire(): Promise<void> {
    if (this.slots > 0) {
      this.slots--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.slots++;
  }

  private async loop(r: NodeReplicator): Promise<void> {
    try {
      await this.register();
    } catch (err) {
      this.logger?.error({ err }, 'federation mirror: registering nodes failed');
      return;
    }
    while (this.running) {
      let more = false;
      await this.acquire();
      try {
        // A turn is bounded so a long backfill of one node does not starve the others.
        const res = await r.pull({ maxBatches: 64 });
        more = res.status === 'stopped';
        if (res.batches > 0)
          this.logger?.info(
            { nodeId: r.nodeId, size: res.size, status: res.status },
            'federation mirror pulled',
          );
      } catch (err) {
        this.logger?.error(
          { nodeId: r.nodeId, error: (err as Error).message },
          'federation mirror pull failed',
        );
      } finally {
        // Give the slot back whatever happened, or the fourth pull of the process waits forever.
        this.release();
      }
      if (!this.running) break;
      if (more) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wakers.set(r.nodeId, done);
      });
    }
  }
}
