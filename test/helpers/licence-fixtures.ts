// An issuing agency ready to issue licences over the real API: agency, a vault-held seal-signer key, an
// active official seal, the demo licence types it may issue, and its issuer token.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
  DEMO_LICENCE_TYPES,
} from '../../src/licence/demo-licence-types.js';
import type { TestServer } from './test-server.js';
import { readDerTlv } from '../../src/crypto/der-tlv.js';

export interface IssuingAgency {
  agencyId: string;
  issuer: string;
  esID: string;
  signerSerial: string;
}

export async function expectJson<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  return JSON.parse(text) as T;
}

export async function setupIssuingAgency(
  srv: TestServer,
  a: { name: string; uscc: string; regionCode: string },
): Promise<IssuingAgency> {
  const admin = srv.adminToken;
  const { id: agencyId } = await expectJson<{ id: string }>(
    await srv.request('/v1/agencies', {
      method: 'POST',
      token: admin,
      json: { ...a, province: a.regionCode.slice(0, 2) },
    }),
    201,
  );
  const key = await expectJson<{ certificateSerial: string }>(
    await srv.request(`/v1/agencies/${agencyId}/signer-keys`, { method: 'POST', token: admin }),
    201,
  );
  const { esID } = await expectJson<{ esID: string }>(
    await srv.request('/v1/seals', {
      method: 'POST',
      token: admin,
      json: {
        agencyId,
        name: a.name,
        type: 'official',
        signerCertSerials: [key.certificateSerial],
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validTo: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString(),
      },
    }),
    201,
  );
  return {
    agencyId,
    issuer: await srv.token('issuer', { agencyId }),
    esID,
    signerSerial: key.certificateSerial,
  };
}

/** Defines the demo types with the given agencies as issuers. */
export async function defineDemoTypes(srv: TestServer, issuerAgencyIds: string[]): Promise<void> {
  for (const t of DEMO_LICENCE_TYPES) {
    await expectJson(
      await srv.request('/v1/licence-types', {
        method: 'POST',
        token: srv.adminToken,
        json: { ...t, issuerAgencyIds },
      }),
      201,
    );
  }
}

/** The last signature's /ByteRange and /Contents, found by our own reading of the bytes (not src/pdf). */
export function lastSignature(pdf: Buffer): { byteRange: number[]; contents: Buffer; digest: Buffer } {
  const text = pdf.toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const m = ranges[ranges.length - 1];
  assert.ok(m, 'no /ByteRange');
  const byteRange = m.slice(1, 5).map(Number);
  const [a, b, c, d] = byteRange as [number, number, number, number];
  assert.equal(a, 0);
  assert.equal(c + d, pdf.length, 'the last signature covers the whole file');
  const hex = pdf.subarray(b + 1, c - 1).toString('latin1');
  assert.equal(pdf[b], 0x3c);
  assert.equal(pdf[c - 1], 0x3e);
  // The DER element's own length says where it ends: stripping trailing zero bytes instead would cut a
  // signature whose last octet is 0x00 (one in 256).
  const padded = Buffer.from(hex, 'hex');
  const contents = padded.subarray(0, readDerTlv(padded, 0, padded.length).end);
  const digest = createHash('sm3')
    .update(pdf.subarray(0, b))
    .update(pdf.subarray(c, c + d))
    .digest();
  return { byteRange, contents, digest };
}

/** The request body of one demo licence (二级建造师 with its demo holder and face data), with `overrides`. */
export function demoIssueBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
  return {
    typeCode: CONSTRUCTION_ENGINEER_2.code,
    holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
    validFrom: '2025-01-01',
    validTo: '2027-12-31',
    fields: { ...DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code] },
    ...overrides,
  };
}

/** Issues one demo licence with `issuer`'s token; its identifier. */
export async function issueDemoLicence(srv: TestServer, issuer: string): Promise<string> {
  const res = await srv.request('/v1/licences', { method: 'POST', token: issuer, json: demoIssueBody() });
  return (await expectJson<{ identifier: string }>(res, 201)).identifier;
}
