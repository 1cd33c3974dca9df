// The hub's first national trust list for a local federation (federation.md §5.1 "Bootstrap"): a draft naming
// each province (its log key, endpoints, CA services, from its keys directory) and the hub's witness, published
// through the hub admin API; the provinces then fetch and verify it (SEALTRUST_TRUST_LIST_URL).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromPem } from '../../crypto/pem.js';
import { sm3Hex } from '../../crypto/sm3.js';
import { caManifestSchema } from '../../pki/ca-manifest.js';
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

type Service = TrustListNode['services'][number];

/** The CA services a keys directory holds (root, issuing CA, OCSP responder, TSA, seal maker), all granted. */
function servicesOf(keysDir: string, since: string): Service[] {
  const m = caManifestSchema.parse(JSON.parse(readFileSync(join(keysDir, 'node.json'), 'utf8')));
  const ic = m.issuingCas[0];
  const files: [Service['type'], string | undefined][] = [
    ['root-ca', m.root.certificate],
    ['issuing-ca', ic?.certificate],
    ['ocsp-responder', ic?.ocspResponder.certificate],
    ['tsa', ic?.tsa?.certificate],
    ['seal-maker', ic?.sealMaker?.certificate],
  ];
  return files
    .filter((f): f is [Service['type'], string] => f[1] !== undefined)
    .map(([type, file]) => {
      const der = fromPem(readFileSync(join(keysDir, file), 'utf8')).der;
      return {
        type,
        certificate: der.toString('base64'),
        sm3: sm3Hex(der),
        status: 'granted' as const,
        history: [{ status: 'granted' as const, since }],
      };
    });
}

/** The draft of the first list: every province active since `now`, the hub's witness as the quorum. */
export function localTrustListDraft(
  fed: LocalFederation<NodeProcess>,
  label: string,
  now = new Date(),
): TrustListDraft {
  const since = now.toISOString();
  const hub = fed.vkeys.get(HUB_NODE_ID)!;
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
    nodes: fed.provinces.map((p) => {
      const v = fed.vkeys.get(p.nodeId)!;
      return {
        nodeId: p.nodeId,
        kind: 'province' as const,
        name: nodeProvinceName(p.nodeId),
        regionCode: nodeRegionCode(p.nodeId),
        status: 'active' as const,
        statusHistory: [{ status: 'active' as const, since }],
        endpoints: { base: p.url, tlog: `${p.url}/tlog/` },
        log: {
          origin: v.origin,
          hash: 'SM3' as const,
          keys: [{ vkey: v.logVkey, status: 'active' as const, since }],
        },
        services: servicesOf(p.spec.keysDir, since),
      };
    }),
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
