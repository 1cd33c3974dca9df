// What the scenarios do to a node, through its public API only (the node is another process). Agencies, the demo
// catalogue, issuing and the deadline-bounded poll are the federation demo's (src/cli/federation-demo/node-api.ts);
// lifecycle events and the log size are the scenarios' own.
import { expectJson, type ProvinceAgency } from '../../../src/cli/federation-demo/node-api.js';
import type { FedNode } from './fed-node.js';

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
