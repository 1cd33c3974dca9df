import type { CertificateInfo } from '../../pki/certificate.js';
import {
  certIdMatches,
  parseOcspResponse,
  verifyOcspResponseSigner,
  type ParsedBasicResponse,
  type ParsedSingleResponse,
} from '../../pki/ocsp.js';
import { parseEvidence, verifiedOnce } from './revocation-evidence.js';
import { REVOCATION_CLOCK_SKEW_MS, revocationFreshness } from './revocation-freshness.js';
import type { RevocationAnswer, RevocationTimes } from './revocation-source.js';
import type { CrlJudgement } from './crl-revocation.js';

// What a set of OCSP responses says about one certificate (RFC 6960): the judgement for responses carried in
// the document (PDF /DSS /OCSPs, CMS crls as id-ri-ocsp-response). A response counts only when its signature
// verifies with the issuer's key or a delegated responder the issuer certified (verifyOcspResponseSigner).

/** The successful responses among `ders`; the others are no evidence either way. */
export function parseOcspResponses(ders: readonly Uint8Array[]): ParsedBasicResponse[] {
  return parseEvidence(ders, (der) => parseOcspResponse(der).basic ?? null);
}

/** The response is signed by the issuer or a responder it delegated to, remembered per response and issuer. */
const signedFor = verifiedOnce<ParsedBasicResponse, CertificateInfo>(
  (issuer) => Buffer.from(issuer.der).toString('base64'),
  (basic, issuer) => 'signer' in verifyOcspResponseSigner(basic, issuer, basic.producedAt),
);

/**
 * The answer of `responses` about `cert`, judged like CRLs (crl-revocation.ts): revoked however old the
 * response, else the newest single response decides (on hold, unknown to the responder, or good when fresh
 * under revocation-freshness.ts); 'no-source' when none is about this certificate.
 */
export function ocspAnswer(
  responses: readonly ParsedBasicResponse[],
  cert: CertificateInfo,
  issuer: CertificateInfo,
  at: Date,
  times: RevocationTimes | undefined,
  how: CrlJudgement,
): RevocationAnswer {
  const auth = how.authoritative ? { authoritative: true } : {};
  const singles: ParsedSingleResponse[] = [];
  for (const basic of responses) {
    const mine = basic.responses.filter(
      (s) =>
        s.thisUpdate.getTime() <= at.getTime() + REVOCATION_CLOCK_SKEW_MS &&
        certIdMatches(s.certId, cert, issuer),
    );
    if (mine.length && signedFor(basic, issuer)) singles.push(...mine);
  }
  if (singles.length === 0) return { status: 'no-source', source: `${how.source} (no OCSP response for it)` };
  let revoked: { revokedAt: Date; reason: string } | undefined;
  for (const s of singles)
    if (
      s.status.kind === 'revoked' &&
      s.status.reason !== 'certificateHold' &&
      (!revoked || s.status.revokedAt < revoked.revokedAt)
    )
      revoked = { revokedAt: s.status.revokedAt, reason: s.status.reason ?? 'unspecified' };
  if (revoked) return { status: 'revoked', ...revoked, source: how.source, ...auth };
  const newest = singles.reduce((a, b) => (b.thisUpdate > a.thisUpdate ? b : a));
  if (newest.status.kind === 'revoked')
    return {
      status: 'hold',
      revokedAt: newest.status.revokedAt,
      reason: 'certificateHold',
      source: how.source,
      ...auth,
    };
  if (newest.status.kind === 'unknown')
    return { status: 'unknown', source: `${how.source} (the responder does not know it)`, ...auth };
  const f = how.authoritative
    ? newest.nextUpdate === null || newest.nextUpdate.getTime() >= at.getTime()
      ? ({ fresh: true } as const)
      : ({ fresh: false, code: 'TRY_LATER', detail: 'stale' } as const)
    : revocationFreshness(newest.thisUpdate, newest.nextUpdate, at, times);
  return f.fresh
    ? { status: 'good', source: how.source, ...auth }
    : { status: 'unknown', code: f.code, source: `${how.source} (${f.detail})`, ...auth };
}
