// The hub's first national trust list for a local federation (federation.md §5.1 "Bootstrap"): a draft naming
// each province (its log key, endpoints, CA services, from its keys directory) and the hub's witness, published
// through the hub admin API; the provinces then fetch and verify it (SEALTRUST_TRUST_LIST_URL).
import type { TrustListDraft, TrustListNode } from '../../trust-list/trust-list.js';
import { MAX_NEXT_UPDATE_MS } from '../../trust-list/trust-list-draft.js';
import {
  exampleUscc,
  HUB_NODE_ID,
  nodeOperatorName,
  nodeProvinceName,
  nodeRegionCode,
} from './federation-nodes.js';
import type { LocalFederation } from './local-federation.js';
import { expectJson, waitFor } from './node-api.js';
import type { NodeProcess } from './node-process.js';

/**
 * The draft of the first list: every province's entry as the province itself submits it (GET
 * /v1/federation/trust-entry: its CA services, log key and endpoints, from its own keys), the hub's witness as the
 * quorum and its status-statement key.
 */
export async function localTrustListDraft(
  fed: Pick<LocalFederation<NodeProcess>, 'hub' | 'provinces' | 'vkeys'>,
  label: string,
): Promise<TrustListDraft> {
  const hub = fed.vkeys.get(HUB_NODE_ID)!;
  const nodes: TrustListNode[] = [];
  for (const p of fed.provinces) {
    const q = new URLSearchParams({ name: nodeProvinceName(p.nodeId), regionCode: nodeRegionCode(p.nodeId) });
    nodes.push(
      await expectJson<TrustListNode>(await p.admin(`/v1/federation/trust-entry?${q}`), 200, 'trust entry'),
    );
  }
  return {
    historicalPeriodDays: 3650,
    operator: {
      nodeId: HUB_NODE_ID,
      name: nodeOperatorName(HUB_NODE_ID, label),
      uscc: exampleUscc('12', nodeRegionCode(HUB_NODE_ID), 1),
      url: fed.hub.url,
    },
    witnessPolicy: {
      witnesses: [{ name: hub.witnessName, vkey: hub.witnessVkey!, url: fed.hub.url }],
      quorum: hub.witnessName,
    },
    ...(hub.statusVkey ? { statusSigner: { name: hub.statusName, vkey: hub.statusVkey } } : {}),
    nodes,
  };
}

/** Publishes the draft at the hub (list 1); returns its sequence number. */
export async function publishTrustList(hub: NodeProcess, draft: TrustListDraft): Promise<number> {
  await expectJson(
    await hub.admin('/v1/trust-list/draft', { method: 'PUT', json: draft }),
    200,
    'trust-list draft',
  );
  const published = await expectJson<{ sequenceNumber: number }>(
    await hub.admin('/v1/trust-list/draft:publish', {
      method: 'POST',
      // Just inside the 7-day bound (§2.8): the hub republishes daily while it runs.
      json: { nextUpdate: new Date(Date.now() + MAX_NEXT_UPDATE_MS - 60_000).toISOString() },
    }),
    201,
    'trust-list publication',
  );
  return published.sequenceNumber;
}

/** Asks the node to poll the hub now until it holds list `seq` as valid. */
export async function awaitTrustList(node: NodeProcess, seq: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${node.nodeId}: trust list ${seq} accepted`,
    async () => {
      const res = await node.admin('/v1/trust-list:refresh', { method: 'POST' });
      const state = (await res.json()) as { sequenceNumber?: number | null; status?: string };
      if (res.status !== 200) throw new Error(`refresh: HTTP ${res.status} ${JSON.stringify(state)}`);
      return state.status === 'valid' && state.sequenceNumber === seq ? true : undefined;
    },
    timeoutMs,
    500,
  );
}
