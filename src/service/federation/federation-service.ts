import type { Db } from '../../store/database.js';
import {
  countFedAlertsByKind,
  findFedAlert,
  listFedAlerts,
  resolveFedAlerts,
  type FedAlert,
} from '../../store/fed-alert-repository.js';
import { listMirrorStates, readMirrorState, setMirrorNodeState } from '../../store/mirror-repository.js';
import type { Page, PageRequest } from '../../paging/page.js';
import { ensureAllowed } from '../access/authorize.js';
import type { ActionContext, Principal } from '../access/principal.js';
import { withAudit } from '../audit/audit-service.js';
import { ServiceError } from '../service-error.js';
import { readMirrorTiles } from '../../store/mirror-tile-repository.js';
import {
  findNationalLicence,
  listNationalLicenceEntries,
  type NationalLicence,
  type NationalLicenceEntry,
} from '../../store/national-index-repository.js';
import { parseCheckpoint } from '../../tlog/checkpoint.js';
import { parseNote } from '../../tlog/signed-note.js';
import { TlogReadService } from './tlog-read-service.js';
import type { FederationMirror } from './federation-mirror.js';

/** An alert as the hub keeps it (the HTTP layer names it through here, never through the store). */
export type { FedAlert };

export interface FederationNodeView {
  nodeId: string;
  origin: string;
  witnessedSize: number;
  mirroredSize: number;
  sideSize: number;
  lagSeconds: number;
  state: string;
  lastError: string | null;
}

/** A national event of a licence, with the leaf and its inclusion proof under the mirror's checkpoint. */
export type NationalRecordEvent = Pick<
  NationalLicenceEntry,
  'kind' | 'op' | 'fromStatus' | 'toStatus' | 'related' | 'flags'
> & {
  index: number;
  at: string;
  /** The leaf as the node logged it (JSON text, federation.md §2.2). */
  leaf: string;
  leafHash: string;
  /** RFC 9162 PATH(index, D[checkpoint size]), base64 hashes; null when the checkpoint does not cover it yet. */
  inclusion: string[] | null;
};

/** A licence in the national index as the hub holds it, verifiable with the node's log key alone. */
export interface NationalRecordView {
  nodeId: string;
  origin: string;
  record: NationalLicence;
  /**
   * The node's checkpoint, cosigned by this hub, that the proofs are under (signed note, verbatim): the latest
   * whose whole tree the hub mirrors. Null before the first complete catch-up.
   */
  checkpoint: string | null;
  treeSize: number;
  events: NationalRecordEvent[];
}

const notHub = () =>
  new ServiceError('not-found', 'not-a-hub', '本节点不是国家枢纽 / this node is not the national hub');

/** The hub's inspection and operation of replication (federation.md §3.4 "Hub inspection endpoints"). */
export class FederationService {
  readonly #proofs = new Map<string, TlogReadService>();

  constructor(
    private readonly db: Db,
    private readonly mirror: FederationMirror | undefined,
    private readonly now: () => Date = () => new Date(),
    /** Tile height of the mirror tiles (config.federation.tileHeight). */
    private readonly tileHeight = 8,
  ) {}

  /**
   * A licence of node `nodeId` in the national index: the record, every event with its leaf and an inclusion
   * proof under the latest checkpoint of that node the hub cosigned and mirrors completely (migration 015), so
   * a reader checks the record against the node's log key without trusting the hub's database.
   */
  async licence(principal: Principal, nodeId: string, identifier: string): Promise<NationalRecordView> {
    ensureAllowed(principal, 'federation.records.read');
    this.hub();
    const state = await readMirrorState(this.db, nodeId);
    if (!state)
      throw new ServiceError('not-found', 'node-not-found', `未知节点 ${nodeId} / unknown node`, 'nodeId');
    const record = await findNationalLicence(this.db, nodeId, identifier);
    if (!record)
      throw new ServiceError(
        'not-found',
        'licence-not-found',
        '全国目录中没有该证照 / no such licence in the national index',
        'identifier',
      );
    const entries = await listNationalLicenceEntries(this.db, nodeId, identifier);
    const checkpoint = state.completeCheckpoint;
    // Stored as the cosigned note; its text is the checkpoint.
    const treeSize = checkpoint ? parseCheckpoint(parseNote(checkpoint).text).size : 0;
    const proofs = this.#proofService(nodeId, state.origin);
    const events: NationalRecordEvent[] = [];
    for (const e of entries) {
      const inclusion =
        e.idx < treeSize ? (await proofs.inclusionProof({ index: e.idx, size: treeSize })).hashes : null;
      events.push({
        index: e.idx,
        kind: e.kind,
        op: e.op,
        fromStatus: e.fromStatus,
        toStatus: e.toStatus,
        related: e.related,
        at: e.at.toISOString(),
        flags: e.flags,
        leaf: e.leaf.toString('utf8'),
        leafHash: e.leafHash.toString('base64'),
        inclusion: inclusion && inclusion.map((h) => h.toString('base64')),
      });
    }
    return { nodeId, origin: state.origin, record, checkpoint, treeSize, events };
  }

  /** Proofs over a mirror's tiles, asked only for sizes the mirror holds completely (its complete checkpoint). */
  #proofService(nodeId: string, origin: string): TlogReadService {
    let s = this.#proofs.get(nodeId);
    if (!s || s.origin !== origin) {
      s = new TlogReadService({
        db: this.db,
        origin,
        tileHeight: this.tileHeight,
        publishedSize: async () => Number.MAX_SAFE_INTEGER,
        // Read from the database each time: a tile cache per mirrored node would multiply by the nodes.
        tileCacheSize: 0,
        readTiles: (refs) => readMirrorTiles(this.db, nodeId, refs),
      });
      this.#proofs.set(nodeId, s);
    }
    return s;
  }

  private hub(): FederationMirror {
    if (!this.mirror) throw notHub();
    return this.mirror;
  }

  async nodes(principal: Principal): Promise<FederationNodeView[]> {
    ensureAllowed(principal, 'federation.nodes.read');
    const mirror = this.hub();
    await mirror.register();
    const states = await listMirrorStates(this.db);
    const now = this.now().getTime();
    return Promise.all(
      states.map(async (s) => {
        const witnessed = await mirror.witnessedTree(s.origin).catch(() => undefined);
        const witnessedSize = witnessed?.size ?? s.targetSize;
        const behind = s.size < witnessedSize;
        return {
          nodeId: s.nodeId,
          origin: s.origin,
          witnessedSize,
          mirroredSize: s.size,
          sideSize: s.sideSize,
          lagSeconds: behind && s.pulledAt ? Math.round((now - s.pulledAt.getTime()) / 1000) : 0,
          state: s.state === 'ok' && behind ? 'catching-up' : s.state,
          lastError: s.lastError,
        };
      }),
    );
  }

  /** Starts a pull of `nodeId` now. @throws 404 unknown node, 409 `node-quarantined` until released. */
  async sync(ctx: ActionContext, nodeId: string): Promise<void> {
    ensureAllowed(ctx.principal, 'federation.nodes.operate');
    const mirror = this.hub();
    await mirror.register();
    await withAudit(this.db, ctx, 'federation.node.sync', async (trx) => {
      const state = await readMirrorState(trx, nodeId);
      if (!state || !mirror.replicator(nodeId)) throw unknownNode();
      if (state.state === 'quarantined' || state.state === 'forked')
        throw new ServiceError(
          'conflict',
          'node-quarantined',
          '节点已隔离，须调查后解除 / the node is quarantined; release it after investigation',
          'nodeId',
          { state: state.state },
        );
      return {
        result: undefined,
        target: { type: 'federation-node', id: nodeId },
        details: { size: state.size },
      };
    });
    mirror.wake(nodeId);
  }

  /** Lifts a quarantine after investigation: replication resumes from the last proven size. */
  async release(ctx: ActionContext, nodeId: string): Promise<void> {
    ensureAllowed(ctx.principal, 'federation.nodes.operate');
    const mirror = this.hub();
    await mirror.register();
    await withAudit(this.db, ctx, 'federation.node.release', async (trx) => {
      const state = await readMirrorState(trx, nodeId, { forUpdate: true });
      if (!state || !mirror.replicator(nodeId)) throw unknownNode();
      if (state.state !== 'quarantined' && state.state !== 'forked')
        throw new ServiceError(
          'conflict',
          'node-not-quarantined',
          '节点未被隔离 / the node is not quarantined',
          'nodeId',
        );
      const now = this.now();
      await setMirrorNodeState(trx, nodeId, 'catching-up', null, now);
      const resolved = await resolveFedAlerts(trx, nodeId, ['fork', 'entries-inconsistent'], now);
      return {
        result: undefined,
        target: { type: 'federation-node', id: nodeId },
        details: { was: state.state, size: state.size, resolvedAlerts: resolved },
      };
    });
    mirror.wake(nodeId);
  }

  async alerts(
    principal: Principal,
    filter: { nodeId?: string | undefined; kind?: string | undefined },
    page: PageRequest,
  ): Promise<Page<FedAlert>> {
    ensureAllowed(principal, 'federation.alerts.read');
    return listFedAlerts(this.db, filter, page);
  }

  /** One alert with its evidence bundle; `id` is `<nodeId>-<n>`. */
  async alert(principal: Principal, id: string): Promise<FedAlert> {
    ensureAllowed(principal, 'federation.alerts.read');
    const m = /^(.+)-([1-9][0-9]{0,15})$/.exec(id);
    const found = m ? await findFedAlert(this.db, m[1] as string, Number(m[2])) : undefined;
    if (!found) throw new ServiceError('not-found', 'alert-not-found', '告警不存在 / no such alert');
    return found;
  }

  /** Alerts per kind (sealtrust_fed_alerts_total); empty on a node that mirrors nothing. */
  async alertCounts(): Promise<Map<string, number>> {
    if (!this.mirror) return new Map();
    return countFedAlertsByKind(this.db);
  }
}

function unknownNode(): ServiceError {
  return new ServiceError('not-found', 'node-not-found', '未知节点 / no such node', 'nodeId');
}

/** The public id of an alert. */
export function alertId(a: Pick<FedAlert, 'nodeId' | 'id'>): string {
  return `${a.nodeId}-${a.id}`;
}
