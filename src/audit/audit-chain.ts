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
  prevHash: Buffer;
  hash: Buffer;
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
  reason: 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap' | 'missing-tail';
}

/**
 * Walks records in seq order and names the first one that does not follow from its predecessor.
 * Stateful so a caller can stream pages of any size through it.
 */
export class AuditChainVerifier {
  private prevHash = AUDIT_GENESIS_HASH;
  private prevSeq = 0;
  count = 0;

  check(r: AuditRecord): ChainBreak | null {
    if (r.seq !== this.prevSeq + 1) return { seq: r.seq, reason: 'sequence-gap' };
    if (!r.prevHash.equals(this.prevHash)) return { seq: r.seq, reason: 'prev-hash-mismatch' };
    if (!auditHash(r.prevHash, r.seq, r).equals(r.hash)) return { seq: r.seq, reason: 'hash-mismatch' };
    this.prevHash = r.hash;
    this.prevSeq = r.seq;
    this.count++;
    return null;
  }
}
