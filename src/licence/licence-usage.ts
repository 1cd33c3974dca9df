/** 用证五要素: who used the licence, for which service item and business. */
export interface UsageElements {
  organization: string; // 用证机构
  user: string; // 用证人
  itemName: string; // 事项名称
  itemCode: string; // 事项编码
  businessNumber: string; // 业务流水号
}

/** One use (用证) of a licence by an agency other than its issuer, with the five elements. */
export interface LicenceUsage extends UsageElements {
  identifier: string;
  ownerAgencyId: string;
  userAgencyId: string | null;
  /**
   * The node whose token used it when that is not an agency's token here: another node's `sync-peer` token
   * (its node id), or the national hub relaying a sharing query (`00`); null for an agency's own token.
   */
  userNode: string | null;
  /** For a use relayed by the hub: the node the hub asked on behalf of (federation.md §3.6); else null. */
  requestedBy: string | null;
  /** search: personal columns of a directory search hit. */
  action: 'record' | 'file' | 'copy' | 'search';
  actorTokenId: string | null;
  at: Date;
}
