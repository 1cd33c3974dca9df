// SealTrust's certificate policy identifiers, one per certificate profile (ca/profiles/*.json `policies`; a
// test holds the two in step). Verifiers read a certificate's purpose from them: only a seal-maker
// certificate makes seals, only a seal-signer certificate signs with a seal.

const ARC = '2.25.331378933073741540232787376587029394141';

export const SEALTRUST_POLICY = {
  issuingCa: `${ARC}.1`,
  sealSigner: `${ARC}.1.1`,
  sealMaker: `${ARC}.1.2`,
  ocspResponder: `${ARC}.2.1`,
  tsa: `${ARC}.3.1`,
  logSigner: `${ARC}.4.1`,
  /** The hub's witness cosigner (federation.md §4.3: hub-only profiles under …4). */
  witness: `${ARC}.4.2`,
  /** The hub's national trust-list signer (federation.md §2.8: detached SM2 CMS over list.json; §4.3). */
  trustListSigner: `${ARC}.4.3`,
} as const;

/** The profile a policy identifier names (by ca/profiles id), or null for another issuer's policy. */
export function sealTrustProfileOf(policy: string): string | null {
  switch (policy) {
    case SEALTRUST_POLICY.sealSigner:
      return 'seal-signer';
    case SEALTRUST_POLICY.sealMaker:
      return 'seal-maker';
    case SEALTRUST_POLICY.ocspResponder:
      return 'ocsp-responder';
    case SEALTRUST_POLICY.tsa:
      return 'tsa';
    case SEALTRUST_POLICY.logSigner:
      return 'log-signer';
    case SEALTRUST_POLICY.witness:
      return 'witness';
    case SEALTRUST_POLICY.trustListSigner:
      return 'trust-list-signer';
    default:
      return null;
  }
}
