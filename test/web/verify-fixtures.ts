// A test server with an issuing agency and the demo licence types, and issued licences as PDFs: what the
// verification API and page tests start from.
import assert from 'node:assert/strict';
import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
} from '../../src/licence/demo-licence-types.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  defineDemoTypes,
  expectJson,
  setupIssuingAgency,
  type IssuingAgency,
} from '../helpers/licence-fixtures.js';

export interface VerifyWorld {
  srv: TestServer;
  agency: IssuingAgency;
}

/**
 * `env` sets SEALTRUST_VERIFY_* for this server only (the services read them when built).
 */
export async function startVerifyWorld(env: Record<string, string> = {}): Promise<VerifyWorld> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let srv: TestServer;
  try {
    srv = await startTestServer();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const agency = await setupIssuingAgency(srv, {
    name: '江苏省住房和城乡建设厅',
    uscc: '11320100014000714D',
    regionCode: '320000',
  });
  await defineDemoTypes(srv, [agency.agencyId]);
  return { srv, agency };
}

const YEAR = 365 * 86_400_000;
/** A validity window around today (the demo types allow at most three years). */
export const VALID_FROM = new Date(Date.now() - YEAR).toISOString().slice(0, 10);
export const VALID_TO = new Date(Date.now() + YEAR).toISOString().slice(0, 10);

/** Issues a licence of `typeCode` (default: 二级建造师注册证书, a person as holder) and returns its PDF. */
export async function issueLicence(
  w: VerifyWorld,
  typeCode = CONSTRUCTION_ENGINEER_2.code,
): Promise<{ identifier: string; pdf: Buffer; holderCode: string }> {
  const holder = DEMO_HOLDERS[typeCode]!;
  const issued = await expectJson<{ identifier: string }>(
    await w.srv.request('/v1/licences', {
      method: 'POST',
      token: w.agency.issuer,
      json: {
        typeCode,
        holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
        validFrom: VALID_FROM,
        validTo: VALID_TO,
        fields: { ...DEMO_FACE_DATA[typeCode] },
      },
    }),
    201,
  );
  const res = await w.srv.request(`/v1/licences/${issued.identifier}/pdf`, { token: w.agency.issuer });
  assert.equal(res.status, 200);
  return {
    identifier: issued.identifier,
    pdf: Buffer.from(await res.arrayBuffer()),
    holderCode: holder.code,
  };
}

/**
 * The same file with one byte changed inside the first signed range: in the binary comment on the second line
 * (the %âãÏÓ marker), which every reader ignores, so the file still reads the same and only the hash breaks.
 */
export function tamper(pdf: Buffer): Buffer {
  const copy = Buffer.from(pdf);
  const nl = copy.indexOf(0x0a);
  assert.ok(nl > 0 && copy[nl + 1] === 0x25, 'expected a comment on the second line');
  const at = nl + 2;
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}
