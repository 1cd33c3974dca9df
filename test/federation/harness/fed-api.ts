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
