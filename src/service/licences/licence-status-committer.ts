import {
  LICENCE_OPERATIONS,
  transition,
  type LicenceEventOperation,
} from '../../licence/licence-lifecycle.js';
import type { LicenceSummary } from '../../licence/licence-record.js';
import type { Db } from '../../store/database.js';
import { lockLicences, licenceStatusChangesStatement } from '../../store/licence-repository.js';
import type { LicenceEvent } from '../../licence/licence-event.js';
import { licenceLeaf } from '../../tlog/directory-leaf.js';
import { ensureAllowed } from '../access/authorize.js';
import { actorOf, type ActionContext } from '../access/principal.js';
import { withAudit, withAuditGroup, type AuditedChange, type GroupedChange } from '../audit/audit-service.js';
import { ServiceError } from '../service-error.js';
import { invalidTransition, licenceNotFound } from './licence-errors.js';

/** A lifecycle operation that changes a licence's status only (no new file): suspend, resume, revoke, … */
export interface StatusChangeRequest {
  ctx: ActionContext;
  identifier: string;
  operation: LicenceEventOperation;
  reason: string;
}

export interface StatusCommitterOptions {
  /**
   * Groups committing at once (each holds one connection). One by default: measured on 2 cores, a second group
   * in flight only queues on the audit head row behind the first (bench:federation part `append`).
   */
  groups: number;
  /** Changes in one group at most. */
  groupSize: number;
}

interface Pending {
  req: StatusChangeRequest;
  resolve(changed: LicenceSummary): void;
  reject(err: unknown): void;
}

/**
 * Group commit of status-only lifecycle changes (federation.md §6.2–§6.3: the append is bound by round trips, not
 * by the disk). A change that arrives while `groups` groups are committing waits for the next group; one
 * transaction then reads every licence of the group under its row lock in one statement, checks each change
 * there, and sends each change's status write, event, directory leaf and audit record with the COMMIT in one
 * message. Every change keeps its own audit record and leaf, atomic with it; under load n changes cost 3 round
 * trips instead of 3n, and alone a change goes at once, as before.
 * A change its checks refuse is answered alone and writes nothing. A group the database refuses is retried change
 * by change, so one change never fails its neighbours.
 */
export class LicenceStatusCommitter {
  private readonly queue: Pending[] = [];
  private committing = 0;
  /** Licences of the committing groups. */
  private readonly inFlight = new Set<string>();
  private pumpScheduled = false;

  constructor(
    private readonly db: Db,
    private readonly opts: StatusCommitterOptions = { groups: 1, groupSize: 64 },
  ) {}

  /** Applies the change; resolves with the licence as changed once it has committed. */
  change(req: StatusChangeRequest): Promise<LicenceSummary> {
    // Inside a caller's transaction the change rides on that transaction's commit: no group to join.
    if (this.db.isTransaction) return this.changeAlone(req);
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.schedulePump();
    });
  }

  private changeAlone(req: StatusChangeRequest): Promise<LicenceSummary> {
    const now = new Date();
    return withAudit(this.db, req.ctx, `licence.${req.operation}`, async (trx) => {
      const locked = await lockLicences(trx, [req.identifier]);
      const { change, event } = planStatusChange(req, locked.get(req.identifier), now);
      // Checked under the lock: the write itself travels with the audit record and the COMMIT.
      return { ...change, finalWrites: [licenceStatusChangesStatement([event])] };
    });
  }

  /**
   * Pumps once the current turn of the event loop is done: the callers a committed group has just answered come
   * back within the same turn, and so join one group instead of the first of them starting a group of its own.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.committing < this.opts.groups && this.queue.length > 0) {
      const group = this.takeGroup();
      if (group.length === 0) return; // every queued change waits for a licence of a committing group
      this.committing++;
      for (const p of group) this.inFlight.add(p.req.identifier);
      void this.commit(group).finally(() => {
        this.committing--;
        for (const p of group) this.inFlight.delete(p.req.identifier);
        this.schedulePump();
      });
    }
  }

  /**
   * The oldest queued changes, at most one per licence, and none of a licence a committing group is changing: a
   * later change of a licence waits for a later group, so it is checked against the earlier one's outcome (two
   * groups started at once may take their row locks in either order).
   */
  private takeGroup(): Pending[] {
    const group: Pending[] = [];
    const rest: Pending[] = [];
    const licences = new Set<string>();
    for (const p of this.queue) {
      const id = p.req.identifier;
      if (group.length < this.opts.groupSize && !licences.has(id) && !this.inFlight.has(id)) {
        licences.add(id);
        group.push(p);
      } else {
        rest.push(p);
      }
    }
    this.queue.splice(0, this.queue.length, ...rest);
    return group;
  }

  private async commit(group: Pending[]): Promise<void> {
    const now = new Date();
    let accepted: Pending[] = [];
    let refused: { p: Pending; err: unknown }[] = [];
    let results: LicenceSummary[];
    try {
      results = await withAuditGroup(this.db, async (trx) => {
        accepted = [];
        refused = [];
        const locked = await lockLicences(
          trx,
          group.map((p) => p.req.identifier),
        );
        const changes: GroupedChange<LicenceSummary>[] = [];
        const events: LicenceStatusEvent[] = [];
        for (const p of group) {
          try {
            const { change, event } = planStatusChange(p.req, locked.get(p.req.identifier), now);
            changes.push({ ctx: p.req.ctx, action: `licence.${p.req.operation}`, change });
            events.push(event);
            accepted.push(p);
          } catch (err) {
            refused.push({ p, err });
          }
        }
        // Checked under the locks: the group's writes travel as one statement with the records and the COMMIT.
        return { changes, finalWrites: events.length > 0 ? [licenceStatusChangesStatement(events)] : [] };
      });
    } catch (err) {
      // The server refused the group (it rolled back: nothing of it landed): each change alone, so the one at
      // fault gets its own answer. Any other failure (a lost connection) may have hidden a commit: no retry.
      if (group.length > 1 && isServerRefusal(err)) {
        await Promise.all(group.map((p) => this.commit([p])));
      } else {
        for (const p of group) p.reject(err);
      }
      return;
    }
    accepted.forEach((p, i) => p.resolve(results[i]!));
    for (const { p, err } of refused) p.reject(err);
  }
}

type LicenceStatusEvent = Omit<LicenceEvent, 'seq'>;

/**
 * A status change checked against the licence as read under its row lock, so the transition recorded is the one
 * that really happened even when another change landed a moment before: the change to audit, and the event that
 * writes it (`licenceStatusChangesStatement`). Throws the refusal (not found, not allowed, not a legal transition of
 * GB/T 36903's lifecycle) when the change may not happen.
 */
export function planStatusChange(
  req: StatusChangeRequest,
  locked: LicenceSummary | undefined,
  now: Date,
): { change: AuditedChange<LicenceSummary>; event: LicenceStatusEvent } {
  if (!locked) throw licenceNotFound();
  ensureAllowed(req.ctx.principal, 'licence.change', locked, 'identifier');
  // PostgreSQL text cannot hold NUL: refused here, so it can never fail the group the change travels in.
  if (req.reason.includes('\0')) {
    throw new ServiceError(
      'validation',
      'invalid-text',
      '原因不能含有 NUL 字符 / the reason cannot hold NUL',
      'reason',
    );
  }
  const op = req.operation;
  const under = transition(locked.status, op);
  if (!under.ok || under.produces) throw invalidTransition(locked, op);
  const event: LicenceStatusEvent = {
    identifier: req.identifier,
    operation: op,
    fromStatus: locked.status,
    toStatus: under.to,
    reason: req.reason,
    relatedIdentifier: null,
    ...actorOf(req.ctx.principal),
    at: now,
  };
  return {
    change: {
      result: { ...locked, status: under.to, statusReason: req.reason, updatedAt: now },
      target: { type: 'licence', id: req.identifier },
      details: {
        operation: op,
        operationCode: LICENCE_OPERATIONS[op].code,
        from: locked.status,
        to: under.to,
      },
      directory: [licenceLeaf(locked, event)],
    },
    event,
  };
}

/** An error the server answered (an ErrorResponse: SQLSTATE and severity), so it rolled the transaction back. */
function isServerRefusal(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown } | null;
  return typeof e?.severity === 'string' && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
}
