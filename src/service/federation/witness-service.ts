// The hub as witness (federation.md §3.2): C2SP tlog-witness `add-checkpoint` with the SealTrust SM2/SM3
// profile. It cosigns a log's checkpoint only when it is consistent with the largest one it cosigned before for
// that origin, so a log cannot show two histories to parties that check the hub's cosignature.

import type { Db, Executor } from '../../store/database.js';
import {
  advanceWitnessState,
  insertWitnessEvidence,
  listWitnessStates,
  lockWitnessState,
  setWitnessOutcome,
  witnessStateBySm3,
  type WitnessState,
} from '../../store/witness-repository.js';
import { sm3 } from '../../crypto/sm3.js';
import { ConfigError, type KnownNode } from '../../config.js';
import { parseAddCheckpointRequest, type AddCheckpointRequest } from '../../tlog/add-checkpoint-request.js';
import { parseCheckpoint, type Checkpoint } from '../../tlog/checkpoint.js';
import { verifyConsistencyProof } from '../../tlog/consistency-proof.js';
import { equalBytes } from '../../tlog/equal-bytes.js';
import { SM3_MERKLE_HASHER } from '../../tlog/merkle-hasher.js';
import { openCheckpoint } from '../../tlog/signed-checkpoint.js';
import {
  formatNote,
  formatSignatureLine,
  parseNote,
  type NoteSigner,
  type NoteVerifier,
} from '../../tlog/signed-note.js';
import { sm2NoteVerifierFromKey } from '../../tlog/sm2-note-key.js';
import { TlogError } from '../../tlog/tlog-error.js';
import type { Principal } from '../access/principal.js';
import { ensureAllowed } from '../access/authorize.js';

/** tlog-witness bodies are small: 63 proof lines and a checkpoint with a few signatures fit in a few KB. */
export const MAX_ADD_CHECKPOINT_BYTES = 64 * 1024;

/** The plain-text answer to add-checkpoint (tlog-witness; not problem+json). */
export type WitnessAnswer =
  | { status: 200; cosignatures: string }
  | { status: 409; size: number }
  | { status: 400 | 403 | 404 | 422; reason: string }
  | { status: 429; reason: string; retryAfterSeconds: number };

/** A log the witness knows: its origin and the log keys that sign its checkpoints. */
export interface WitnessedLog {
  nodeId: string;
  origin: string;
  /** Verifier keys of the log (more than one during a key rotation). */
  vkeys: readonly string[];
}

/** What the hub's published trust list says of the logs it names (federation.md §2.8: nodes' `log` entries). */
export interface TrustListedLog {
  nodeId: string;
  origin: string;
  /** The node's status in the list: a withdrawn or suspended node is not witnessed. */
  nodeStatus: 'active' | 'suspended' | 'withdrawn';
  /**
   * Active log keys only: a withdrawn key signs nothing the witness accepts, nor one whose certificate its node
   * revoked (trust-list-service.ts listedLogs).
   */
  vkeys: readonly string[];
}

export interface WitnessOptions {
  /** Logs this witness cosigns from configuration (config.federation.nodes). */
  logs: readonly WitnessedLog[];
  /**
   * The logs the hub's latest published trust list names, if it has published one: for an origin it names, the
   * list decides (its active keys; a node not active is refused), over the configuration.
   */
  trustListed?: (() => Promise<readonly TrustListedLog[] | undefined>) | undefined;
  /** The witness key (cosignature/v1, SM2). */
  cosigner: NoteSigner;
  /** Requests worked on at once before answering 429 (tlog-witness pushback). Default 256. */
  maxInFlight?: number;
  /**
   * Test-only fault injection, called after the new state committed and before the answer is sent (spec §5.4
   * "kill -9 hub while cosigning"). See witnessFaultFromEnv.
   */
  afterPersist?: () => void;
  /**
   * Called after a 422 for a checkpoint the log validly signed (a proof that does not verify from the stored
   * size, or another root for the same size): the log signed a tree that does not extend the cosigned one. The
   * hub's mirror then looks for the rewritten entries (federation.md §5.4). Must not throw; not awaited.
   */
  onSignedRefusal?: (refusal: {
    origin: string;
    outcome: string;
    size: number;
    root: Uint8Array;
    note: string;
  }) => void;
  clock?: () => Date;
}

export interface WitnessStateItem {
  origin: string;
  nodeId: string | null;
  size: number;
  root: string;
  updatedAt: string;
  lastOutcome: string | null;
}

interface KnownLog {
  nodeId: string;
  origin: string;
  verifiers: NoteVerifier[];
}

/** The env switch SEALTRUST_FAULT_WITNESS_KILL_AFTER_PERSIST=1: SIGKILL itself between commit and answer. */
export function witnessFaultFromEnv(env: NodeJS.ProcessEnv, production: boolean): (() => void) | undefined {
  if (env.SEALTRUST_FAULT_WITNESS_KILL_AFTER_PERSIST !== '1') return undefined;
  if (production) {
    throw new ConfigError(
      'SEALTRUST_FAULT_WITNESS_KILL_AFTER_PERSIST is a test fault; refused in production',
    );
  }
  return () => process.kill(process.pid, 'SIGKILL');
}

export function originSm3(origin: string): Buffer {
  return sm3(new TextEncoder().encode(origin));
}

/** The logs of config.federation.nodes, one key each. */
export function witnessedLogsFromNodes(nodes: readonly KnownNode[]): WitnessedLog[] {
  return nodes.map((n) => ({ nodeId: n.nodeId, origin: n.origin, vkeys: [n.vkey] }));
}

export class WitnessService {
  private readonly logs = new Map<string, KnownLog>();
  private readonly clock: () => Date;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly emptyRoot = SM3_MERKLE_HASHER.emptyRoot();

  constructor(
    private readonly db: Db,
    private readonly opts: WitnessOptions,
  ) {
    for (const l of opts.logs) {
      this.logs.set(l.origin, {
        nodeId: l.nodeId,
        origin: l.origin,
        verifiers: l.vkeys.map((k) => sm2NoteVerifierFromKey(k)),
      });
    }
    this.clock = opts.clock ?? (() => new Date());
    this.maxInFlight = opts.maxInFlight ?? 256;
  }

  /**
   * The log of `origin` and the keys its checkpoints must be signed with: the trust list's word where it names
   * the origin (a withdrawn node 403, only active keys), else the configuration's; unknown: 404.
   */
  private async resolve(origin: string): Promise<KnownLog | { status: 403 | 404; reason: string }> {
    const listed = (await this.opts.trustListed?.())?.find((l) => l.origin === origin);
    if (listed) {
      if (listed.nodeStatus !== 'active')
        return { status: 403, reason: `node ${listed.nodeId} is ${listed.nodeStatus} in the trust list` };
      const verifiers: NoteVerifier[] = [];
      for (const k of listed.vkeys) {
        try {
          verifiers.push(sm2NoteVerifierFromKey(k));
        } catch {
          // A malformed key in the list verifies nothing; the others still may.
        }
      }
      return { nodeId: listed.nodeId, origin, verifiers };
    }
    return this.logs.get(origin) ?? { status: 404, reason: `unknown origin ${origin}` };
  }

  /** The witness's cosignature name (its key name). */
  get name(): string {
    return this.opts.cosigner.name;
  }

  /** POST /witness/add-checkpoint. Never throws for bad input: every refusal is an answer. */
  async addCheckpoint(body: Uint8Array): Promise<WitnessAnswer> {
    if (this.inFlight >= this.maxInFlight) {
      return { status: 429, reason: 'witness busy, retry later', retryAfterSeconds: 1 };
    }
    this.inFlight++;
    try {
      return await this.add(body);
    } finally {
      this.inFlight--;
    }
  }

  private async add(body: Uint8Array): Promise<WitnessAnswer> {
    if (body.length > MAX_ADD_CHECKPOINT_BYTES) return { status: 400, reason: 'body over 64 KB' };
    let req: AddCheckpointRequest;
    let cp: Checkpoint;
    try {
      req = parseAddCheckpointRequest(body);
      cp = parseCheckpoint(parseNote(req.note).text);
    } catch (err) {
      return { status: 400, reason: reasonOf(err) };
    }
    const resolved = await this.resolve(cp.origin);
    if ('status' in resolved) return resolved;
    const log = resolved;
    let logSignatures;
    try {
      openCheckpoint(req.note, log.origin, log.verifiers);
      const known = (name: string, keyId: number) =>
        log.verifiers.some((v) => v.name === name && v.keyId >>> 0 === keyId);
      logSignatures = parseNote(req.note).signatures.filter((s) => known(s.name, s.keyId));
    } catch (err) {
      // No signature by a key of that log, or one of its keys' signatures fails (signed-note rules).
      if (err instanceof TlogError && err.code !== 'MALFORMED_CHECKPOINT' && err.code !== 'MALFORMED_NOTE') {
        return { status: 403, reason: reasonOf(err) };
      }
      return { status: 400, reason: reasonOf(err) };
    }
    // From here the request carries a valid signature of the log: every refusal is evidence.
    const at = this.clock();
    const evidence = (trx: Executor, outcome: string) =>
      insertWitnessEvidence(trx, {
        origin: log.origin,
        oldSize: req.oldSize,
        newSize: cp.size,
        outcome,
        body: Buffer.from(body),
        at,
      });
    if (req.oldSize > cp.size) {
      await evidence(this.db, 'old-after-new');
      return { status: 400, reason: `old size ${req.oldSize} exceeds checkpoint size ${cp.size}` };
    }
    let answer: WitnessAnswer | undefined;
    await this.db.transaction(async (trx) => {
      const state = await lockWitnessState(trx, log.origin, originSm3(log.origin), this.emptyRoot, at);
      const refusal = this.check(state, req, cp);
      if (refusal) {
        await evidence(trx, refusal.outcome);
        await setWitnessOutcome(trx, log.origin, refusal.outcome);
        answer = refusal.answer;
        return;
      }
      const text = parseNote(req.note).text;
      const cosignature = {
        name: this.opts.cosigner.name,
        keyId: this.opts.cosigner.keyId,
        signature: this.opts.cosigner.sign(new TextEncoder().encode(text)),
      };
      // The last statement: it travels with the COMMIT.
      await advanceWitnessState(
        trx,
        log.origin,
        { size: cp.size, root: cp.rootHash, cosigned: formatNote(text, [...logSignatures, cosignature]), at },
        { commit: true },
      );
      answer = { status: 200, cosignatures: formatSignatureLine(cosignature) };
    });
    if (answer?.status === 200) this.opts.afterPersist?.();
    else if (answer?.status === 422)
      this.opts.onSignedRefusal?.({
        origin: log.origin,
        outcome: answer.reason,
        size: cp.size,
        root: cp.rootHash,
        note: req.note,
      });
    return answer as WitnessAnswer;
  }

  /** tlog-witness's checks against the stored state, in its order; undefined when the checkpoint may be cosigned. */
  private check(
    state: WitnessState,
    req: AddCheckpointRequest,
    cp: Checkpoint,
  ): { outcome: string; answer: WitnessAnswer } | undefined {
    if (req.oldSize !== state.size) {
      return { outcome: 'conflict', answer: { status: 409, size: state.size } };
    }
    const unprocessable = (outcome: string, reason: string) => ({
      outcome,
      answer: { status: 422 as const, reason },
    });
    if (req.oldSize === 0) {
      if (req.proof.length > 0) return unprocessable('proof-from-zero', 'a proof from size 0 must be empty');
      if (cp.size === 0 && !equalBytes(cp.rootHash, this.emptyRoot)) {
        return unprocessable('bad-empty-root', 'the root of an empty tree is SM3("")');
      }
      return undefined;
    }
    if (cp.size === state.size) {
      if (req.proof.length > 0) return unprocessable('bad-proof', 'equal sizes need an empty proof');
      if (!equalBytes(cp.rootHash, state.root)) {
        return unprocessable('same-size-other-root', `a different root for size ${cp.size}`);
      }
      return undefined;
    }
    try {
      verifyConsistencyProof(SM3_MERKLE_HASHER, state.size, cp.size, state.root, cp.rootHash, req.proof);
    } catch (err) {
      return unprocessable('bad-proof', reasonOf(err));
    }
    return undefined;
  }

  /** GET /witness/<hex SM3(origin)>/checkpoint: the latest checkpoint cosigned for that origin. */
  async cosignedCheckpoint(originSm3Hex: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{64}$/.test(originSm3Hex)) return undefined;
    const state = await witnessStateBySm3(this.db, Buffer.from(originSm3Hex, 'hex'));
    return state?.cosigned ?? undefined;
  }

  /** GET /v1/witness/state (admin). */
  async state(principal: Principal): Promise<{ items: WitnessStateItem[] }> {
    ensureAllowed(principal, 'witness.read-state');
    const rows = await listWitnessStates(this.db);
    return {
      items: rows.map((r) => ({
        origin: r.origin,
        nodeId: this.logs.get(r.origin)?.nodeId ?? null,
        size: r.size,
        root: r.root.toString('base64'),
        updatedAt: r.updatedAt.toISOString(),
        lastOutcome: r.lastOutcome,
      })),
    };
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
