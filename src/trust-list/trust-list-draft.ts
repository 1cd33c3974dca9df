import { isDeepStrictEqual } from 'node:util';
import type { TrustList, TrustListDraft, TrustListNode } from './trust-list.js';
import { TrustListError } from './trust-list-error.js';

// The hub making list N+1 from list N and the admins' draft (federation.md §3.3): a status change appends to a
// history and never rewrites it, nothing listed disappears (it is withdrawn instead), nextUpdate is at most
// 7 days ahead, and a change of signers makes this list a pivot (§2.8 "Signer rotation").

/** SealTrust's NextUpdate bound (§2.8: ≤ 7 days, republished daily); TS 119 612 allows six months. */
export const MAX_NEXT_UPDATE_MS = 7 * 86_400_000;

export type { TrustListDraft };

export interface NextTrustListOptions {
  now: Date;
  nextUpdate: Date;
  /** The certificates signing this list (base64 DER). */
  signers: string[];
  /** Certificates the next list may be signed with (base64 DER): announced here, a pivot when they sign. */
  announceSigners?: string[];
}

const isPrefix = <T>(before: readonly T[], after: readonly T[]) =>
  before.length <= after.length && before.every((h, i) => isDeepStrictEqual(h, after[i]));

function checkHistoryKept(previous: TrustListNode, next: TrustListNode | undefined): void {
  const rewritten = (what: string) =>
    new TrustListError(
      'HISTORY_REWRITTEN',
      `节点 ${previous.nodeId} 的${what}被改写或删除；应追加状态变更 / node ${previous.nodeId}: ${what} rewritten or removed; append a status change instead`,
    );
  if (!next) throw rewritten('条目 (entry)');
  if (!isPrefix(previous.statusHistory, next.statusHistory)) throw rewritten('状态历史 (status history)');
  for (const s of previous.services) {
    const kept = next.services.find((n) => n.sm3 === s.sm3 && n.type === s.type);
    if (!kept || !isPrefix(s.history, kept.history)) throw rewritten(`服务 ${s.type} ${s.sm3.slice(0, 16)}…`);
  }
  for (const k of previous.log.keys) {
    const kept = next.log.keys.find((n) => n.vkey === k.vkey);
    if (!kept || (k.status === 'withdrawn' && kept.status !== 'withdrawn'))
      throw rewritten('日志密钥 (log key)');
  }
}

/**
 * List N+1 from `previous` (undefined for the first) and the draft.
 * @throws TrustListError NEXT_UPDATE_TOO_FAR | HISTORY_REWRITTEN | NOTHING_CHANGED
 */
export function nextTrustList(
  previous: TrustList | undefined,
  draft: TrustListDraft,
  o: NextTrustListOptions,
): TrustList {
  const ahead = o.nextUpdate.getTime() - o.now.getTime();
  if (ahead <= 0 || ahead > MAX_NEXT_UPDATE_MS)
    throw new TrustListError(
      'NEXT_UPDATE_TOO_FAR',
      '下次更新时间须在 7 天之内且晚于现在 / nextUpdate must be in the future and at most 7 days ahead',
    );
  const next = [...(o.announceSigners ?? [])];
  if (previous) {
    for (const n of previous.nodes)
      checkHistoryKept(
        n,
        draft.nodes.find((d) => d.nodeId === n.nodeId),
      );
  }
  const signersChanged =
    previous !== undefined && !isDeepStrictEqual([...previous.signers.current].sort(), [...o.signers].sort());
  const sequenceNumber = (previous?.sequenceNumber ?? 0) + 1;
  const list: TrustList = {
    schema: 'https://sealtrust.org.cn/ns/trust-list/1',
    sequenceNumber,
    issuedAt: o.now.toISOString(),
    nextUpdate: o.nextUpdate.toISOString(),
    ...draft,
    signers: {
      current: [...o.signers],
      next,
      pivots: [...(previous?.signers.pivots ?? []), ...(signersChanged ? [sequenceNumber] : [])],
    },
  };
  // Republishing only to move nextUpdate on is a change (the daily refresh); a list that says nothing new
  // and would expire no later is refused.
  if (
    previous &&
    !signersChanged &&
    Date.parse(list.nextUpdate) <= Date.parse(previous.nextUpdate) &&
    isDeepStrictEqual(
      { ...draft, next },
      {
        operator: previous.operator,
        historicalPeriodDays: previous.historicalPeriodDays,
        witnessPolicy: previous.witnessPolicy,
        ...(previous.statusSigner ? { statusSigner: previous.statusSigner } : {}),
        nodes: previous.nodes,
        next: previous.signers.next,
      },
    )
  )
    throw new TrustListError(
      'NOTHING_CHANGED',
      '信任列表没有变化 / nothing changed since the published list',
    );
  return list;
}
