import type { Page, PageRequest } from '../paging/page.js';
import type { Executor } from './database.js';
import { toDate, toDateOrNull, toJson, toNumber } from './row-types.js';

// Federation alerts (federation.md §3.4, §5.4): a node's data that did not match what it signed (`fork`,
// `entries-inconsistent`), a semantic rule it broke while still being applied (`semantic-violation`), a side
// record that did not match its leaf (`side-record-mismatch`). Keyed (node_id, id) for Citus (§4.4); the public
// id is `<nodeId>-<id>`, so a read by id is a single-shard query.

export type FedAlertKind = 'fork' | 'entries-inconsistent' | 'semantic-violation' | 'side-record-mismatch';

export interface FedAlert {
  nodeId: string;
  id: number;
  kind: string;
  summary: string;
  evidence: Record<string, unknown>;
  at: Date;
  resolvedAt: Date | null;
}

export interface NewFedAlert {
  nodeId: string;
  kind: FedAlertKind;
  summary: string;
  evidence: Record<string, unknown>;
}

interface AlertRow {
  node_id: string;
  id: unknown;
  kind: string;
  summary: string;
  evidence?: unknown;
  at: unknown;
  resolved_at: unknown;
}

function toAlert(r: AlertRow): FedAlert {
  return {
    nodeId: r.node_id,
    id: toNumber(r.id),
    kind: r.kind,
    summary: r.summary,
    evidence: r.evidence === undefined ? {} : toJson<Record<string, unknown>>(r.evidence),
    at: toDate(r.at),
    resolvedAt: toDateOrNull(r.resolved_at),
  };
}

/** Records alerts (in the caller's transaction when given one); one statement for any number. */
export async function insertFedAlerts(
  db: Executor,
  alerts: readonly NewFedAlert[],
  at: Date,
): Promise<number[]> {
  if (alerts.length === 0) return [];
  const res = await db.raw(
    `INSERT INTO fed_alerts (node_id, kind, summary, evidence, at)
     SELECT n, k, s, e::jsonb, ? FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS t(n, k, s, e)
     RETURNING id`,
    [
      at,
      alerts.map((a) => a.nodeId),
      alerts.map((a) => a.kind),
      alerts.map((a) => a.summary),
      alerts.map((a) => JSON.stringify(a.evidence)),
    ],
  );
  return (res.rows as { id: unknown }[]).map((r) => toNumber(r.id));
}

export async function findFedAlert(db: Executor, nodeId: string, id: number): Promise<FedAlert | undefined> {
  const res = await db.raw(
    'SELECT node_id, id, kind, summary, evidence, at, resolved_at FROM fed_alerts WHERE node_id = ? AND id = ?',
    [nodeId, id],
  );
  const row = (res.rows as AlertRow[])[0];
  return row ? toAlert(row) : undefined;
}

/** Alerts newest first, optionally of one node and one kind, without their evidence. */
export async function listFedAlerts(
  db: Executor,
  filter: { nodeId?: string | undefined; kind?: string | undefined },
  page: PageRequest,
): Promise<Page<FedAlert>> {
  const where: string[] = [];
  const binds: (string | number)[] = [];
  if (filter.nodeId !== undefined) {
    where.push('node_id = ?');
    binds.push(filter.nodeId);
  }
  if (filter.kind !== undefined) {
    where.push('kind = ?');
    binds.push(filter.kind);
  }
  if (page.after !== undefined) {
    where.push('id < ?');
    binds.push(page.after);
  }
  const res = await db.raw(
    `SELECT node_id, id, kind, summary, at, resolved_at FROM fed_alerts
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
    [...binds, page.limit + 1],
  );
  const rows = (res.rows as AlertRow[]).map(toAlert);
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  return { items, nextAfter: more ? (items[items.length - 1]?.id ?? null) : null };
}

/** Alerts per kind since the start (alerts are never deleted, so this is a monotonic counter). */
export async function countFedAlertsByKind(db: Executor): Promise<Map<string, number>> {
  const res = await db.raw('SELECT kind, count(*) AS n FROM fed_alerts GROUP BY kind');
  return new Map((res.rows as { kind: string; n: unknown }[]).map((r) => [r.kind, toNumber(r.n)]));
}

/** Marks a node's open alerts of the given kinds resolved (after an operator released the node). */
export async function resolveFedAlerts(
  db: Executor,
  nodeId: string,
  kinds: string[],
  at: Date,
): Promise<number> {
  const res = await db.raw(
    'UPDATE fed_alerts SET resolved_at = ? WHERE node_id = ? AND kind = ANY(?::text[]) AND resolved_at IS NULL',
    [at, nodeId, kinds],
  );
  return (res as { rowCount?: number }).rowCount ?? 0;
}
