import type { CertificateInfo } from '../../pki/certificate.js';
import { parseCrl, verifyCrlSignature, type ParsedCrl } from '../../pki/crl.js';
import { parseEvidence, verifiedOnce } from './revocation-evidence.js';
import { REVOCATION_CLOCK_SKEW_MS, revocationFreshness } from './revocation-freshness.js';
import type { RevocationAnswer, RevocationTimes } from './revocation-source.js';

// What a set of CRLs says about one certificate: the judgement shared by every CRL source (CRLs carried in
// the document, CRLs fetched over HTTP). RFC 5280 §6.3: a CRL counts only when its issuer is the
// certificate's issuer and its signature verifies with the issuer's key.

/** The CRLs among `ders` that parse; the others are no evidence either way. */
export function parseCrls(ders: readonly Uint8Array[]): ParsedCrl[] {
  return parseEvidence(ders, parseCrl);
}

/** verifyCrlSignature, remembered per CRL and issuer key. */
const signedBy = verifiedOnce<ParsedCrl, CertificateInfo>(
  (issuer) => Buffer.from(issuer.publicKey).toString('hex'),
  (crl, issuer) => verifyCrlSignature(crl, issuer.publicKey),
);

export interface CrlJudgement {
  /** For the report: where the CRLs come from ('crl:embedded', 'crl:https://…'). */
  source: string;
  /**
   * The CRLs are the issuer's live publication (the node's current CRL for its own CAs): only currency at the
   * validation time is asked of them, not freshness relative to the signing time (the node publishes a new
   * CRL after every revocation, so its current CRL describes now).
   */
  authoritative?: boolean;
}

/**
 * The answer of `crls` about `cert`: a serial listed on any valid CRL is revoked (certificateHold: on hold, if
 * the newest CRL still lists it); else good when the newest CRL is fresh (revocation-freshness.ts), else
 * 'unknown' with the freshness code. 'no-source' when no CRL of the issuer is among them.
 */
export function crlAnswer(
  crls: readonly ParsedCrl[],
  cert: CertificateInfo,
  issuer: CertificateInfo,
  at: Date,
  times: RevocationTimes | undefined,
  how: CrlJudgement,
): RevocationAnswer {
  const auth = how.authoritative ? { authoritative: true } : {};
  const usable = crls.filter(
    (c) =>
      c.issuerDer.equals(cert.issuerDer) &&
      c.thisUpdate.getTime() <= at.getTime() + REVOCATION_CLOCK_SKEW_MS &&
      signedBy(c, issuer),
  );
  if (usable.length === 0) return { status: 'no-source', source: `${how.source} (no CRL of this issuer)` };
  // A revocation is final (RFC 5280 §5.3.1): any CRL listing the serial proves it, however old.
  let revoked: { revokedAt: Date; reason: string } | undefined;
  for (const c of usable) {
    const e = c.entries.get(cert.serialHex);
    if (e && e.reason !== 'certificateHold' && (!revoked || e.revokedAt < revoked.revokedAt)) revoked = e;
  }
  if (revoked)
    return {
      status: 'revoked',
      revokedAt: revoked.revokedAt,
      reason: revoked.reason,
      source: how.source,
      ...auth,
    };
  // The newest CRL speaks for now: a hold it no longer lists was released.
  const newest = usable.reduce((a, b) =>
    b.thisUpdate > a.thisUpdate ||
    (b.thisUpdate.getTime() === a.thisUpdate.getTime() &&
      (b.nextUpdate?.getTime() ?? Infinity) > (a.nextUpdate?.getTime() ?? Infinity))
      ? b
      : a,
  );
  const held = newest.entries.get(cert.serialHex);
  if (held)
    return { status: 'hold', revokedAt: held.revokedAt, reason: held.reason, source: how.source, ...auth };
  if (how.authoritative) {
    if (newest.nextUpdate !== null && newest.nextUpdate.getTime() < at.getTime())
      return {
        status: 'unknown',
        code: 'TRY_LATER',
        source: `${how.source} (stale: nextUpdate ${newest.nextUpdate.toISOString()})`,
        ...auth,
      };
    return { status: 'good', source: how.source, ...auth };
  }
  const f = revocationFreshness(newest.thisUpdate, newest.nextUpdate, at, times);
  return f.fresh
    ? { status: 'good', source: how.source }
    : { status: 'unknown', code: f.code, source: `${how.source} (${f.detail})` };
}
