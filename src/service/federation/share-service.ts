import type { DataProtector } from '../../crypto/data-protection.js';
import { sm3Hex } from '../../crypto/sm3.js';
import type { UsageElements } from '../../licence/licence-usage.js';
import { validateHolderCode } from '../../licence/holder-code.js';
import { nationalHolderIndexInput, nationalRecordContext } from '../../licence/personal-data-keys.js';
import { parseLicenceIdentifier } from '../../licence/licence-identifier.js';
import type { Db } from '../../store/database.js';
import { listMirrorStates } from '../../store/mirror-repository.js';
import { findByHolderIndex } from '../../store/national-side-record-repository.js';
import {
  insertShareUsages,
  listLicenceTypeLeaves,
  listShareLicences,
  mirrorStateOf,
  nodeOfAgency,
  type ShareLicenceRow,
  type ShareUsage,
} from '../../store/share-repository.js';
import { readDirectoryLeaf } from '../../tlog/directory-leaf-reader.js';
import { ensureAllowed } from '../access/authorize.js';
import type { ActionContext, Principal } from '../access/principal.js';
import { withAudit } from '../audit/audit-service.js';
import { ALL_USAGE_ELEMENTS, requireUsageElements } from '../licences/licence-usage-service.js';
import { ServiceError } from '../service-error.js';
import type { NationalRecordView } from './federation-service.js';
import { NodeRelay, unreachable, type RelayAnswer, type RelayTarget } from './share-relay.js';

/** What every sharing call states: the purpose and the five usage elements (federation.md §3.6). */
export interface ShareUse {
  useFor?: string | undefined;
  usage?: Partial<UsageElements> | undefined;
}

export interface ShareSearch extends ShareUse {
  holder: { code: string; codeType: string };
  typeCode?: string | undefined;
  number?: string | undefined;
}

export interface ShareHit {
  identifier: string;
  typeCode: string | null;
  typeName: string | null;
  issuerName: string | null;
  issuerCode: string | null;
  node: string;
  status: string;
  validFrom: string | null;
  validTo: string | null;
  holderMasked: string | null;
}

/** One code of the national catalogue: the definitions the nodes logged, and whether they disagree. */
export interface SharedLicenceType {
  code: string;
  name: string;
  authority: string;
  holderCategory: string;
  /** SM3 of the canonical definition (as in the leaf); with a conflict, the first node's. */
  sm3: string;
  nodes: string[];
  conflict: boolean;
  /** Every distinct definition, when they conflict. */
  definitions?: { node: string; name: string; authority: string; holderCategory: string; sm3: string }[];
}

export interface ShareDeps {
  db: Db;
  /** Requests per second and burst per calling node (federation.md §3.6: 429 with Retry-After); 0: no limit. */
  rate: { perSecond: number; burst: number };
  /** Only the hub answers sharing queries; elsewhere they are 404 `not-a-hub`. */
  isHub: boolean;
  protector: DataProtector;
  /** This hub's node id: the owner recorded for a search without hits. */
  hubNodeId: string;
  /** Where each node is reached, and the hub's token there (SEALTRUST_FED_NODES, SEALTRUST_FED_TOKEN_<id>). */
  nodes: readonly { nodeId: string; url: string; hubToken?: string | undefined }[];
  /** The node's status in the hub's latest published trust list (undefined: not listed, or no list yet). */
  trustListStatus: (nodeId: string) => Promise<'active' | 'suspended' | 'withdrawn' | undefined>;
  /** The §3.5 evidence of a national record (the hub's FederationService). */
  evidence: (nodeId: string, identifier: string) => Promise<NationalRecordView>;
  relay?: NodeRelay | undefined;
  now?: () => Date;
}

const MAX_USE_FOR = 200;

/**
 * The hub's sharing queries (federation.md §3.6, GB/T 36906-style): a node's sync-peer token searches the
 * national holder index, reads a record, fetches the sealed file or has an annotated copy made, always stating
 * why (useFor) and the five usage elements. Every call is recorded in share_usages with its audit record before
 * anything is answered or relayed; the file and the copy come from the issuing node, which records the use in
 * its own licence_usages (user_node 00, requested_by the asking node). The hub stores no licence file, and the
 * holder code is never in a URL, a log line or an audit record: it is searched by its keyed hash only.
 */
interface LoggedType {
  code: string;
  name: string;
  authority: string;
  holderCategory: string;
  sm3: string;
}

export class ShareService {
  readonly #relay: NodeRelay;
  /** Per node: how far its mirror was read for licence-type leaves, and the latest definition of each code. */
  readonly #types = new Map<
    string,
    { origin: string; next: number; latest: Map<string, LoggedType & { idx: number }> }
  >();
  readonly #now: () => Date;

  /** The per-node request limit the HTTP layer enforces. */
  get rate(): ShareDeps['rate'] {
    return this.deps.rate;
  }

  constructor(private readonly deps: ShareDeps) {
    this.#relay = deps.relay ?? new NodeRelay();
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * The national catalogue: the union of every mirrored node's licence-type leaves (the latest definition of each
   * code per node), conflicts flagged. Each node's mirror is read once up to its mirrored size and then only for
   * what was mirrored since (a mirror only grows).
   */
  async licenceTypes(principal: Principal): Promise<SharedLicenceType[]> {
    ensureAllowed(principal, 'share.catalogue');
    this.#hub();
    const byCode = new Map<string, (LoggedType & { node: string })[]>();
    for (const state of await listMirrorStates(this.deps.db)) {
      let seen = this.#types.get(state.nodeId);
      if (!seen || seen.origin !== state.origin) {
        seen = { origin: state.origin, next: 0, latest: new Map() };
        this.#types.set(state.nodeId, seen);
      }
      if (state.size > seen.next) {
        const from = seen.next;
        for (const { idx, leaf } of await listLicenceTypeLeaves(
          this.deps.db,
          state.nodeId,
          from,
          state.size,
        )) {
          let read;
          try {
            read = readDirectoryLeaf(leaf, state.nodeId);
          } catch {
            continue; // a leaf the replicator flagged; the catalogue shows what parses
          }
          // By index, so two overlapping scans (concurrent calls) keep the later definition whatever their order.
          const had = read.kind === 'licence-type' ? seen.latest.get(read.type.code) : undefined;
          if (read.kind === 'licence-type' && (had === undefined || had.idx < idx))
            seen.latest.set(read.type.code, { ...read.type, idx });
        }
        seen.next = Math.max(seen.next, state.size);
      }
      for (const [code, { idx: _idx, ...t }] of seen.latest) {
        const list = byCode.get(code) ?? [];
        list.push({ node: state.nodeId, ...t });
        byCode.set(code, list);
      }
    }
    return [...byCode.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, defs]) => {
        const first = defs[0]!;
        const conflict = defs.some((d) => d.sm3 !== first.sm3);
        return {
          code,
          name: first.name,
          authority: first.authority,
          holderCategory: first.holderCategory,
          sm3: first.sm3,
          nodes: defs.map((d) => d.node),
          conflict,
          ...(conflict ? { definitions: defs } : {}),
        };
      });
  }

  /** Licences of one holder at every node, from the national holder index (keyed hash of the code). */
  async search(ctx: ActionContext, q: ShareSearch): Promise<ShareHit[]> {
    const requester = this.#requester(ctx.principal);
    const use = checkUse(q);
    // The code as issuance stored it (validateHolderCode's normal form, e.g. an ID number's check letter in upper
    // case), so a search finds what the issuing node indexed however the asking clerk typed it.
    const code = validateHolderCode(q.holder.code, q.holder.codeType).normalized ?? q.holder.code.trim();
    const index = this.deps.protector.index(nationalHolderIndexInput(q.holder.codeType, code));
    const found = await findByHolderIndex(this.deps.db, index);
    const byNode = new Map<string, string[]>();
    for (const f of found) byNode.set(f.nodeId, [...(byNode.get(f.nodeId) ?? []), f.identifier]);
    const rows: ShareLicenceRow[] = [];
    for (const [nodeId, ids] of [...byNode.entries()].sort(([a], [b]) => a.localeCompare(b)))
      rows.push(...(await listShareLicences(this.deps.db, nodeId, ids)));
    const hits = rows.filter(
      (r) =>
        (q.typeCode === undefined || r.typeCode === q.typeCode) &&
        (q.number === undefined || (r.side !== null && this.#number(r) === q.number.trim())),
    );
    const at = this.#now();
    const uses: ShareUsage[] = hits.length
      ? hits.map((h) => this.#usage(ctx, requester, use, h.nodeId, 'search', h.identifier, at))
      : [this.#usage(ctx, requester, use, this.deps.hubNodeId, 'search', null, at)];
    await this.#record(ctx, 'share.search', null, uses, requester, use, { hits: hits.length });
    return hits.map((h) => ({
      identifier: h.identifier,
      typeCode: h.typeCode,
      typeName: h.side?.typeName ?? null,
      issuerName: h.side?.issuerName ?? null,
      issuerCode: h.issuer,
      node: h.nodeId,
      status: h.status,
      validFrom: h.validFrom,
      validTo: h.validTo,
      holderMasked: h.side?.holderMasked ?? null,
    }));
  }

  /**
   * The record as the issuing node releases it to the hub (holder masked), with the hub's §3.5 evidence: the
   * national record's events, leaves and inclusion proofs under the node's cosigned checkpoint.
   */
  async get(
    ctx: ActionContext,
    identifier: string,
    req: ShareUse,
  ): Promise<{ identifier: string; node: string; licence: unknown; evidence: NationalRecordView }> {
    const { target, use, requester } = await this.#prepare(ctx, identifier, req, 'record');
    const answer = await this.#relay.call(
      target,
      `/v1/licences/${encodeURIComponent(identifier)}?${relayQuery(use, requester)}`,
      {
        method: 'GET',
        accept: 'application/json',
      },
    );
    const licence = expectOk(target, answer, 200, 'application/json');
    const evidence = await this.deps.evidence(target.nodeId, identifier);
    return { identifier, node: target.nodeId, licence: JSON.parse(licence.toString('utf8')), evidence };
  }

  /** The sealed file, relayed from the issuing node and checked against the SM3 its log recorded. */
  async file(
    ctx: ActionContext,
    identifier: string,
    req: ShareUse & { format?: 'pdf' | 'ofd' | undefined },
  ): Promise<{ node: string; data: Buffer; sm3: string; format: 'pdf' | 'ofd' }> {
    const format = req.format ?? 'pdf';
    const { target, use, requester, row } = await this.#prepare(ctx, identifier, req, 'file');
    const answer = await this.#relay.call(
      target,
      `/v1/licences/${encodeURIComponent(identifier)}/${format}?${relayQuery(use, requester)}`,
      { method: 'GET', accept: format === 'pdf' ? 'application/pdf' : 'application/ofd' },
    );
    const data = expectOk(target, answer, 200, format === 'pdf' ? 'application/pdf' : 'application/ofd');
    const sm3 = sm3Hex(data);
    const logged = format === 'pdf' ? row.pdfSm3 : row.ofdSm3;
    if (logged !== null && logged !== sm3)
      throw new ServiceError(
        'bad-gateway',
        'issuing-node-file-mismatch',
        `发证节点 ${target.nodeId} 返回的文件与目录日志记录的 SM3 不符 / the file from node ${target.nodeId} does not match the SM3 in its log`,
        undefined,
        { node: target.nodeId, logged, received: sm3 },
      );
    return { node: target.nodeId, data, sm3, format };
  }

  /** An annotated copy (加注件) made and sealed by the issuing node (its POST /v1/licences/{id}/copies). */
  async copy(
    ctx: ActionContext,
    identifier: string,
    req: ShareUse & { purpose: string; expiresAt: string; maker: string },
  ): Promise<{ node: string; data: Buffer; sm3: string; copyId: string | null }> {
    const { target, use, requester } = await this.#prepare(ctx, identifier, req, 'copy');
    const answer = await this.#relay.call(target, `/v1/licences/${encodeURIComponent(identifier)}/copies`, {
      method: 'POST',
      accept: 'application/pdf',
      json: {
        purpose: req.purpose,
        expiresAt: req.expiresAt,
        maker: req.maker,
        formats: ['pdf'],
        usage: { ...use.usage, requestedBy: requester },
      },
    });
    const data = expectOk(target, answer, 201, 'application/pdf');
    return { node: target.nodeId, data, sm3: sm3Hex(data), copyId: answer.headers.get('x-copy-id') };
  }

  /**
   * Checks the call, finds the issuing node and that it may be asked, and records the use with its audit
   * record: in this order, so an invalid call records nothing and a refused node is not asked.
   */
  async #prepare(
    ctx: ActionContext,
    identifier: string,
    req: ShareUse,
    action: ShareUsage['action'],
  ): Promise<{ target: RelayTarget; use: CheckedUse; requester: string; row: ShareLicenceRow }> {
    const requester = this.#requester(ctx.principal);
    const use = checkUse(req);
    const row = await this.#locate(identifier);
    await this.#usable(row.nodeId);
    const node = this.deps.nodes.find((n) => n.nodeId === row.nodeId);
    if (!node?.hubToken) throw unreachable({ nodeId: row.nodeId }, 'no URL or hub token configured');
    const at = this.#now();
    await this.#record(
      ctx,
      `share.${action}`,
      identifier,
      [this.#usage(ctx, requester, use, row.nodeId, action, identifier, at)],
      requester,
      use,
      { node: row.nodeId },
    );
    return { target: { nodeId: node.nodeId, url: node.url, token: node.hubToken }, use, requester, row };
  }

  /** The national record of `identifier`: routed by its issuer's USCC, else looked up node by node. */
  async #locate(identifier: string): Promise<ShareLicenceRow> {
    let issuer: string | undefined;
    try {
      issuer = parseLicenceIdentifier(identifier).issuerCode;
    } catch {
      issuer = undefined;
    }
    const routed = issuer === undefined ? undefined : await nodeOfAgency(this.deps.db, issuer);
    const candidates = routed ? [routed] : (await listMirrorStates(this.deps.db)).map((s) => s.nodeId);
    for (const nodeId of candidates) {
      const [row] = await listShareLicences(this.deps.db, nodeId, [identifier]);
      if (row) return row;
    }
    throw new ServiceError(
      'not-found',
      'licence-not-found',
      '全国目录中没有该证照 / no such licence in the national index',
      'identifier',
    );
  }

  /** 503 for a node the trust list withdrew or suspended, or whose mirror is quarantined (federation.md §5.4). */
  async #usable(nodeId: string): Promise<void> {
    const listed = await this.deps.trustListStatus(nodeId);
    const state = await mirrorStateOf(this.deps.db, nodeId);
    if (listed === 'withdrawn' || state === 'withdrawn')
      throw new ServiceError(
        'unavailable',
        'node-withdrawn',
        `发证节点 ${nodeId} 已退出联邦 / issuing node ${nodeId} is withdrawn`,
        undefined,
        { node: nodeId },
        3600,
      );
    if (listed === 'suspended' || state === 'quarantined' || state === 'forked')
      throw new ServiceError(
        'unavailable',
        'node-quarantined',
        `发证节点 ${nodeId} 已隔离，待调查 / issuing node ${nodeId} is quarantined pending investigation`,
        undefined,
        { node: nodeId, state: listed === 'suspended' ? 'suspended' : (state ?? null) },
        3600,
      );
  }

  #hub(): void {
    if (!this.deps.isHub)
      throw new ServiceError(
        'not-found',
        'not-a-hub',
        '本节点不是国家枢纽 / this node is not the national hub',
      );
  }

  #requester(p: Principal): string {
    ensureAllowed(p, 'share.use');
    this.#hub();
    if (p.kind === 'token' && p.province) return p.province;
    if (p.kind === 'system') return this.deps.hubNodeId;
    throw new ServiceError('forbidden', 'node-required', '令牌未绑定节点 / the token is bound to no node');
  }

  #number(r: ShareLicenceRow): string {
    return this.deps.protector.decryptText(
      r.side!.numberEnc,
      nationalRecordContext(r.nodeId, r.side!.idx, 'number'),
    );
  }

  #usage(
    ctx: ActionContext,
    requester: string,
    use: CheckedUse,
    ownerNodeId: string,
    action: ShareUsage['action'],
    identifier: string | null,
    at: Date,
  ): ShareUsage {
    return {
      ownerNodeId,
      action,
      identifier,
      requesterNode: requester,
      actorTokenId: ctx.principal.kind === 'token' ? ctx.principal.tokenId : null,
      useFor: use.useFor,
      ...use.usage,
      at,
    };
  }

  async #record(
    ctx: ActionContext,
    action: string,
    identifier: string | null,
    uses: ShareUsage[],
    requester: string,
    use: CheckedUse,
    details: Record<string, unknown>,
  ): Promise<void> {
    await withAudit(this.deps.db, ctx, action, async (trx) => {
      await insertShareUsages(trx, uses);
      // The using side only: never the holder. Its own target type, so a use at the hub voids no licence cache.
      return {
        result: undefined,
        target: { type: 'share-usage', id: identifier },
        details: {
          requesterNode: requester,
          organization: use.usage.organization,
          itemCode: use.usage.itemCode,
          businessNumber: use.usage.businessNumber,
          ...details,
        },
      };
    });
  }
}

interface CheckedUse {
  useFor: string;
  usage: UsageElements;
}

/**
 * @throws ServiceError 422 `use-for-required` (field useFor), `usage-elements-required` naming the first
 *   missing element (field `usage.<name>`).
 */
export function checkUse(req: ShareUse): CheckedUse {
  const useFor = typeof req.useFor === 'string' ? req.useFor.trim() : '';
  if (useFor === '' || useFor.length > MAX_USE_FOR)
    throw new ServiceError(
      'validation',
      'use-for-required',
      `须说明用途（1–${MAX_USE_FOR} 字）/ useFor (1–${MAX_USE_FOR} characters) is required`,
      'useFor',
    );
  const e = requireUsageElements(req.usage ?? {}, ALL_USAGE_ELEMENTS, 'usage.');
  return {
    useFor,
    usage: {
      organization: e.organization.trim(),
      user: e.user.trim(),
      itemName: e.itemName.trim(),
      itemCode: e.itemCode.trim(),
      businessNumber: e.businessNumber.trim(),
    },
  };
}

/** The five elements and the asking node as the issuing node's query (no holder data: that never leaves here). */
function relayQuery(use: CheckedUse, requester: string): string {
  return new URLSearchParams({ ...use.usage, requestedBy: requester }).toString();
}

/**
 * The node's answer when it is the one expected; its 404, 409 and 422 as the same problem at the hub; anything
 * else (its 401/403: the hub's token there is wrong; 5xx) as 502.
 */
function expectOk(target: RelayTarget, a: RelayAnswer, status: number, type: string): Buffer {
  if (a.status === status && a.contentType.startsWith(type)) return a.body;
  const problem = parseProblem(a);
  if (a.status === 404)
    throw new ServiceError(
      'not-found',
      problem?.code === 'format-not-available' ? 'format-not-available' : 'licence-not-found',
      problem?.detail ?? '发证节点没有该证照 / the issuing node has no such licence',
      'identifier',
      { node: target.nodeId },
    );
  if ((a.status === 409 || a.status === 422) && problem)
    throw new ServiceError(
      a.status === 409 ? 'conflict' : 'validation',
      problem.code,
      problem.detail,
      problem.field,
      { node: target.nodeId },
    );
  throw unreachable(target, `answered ${a.status}${problem ? ` ${problem.code}` : ''}`);
}

function parseProblem(a: RelayAnswer): { code: string; detail: string; field?: string } | undefined {
  if (!a.contentType.startsWith('application/problem+json')) return undefined;
  try {
    const p = JSON.parse(a.body.toString('utf8')) as { type?: unknown; detail?: unknown; field?: unknown };
    if (typeof p.type !== 'string') return undefined;
    return {
      code: p.type.split('/').pop() ?? 'unknown',
      detail: typeof p.detail === 'string' ? p.detail : '',
      ...(typeof p.field === 'string' ? { field: p.field } : {}),
    };
  } catch {
    return undefined;
  }
}
