import { sm3Hex } from '../crypto/sm3.js';
import { parseTrustList, type TrustList } from './trust-list.js';
import { TrustListError } from './trust-list-error.js';
import { verifyTrustListSignature } from './trust-list-signature.js';
import { EXPIRY_WARNING_MS } from './trust-list-status.js';

// A node accepting a fetched trust list (federation.md §2.8 "Consumption rules" 2–3 and "Signer rotation"),
// modelled on EU DSS's TLValidationJob and the pivot LOTL: pure, so the service only fetches, stores and alerts.

/** What a node keeps of the last list it accepted (trust_list_cache). */
export interface AcceptedTrustList {
  bytes: Buffer;
  p7s: Buffer;
  list: TrustList;
  /** Hex SM3 of `bytes` (list.json.sm3, the ETag). */
  sm3: string;
  /** DER certificates a next list may be signed with: current(N) ∪ next(N) (`pinned ∪ announced`). */
  signers: Buffer[];
}

/** How far in the future a list's issuedAt may be (clock skew between hub and node, §2.8 rule 2). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** A warning that does not stop acceptance (§2.8 rule 6). */
export interface TrustListWarning {
  kind: 'signer-expiring' | 'node-status-changed' | 'log-key-withdrawn';
  detail: Record<string, unknown>;
}

export type TrustListAcceptance =
  | { outcome: 'accepted'; accepted: AcceptedTrustList; warnings: TrustListWarning[] }
  /** The same list as the cached one (same sequence number and bytes): nothing to do. */
  | { outcome: 'unchanged' };

const der = (b64: string) => Buffer.from(b64, 'base64');

/**
 * Accepts `bytes` + `p7s` after `cached` (or, for the first list, after the configured bootstrap signers):
 * the signature by a signer of `pinned ∪ current(N−1) ∪ next(N−1)` valid now, the schema, issuedAt ≤ now + 5 min,
 * nextUpdate > now, and a sequence number that never goes back (the Go sumdb rule: a verifier never moves
 * backwards). Pivots: a list that changed its signers is verified against the list before it, so a node that
 * missed versions must accept them in order (the service walks `signers.pivots`).
 * @throws TrustListError ROLLBACK | EQUIVOCATION | ISSUED_IN_FUTURE | EXPIRED | the parse and signature codes
 */
export function acceptTrustList(
  cached: AcceptedTrustList | undefined,
  bytes: Buffer,
  p7s: Buffer,
  ctx: { bootstrapSigners: readonly Buffer[]; now: Date },
): TrustListAcceptance {
  const list = parseTrustList(bytes);
  const digest = sm3Hex(bytes);
  if (cached) {
    if (list.sequenceNumber < cached.list.sequenceNumber)
      throw new TrustListError(
        'ROLLBACK',
        `信任列表序号回退（${list.sequenceNumber} < ${cached.list.sequenceNumber}）/ trust list sequence number went back`,
      );
    if (list.sequenceNumber === cached.list.sequenceNumber) {
      if (digest === cached.sm3) return { outcome: 'unchanged' };
      throw new TrustListError(
        'EQUIVOCATION',
        `同一序号 ${list.sequenceNumber} 的信任列表内容不同 / two different trust lists with sequence number ${list.sequenceNumber}`,
      );
    }
  }
  // The configured signers only bootstrap the first list; afterwards trust moves with the lists themselves, so
  // an old bootstrap key cannot sign a list forever.
  const allowed = cached ? cached.signers : ctx.bootstrapSigners;
  const signer = verifyTrustListSignature(bytes, p7s, allowed, ctx.now);
  if (Date.parse(list.issuedAt) > ctx.now.getTime() + MAX_CLOCK_SKEW_MS)
    throw new TrustListError(
      'ISSUED_IN_FUTURE',
      `信任列表签发时间 ${list.issuedAt} 晚于当前时间 / the trust list is issued in the future`,
    );
  if (Date.parse(list.nextUpdate) <= ctx.now.getTime())
    throw new TrustListError(
      'EXPIRED',
      `信任列表已过下次更新时间 ${list.nextUpdate} / the trust list is past its next update`,
    );
  const warnings: TrustListWarning[] = [];
  // Rule 6: a signer certificate that expires within 30 days, and nodes whose status changed.
  if (signer.notAfter.getTime() - ctx.now.getTime() < EXPIRY_WARNING_MS)
    warnings.push({
      kind: 'signer-expiring',
      detail: { subject: signer.subject, notAfter: signer.notAfter.toISOString() },
    });
  for (const n of list.nodes) {
    const before = cached?.list.nodes.find((p) => p.nodeId === n.nodeId);
    if (before && before.status !== n.status)
      warnings.push({
        kind: 'node-status-changed',
        detail: { nodeId: n.nodeId, from: before.status, to: n.status },
      });
    // §5.4 "withdrawn or rotated log key": the node's checkpoints under that key stop counting from `since`.
    for (const k of n.log.keys) {
      const was = before?.log.keys.find((p) => p.vkey === k.vkey);
      if (k.status === 'withdrawn' && was?.status === 'active')
        warnings.push({
          kind: 'log-key-withdrawn',
          detail: { nodeId: n.nodeId, key: k.vkey.split('+').slice(0, 2).join('+'), since: k.since },
        });
    }
  }
  return {
    outcome: 'accepted',
    accepted: {
      bytes,
      p7s,
      list,
      sm3: digest,
      signers: [...list.signers.current, ...list.signers.next].map(der),
    },
    warnings,
  };
}

/**
 * The lists a node at `acceptedSeq` must accept, in order, before `target` (§2.8 rotation): pivot p is the first
 * list signed by new signers and list p − 1 announced them, so both are needed when skipped over.
 */
export function pivotPath(
  acceptedSeq: number,
  target: Pick<TrustList, 'sequenceNumber' | 'signers'>,
): number[] {
  const wanted = new Set<number>();
  for (const p of target.signers.pivots)
    for (const seq of [p - 1, p]) if (seq > acceptedSeq && seq < target.sequenceNumber) wanted.add(seq);
  return [...wanted].sort((a, b) => a - b);
}

/**
 * Accepts `bytes` + `p7s` after `cached` as acceptTrustList does, first walking the lists a rotation put in
 * between (pivotPath), read through `history` (the hub's `/trust/lists/{seq}.json`). A list on the way may be
 * past its own nextUpdate by now: it is judged at an instant before that, since only its signers matter.
 * @throws TrustListError as acceptTrustList, for the target or a list on the way
 */
export async function acceptTrustListChain(
  cached: AcceptedTrustList | undefined,
  bytes: Buffer,
  p7s: Buffer,
  history: (seq: number) => Promise<{ bytes: Buffer; p7s: Buffer }>,
  ctx: { bootstrapSigners: readonly Buffer[]; now: Date },
): Promise<TrustListAcceptance> {
  let current = cached;
  let target: TrustList | undefined;
  try {
    target = parseTrustList(bytes);
  } catch {
    target = undefined; // acceptTrustList below reports it
  }
  if (current && target) {
    for (const seq of pivotPath(current.list.sequenceNumber, target)) {
      const step = await history(seq);
      const at = Math.min(ctx.now.getTime(), Date.parse(parseTrustList(step.bytes).nextUpdate) - 1);
      const r = acceptTrustList(current, step.bytes, step.p7s, { ...ctx, now: new Date(at) });
      if (r.outcome === 'accepted') current = r.accepted;
    }
  }
  return acceptTrustList(current, bytes, p7s, ctx);
}
