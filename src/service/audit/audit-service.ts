import type { Db, Executor } from '../../store/database.js';
import type { InlineStatement } from '../../store/sql-literal.js';
import {
  appendAudit,
  auditHead,
  latestAuditSeq,
  listAudit,
  type AppendAuditOptions,
  type AuditAppend,
} from '../../store/audit-repository.js';
import { AuditChainVerifier, type AuditRecord, type ChainBreak } from '../../audit/audit-chain.js';
import { AuditChainer } from './audit-chainer.js';
import type { Page, PageRequest } from '../../paging/page.js';
import { actorOf, type ActionContext } from '../access/principal.js';
import { AuditGeneration } from './audit-generation.js';
import { loadNodeId } from '../../config.js';
import { encodeDirectoryLeaf, type DirectoryEvent, type DirectoryLeaf } from '../../tlog/directory-leaf.js';

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
    const { result, target, details, directory, finalWrites } = await change(trx);
    // The node id is read per change (cheap) so it always matches the configuration the process runs with.
    const leaves = directory?.length ? directory.map((ev) => encodeDirectoryLeaf(loadNodeId(), ev)) : [];
    // The outermost transaction ends with its audit record; a nested one rides on its parent's commit.
    await appendRecord(trx, ctx, action, target, 'success', details ?? {}, leaves, {
      commit: !db.isTransaction,
      ...(finalWrites ? { before: finalWrites } : {}),
    });
    return result;
  });
}

/** One audit record of `ctx`'s principal doing `action` to `target`, appended to the chain in `trx`. */
function appendRecord(
  trx: Executor,
  ctx: ActionContext,
  action: string,
  target: AuditTarget,
  outcome: 'success' | 'denied',
  details: Record<string, unknown>,
  leaves: DirectoryLeaf[] = [],
  opts: AppendAuditOptions = {},
): Promise<AuditAppend> {
  return appendAudit(
    trx,
    {
      at: new Date(),
      ...actorOf(ctx.principal),
      action,
      targetType: target.type,
      targetId: target.id,
      requestId: ctx.requestId,
      outcome,
      details,
    },
    leaves,
    opts,
  );
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
      appendRecord(trx, ctx, action, target, 'denied', { reason }, [], { commit: true }),
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
