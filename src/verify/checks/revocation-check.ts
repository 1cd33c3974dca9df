import type { ChainResult } from '../../pki/certificate-chain.js';
import type { Check, CheckStatus } from '../report.js';
import { iso } from '../report-summaries.js';
import type { RevocationAnswer, RevocationView } from '../revocation/revocation-source.js';
import type { Claim } from '../validation-context.js';
import { emit, MESSAGES, type Text } from './messages.js';

// The 'revocation' and 'maker-revocation' checks: every certificate of the chain but the anchor, asked of
// the revocation view (whose sources and their combination are the view's business), judged against the
// time model (EN 319 102-1 §5.2.6, §5.6.2.1): revoked at or before the claimed signing time → REVOKED
// (a hold → INDETERMINATE, it may be released); revoked later with a proof of existence before it → passed;
// revoked later without one → REVOKED_NO_POE. The worst certificate of the chain decides.

type RevocationId = 'revocation' | 'maker-revocation';

const SEVERITY: Record<CheckStatus, number> = {
  passed: 0,
  skipped: 0,
  warning: 0,
  indeterminate: 1,
  failed: 2,
};

export async function revocationCheck(
  id: RevocationId,
  party: Text,
  chain: ChainResult | null,
  view: RevocationView | undefined,
  claim: Claim,
  now: Date,
): Promise<Check> {
  if (!view) return emit(id, 'skipped', 'NO_REVOCATION_SOURCE', { offline: true, party });
  if (!chain || chain.status !== 'passed') return emit(id, 'skipped', 'NO_CHAIN', { party });
  if (chain.chain.length === 1) return emit(id, 'skipped', 'TRUST_ANCHOR', { party });
  const sources: string[] = [];
  let worst: Check | null = null;
  for (let i = 0; i + 1 < chain.chain.length; i++) {
    const cert = chain.chain[i]!;
    const issuer = chain.chain[i + 1]!;
    const who: Text = {
      zh: `${i === 0 ? `${party.zh}证书` : 'CA 证书'} ${cert.subject}（序列号 ${cert.serialHex}）`,
      en: `${i === 0 ? `${party.en} certificate` : 'CA certificate'} ${cert.subject} (serial ${cert.serialHex})`,
    };
    let a: RevocationAnswer;
    try {
      a = await view.statusAt(cert, issuer, now, { signingTime: claim.claimed, poe: claim.best });
    } catch (err) {
      a = { status: 'unknown', source: `error: ${(err as Error).message}`, code: 'TRY_LATER' };
    }
    sources.push(a.source);
    const c = judgeRevocation(id, a, claim, who);
    if (c && (!worst || SEVERITY[c.status] > SEVERITY[worst.status])) worst = c;
  }
  return worst ?? emit(id, 'passed', 'NOT_REVOKED', { party, sources: [...new Set(sources)] });
}

/** One certificate's answer against the time model; null when it is good. */
export function judgeRevocation(
  id: RevocationId,
  a: RevocationAnswer,
  claim: Claim,
  who: Text,
): Check | null {
  if (a.status === 'good') return null;
  if (a.status === 'no-source')
    return emit(id, 'skipped', 'NO_REVOCATION_SOURCE', { offline: false, who, source: a.source });
  if (a.status === 'unknown') {
    // The source's reason is the code (REVOCATION_OUT_OF_BOUNDS_NO_POE, TRY_LATER, …); its words when the
    // catalogue has them, else the generic "unknown".
    const code = a.code ?? 'REVOCATION_UNKNOWN';
    const params = { who, source: a.source };
    const worded = Object.prototype.hasOwnProperty.call(MESSAGES.revocation, code);
    const c = worded
      ? emit(id, 'indeterminate', code as 'REVOCATION_UNKNOWN', params)
      : { ...emit(id, 'indeterminate', 'REVOCATION_UNKNOWN', params), code };
    return c;
  }
  const hold = a.status === 'hold';
  const r = a.revokedAt;
  const facts = { who, hold, reason: a.reason, revokedAt: iso(r) };
  const details = { revokedAt: iso(r), reason: a.reason ?? null, source: a.source, status: a.status };
  if (r && claim.claimed && r <= claim.claimed) {
    const p = { ...facts, claimed: claim.claimed.toISOString() };
    // A certificate on hold at signing time may yet be released: not a final failure (EN 319 102-1: TRY_LATER).
    return hold
      ? emit(id, 'indeterminate', 'CERT_ON_HOLD', p, details)
      : emit(id, 'failed', 'REVOKED', p, details);
  }
  if (r && claim.best && claim.best < r)
    return emit(id, 'passed', 'REVOKED_AFTER_POE', { ...facts, best: claim.best.toISOString() }, details);
  return emit(id, 'indeterminate', 'REVOKED_NO_POE', { ...facts, claimed: iso(claim.claimed) }, details);
}
