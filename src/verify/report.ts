// Validation report vocabulary (ETSI EN 319 102-1 as used by EU DSS) and the pure rules that turn a list of
// checks into a signature's indication. The engines (SES today; licences and PDF later) produce checks; this
// module alone decides what they mean, so every engine concludes the same way from the same facts.

export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

/** 'warning': reported for the reader (a vendor variant, a form fill after signing) but neutral for the verdict. */
export type CheckStatus = 'passed' | 'failed' | 'indeterminate' | 'skipped' | 'warning';

/**
 * Sub-indications. The ETSI ones, plus SealTrust-specific ones for the seal registry (not in EN 319 102-1):
 * SEAL_REVOKED / SEAL_SUSPENDED (TOTAL_FAILED: the seal was revoked or suspended in the registry at the
 * signing time) and NO_SIGNATURE_FOUND (INDETERMINATE: a document without signatures).
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

export interface CertificateSummary {
  subject: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}

export interface TimestampSummary {
  genTime: string;
  serial: string;
  policy: string;
  tsa: string | null;
  imprintAlgorithm: string;
  /** CMS signature, messageDigest, contentType and ESS binding all hold, and the EKU is right. */
  signatureValid: boolean;
  /** The imprint is the digest of the signature value it is attached to. */
  imprintMatches: boolean;
  /** The TSA certificate chains to a trust anchor at genTime. */
  trusted: boolean;
  problems: string[];
}

export interface SignatureReport {
  /** 'SES v4', 'SES v1', 'SES v5', 'SES seal v4' (a bare seal); in a PDF 'PDF SES v4', 'PDF CMS (RFC 5652)', … */
  format: string;
  /** PDF only: the /SubFilter as written (the format above is what /Contents really holds). */
  subFilter?: string | null;
  /** PDF only: the signature field's name. */
  fieldName?: string | null;
  /** PDF only: 0-based revision whose end the /ByteRange reaches (null: unknown). */
  revision?: number | null;
  /** PDF only: the signed bytes reach the end of the file (no later update). */
  coversWholeDocument?: boolean;
  indication: Indication;
  subIndication: SubIndication | null;
  /** The time the signer claims (SES timeInfo), ISO 8601; not proof of anything by itself. */
  signingTime: string | null;
  /** genTime of a valid, trusted timestamp over the signature value (proof of existence), else null. */
  bestSignatureTime: string | null;
  seal: {
    esID: string;
    name: string;
    version: number;
    type?: number;
    vid?: string;
    validStart?: string | null;
    validEnd?: string | null;
  } | null;
  signer: { subject: string; serial: string; issuer?: string } | null;
  /** The signer's validated chain, leaf → anchor (for a bare seal: the maker's). */
  chain: CertificateSummary[];
  maker?: { subject: string; serial: string; issuer?: string } | null;
  makerChain?: CertificateSummary[];
  checks: Check[];
  timestamp?: TimestampSummary;
}

/** The licence layer of a SealTrust licence PDF (its licence.json names an identifier). */
export interface LicenceReport {
  identifier: string;
  /** Directory status now ('valid', 'suspended', 'revoked', …), null without a directory. */
  status: string | null;
  /** The version of this file (from its metadata) and the newest one the directory knows. */
  version: string | null;
  latestVersion: string | null;
  /** The replacing licence's identifier, when there is one. */
  successor?: string | null;
  /** 加注件: the copy's purpose and expiry when the file is an annotated copy. */
  copy?: { purpose: string; expiresAt: string; maker?: string } | null;
  indication: Indication;
  subIndication: SubIndication | null;
  checks: Check[];
}

export interface ValidationReport {
  indication: Indication;
  subIndication: SubIndication | null;
  validatedAt: string;
  signatures: SignatureReport[];
  licence?: LicenceReport;
}

export interface Verdict {
  indication: Indication;
  subIndication: SubIndication | null;
}

export const PASSED: Verdict = { indication: 'TOTAL_PASSED', subIndication: null };

const failed = (subIndication: SubIndication): Verdict => ({ indication: 'TOTAL_FAILED', subIndication });
const indeterminate = (subIndication: SubIndication): Verdict => ({
  indication: 'INDETERMINATE',
  subIndication,
});

/** What one check means for the signature; null = no effect (passed, or a check whose outcome is neutral). */
export type CheckRule = (check: Check) => Verdict | null;

const S = SUB_INDICATION;

function chainRule(check: Check): Verdict | null {
  if (check.status === 'passed' || check.status === 'skipped') return null;
  switch (check.code) {
    case 'NO_CERTIFICATE_CHAIN_FOUND':
      return indeterminate(S.NO_CERTIFICATE_CHAIN_FOUND);
    case 'NO_SIGNING_CERTIFICATE_FOUND':
      return indeterminate(S.NO_SIGNING_CERTIFICATE_FOUND);
    case 'ISSUER_NOT_CA':
    case 'ISSUER_NO_KEY_CERT_SIGN':
    case 'PATH_LENGTH_EXCEEDED':
      return indeterminate(S.CHAIN_CONSTRAINTS_FAILURE);
    case 'UNSUPPORTED_ALGORITHM':
      return indeterminate(S.CRYPTO_CONSTRAINTS_FAILURE);
    // A CA certificate outside its validity at the validation time: without proof of existence earlier,
    // EN 319 102-1 concludes OUT_OF_BOUNDS_NO_POE (the signer's own validity is the validity-time check's).
    case 'EXPIRED':
    case 'NOT_YET_VALID':
      return indeterminate(S.OUT_OF_BOUNDS_NO_POE);
    default:
      return indeterminate(S.CERTIFICATE_CHAIN_GENERAL_FAILURE);
  }
}

function revocationRule(check: Check): Verdict | null {
  if (check.status === 'passed' || check.status === 'skipped') return null;
  if (check.status === 'failed')
    return failed(check.code === 'SEAL_SUSPENDED' ? S.SEAL_SUSPENDED : S.REVOKED);
  return indeterminate(check.code === 'REVOKED_NO_POE' ? S.REVOKED_NO_POE : S.TRY_LATER);
}

/**
 * The rules by check id. Checks are neutral when passed or skipped unless a rule says otherwise (a signature
 * whose data was not given cannot pass). Engines for other formats add rules with `deriveIndication(checks,
 * {...DEFAULT_RULES, myCheck: rule})`; a check without a rule maps failed → TOTAL_FAILED and indeterminate →
 * INDETERMINATE with its own code as the sub-indication.
 */
export const DEFAULT_RULES: Readonly<Record<string, CheckRule>> = {
  format: (c) => (c.status === 'failed' || c.status === 'indeterminate' ? failed(S.FORMAT_FAILURE) : null),
  'data-hash': (c) => {
    if (c.status === 'passed') return null;
    if (c.status === 'failed') return failed(S.HASH_FAILURE);
    return indeterminate(S.SIGNED_DATA_NOT_FOUND); // skipped or indeterminate: the data was not available
  },
  signature: (c) => cryptoRule(c),
  'seal-signature': (c) => cryptoRule(c),
  // Deliberately TOTAL_FAILED (EN 319 102-1 lists SIG_CONSTRAINTS_FAILURE under INDETERMINATE): the seal's
  // certList is the definitive list of who may use the seal, so a signer outside it is never a valid seal use.
  'signer-in-seal': (c) =>
    c.status === 'failed'
      ? failed(S.SIG_CONSTRAINTS_FAILURE)
      : c.status === 'indeterminate'
        ? indeterminate(S.SIG_CONSTRAINTS_FAILURE)
        : null,
  'validity-time': (c) => {
    if (c.status === 'passed' || c.status === 'skipped') return null;
    if (c.status === 'failed') return failed(c.code === 'NOT_YET_VALID' ? S.NOT_YET_VALID : S.EXPIRED);
    return indeterminate(
      c.code === 'SIGNING_TIME_UNKNOWN' ? S.SIG_CONSTRAINTS_FAILURE : S.OUT_OF_BOUNDS_NO_POE,
    );
  },
  chain: chainRule,
  'maker-chain': chainRule,
  revocation: revocationRule,
  'maker-revocation': revocationRule,
  // EN 319 102-1: a timestamp that does not validate is ignored; it then proves nothing (no best signature
  // time), which the validity and revocation checks already take into account.
  timestamp: () => null,
  'byte-range': (c) =>
    c.status === 'failed' || c.status === 'indeterminate' ? failed(S.FORMAT_FAILURE) : null,
  modifications: (c) =>
    c.status === 'failed'
      ? failed(S.DOCUMENT_MODIFIED)
      : c.status === 'indeterminate'
        ? indeterminate(S.DOCUMENT_MODIFIED)
        : null,
  'licence-registered': (c) => licenceRule(c, S.LICENCE_NOT_REGISTERED),
  'licence-file-hash': (c) => licenceRule(c, S.LICENCE_FILE_MISMATCH),
  'licence-identifier': (c) => licenceRule(c, S.LICENCE_IDENTIFIER_INVALID),
  // The status itself names the failure (LICENCE_REVOKED, LICENCE_SUPERSEDED, LICENCE_LAPSED, …).
  'licence-status': (c) =>
    c.status === 'failed'
      ? failed(c.code)
      : c.status === 'indeterminate'
        ? indeterminate(c.code === 'LICENCE_SUSPENDED' ? S.LICENCE_SUSPENDED : S.TRY_LATER)
        : null,
  'licence-copy': (c) => licenceRule(c, S.LICENCE_COPY_EXPIRED),
  'seal-status': (c) => {
    if (c.status === 'passed' || c.status === 'skipped') return null;
    if (c.status === 'failed') {
      if (c.code === 'SEAL_SUSPENDED') return failed(S.SEAL_SUSPENDED);
      if (c.code === 'SEAL_EXPIRED') return failed(S.EXPIRED);
      if (c.code === 'SEAL_BYTES_MISMATCH') return failed(S.SIG_CONSTRAINTS_FAILURE);
      return failed(S.SEAL_REVOKED);
    }
    return indeterminate(c.code === 'REVOKED_NO_POE' ? S.REVOKED_NO_POE : S.TRY_LATER);
  },
};

// Licence checks: failed is final; indeterminate means the directory could not answer (TRY_LATER).
function licenceRule(c: Check, sub: SubIndication): Verdict | null {
  if (c.status === 'failed') return failed(sub);
  if (c.status === 'indeterminate') return indeterminate(S.TRY_LATER);
  return null;
}

function cryptoRule(c: Check): Verdict | null {
  if (c.status === 'passed' || c.status === 'skipped') return null;
  if (c.status === 'failed') return failed(S.SIG_CRYPTO_FAILURE);
  return indeterminate(
    c.code === 'CERT_UNPARSEABLE' || c.code === 'SIGNER_CERT_NOT_FOUND'
      ? S.NO_SIGNING_CERTIFICATE_FOUND
      : S.CRYPTO_CONSTRAINTS_FAILURE,
  );
}

function fallbackRule(c: Check): Verdict | null {
  if (c.status === 'failed') return failed(c.code);
  if (c.status === 'indeterminate') return indeterminate(c.code);
  return null;
}

// When several checks fail, the most fundamental reason is reported (EN 319 102-1 block order: format, then
// the cryptographic verification, then certificate status and time, then constraints). Unlisted ones rank last.
const FAILED_ORDER: string[] = [
  S.FORMAT_FAILURE,
  S.HASH_FAILURE,
  S.SIG_CRYPTO_FAILURE,
  S.DOCUMENT_MODIFIED,
  S.REVOKED,
  S.SEAL_REVOKED,
  S.SEAL_SUSPENDED,
  S.EXPIRED,
  S.NOT_YET_VALID,
  S.SIG_CONSTRAINTS_FAILURE,
];
const INDETERMINATE_ORDER: string[] = [
  S.NO_SIGNING_CERTIFICATE_FOUND,
  S.NO_CERTIFICATE_CHAIN_FOUND,
  S.CERTIFICATE_CHAIN_GENERAL_FAILURE,
  S.CHAIN_CONSTRAINTS_FAILURE,
  S.CRYPTO_CONSTRAINTS_FAILURE,
  S.REVOKED_NO_POE,
  S.OUT_OF_BOUNDS_NO_POE,
  S.OUT_OF_BOUNDS_NOT_REVOKED,
  S.TRY_LATER,
  S.SIG_CONSTRAINTS_FAILURE,
  S.SIGNED_DATA_NOT_FOUND,
  S.TIMESTAMP_ORDER_FAILURE,
  S.DOCUMENT_MODIFIED,
];

function rank(order: string[], sub: SubIndication | null): number {
  const i = order.indexOf(sub ?? '');
  return i === -1 ? order.length : i;
}

/**
 * A signature's indication from its checks (EN 319 102-1 §5.3: a definitive failure anywhere beats an
 * indeterminate outcome — a signature that does not verify is TOTAL_FAILED even when its chain is unknown;
 * any indeterminate outcome prevents TOTAL_PASSED). Pure: same checks, same verdict.
 */
export function deriveIndication(
  checks: readonly Check[],
  rules: Readonly<Record<string, CheckRule>> = DEFAULT_RULES,
): Verdict {
  let worstFailed: Verdict | null = null;
  let worstIndeterminate: Verdict | null = null;
  for (const check of checks) {
    const rule = rules[check.id] ?? fallbackRule;
    const v = rule(check);
    if (!v || v.indication === 'TOTAL_PASSED') continue;
    if (v.indication === 'TOTAL_FAILED') {
      if (!worstFailed || rank(FAILED_ORDER, v.subIndication) < rank(FAILED_ORDER, worstFailed.subIndication))
        worstFailed = v;
    } else if (
      !worstIndeterminate ||
      rank(INDETERMINATE_ORDER, v.subIndication) < rank(INDETERMINATE_ORDER, worstIndeterminate.subIndication)
    ) {
      worstIndeterminate = v;
    }
  }
  return worstFailed ?? worstIndeterminate ?? PASSED;
}

const SEVERITY: Record<Indication, number> = { TOTAL_PASSED: 0, INDETERMINATE: 1, TOTAL_FAILED: 2 };

/**
 * The document's indication: the worst of its signatures and of the licence layer (the first such part's
 * sub-indication). No signature at all is INDETERMINATE / NO_SIGNATURE_FOUND whatever the licence layer says.
 */
export function overallIndication(
  signatures: readonly Pick<SignatureReport, 'indication' | 'subIndication'>[],
  licence?: Pick<LicenceReport, 'indication' | 'subIndication'>,
): Verdict {
  if (signatures.length === 0) {
    if (licence?.indication === 'TOTAL_FAILED')
      return { indication: licence.indication, subIndication: licence.subIndication };
    return indeterminate(S.NO_SIGNATURE_FOUND);
  }
  let worst: Verdict = PASSED;
  for (const s of licence ? [...signatures, licence] : signatures) {
    if (SEVERITY[s.indication] > SEVERITY[worst.indication])
      worst = { indication: s.indication, subIndication: s.subIndication };
  }
  return worst;
}

export function validationReport(
  signatures: SignatureReport[],
  validatedAt = new Date(),
  licence?: LicenceReport,
): ValidationReport {
  const v = overallIndication(signatures, licence);
  return { ...v, validatedAt: validatedAt.toISOString(), signatures, ...(licence ? { licence } : {}) };
}

/** A check in the report's shape; `details` only when given. */
export function check(
  id: string,
  status: CheckStatus,
  code: string,
  message: string,
  messageEn: string,
  details?: Record<string, unknown>,
): Check {
  return { id, status, code, message, messageEn, ...(details ? { details } : {}) };
}

export const INDICATION_ZH: Record<Indication, string> = {
  TOTAL_PASSED: '验证通过',
  TOTAL_FAILED: '验证失败',
  INDETERMINATE: '无法确定',
};
