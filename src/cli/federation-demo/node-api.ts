// What is done to a federation node through its public API only (the node is another process): register an
// issuing agency with a vault key and an official seal, define the demo licence types, issue licences; and a
// deadline-bounded poll for what happens in the background. The federation demo and the test harness share it.
import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
  DEMO_LICENCE_TYPES,
} from '../../licence/demo-licence-types.js';
import { exampleUscc } from './federation-nodes.js';
import type { NodeProcess } from './node-process.js';

/** The response's JSON when its status is `status`; else an error naming the request and the body. */
export async function expectJson<T>(res: Response, status: number, what = ''): Promise<T> {
  const text = await res.text();
  if (res.status !== status)
    throw new Error(`${what} ${res.url}: expected HTTP ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export interface ProvinceAgency {
  agencyId: string;
  uscc: string;
  name: string;
  /** The agency's issuer token. */
  issuer: string;
  esID: string;
}

/**
 * An issuing agency of the node's province (`<node>0100`, numbered by `serial`): agency, vault-held signer key,
 * official seal, issuer token.
 */
export async function provinceAgency(
  node: NodeProcess,
  serial = 1,
  name = `${node.nodeId} 测试发证机关 ${serial}`,
): Promise<ProvinceAgency> {
  const region = `${node.nodeId}0100`;
  const uscc = exampleUscc('11', region, 100 + serial);
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
  return { agencyId, uscc, name, issuer: token, esID };
}

/** The demo catalogue, with these agencies as issuers. */
export async function defineDemoTypes(node: NodeProcess, issuerAgencyIds: string[]): Promise<void> {
  for (const t of DEMO_LICENCE_TYPES) {
    await expectJson(
      await node.admin('/v1/licence-types', { method: 'POST', json: { ...t, issuerAgencyIds } }),
      201,
      'licence type',
    );
  }
}

export interface IssueOptions {
  /** A demo licence type (default 二级建造师, the type test/service/federation uses). */
  typeCode?: string;
  validFrom?: string;
  validTo?: string;
}

/** Issues one demo licence with the type's demo holder and face data; returns its identifier. */
export async function issueLicence(
  node: NodeProcess,
  agency: ProvinceAgency,
  o: IssueOptions = {},
): Promise<string> {
  const typeCode = o.typeCode ?? CONSTRUCTION_ENGINEER_2.code;
  const holder = DEMO_HOLDERS[typeCode];
  if (!holder) throw new Error(`${typeCode} is not a demo licence type`);
  const body = await expectJson<{ identifier: string }>(
    await node.request('/v1/licences', {
      method: 'POST',
      token: agency.issuer,
      json: {
        typeCode,
        holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
        validFrom: o.validFrom ?? '2025-01-01',
        validTo: o.validTo ?? '2027-12-31',
        fields: { ...DEMO_FACE_DATA[typeCode] },
      },
    }),
    201,
    'issue',
  );
  return body.identifier;
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what` and the
 * last error seen. Background work (witnessing, mirroring) is awaited this way, never with fixed sleeps.
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
