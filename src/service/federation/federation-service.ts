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
  findAgencyNode,
  findNationalSealEvents,
  findNationalLicence,
  listNationalLicenceEntries,
  type NationalLicence,
  type NationalLicenceEntry,
} from '../../store/national-index-repository.js';
import { parseCheckpoint } from '../../tlog/checkpoint.js';
import { formatProofBundle } from '../../tlog/proof-bundle.js';
import { readDirectoryLeaf } from '../../tlog/directory-leaf-reader.js';
import {
  formatStatusStatement,
  LICENCE_STATUS_HEADER,
  SEAL_STATUS_HEADER,
  type StatusStatementHeader,
} from '../../tlog/status-statement.js';
import { parseNote, signNote, type NoteSigner } from '../../tlog/signed-note.js';
import { parseLicenceIdentifier } from '../../licence/licence-identifier.js';
import type { LicenceEvidenceAnswer, SealEvidenceAnswer } from '../../verify/licence-log-evidence.js';
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

/**
 * What anyone may ask the hub about a licence of any node (federation.md §3.5): the node's log events for it with
 * their leaves and inclusion proofs under the node's latest checkpoint the hub cosigned and mirrors completely,
 * the hub's signed status statement (§2.7), and a consistency proof from the caller's last size when asked.
 * Leaves hold no personal data (§2.2), so the answer is public, like a node's own /v1/verify/licences/{id}.
 */
export interface LicenceEvidence extends LicenceEvidenceAnswer {
  /** The mirror's replication state (`ok`, `catching-up`, `quarantined`, `forked`). */
  nodeState: string;
  /** tlog-proof-sm3 bundles of the file-bearing leaf and of the latest event (§2.7). */
  issueProof: string | null;
  latestProof: string | null;
  /** The mirror lags what the hub witnessed for more than 600 s. */
  stale: boolean;
}

/** The hub's answer about a seal (its make and status events in the issuing node's log), like LicenceEvidence. */
export type SealEvidence = SealEvidenceAnswer;

/** How long a mirror may lag its witnessed checkpoint before answers say `stale` (federation.md §3.5). */
const STALE_AFTER_MS = 600_000;

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
    /** The hub's status-statement signer (§2.7); without it answers carry no statement. */
    private readonly statusSigner?: NoteSigner,
  ) {}

  /**
   * The evidence for licence `identifier` (§3.5), routed to its issuing node by the issuer's USCC in the national
   * agency table (so a node that logs another node's identifier is never the one asked about it).
   * @throws ServiceError 404 `licence-not-found`
   */
  async licenceEvidence(identifier: string, opts: { old?: number } = {}): Promise<LicenceEvidence> {
    const mirror = this.hub();
    // The issuing node, when the issuer is a registered agency: a verifier then knows whose trust-list entry
    // decides (a withdrawn node's licences never reach the index, the witness refusing its checkpoints).
    const notFound = (node?: string) =>
      new ServiceError(
        'not-found',
        'licence-not-found',
        '全国目录中没有该证照 / no such licence in the national index',
        'identifier',
        node === undefined ? undefined : { node },
      );
    let issuer: string;
    try {
      issuer = parseLicenceIdentifier(identifier).issuerCode;
    } catch {
      throw notFound();
    }
    const nodeId = await findAgencyNode(this.db, issuer);
    const state = nodeId === undefined ? undefined : await readMirrorState(this.db, nodeId);
    const record = state && (await findNationalLicence(this.db, state.nodeId, identifier));
    if (!state || !record) throw notFound(nodeId);
    const checkpoint = state.completeCheckpoint;
    const treeSize = checkpoint ? parseCheckpoint(parseNote(checkpoint).text).size : 0;
    const all = await listNationalLicenceEntries(this.db, state.nodeId, identifier);
    const covered = all.filter((e) => e.idx < treeSize);
    const proofs = this.#proofService(state.nodeId, state.origin);
    const events = await provenEvents(proofs, covered, treeSize);
    const bundle = (i: number) => {
      const e = covered[i]!;
      const ev = events[i]!;
      return formatProofBundle({
        leaf: e.leaf,
        index: e.idx,
        proof: ev.inclusion.map((h) => Buffer.from(h, 'base64')),
        checkpoint: checkpoint!,
      });
    };
    const latestAt = covered.findLastIndex((e) => e.kind === 'licence');
    // The file-bearing leaf: the one that created the identifier (licence.files, federation.md §2.2).
    const issueAt = covered.findIndex((e) => e.kind === 'licence' && e.fromStatus === null);
    const latest = latestAt >= 0 ? covered[latestAt]! : undefined;
    const statement =
      latest && checkpoint
        ? this.#statement(LICENCE_STATUS_HEADER, checkpoint, state.origin, {
            identifier,
            status: latest.toStatus ?? record.status,
            index: latest.idx,
          })
        : null;
    const consistency = await consistencyFrom(proofs, opts.old, treeSize);
    const witnessed = await mirror.witnessedTree(state.origin).catch(() => undefined);
    const lagging = witnessed !== undefined && witnessed.size > treeSize;
    const stale =
      lagging &&
      (state.pulledAt === null || this.now().getTime() - state.pulledAt.getTime() > STALE_AFTER_MS);
    return {
      identifier,
      node: state.nodeId,
      origin: state.origin,
      nodeState: state.state,
      checkpoint,
      treeSize,
      events,
      pending: all.length - covered.length,
      statement,
      consistency,
      issueProof: issueAt >= 0 ? bundle(issueAt) : null,
      latestProof: latestAt >= 0 ? bundle(latestAt) : null,
      stale,
    };
  }

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

  /**
   * The evidence for seal `esID`: its events in the issuing node's log, each with its inclusion proof under the
   * checkpoint the hub cosigned and mirrors completely (federation.md §4.3 "Foreign SealRegistryView").
   * @throws ServiceError 404 `seal-not-found`
   */
  async sealEvidence(esID: string, opts: { old?: number } = {}): Promise<SealEvidence> {
    this.hub();
    const found = await findNationalSealEvents(this.db, esID);
    const state = found && (await readMirrorState(this.db, found.nodeId));
    if (!found || !state)
      throw new ServiceError(
        'not-found',
        'seal-not-found',
        '全国目录中没有该印章 / no such seal in the national index',
        'esID',
      );
    const checkpoint = state.completeCheckpoint;
    const treeSize = checkpoint ? parseCheckpoint(parseNote(checkpoint).text).size : 0;
    const proofs = this.#proofService(state.nodeId, state.origin);
    const covered = found.events.filter((e) => e.idx < treeSize);
    const events = await provenEvents(proofs, covered, treeSize);
    // The hub's word that no later event of the seal exists up to this size (§2.7, as for licences): without it
    // an answer could leave out the seal's revocation.
    const latest = covered.at(-1);
    const read = latest && readDirectoryLeaf(latest.leaf, state.nodeId);
    const statement =
      latest && read?.kind === 'seal' && checkpoint
        ? this.#statement(SEAL_STATUS_HEADER, checkpoint, state.origin, {
            identifier: esID,
            status: read.seal.status,
            index: latest.idx,
          })
        : null;
    const consistency = await consistencyFrom(proofs, opts.old, treeSize);
    return {
      esID,
      node: state.nodeId,
      origin: state.origin,
      checkpoint,
      treeSize,
      events,
      consistency,
      statement,
    };
  }

  /**
   * The hub's signed word (§2.7) that leaf `index` is the latest of `identifier` in the tree of the cosigned
   * `checkpoint`; null without a status signer.
   */
  #statement(
    header: StatusStatementHeader,
    checkpoint: string,
    origin: string,
    latest: { identifier: string; status: string; index: number },
  ): string | null {
    if (!this.statusSigner) return null;
    const cp = parseCheckpoint(parseNote(checkpoint).text);
    return signNote(
      formatStatusStatement(header, {
        ...latest,
        origin,
        size: cp.size,
        rootHash: cp.rootHash,
        time: Math.floor(this.now().getTime() / 1000),
      }),
      [this.statusSigner],
    );
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

/** Each covered event with its leaf and RFC 9162 inclusion path under the tree of `size` (§3.5 answers). */
async function provenEvents(
  proofs: TlogReadService,
  covered: readonly { idx: number; leaf: Buffer }[],
  size: number,
): Promise<{ index: number; leaf: string; inclusion: string[] }[]> {
  const events: { index: number; leaf: string; inclusion: string[] }[] = [];
  for (const e of covered) {
    const { hashes } = await proofs.inclusionProof({ index: e.idx, size });
    events.push({
      index: e.idx,
      leaf: e.leaf.toString('utf8'),
      inclusion: hashes.map((h) => h.toString('base64')),
    });
  }
  return events;
}

/** PROOF(old, size) when the caller names a smaller size it verified last, else null. */
async function consistencyFrom(
  proofs: TlogReadService,
  old: number | undefined,
  size: number,
): Promise<{ old: number; hashes: string[] } | null> {
  if (old === undefined || old <= 0 || old >= size) return null;
  const { hashes } = await proofs.consistencyProof(old, size);
  return { old, hashes: hashes.map((h) => h.toString('base64')) };
}
