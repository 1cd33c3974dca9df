// The verdict vocabulary (ETSI EN 319 102-1 as used by EU DSS): indications, sub-indications, a check as the
// report carries it, and a rule (what a check means for the verdict). Shared by the check registry and the
// report, so neither depends on the other's values.

export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

/** 'warning': reported for the reader (a vendor variant, a form fill after signing) but neutral for the verdict. */
export type CheckStatus = 'passed' | 'failed' | 'indeterminate' | 'skipped' | 'warning';

/**
 * Sub-indications. The ETSI ones, plus SealTrust-specific ones for the seal registry (not in EN 319 102-1):
 * SEAL_REVOKED / SEAL_SUSPENDED (TOTAL_FAILED: the seal was revoked or suspended in the registry at the
 * signing time), SEAL_NOT_REGISTERED (TOTAL_FAILED: a seal of this node's maker that the registry never held) and NO_SIGNATURE_FOUND (INDETERMINATE: a document without signatures).
 */
export const SUB_INDICATION = {
  FORMAT_FAILURE: 'FORMAT_FAILURE',
  HASH_FAILURE: 'HASH_FAILURE',
  SIG_CRYPTO_FAILURE: 'SIG_CRYPTO_FAILURE',
  REVOKED: 'REVOKED',
  EXPIRED: 'EXPIRED',
  NOT_YET_VALID: 'NOT_YET_VALID',
  SIG_CONSTRAINTS_FAILURE: 'SIG_CONSTRAINTS_FAILURE',
  NO_SIGNING_CERTIFICATE_FOUND: 'NO_SIGNING_CERTIFICATE_FOUND',
  NO_CERTIFICATE_CHAIN_FOUND: 'NO_CERTIFICATE_CHAIN_FOUND',
  CERTIFICATE_CHAIN_GENERAL_FAILURE: 'CERTIFICATE_CHAIN_GENERAL_FAILURE',
  CHAIN_CONSTRAINTS_FAILURE: 'CHAIN_CONSTRAINTS_FAILURE',
  CRYPTO_CONSTRAINTS_FAILURE: 'CRYPTO_CONSTRAINTS_FAILURE',
  REVOKED_NO_POE: 'REVOKED_NO_POE',
  OUT_OF_BOUNDS_NO_POE: 'OUT_OF_BOUNDS_NO_POE',
  OUT_OF_BOUNDS_NOT_REVOKED: 'OUT_OF_BOUNDS_NOT_REVOKED',
  TRY_LATER: 'TRY_LATER',
  SIGNED_DATA_NOT_FOUND: 'SIGNED_DATA_NOT_FOUND',
  TIMESTAMP_ORDER_FAILURE: 'TIMESTAMP_ORDER_FAILURE',
  SEAL_REVOKED: 'SEAL_REVOKED',
  SEAL_SUSPENDED: 'SEAL_SUSPENDED',
  /** SealTrust: the seal's maker is one of this node's seal-making systems, yet the registry has no such seal. */
  SEAL_NOT_REGISTERED: 'SEAL_NOT_REGISTERED',
  NO_SIGNATURE_FOUND: 'NO_SIGNATURE_FOUND',
  /** SealTrust: the document was changed after the signature in a way that is not allowed (validation.md (d)). */
  DOCUMENT_MODIFIED: 'DOCUMENT_MODIFIED',
  /** SealTrust licence layer (TOTAL_FAILED unless said otherwise). */
  LICENCE_NOT_REGISTERED: 'LICENCE_NOT_REGISTERED',
  LICENCE_FILE_MISMATCH: 'LICENCE_FILE_MISMATCH',
  LICENCE_IDENTIFIER_INVALID: 'LICENCE_IDENTIFIER_INVALID',
  /** licence-status failures carry the status: LICENCE_REVOKED, LICENCE_SUPERSEDED, …, LICENCE_NOT_VALID_AT_SIGNING. */
  LICENCE_NOT_VALID: 'LICENCE_NOT_VALID',
  /** INDETERMINATE: suspended (may be resumed) or the directory cannot be asked. */
  LICENCE_SUSPENDED: 'LICENCE_SUSPENDED',
  LICENCE_COPY_EXPIRED: 'LICENCE_COPY_EXPIRED',
  /** SealTrust federation (federation.md §3.5): the log evidence of another node's licence is invalid. */
  LICENCE_NOT_IN_LOG: 'LICENCE_NOT_IN_LOG',
  /** INDETERMINATE: the trust list that vouches for other nodes is past its next update (§2.8 rule 5). */
  TRUST_LIST_EXPIRED: 'TRUST_LIST_EXPIRED',
  /** TOTAL_FAILED: the issuing node was withdrawn from the trust list before the licence was sealed. */
  NODE_WITHDRAWN: 'NODE_WITHDRAWN',
} as const;
export type SubIndication = (typeof SUB_INDICATION)[keyof typeof SUB_INDICATION] | (string & {});

export interface Check {
  /** Stable id: 'format', 'signature', 'signer-in-seal', 'seal-signature', 'validity-time', 'chain', … */
  id: string;
  status: CheckStatus;
  /** Stable machine-readable code (e.g. 'SIGNATURE_VALID', 'NO_CERTIFICATE_CHAIN_FOUND'). */
  code: string;
  /** Chinese first. */
  message: string;
  messageEn: string;
  /** Structured facts behind the message (times, serials, paths), for machines. */
  details?: Record<string, unknown>;
}

export interface Verdict {
  indication: Indication;
  subIndication: SubIndication | null;
}

/** What one check means for the signature; null = no effect (passed, or a check whose outcome is neutral). */
export type CheckRule = (check: Check) => Verdict | null;
