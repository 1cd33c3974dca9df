import canonicalize from 'canonicalize';
import { sm3 } from '../crypto/sm3.js';

/** What one audit record says; `seq` and the hashes are assigned when it joins the chain. */
export interface AuditEntry {
  at: Date;
  actorTokenId: string | null;
  actorRole: string; // 'system' for background changes
  action: string;
  targetType: string;
  targetId: string | null;
  requestId: string | null;
  outcome: 'success' | 'denied' | 'failure';
  details: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  /** Both null until the chainer reaches the record (it hashes records after they commit, in seq order). */
  prevHash: Buffer | null;
  hash: Buffer | null;
}

export const AUDIT_GENESIS_HASH: Buffer = Buffer.alloc(32);

/** RFC 8785 canonical JSON of everything the record asserts, including its place in the chain. */
export function canonicalAuditRecord(seq: number, e: AuditEntry): Buffer {
  const text = canonicalize({
    seq,
    at: e.at.toISOString(),
    actorTokenId: e.actorTokenId,
    actorRole: e.actorRole,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    requestId: e.requestId,
    outcome: e.outcome,
    details: e.details,
  });
  if (text === undefined) throw new TypeError('audit record is not serialisable');
  return Buffer.from(text, 'utf8');
}

/** hash = SM3(previous hash ‖ canonical record). */
export function auditHash(prevHash: Buffer, seq: number, e: AuditEntry): Buffer {
  return sm3(prevHash, canonicalAuditRecord(seq, e));
}

export interface ChainBreak {
  seq: number;
  reason: 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap' | 'missing-tail' | 'unchained-record';
}

/**
 * Walks records in seq order and names the first one that does not follow from its predecessor.
 * Stateful so a caller can stream pages of any size through it. Records are hashed after they commit, so the
 * walk may end in records not yet chained (`pending`); one such record before a chained one was un-hashed
 * after the fact, and is a break.
 */
export class AuditChainVerifier {
  private prevHash = AUDIT_GENESIS_HASH;
  private prevSeq = 0;
  /** The last record seen, chained or not. */
  lastSeq = 0;
  /** Chained records that verified. */
  count = 0;
  /** Records after the chained ones, waiting for the chainer. */
  pending = 0;
  #firstPending: number | undefined;

  check(r: AuditRecord): ChainBreak | null {
    if (r.seq !== this.lastSeq + 1) return { seq: r.seq, reason: 'sequence-gap' };
    this.lastSeq = r.seq;
    if (r.prevHash === null || r.hash === null) {
      this.#firstPending ??= r.seq;
      this.pending++;
      return null;
    }
    if (this.#firstPending !== undefined) return { seq: this.#firstPending, reason: 'unchained-record' };
    if (!r.prevHash.equals(this.prevHash)) return { seq: r.seq, reason: 'prev-hash-mismatch' };
    if (!auditHash(r.prevHash, r.seq, r).equals(r.hash)) return { seq: r.seq, reason: 'hash-mismatch' };
    this.prevHash = r.hash;
    this.prevSeq = r.seq;
    this.count++;
    return null;
  }

  /**
   * Checks the walk's end against the chained end recorded beside the chain (`chainHead`) and the last seq
   * handed out (`latestSeq`): records removed from the tail, or un-hashed below the chained end, show up here.
   */
  end(chainHead: { seq: number; hash: Buffer }, latestSeq: number): ChainBreak | null {
    if (this.prevSeq !== chainHead.seq || !this.prevHash.equals(chainHead.hash)) {
      return this.#firstPending !== undefined && this.#firstPending <= chainHead.seq
        ? { seq: this.#firstPending, reason: 'unchained-record' }
        : { seq: this.prevSeq + 1, reason: 'missing-tail' };
    }
    if (this.lastSeq !== latestSeq) return { seq: this.lastSeq + 1, reason: 'missing-tail' };
    return null;
  }
}
