import type { LicenceEvidenceAnswer, SealEvidenceAnswer } from '../../verify/licence-log-evidence.js';
import { fetchBounded } from './bounded-fetch.js';

// A node asking the hub about another node's licence (GET /v1/federation/licences/{identifier}, federation.md
// §3.5): bounded in time and size, since the answer is judged, never trusted, and a slow hub must not hold a
// verification for long. A licence's evidence is a few kilobytes (events × proof paths).

const MAX_EVIDENCE_BYTES = 1 << 20;

/** The hub's 404: the licence is not in the national index; `node` is its issuer's node when the hub knows it. */
export interface LicenceNotInIndex {
  missing: true;
  node: string | null;
}

/** GET `<hub>/v1/federation/<kind>/<id>[?old=]`: the answer, or `missing` on the hub's 404. */
function hubGetter<A>(hubUrl: string, kind: 'licences' | 'seals', timeoutMs: number) {
  const base = hubUrl.replace(/\/+$/, '');
  return async (id: string, old?: number): Promise<A | LicenceNotInIndex> => {
    const url = `${base}/v1/federation/${kind}/${encodeURIComponent(id)}` + (old ? `?old=${old}` : '');
    const body = await fetchBounded(url, { maxBytes: MAX_EVIDENCE_BYTES, timeoutMs, accept404: true });
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (!v || typeof v !== 'object') throw new Error(`${url}: not a JSON object`);
    if ((v as { status?: unknown }).status === 404) {
      const node = (v as { node?: unknown }).node;
      return { missing: true, node: typeof node === 'string' ? node : null };
    }
    return v as A;
  };
}

/** Another node's licence evidence from the hub (§3.5). */
export function httpHubEvidence(
  hubUrl: string,
  timeoutMs = 5_000,
): (identifier: string, old?: number) => Promise<LicenceEvidenceAnswer | LicenceNotInIndex> {
  return hubGetter<LicenceEvidenceAnswer>(hubUrl, 'licences', timeoutMs);
}

/** Another node's seal evidence from the hub (§4.3 "Foreign SealRegistryView"). */
export function httpHubSealEvidence(
  hubUrl: string,
  timeoutMs = 5_000,
): (esID: string, old?: number) => Promise<SealEvidenceAnswer | LicenceNotInIndex> {
  return hubGetter<SealEvidenceAnswer>(hubUrl, 'seals', timeoutMs);
}
