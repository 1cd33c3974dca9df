// What the scenarios do to a node, through its public API only (the node is another process). Agencies, the demo
// catalogue, issuing and the deadline-bounded poll are the federation demo's (src/cli/federation-demo/node-api.ts);
// lifecycle events and the log size are the scenarios' own.
import { expectJson, type ProvinceAgency } from '../../../src/cli/federation-demo/node-api.js';
import {
  awaitTrustList,
  localTrustListDraft,
  publishTrustList as publishDraft,
} from '../../../src/cli/federation-demo/trust-list-bootstrap.js';
import type { FedNode } from './fed-node.js';
import type { Federation } from './federation.js';

export {
  defineDemoTypes,
  expectJson,
  issueLicence,
  provinceAgency,
  waitFor,
  type ProvinceAgency,
} from '../../../src/cli/federation-demo/node-api.js';

export type LifecycleOp = 'suspend' | 'resume' | 'revoke' | 'renew' | 'replace' | 'annul' | 'cancel';

/** A lifecycle event; for renew and replace, the new identifier. */
export async function licenceEvent(
  node: FedNode,
  agency: ProvinceAgency,
  identifier: string,
  operation: LifecycleOp,
): Promise<string> {
  const body = await expectJson<{ licence: { identifier: string }; created?: { identifier: string } }>(
    await node.request(`/v1/licences/${encodeURIComponent(identifier)}/events`, {
      method: 'POST',
      token: agency.issuer,
      json: { operation, reason: `联邦测试 ${operation}` },
    }),
    200,
    operation,
  );
  return body.created?.identifier ?? body.licence.identifier;
}

/** Entries in the node's directory log (read from its database: the count any append must grow). */
export async function tlogSize(node: FedNode): Promise<number> {
  const row = (await node.db('tlog_entries').count({ n: '*' }).first()) as { n: string | number };
  return Number(row.n);
}

/**
 * The hub publishes a trust list naming every province, as its operators would (federation.md §2.8, §3.3: each
 * province's own entry, the hub's witness and status keys), and every province is waited for until it holds it.
 * Returns the sequence number.
 */
export async function publishTrustList(fed: Federation): Promise<number> {
  const seq = await publishDraft(fed.hub, await localTrustListDraft(fed, '测试'));
  for (const p of fed.provinces) await awaitTrustList(p, seq);
  return seq;
}
