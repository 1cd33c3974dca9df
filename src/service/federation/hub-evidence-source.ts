import type { LicenceEvidenceAnswer } from '../../verify/licence-log-evidence.js';
import { fetchBounded, FetchStatusError } from './bounded-fetch.js';

// A node asking the hub about another node's licence (GET /v1/federation/licences/{identifier}, federation.md
// §3.5): bounded in time and size, since the answer is judged, never trusted, and a slow hub must not hold a
// verification for long. A licence's evidence is a few kilobytes (events × proof paths).

const MAX_EVIDENCE_BYTES = 1 << 20;

export function httpHubEvidence(
  hubUrl: string,
  timeoutMs = 5_000,
): (identifier: string, old?: number) => Promise<LicenceEvidenceAnswer | null> {
  const base = hubUrl.replace(/\/+$/, '');
  return async (identifier, old) => {
    const url =
      `${base}/v1/federation/licences/${encodeURIComponent(identifier)}` + (old ? `?old=${old}` : '');
    let body: Buffer;
    try {
      body = await fetchBounded(url, { maxBytes: MAX_EVIDENCE_BYTES, timeoutMs });
    } catch (err) {
      if (err instanceof FetchStatusError && err.status === 404) return null;
      throw err;
    }
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (!v || typeof v !== 'object') throw new Error(`${url}: not a JSON object`);
    return v as LicenceEvidenceAnswer;
  };
}
