import type { Db, Executor } from '../../store/database.js';
import type { InlineStatement } from '../../store/sql-literal.js';
import {
  appendAudit,
  appendAudits,
  auditHead,
  latestAuditSeq,
  listAudit,
  type AuditAppendItem,
} from '../../store/audit-repository.js';
import {
  AuditChainVerifier,
  type AuditEntry,
  type AuditRecord,
  type ChainBreak,
} from '../../audit/audit-chain.js';
import { AuditChainer } from './audit-chainer.js';
import type { Page, PageRequest } from '../../paging/page.js';
import { actorOf, type ActionContext } from '../access/principal.js';
import { AuditGeneration } from './audit-generation.js';
import { loadNodeId } from '../../config.js';
import { encodeDirectoryLeaf, type DirectoryEvent } from '../../tlog/directory-leaf.js';

export interface AuditTarget {
  type: string;
  id: string | null;
}

/** What a change hands back to `withAudit`. */
export interface AuditedChange<T> {
  result: T;
  target: AuditTarget;
  details?: Record<string, unknown>;
  /** Directory events the change caused, appended to the directory log in the same transaction, in order. */
  directory?: DirectoryEvent[];
  /**
   * The change's last writes, left for the append to run just before the audit record (in the same message as
   * the record and the COMMIT on PostgreSQL): a change whose checks are done can save a round trip this way.
   */
  finalWrites?: InlineStatement[];
}

/**
 * Runs a state change and its audit record in one transaction: either both land or neither.
 * `change` returns the result and, optionally, details worth keeping in the record and the directory events
 * it caused (their leaves land with it or not at all).
 */
export async function withAudit<T>(
  db: Db,
  ctx: ActionContext,
  action: string,
  change: (trx: Executor) => Promise<AuditedChange<T>>,
): Promise<T> {
  let targetType: string | undefined;
  try {
    return await recordedChange(db, ctx, action, async (trx) => {
      const r = await change(trx);
      targetType = r.target.type;
      return r;
    });
  } finally {
    // Before the caller sees the result, so this process's caches never answer from before the change (also
    // after a failure: whether a failed commit landed is not always knowable). A change nested in another's
    // transaction is announced by the outer one, whose commit it rides on.
    if (!db.isTransaction) AuditGeneration.of(db).bump(targetType);
  }
}

function recordedChange<T>(
  db: Db,
  ctx: ActionContext,
  action: string,
  change: (trx: Executor) => Promise<AuditedChange<T>>,
): Promise<T> {
  return db.transaction(async (trx) => {
    const changed = await change(trx);
    // The outermost transaction ends with its audit record; a nested one rides on its parent's commit.
    await appendAudits(trx, [auditItem(ctx, action, changed)], {
      commit: !db.isTransaction,
      ...(changed.finalWrites ? { before: changed.finalWrites } : {}),
    });
    return changed.result;
  });
}

/** One change of a group: who made it, as what action, and what it changed (as `withAudit`'s change returns). */
export interface GroupedChange<T> {
  ctx: ActionContext;
  action: string;
  change: AuditedChange<T>;
}

/** What a group's `changes` hands back: the changes that passed, and the group's own last writes. */
export interface AuditedGroup<T> {
  changes: GroupedChange<T>[];
  /** Writes of the whole group, run just before the records, in the same message (as `finalWrites`). */
  finalWrites?: InlineStatement[];
}

/**
 * Group commit: independent changes of several callers in one transaction, each with its own audit record and
 * leaves (in the order returned), all sent with the COMMIT in one message. `changes` reads and checks under its
 * locks and returns the changes that passed; one it leaves out writes nothing. Each record stays atomic with its
 * change: they commit together or not at all. Outermost transactions only.
 */
export async function withAuditGroup<T>(
  db: Db,
  changes: (trx: Executor) => Promise<AuditedGroup<T>>,
): Promise<T[]> {
  if (db.isTransaction) throw new Error('withAuditGroup commits: it cannot run inside another transaction');
  const targetTypes = new Set<string>();
  try {
    return await db.transaction(async (trx) => {
      const group = await changes(trx);
      for (const g of group.changes) targetTypes.add(g.change.target.type);
      if (group.changes.length > 0) {
        await appendAudits(
          trx,
          group.changes.map((g) => auditItem(g.ctx, g.action, g.change)),
          {
            commit: true,
            before: [
              ...(group.finalWrites ?? []),
              ...group.changes.flatMap((g) => g.change.finalWrites ?? []),
            ],
          },
        );
      }
      return group.changes.map((g) => g.change.result);
    });
  } finally {
    // As withAudit: before any caller sees a result, also after a failure.
    for (const t of targetTypes) AuditGeneration.of(db).bump(t);
  }
}

/** The audit record of a successful change, with its leaves. */
function auditItem<T>(ctx: ActionContext, action: string, changed: AuditedChange<T>): AuditAppendItem {
  const { target, details, directory } = changed;
  // The node id is read per change (cheap) so it always matches the configuration the process runs with.
  const leaves = directory?.length ? directory.map((ev) => encodeDirectoryLeaf(loadNodeId(), ev)) : [];
  return { entry: auditEntry(ctx, action, target, 'success', details ?? {}), leaves };
}

function auditEntry(
  ctx: ActionContext,
  action: string,
  target: AuditTarget,
  outcome: 'success' | 'denied',
  details: Record<string, unknown>,
): AuditEntry {
  return {
    at: new Date(),
    ...actorOf(ctx.principal),
    action,
    targetType: target.type,
    targetId: target.id,
    requestId: ctx.requestId,
    outcome,
    details,
  };
}

export interface AuditVerification {
  ok: boolean;
  /** Chained records that verified. */
  records: number;
  /** Records committed during the check, after the chained end, not yet hashed (not a break). */
  pending: number;
  firstBreak: ChainBreak | null;
}

/**
 * The audit trail as a service: refused attempts, listing, and the chain check. State changes record
 * themselves through `withAudit` inside the service that makes them (in the change's own transaction).
 */
export class AuditService {
  constructor(private readonly db: Db) {}

  /** Records a refused attempt (e.g. a token acting outside its role) in its own transaction. */
  async denied(ctx: ActionContext, action: string, target: AuditTarget, reason: string): Promise<void> {
    await this.db.transaction((trx) =>
      appendAudit(trx, auditEntry(ctx, action, target, 'denied', { reason }), [], { commit: true }),
    );
  }

  list(page: PageRequest): Promise<Page<AuditRecord>> {
    return listAudit(this.db, page);
  }

  /**
   * Chains what has committed, then recomputes the whole chain page by page and names the first record that
   * does not follow. Records committed meanwhile count as pending.
   */
  async verifyChain(pageSize = 1000): Promise<AuditVerification> {
    await new AuditChainer(this.db).catchUp();
    const verifier = new AuditChainVerifier();
    const result = (firstBreak: ChainBreak | null): AuditVerification => ({
      ok: firstBreak === null,
      records: verifier.count,
      pending: verifier.pending,
      firstBreak,
    });
    // One snapshot for the walk and both ends, so appends and chaining meanwhile cannot look like breaks.
    return this.db.transaction(
      async (trx) => {
        const chainHead = await auditHead(trx);
        const latest = await latestAuditSeq(trx);
        let after: number | undefined;
        for (;;) {
          const page = await listAudit(trx, { limit: pageSize, after });
          for (const r of page.items) {
            const broken = verifier.check(r);
            if (broken) return result(broken);
          }
          if (page.nextAfter === null) return result(verifier.end(chainHead, latest));
          after = page.nextAfter;
        }
      },
      { isolationLevel: 'repeatable read' },
    );
  }
}
