import { DEMO_LICENCE_TYPES } from '../../src/licence/demo-licence-types.js';

/** The benchmarks' JSON call: POST when `json` is given, else GET; the parsed body. */
export type BenchApi = <T>(path: string, token: string, json?: unknown) => Promise<T>;

/**
 * An agency ready to issue, through the API as an operator would set it up: the agency, a signer key, an
 * official seal, the demo licence types with it as issuer, and an issuer token.
 */
export async function issuingAgency(
  api: BenchApi,
  admin: string,
): Promise<{ agencyId: string; issuer: string }> {
  const agency = await api<{ id: string }>('/v1/agencies', admin, {
    name: '江苏省住房和城乡建设厅',
    uscc: '11320100014000714D',
    regionCode: '320000',
    province: '32',
  });
  const key = await api<{ certificateSerial: string }>(`/v1/agencies/${agency.id}/signer-keys`, admin, {});
  await api('/v1/seals', admin, {
    agencyId: agency.id,
    name: '江苏省住房和城乡建设厅',
    type: 'official',
    signerCertSerials: [key.certificateSerial],
    validFrom: new Date(Date.now() - 60_000).toISOString(),
    validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
  });
  for (const t of DEMO_LICENCE_TYPES)
    await api('/v1/licence-types', admin, { ...t, issuerAgencyIds: [agency.id] });
  const { token: issuer } = await api<{ token: string }>('/v1/tokens', admin, {
    role: 'issuer',
    agencyId: agency.id,
  });
  return { agencyId: agency.id, issuer };
}
