import { cosignatureVerifierFromKey } from '../tlog/cosignature.js';
import { sm2NoteVerifierFromKey } from '../tlog/sm2-note-key.js';
import type { NoteVerifier } from '../tlog/signed-note.js';
import { statusAt, trustListFreshness } from './trust-list-status.js';
import type { TrustList, TrustListNode } from './trust-list.js';

// What a verifier takes from an accepted trust list (federation.md §2.8, §4.3): the anchors, intermediates and seal
// makers of every listed node, each node's log keys (with their withdrawal times), the witness policy and the
// hub's status-statement key. Pure: the list was verified when it was accepted (trust-list-acceptance.ts).

/** A node's log key with the time it stopped counting, if it did. */
export interface ListedLogKey {
  verifier: NoteVerifier;
  /** Checkpoints cosigned after this instant must carry another key's signature (§5.4 "withdrawn log key"). */
  withdrawnAt: Date | null;
}

export interface ListedNode {
  nodeId: string;
  name: string;
  status: TrustListNode['status'];
  statusHistory: TrustListNode['statusHistory'];
  base: string;
  origin: string;
  logKeys: ListedLogKey[];
  /** SM3 (hex) of the certificates of its root and issuing CAs. */
  caSm3s: Set<string>;
}

export interface TrustListAnchors {
  sequenceNumber: number;
  issuedAt: string;
  nextUpdate: string;
  /** DER, deduplicated: every service ever granted (the status at signing time decides, §2.8 rule 7). */
  roots: Buffer[];
  intermediates: Buffer[];
  sealMakers: Buffer[];
  nodes: ListedNode[];
  witnesses: NoteVerifier[];
  /** Witness names whose cosignatures a checkpoint needs (the policy's quorum). */
  quorum: string[];
  statusVerifier: NoteVerifier | undefined;
}

function verifier(vkey: string, cosignature = false): NoteVerifier | undefined {
  try {
    return cosignature ? cosignatureVerifierFromKey(vkey) : sm2NoteVerifierFromKey(vkey);
  } catch {
    return undefined; // a key the list names but no verifier can use counts as absent
  }
}

/** The verifier's view of `list`. */
export function trustListAnchors(list: TrustList): TrustListAnchors {
  const roots = new Map<string, Buffer>();
  const intermediates = new Map<string, Buffer>();
  const makers = new Map<string, Buffer>();
  const nodes: ListedNode[] = [];
  for (const n of list.nodes) {
    const caSm3s = new Set<string>();
    for (const s of n.services) {
      // A service never granted (listed as suspended or withdrawn from the start) vouches for nothing.
      if (!s.history.some((h) => h.status === 'granted')) continue;
      const der = Buffer.from(s.certificate, 'base64');
      if (s.type === 'root-ca') roots.set(s.sm3, der);
      else if (s.type === 'issuing-ca') intermediates.set(s.sm3, der);
      else if (s.type === 'seal-maker') makers.set(s.sm3, der);
      if (s.type === 'root-ca' || s.type === 'issuing-ca') caSm3s.add(s.sm3);
    }
    const logKeys: ListedLogKey[] = [];
    for (const k of n.log.keys) {
      const v = verifier(k.vkey);
      if (v && v.name === n.log.origin)
        logKeys.push({ verifier: v, withdrawnAt: k.status === 'withdrawn' ? new Date(k.since) : null });
    }
    nodes.push({
      nodeId: n.nodeId,
      name: n.name,
      status: n.status,
      statusHistory: n.statusHistory,
      base: n.endpoints.base.replace(/\/+$/, ''),
      origin: n.log.origin,
      logKeys,
      caSm3s,
    });
  }
  const witnesses = list.witnessPolicy.witnesses.flatMap((w) => {
    const v = verifier(w.vkey, true);
    return v && v.name === w.name ? [v] : [];
  });
  const status = list.statusSigner && verifier(list.statusSigner.vkey);
  return {
    sequenceNumber: list.sequenceNumber,
    issuedAt: list.issuedAt,
    nextUpdate: list.nextUpdate,
    roots: [...roots.values()],
    intermediates: [...intermediates.values()],
    sealMakers: [...makers.values()],
    nodes,
    witnesses,
    quorum: [list.witnessPolicy.quorum],
    statusVerifier: status && status.name === list.statusSigner!.name ? status : undefined,
  };
}

/** The node's status at `at` from its history (withdrawn nodes still vouch for what they did before). */
export function nodeStatusAt(node: ListedNode, at: Date): ListedNode['status'] | undefined {
  return statusAt(node.statusHistory, at);
}

export { trustListFreshness };
