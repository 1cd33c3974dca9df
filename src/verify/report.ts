// The validation report (ETSI EN 319 102-1 as used by EU DSS) and how a list of checks becomes a signature's
// indication. The engines produce checks; the check registry (checks/check-registry.ts) says what each check
// means, and this module combines them, so every engine concludes the same way from the same facts.

import { CHECK_RULES } from './checks/check-registry.js';
import {
  SUB_INDICATION,
  type Check,
  type CheckRule,
  type Indication,
  type SubIndication,
  type Verdict,
} from './verdict.js';

export {
  SUB_INDICATION,
  type Check,
  type CheckRule,
  type CheckStatus,
  type Indication,
  type SubIndication,
  type Verdict,
} from './verdict.js';

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
  /** OFD only: the `<ofd:Signature>` record (ID, Type as written or defaulted) and its Signature.xml path. */
  ofd?: { id: string; type: string; signatureXml: string | null };
}

/**
 * OFD only: something about the package as a whole, not one signature (stray files, missing referenced files,
 * GM/T 0099 integrity protection or encryption present but not evaluated, path case fixes). Stable `code`s are
 * those of src/ofd's findings; Chinese first.
 */
export interface DocumentFinding {
  code: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  messageEn: string;
  path?: string;
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
  /** OFD only: document-level findings. */
  findings?: DocumentFinding[];
}

export const PASSED: Verdict = { indication: 'TOTAL_PASSED', subIndication: null };

const indeterminate = (subIndication: SubIndication): Verdict => ({
  indication: 'INDETERMINATE',
  subIndication,
});

const S = SUB_INDICATION;

/** The rules by check id (the registry's); kept under its old name for callers that extend it. */
export const DEFAULT_RULES: Readonly<Record<string, CheckRule>> = CHECK_RULES;

function fallbackRule(c: Check): Verdict | null {
  if (c.status === 'failed') return { indication: 'TOTAL_FAILED', subIndication: c.code };
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
  S.SEAL_NOT_REGISTERED,
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

export const INDICATION_ZH: Record<Indication, string> = {
  TOTAL_PASSED: '验证通过',
  TOTAL_FAILED: '验证失败',
  INDETERMINATE: '无法确定',
};
