// What the scenarios do to a node, through its public API only (the node is another process): register an
// issuing agency with a vault key and an official seal, define the demo licence types, issue licences and
// apply lifecycle events; and a deadline-bounded poll for what happens in the background.
import assert from 'node:assert/strict';
import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
  DEMO_LICENCE_TYPES,
} from '../../../src/licence/demo-licence-types.js';
import { testUscc } from './fed-ca-config.js';
import type { FedNode } from './fed-node.js';
import type { Federation } from './federation.js';

export async function expectJson<T>(res: Response, status: number, what = ''): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, `${what} ${res.url}: ${text}`);
  return JSON.parse(text) as T;
}

export interface ProvinceAgency {
  agencyId: string;
  uscc: string;
  issuer: string;
  esID: string;
}

/**
 * An issuing agency of the node's province (`<node>0100`, numbered by `serial`): agency, vault-held signer key,
 * official seal, issuer token.
 */
export async function provinceAgency(node: FedNode, serial = 1): Promise<ProvinceAgency> {
  const region = `${node.nodeId}0100`;
  const uscc = testUscc('11', region, 100 + serial);
  const name = `${node.nodeId} 测试发证机关 ${serial}`;
  const { id: agencyId } = await expectJson<{ id: string }>(
    await node.admin('/v1/agencies', {
      method: 'POST',
      json: { name, uscc, regionCode: region, province: node.nodeId },
    }),
    201,
    'agency',
  );
  const key = await expectJson<{ certificateSerial: string }>(
    await node.admin(`/v1/agencies/${agencyId}/signer-keys`, { method: 'POST' }),
    201,
    'signer key',
  );
  const { esID } = await expectJson<{ esID: string }>(
    await node.admin('/v1/seals', {
      method: 'POST',
      json: {
        agencyId,
        name,
        type: 'official',
        signerCertSerials: [key.certificateSerial],
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validTo: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString(),
      },
    }),
    201,
    'seal',
  );
  const { token } = await expectJson<{ token: string }>(
    await node.admin('/v1/tokens', { method: 'POST', json: { role: 'issuer', agencyId } }),
    201,
    'issuer token',
  );
  return { agencyId, uscc, issuer: token, esID };
}

/** The demo catalogue, with these agencies as issuers. */
export async function defineDemoTypes(node: FedNode, issuerAgencyIds: string[]): Promise<void> {
  for (const t of DEMO_LICENCE_TYPES) {
    await expectJson(
      await node.admin('/v1/licence-types', { method: 'POST', json: { ...t, issuerAgencyIds } }),
      201,
      'licence type',
    );
  }
}

/** Issues one demo licence (二级建造师, the type test/service/federation uses) and returns its identifier. */
export async function issueLicence(node: FedNode, agency: ProvinceAgency): Promise<string> {
  const type = CONSTRUCTION_ENGINEER_2;
  const holder = DEMO_HOLDERS[type.code]!;
  const body = await expectJson<{ identifier: string }>(
    await node.request('/v1/licences', {
      method: 'POST',
      token: agency.issuer,
      json: {
        typeCode: type.code,
        holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
        validFrom: '2025-01-01',
        validTo: '2027-12-31',
        fields: { ...DEMO_FACE_DATA[type.code] },
      },
    }),
    201,
    'issue',
  );
  return body.identifier;
}

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
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what` and the
 * last value seen. Scenario tests wait for background work this way; nothing asserts on elapsed time.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${(last as Error).message ?? String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * The hub publishes a trust list naming every province, as its operators would (federation.md §2.8, §3.3): each
 * province's entry from its own keys (GET /v1/federation/trust-entry), the hub's witness and status keys, then
 * draft → publish; every province is asked to refresh and is waited for until it holds the list. Returns the
 * sequence number.
 */
export async function publishTrustList(
  fed: Federation,
  o: { nextUpdate?: Date; edit?: (nodes: Record<string, unknown>[]) => void } = {},
): Promise<number> {
  const nodes: Record<string, unknown>[] = [];
  for (const p of fed.provinces)
    nodes.push(await expectJson(await p.admin('/v1/federation/trust-entry'), 200, 'trust entry'));
  o.edit?.(nodes);
  const hub = fed.vkeys.get('00')!;
  const draft = {
    historicalPeriodDays: 3650,
    operator: {
      nodeId: '00',
      name: '电子证照信任枢纽（测试）',
      uscc: testUscc('12', '100000', 9),
      url: fed.hub.url,
    },
    witnessPolicy: {
      witnesses: [{ name: hub.witnessName, vkey: hub.witnessVkey!, url: `${fed.hub.url}/witness` }],
      quorum: hub.witnessName,
    },
    statusSigner: { name: hub.statusName, vkey: hub.statusVkey! },
    nodes,
  };
  await expectJson(await fed.hub.admin('/v1/trust-list/draft', { method: 'PUT', json: draft }), 200, 'draft');
  const nextUpdate = (o.nextUpdate ?? new Date(Date.now() + 6 * 86_400_000)).toISOString();
  const published = await expectJson<{ sequenceNumber: number }>(
    await fed.hub.admin('/v1/trust-list/draft:publish', { method: 'POST', json: { nextUpdate } }),
    201,
    'publish',
  );
  for (const p of fed.provinces)
    await waitFor(`trust list ${published.sequenceNumber} at ${p.nodeId}`, async () => {
      await p.admin('/v1/trust-list:refresh', { method: 'POST' });
      const state = (await (await p.admin('/v1/trust-list/state')).json()) as {
        sequenceNumber: number | null;
      };
      return state.sequenceNumber === published.sequenceNumber ? true : undefined;
    });
  return published.sequenceNumber;
}
