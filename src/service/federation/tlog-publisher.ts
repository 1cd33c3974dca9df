// The node's checkpoint publisher (federation.md §3.2, §4.1 step 2), after Tessera's "Publishing" steps: sign a
// checkpoint of the integrated tree, collect the witness's cosignature with `old` = the witness's last known size,
// and publish only when the witness policy is met ("If the policy cannot be satisfied then no checkpoint will be
// published"). Issuance never waits for this: the hub being down only delays witnessing, and when it returns
// one consistency proof covers the whole jump.

import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Db } from '../../store/database.js';
import {
  checkpointAt,
  insertCheckpoint,
  latestCheckpoint,
  recordCosignatures,
  resignUncosignedCheckpoint,
  type StoredCheckpoint,
} from '../../store/tlog-checkpoint-repository.js';
import { ensureTlogWitness, updateTlogWitness } from '../../store/tlog-witness-repository.js';
import { formatAddCheckpointRequest } from '../../tlog/add-checkpoint-request.js';
import { formatCheckpoint } from '../../tlog/checkpoint.js';
import { cosignatureVerifierFromKey, parseCosignature } from '../../tlog/cosignature.js';
import { equalBytes } from '../../tlog/equal-bytes.js';
import { openCheckpoint } from '../../tlog/signed-checkpoint.js';
import {
  formatNote,
  openNote,
  parseNote,
  signNote,
  type NoteSigner,
  type NoteVerifier,
} from '../../tlog/signed-note.js';
import { sm2NoteVerifierFromKey } from '../../tlog/sm2-note-key.js';
import { withAudit } from '../audit/audit-service.js';
import { withSessionAdvisoryLock } from '../../store/session-advisory-lock.js';
import { originSm3 } from './witness-service.js';

/** The integrated tree (the publish helper's `readTlogState`). */
export interface IntegratedTree {
  size: number;
  root: Uint8Array;
}

export interface TlogPublisherOptions {
  /** This node's log origin (config.federation.logOrigin). */
  origin: string;
  /** The log-signer key as a note signer; its name is the origin. */
  logSigner: NoteSigner;
  /** The log key's vkey, to check the hub's view of this log carries this node's own signature. */
  logVerifierKey: string;
  /** The log keys it replaced (`sealtrust ca rotate-log-key`): the hub may still hold a checkpoint they signed. */
  retiredLogVerifierKeys?: readonly string[] | undefined;
  integratedTree: () => Promise<IntegratedTree>;
  /** PROOF(from, to) over the integrated tree, 0 < from < to ≤ integrated size. */
  consistencyProof: (from: number, to: number) => Promise<Uint8Array[]>;
  /** The hub (config.federation.hubUrl / hubWitnessKey); absent on a single node. */
  hub?: { url: string; witnessKey: string } | undefined;
  /** Development switch: publish log-signed checkpoints without waiting for a cosignature. */
  publishUnwitnessed: boolean;
  /** At most one new checkpoint per this many ms (config.federation.checkpointMs). */
  checkpointMs: number;
  /**
   * How often the loop looks at the integrated tree (default 200 ms): a checkpoint is signed as soon as the tree
   * grew and checkpointMs passed since the last one, so an event waits at most about checkpointMs + pollMs.
   */
  pollMs?: number;
  /** Cosignatures are refreshed at least this often without growth (default 10 min, Tessera's republish interval). */
  republishMs?: number;
  /** How often the hub's view of this log is compared with this node's own checkpoints (default 60 s). */
  equivocationCheckMs?: number;
  /** Per-request budget for calls to the hub (default 10 s). */
  hubTimeoutMs?: number;
  fetch?: typeof fetch;
  clock?: () => Date;
  logger?: Logger | undefined;
}

export type HubViewAlert =
  /** The hub serves a checkpoint of this log with a root other than the one this node signed for that size. */
  | 'hub-equivocation'
  /** The hub serves a checkpoint of a size this node never signed (log key misuse, or lost node state). */
  | 'hub-checkpoint-unknown'
  /** The hub's checkpoint of this log does not verify (this node's signature or the hub's cosignature). */
  | 'hub-checkpoint-invalid'
  /** The hub serves a smaller size than it cosigned before. */
  | 'hub-rollback';

export interface PublishStep {
  /** Size of the checkpoint signed in this step, if one was. */
  signed?: number;
  /** Size of the checkpoint cosigned (and published) in this step, if one was. */
  cosigned?: number;
  /** What went wrong talking to the witness, if anything. */
  witnessError?: string;
  /** What the hub's view of this log showed, if it was checked and looked wrong. */
  alert?: HubViewAlert;
}

const SYSTEM = { principal: { kind: 'system' as const }, requestId: null };

export class TlogPublisher {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<PublishStep> | undefined;
  private readonly clock: () => Date;
  private readonly fetch: typeof fetch;
  private readonly hubVerifier: NoteVerifier | undefined;
  private readonly logVerifiers: NoteVerifier[];
  private lastViewCheck = -Infinity;
  private stopped = false;
  /**
   * The checkpoint the witness last refused (422) and when to offer it again. A refusal is final for that tree
   * (a bad proof, another root for a size): offering it every tick would only fill the hub's evidence table, so
   * the wait doubles from 30 s up to the republish interval until a new checkpoint or an operator changes it.
   */
  #refused: { note: string; until: number; waitMs: number; error: string } | undefined;
  /** sealtrust_tlog_hub_alerts_total{kind}: the app registers it with its metrics. */
  readonly alerts = new Counter({
    name: 'sealtrust_tlog_hub_alerts_total',
    help: "Alerts from comparing the hub's view of this log with this node's own checkpoints",
    labelNames: ['kind'],
    registers: [],
  });

  constructor(
    private readonly db: Db,
    private readonly opts: TlogPublisherOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.fetch = opts.fetch ?? fetch;
    this.hubVerifier = opts.hub ? cosignatureVerifierFromKey(opts.hub.witnessKey) : undefined;
    this.logVerifiers = [opts.logVerifierKey, ...(opts.retiredLogVerifierKeys ?? [])].map((k) =>
      sm2NoteVerifierFromKey(k),
    );
    if (opts.logSigner.name !== opts.origin) {
      throw new Error(`the log key is named ${opts.logSigner.name}, not the origin ${opts.origin}`);
    }
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    void this.tick();
    // A pass still running is not queued behind: the next tick comes after it.
    this.timer = setInterval(() => {
      if (!this.current) void this.tick();
    }, this.opts.pollMs ?? 200);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.current) await this.current;
  }

  /** One pass (what the timer does): sign if grown, collect the cosignature, check the hub's view when due. */
  async tick(): Promise<PublishStep> {
    while (this.current) await this.current;
    if (this.stopped) return {};
    this.current = this.pass();
    try {
      return await this.current;
    } finally {
      this.current = undefined;
    }
  }

  /**
   * One process of a node publishes at a time (a session advisory lock per origin): several processes over one
   * database would otherwise each sign and submit checkpoints of the same log. The others skip their pass.
   */
  private async pass(): Promise<PublishStep> {
    try {
      return (
        (await withSessionAdvisoryLock(this.db, 'sealtrust.tlog-publisher', this.opts.origin, () =>
          this.passLocked(),
        )) ?? {}
      );
    } catch (err) {
      this.opts.logger?.error({ err }, 'checkpoint publishing failed');
      return {};
    }
  }

  private async passLocked(): Promise<PublishStep> {
    const step: PublishStep = {};
    try {
      const signed = await this.signIfGrown();
      if (signed !== undefined) step.signed = signed;
      if (this.opts.hub) {
        const r = await this.collectCosignature(this.opts.hub);
        if (r.cosigned !== undefined) step.cosigned = r.cosigned;
        if (r.error !== undefined) step.witnessError = r.error;
        const now = this.clock().getTime();
        if (now - this.lastViewCheck >= (this.opts.equivocationCheckMs ?? 60_000)) {
          this.lastViewCheck = now;
          const alert = await this.checkHubView(this.opts.hub);
          if (alert) step.alert = alert;
        }
      }
    } catch (err) {
      this.opts.logger?.error({ err }, 'checkpoint publishing failed');
    }
    return step;
  }

  /** The last note found signed by the current key: a hub that is down must not cost a verification per tick. */
  #currentKeyNote: string | undefined;

  #signedByCurrentKey(note: string): boolean {
    if (note === this.#currentKeyNote) return true;
    try {
      openNote(note, [this.logVerifiers[0]!]);
    } catch {
      return false;
    }
    this.#currentKeyNote = note;
    return true;
  }

  /** Signs a checkpoint of the integrated tree when it grew, at most once per checkpointMs. */
  private async signIfGrown(): Promise<number | undefined> {
    const tree = await this.opts.integratedTree();
    const latest = await latestCheckpoint(this.db);
    const now = this.clock();
    if (latest) {
      if (tree.size < latest.size) {
        // Never sign a smaller tree: that is a fork of our own log (restored backup, truncation).
        this.opts.logger?.error(
          { integrated: tree.size, checkpointed: latest.size },
          'integrated tree is smaller than the last signed checkpoint; not signing',
        );
        return undefined;
      }
      if (tree.size === latest.size) {
        if (!equalBytes(tree.root, latest.root)) {
          this.opts.logger?.error({ size: tree.size }, 'integrated root differs from the signed checkpoint');
          return undefined;
        }
        // Signed by a key this node has since rotated away from and never cosigned: the witness takes only the
        // list's active keys, so sign it again with the current key (the tree is the same).
        if (latest.cosigned === null && !this.#signedByCurrentKey(latest.note)) {
          const note = signNote(checkpointText(this.opts.origin, tree), [this.opts.logSigner]);
          return (await resignUncosignedCheckpoint(this.db, tree.size, note)) ? tree.size : undefined;
        }
        return undefined;
      }
      if (now.getTime() - latest.signedAt.getTime() < this.opts.checkpointMs) return undefined;
    }
    const note = signNote(checkpointText(this.opts.origin, tree), [this.opts.logSigner]);
    // Without a witness policy to wait for, only the development switch publishes (federation.md §3.2).
    await insertCheckpoint(this.db, {
      size: tree.size,
      root: tree.root,
      note,
      signedAt: now,
      published: this.opts.publishUnwitnessed,
    });
    return tree.size;
  }

  /**
   * Asks the hub to cosign the latest checkpoint when it is not cosigned yet or its cosignature is older than
   * the republish interval. `old` starts at the witness's last known size and is corrected from a 409 body.
   */
  private async collectCosignature(hub: {
    url: string;
    witnessKey: string;
  }): Promise<{ cosigned?: number; error?: string }> {
    const cp = await latestCheckpoint(this.db);
    if (!cp) return {};
    const now = this.clock();
    const republishMs = this.opts.republishMs ?? 10 * 60_000;
    if (cp.cosigned && cp.witnessTime && now.getTime() - cp.witnessTime.getTime() < republishMs) return {};
    const refused = this.#refused?.note === cp.note ? this.#refused : undefined;
    if (refused && now.getTime() < refused.until) return { error: refused.error };
    const verifier = this.hubVerifier as NoteVerifier;
    let witness = await ensureTlogWitness(this.db, verifier.name, hub.url);
    let error: string | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const old = witness.lastSize;
      if (old > cp.size) {
        error = `witness holds size ${old}, beyond this log's latest checkpoint ${cp.size}`;
        break;
      }
      let res: { status: number; type: string; body: string };
      try {
        const proof = old === 0 || old === cp.size ? [] : await this.opts.consistencyProof(old, cp.size);
        res = await this.post(
          `${hub.url}/witness/add-checkpoint`,
          formatAddCheckpointRequest({ oldSize: old, proof, note: cp.note }),
        );
      } catch (err) {
        error = `witness unreachable: ${err instanceof Error ? err.message : String(err)}`;
        break;
      }
      if (res.status === 409 && res.type.startsWith('text/x.tlog.size')) {
        const m = /^(0|[1-9][0-9]*)\n$/.exec(res.body);
        if (!m) {
          error = 'witness answered 409 without a size';
          break;
        }
        // tlog-witness: the client learns the witness's size from the 409 body and retries with it.
        await updateTlogWitness(this.db, verifier.name, { lastSize: Number(m[1]), error: null, at: now });
        witness = { ...witness, lastSize: Number(m[1]) };
        continue;
      }
      if (res.status !== 200) {
        error = `witness answered ${res.status}: ${res.body.slice(0, 200)}`;
        if (res.status === 422) {
          const waitMs = Math.min(republishMs, refused ? refused.waitMs * 2 : 30_000);
          this.#refused = { note: cp.note, until: now.getTime() + waitMs, waitMs, error };
        }
        break;
      }
      const accepted = this.acceptCosignature(cp, res.body, verifier);
      if (typeof accepted === 'string') {
        error = accepted;
        break;
      }
      this.#refused = undefined;
      await this.db.transaction(async (trx) => {
        await recordCosignatures(trx, cp.size, accepted.note, accepted.time, true);
        await updateTlogWitness(trx, verifier.name, { lastSize: cp.size, error: null, at: now });
      });
      return { cosigned: cp.size };
    }
    error ??= 'witness kept answering 409';
    this.opts.logger?.warn({ size: cp.size, error }, 'checkpoint not cosigned');
    await updateTlogWitness(this.db, verifier.name, { error, at: now });
    return { error };
  }

  /** The cosigned note, if the hub's answer holds a cosignature by the configured witness key that verifies. */
  private acceptCosignature(
    cp: StoredCheckpoint,
    body: string,
    verifier: NoteVerifier,
  ): { note: string; time: Date } | string {
    try {
      const parsed = parseNote(cp.note + body);
      const text = new TextEncoder().encode(parsed.text);
      const mine = parsed.signatures.filter((s) => s.name === verifier.name && s.keyId === verifier.keyId);
      const good = mine.filter((s) => verifier.verify(text, s.signature));
      if (good.length === 0 || good.length !== mine.length) {
        return 'witness answer holds no valid cosignature by the configured hub witness key';
      }
      const cosignature = good[good.length - 1]!;
      // Stored: the log's own signature(s) and the verified cosignature, nothing else the answer carried.
      const note = formatNote(parsed.text, [...parseNote(cp.note).signatures, cosignature]);
      return { note, time: new Date(parseCosignature(cosignature.signature).timestamp * 1000) };
    } catch (err) {
      return `malformed witness answer: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /**
   * Compares the hub's view of this log (GET /witness/<hex SM3(origin)>/checkpoint) with the checkpoints this
   * node signed: the same size must have the same root (the "a hub that equivocates is caught by the
   * province comparing the hub's view of it with its own log").
   */
  async checkHubView(hub: { url: string }): Promise<HubViewAlert | undefined> {
    let res: { status: number; type: string; body: string };
    try {
      res = await this.get(`${hub.url}/witness/${originSm3(this.opts.origin).toString('hex')}/checkpoint`);
    } catch {
      return undefined; // hub down: nothing to compare now
    }
    if (res.status === 404) return undefined;
    if (res.status !== 200) return undefined;
    let size: number;
    let root: Uint8Array;
    try {
      const opened = openCheckpoint(res.body, this.opts.origin, this.logVerifiers, [this.hubVerifier!]);
      size = opened.checkpoint.size;
      root = opened.checkpoint.rootHash;
    } catch (err) {
      return this.alert('hub-checkpoint-invalid', {
        reason: err instanceof Error ? err.message : String(err),
      });
    }
    const mine = await checkpointAt(this.db, size);
    if (!mine) return this.alert('hub-checkpoint-unknown', { size, hubNote: res.body });
    if (!equalBytes(mine.root, root)) {
      return this.alert('hub-equivocation', { size, hubNote: res.body, ourNote: mine.note });
    }
    const witness = await ensureTlogWitness(this.db, this.hubVerifier!.name, hub.url);
    if (size < witness.lastSize) {
      return this.alert('hub-rollback', { size, cosignedBefore: witness.lastSize, hubNote: res.body });
    }
    return undefined;
  }

  private async alert(kind: HubViewAlert, details: Record<string, unknown>): Promise<HubViewAlert> {
    this.alerts.inc({ kind });
    this.opts.logger?.error(
      { kind, ...details },
      "the hub's view of this log does not match its checkpoints",
    );
    await withAudit(this.db, SYSTEM, 'tlog.hub-alert', async () => ({
      result: undefined,
      target: { type: 'tlog', id: this.opts.origin },
      details: { kind, ...details },
    }));
    return kind;
  }

  private async post(url: string, body: string): Promise<{ status: number; type: string; body: string }> {
    const res = await this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(this.opts.hubTimeoutMs ?? 10_000),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  }

  private async get(url: string): Promise<{ status: number; type: string; body: string }> {
    const res = await this.fetch(url, { signal: AbortSignal.timeout(this.opts.hubTimeoutMs ?? 10_000) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  }
}

function checkpointText(origin: string, tree: { size: number; root: Uint8Array }): string {
  return formatCheckpoint({ origin, size: tree.size, rootHash: tree.root, extensions: [] });
}
