import { sm3Hex } from '../../crypto/sm3.js';
import { parseTrustList } from '../../trust-list/trust-list.js';
import { trustListAnchors, type TrustListAnchors } from '../../trust-list/trust-list-anchors.js';
import { trustListFreshness } from '../../trust-list/trust-list-status.js';

// The trust list as verification uses it (federation.md §4.3 "Verification"): the hub's latest published list, the
// copy a node verified and cached, or the one `sealtrust verify --trust-list` read from its cache directory, parsed
// once per version. `generation` names the version, so verification
// workers reload their anchors when it changes, and `state` says whether the list may still be relied on.

/** Where a view reads the list in force: FederatedTrust, or one verification's list (pinnedTrust). */
export interface TrustSource {
  snapshot(): Promise<TrustSnapshot | undefined>;
}

/**
 * A view over the trust list that can also answer under a given list: `under(pinnedTrust(snap))` is the view as
 * one verification sees it. A file is judged under one list (VerificationService): its worker's foreign anchors
 * and every view it asks (directory, seal registry, revocation) read the same snapshot, even when a newer list is
 * accepted, or the old one expires, while it runs.
 */
export type TrustBound<V> = V & { under(trust: TrustSource): V };

/** The list one verification was started under, as a TrustSource. */
export function pinnedTrust(snap: TrustSnapshot): TrustSource {
  const pinned = Promise.resolve(snap);
  return { snapshot: () => pinned };
}

export interface TrustSnapshot {
  /** `<sequence number>:<SM3 of list.json>`: changes with every accepted list. */
  generation: string;
  anchors: TrustListAnchors;
  state: 'valid' | 'expired';
}

/** An accepted list's bytes (list.json as signed), and their SM3 when already known. */
export interface AcceptedListBytes {
  bytes: Buffer;
  sm3?: string;
}

export interface FederatedTrustDeps {
  /**
   * The current list, already accepted (TrustListService.current, or a verified cache directory): throws when
   * there is none.
   */
  current(): Promise<AcceptedListBytes>;
  now?: () => Date;
  /** How long a read is reused, ms (default 1000): the list changes daily, its state by the clock. */
  maxAgeMs?: number;
}

export class FederatedTrust implements TrustSource {
  #parsed: { sm3: string; anchors: TrustListAnchors } | undefined;
  #read: { at: number; value: Promise<TrustSnapshot | undefined> } | undefined;
  readonly #now: () => Date;

  constructor(private readonly deps: FederatedTrustDeps) {
    this.#now = deps.now ?? (() => new Date());
  }

  /** The list in force, or undefined when this node holds none. */
  snapshot(): Promise<TrustSnapshot | undefined> {
    const at = Date.now();
    if (this.#read && at - this.#read.at < (this.deps.maxAgeMs ?? 1000)) return this.#read.value;
    const value = this.#load();
    this.#read = { at, value };
    value.catch(() => (this.#read = undefined));
    return value;
  }

  async #load(): Promise<TrustSnapshot | undefined> {
    let stored: AcceptedListBytes;
    try {
      stored = await this.deps.current();
    } catch {
      return undefined;
    }
    const sm3 = stored.sm3 ?? sm3Hex(stored.bytes);
    if (this.#parsed?.sm3 !== sm3)
      this.#parsed = { sm3, anchors: trustListAnchors(parseTrustList(stored.bytes)) };
    const anchors = this.#parsed.anchors;
    return {
      generation: `${anchors.sequenceNumber}:${sm3}`,
      anchors,
      state: trustListFreshness(anchors, this.#now()),
    };
  }
}
