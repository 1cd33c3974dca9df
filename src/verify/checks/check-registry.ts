import {
  SUB_INDICATION as S,
  type Check,
  type CheckRule,
  type SubIndication,
  type Verdict,
} from '../verdict.js';

// Every check the engines may emit, registered once: its id, its title (zh first) and its rule — what its
// outcome means for the signature's verdict (EN 319 102-1 indications as EU DSS reports them). The order
// of the checks in each kind of report is declared here too, so no engine keeps its own list. A check id
// that is not registered here does not type-check, and the registry test fails on any report that carries
// one.

export const CHECK_IDS = [
  'byte-range',
  'format',
  'sub-filter',
  'data-hash',
  'signature',
  'signer-in-seal',
  'seal-signature',
  'validity-time',
  'chain',
  'signer-profile',
  'maker-chain',
  'maker-authority',
  'revocation',
  'maker-revocation',
  'timestamp',
  'seal-status',
  'modifications',
  'licence-identifier',
  'licence-registered',
  'licence-file-hash',
  'licence-status',
  'licence-copy',
  'licence-in-log',
  'trust-list',
  'references',
  'seal-file',
  'property-info',
  'stamp-annot',
  'coverage',
  'later-changes',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckDefinition {
  id: CheckId;
  title: { zh: string; en: string };
  rule: CheckRule;
}

const failed = (subIndication: SubIndication): Verdict => ({ indication: 'TOTAL_FAILED', subIndication });
const indeterminate = (subIndication: SubIndication): Verdict => ({
  indication: 'INDETERMINATE',
  subIndication,
});

/** Neutral when passed, skipped or a warning. */
const neutral = (c: Check) => c.status === 'passed' || c.status === 'skipped' || c.status === 'warning';

function chainRule(check: Check): Verdict | null {
  if (neutral(check)) return null;
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
  if (neutral(check)) return null;
  if (check.status === 'failed')
    return failed(check.code === 'SEAL_SUSPENDED' ? S.SEAL_SUSPENDED : S.REVOKED);
  // REVOKED_NO_POE as such; revocation data out of bounds without proof of existence, a source that could
  // not answer, a certificate on hold: TRY_LATER (EN 319 102-1 §5.2.6: fresher data may settle it).
  return indeterminate(check.code === 'REVOKED_NO_POE' ? S.REVOKED_NO_POE : S.TRY_LATER);
}

function cryptoRule(c: Check): Verdict | null {
  if (neutral(c)) return null;
  if (c.status === 'failed') return failed(S.SIG_CRYPTO_FAILURE);
  return indeterminate(
    c.code === 'CERT_UNPARSEABLE' || c.code === 'SIGNER_CERT_NOT_FOUND'
      ? S.NO_SIGNING_CERTIFICATE_FOUND
      : S.CRYPTO_CONSTRAINTS_FAILURE,
  );
}

/** A change the signature does not cover: failed when proven, indeterminate when it may be harmless. */
function documentModifiedRule(c: Check): Verdict | null {
  return c.status === 'failed'
    ? failed(S.DOCUMENT_MODIFIED)
    : c.status === 'indeterminate'
      ? indeterminate(S.DOCUMENT_MODIFIED)
      : null;
}

// Licence checks: failed is final; indeterminate means the directory could not answer (TRY_LATER).
function licenceRule(sub: SubIndication): CheckRule {
  return (c) => {
    if (c.status === 'failed') return failed(sub);
    if (c.status === 'indeterminate') return indeterminate(S.TRY_LATER);
    return null;
  };
}

/**
 * The certificate profile checks (X.509 validation constraints, EN 319 102-1 §5.2.6): a certificate of
 * another profile is CHAIN_CONSTRAINTS_FAILURE, as EU DSS reports a key usage or policy constraint; a seal
 * maker this node does not know is NO_CERTIFICATE_CHAIN_FOUND (no trusted seal-making system vouches for
 * the seal) until a trust list names it.
 */
function profileRule(c: Check): Verdict | null {
  if (neutral(c)) return null;
  if (c.code === 'MAKER_UNKNOWN') return indeterminate(S.NO_CERTIFICATE_CHAIN_FOUND);
  return indeterminate(S.CHAIN_CONSTRAINTS_FAILURE);
}

const definitions: CheckDefinition[] = [
  {
    id: 'byte-range',
    title: { zh: '签名覆盖范围', en: 'byte range' },
    rule: (c) => (c.status === 'failed' || c.status === 'indeterminate' ? failed(S.FORMAT_FAILURE) : null),
  },
  {
    id: 'format',
    title: { zh: '结构', en: 'format' },
    rule: (c) => (c.status === 'failed' || c.status === 'indeterminate' ? failed(S.FORMAT_FAILURE) : null),
  },
  // Informative only: a /SubFilter that misnames the contents is validated as what the contents are.
  { id: 'sub-filter', title: { zh: '/SubFilter', en: '/SubFilter' }, rule: () => null },
  {
    id: 'data-hash',
    title: { zh: '数据摘要', en: 'data hash' },
    rule: (c) => {
      if (c.status === 'passed' || c.status === 'warning') return null;
      if (c.status === 'failed') return failed(S.HASH_FAILURE);
      return indeterminate(S.SIGNED_DATA_NOT_FOUND); // skipped or indeterminate: the data was not available
    },
  },
  { id: 'signature', title: { zh: '签名值', en: 'signature value' }, rule: cryptoRule },
  {
    id: 'signer-in-seal',
    title: { zh: '签章者证书在印章中', en: 'signer certificate in the seal' },
    // Deliberately TOTAL_FAILED (EN 319 102-1 lists SIG_CONSTRAINTS_FAILURE under INDETERMINATE): the seal's
    // certList is the definitive list of who may use the seal, so a signer outside it is never a valid use.
    // A list of SHA-1 digests proves nothing today (SHA-1 collisions): CRYPTO_CONSTRAINTS_FAILURE.
    rule: (c) =>
      c.status === 'failed'
        ? failed(S.SIG_CONSTRAINTS_FAILURE)
        : c.status === 'indeterminate'
          ? indeterminate(
              c.code === 'WEAK_DIGEST_ALGORITHM' ? S.CRYPTO_CONSTRAINTS_FAILURE : S.SIG_CONSTRAINTS_FAILURE,
            )
          : null,
  },
  { id: 'seal-signature', title: { zh: '制章者签名', en: 'seal maker signature' }, rule: cryptoRule },
  {
    id: 'validity-time',
    title: { zh: '有效期', en: 'validity at signing time' },
    rule: (c) => {
      if (neutral(c)) return null;
      if (c.status === 'failed') return failed(c.code === 'NOT_YET_VALID' ? S.NOT_YET_VALID : S.EXPIRED);
      return indeterminate(
        c.code === 'SIGNING_TIME_UNKNOWN' ? S.SIG_CONSTRAINTS_FAILURE : S.OUT_OF_BOUNDS_NO_POE,
      );
    },
  },
  { id: 'chain', title: { zh: '签章者证书链', en: 'signer certificate chain' }, rule: chainRule },
  {
    id: 'signer-profile',
    title: { zh: '签章者证书类型', en: 'signer certificate profile' },
    rule: profileRule,
  },
  { id: 'maker-chain', title: { zh: '制章者证书链', en: 'seal maker certificate chain' }, rule: chainRule },
  {
    id: 'maker-authority',
    title: { zh: '制章系统资格', en: 'seal-making system authority' },
    rule: profileRule,
  },
  { id: 'revocation', title: { zh: '签章者证书吊销状态', en: 'signer revocation' }, rule: revocationRule },
  {
    id: 'maker-revocation',
    title: { zh: '制章者证书吊销状态', en: 'seal maker revocation' },
    rule: revocationRule,
  },
  // EN 319 102-1: a timestamp that does not validate is ignored; it then proves nothing (no best signature
  // time), which the validity and revocation checks already take into account.
  { id: 'timestamp', title: { zh: '时间戳', en: 'timestamp' }, rule: () => null },
  {
    id: 'seal-status',
    title: { zh: '印章状态', en: 'seal status' },
    rule: (c) => {
      if (neutral(c)) return null;
      if (c.status === 'failed') {
        if (c.code === 'SEAL_SUSPENDED') return failed(S.SEAL_SUSPENDED);
        if (c.code === 'SEAL_EXPIRED') return failed(S.EXPIRED);
        if (c.code === 'SEAL_BYTES_MISMATCH') return failed(S.SIG_CONSTRAINTS_FAILURE);
        if (c.code === 'SEAL_NOT_REGISTERED') return failed(S.SEAL_NOT_REGISTERED);
        return failed(S.SEAL_REVOKED);
      }
      return indeterminate(c.code === 'REVOKED_NO_POE' ? S.REVOKED_NO_POE : S.TRY_LATER);
    },
  },
  {
    id: 'modifications',
    title: { zh: '签名后修改', en: 'modifications after signing' },
    rule: documentModifiedRule,
  },
  {
    id: 'licence-identifier',
    title: { zh: '证照标识', en: 'licence identifier' },
    rule: licenceRule(S.LICENCE_IDENTIFIER_INVALID),
  },
  {
    id: 'licence-registered',
    title: { zh: '证照登记', en: 'licence registration' },
    rule: licenceRule(S.LICENCE_NOT_REGISTERED),
  },
  {
    id: 'licence-file-hash',
    title: { zh: '证照文件摘要', en: 'licence file hash' },
    rule: licenceRule(S.LICENCE_FILE_MISMATCH),
  },
  {
    id: 'licence-status',
    title: { zh: '证照状态', en: 'licence status' },
    // The status itself names the failure (LICENCE_REVOKED, LICENCE_SUPERSEDED, LICENCE_LAPSED, …).
    rule: (c) =>
      c.status === 'failed'
        ? failed(c.code)
        : c.status === 'indeterminate'
          ? indeterminate(c.code === 'LICENCE_SUSPENDED' ? S.LICENCE_SUSPENDED : S.TRY_LATER)
          : null,
  },
  {
    id: 'licence-copy',
    title: { zh: '加注件', en: 'annotated copy' },
    rule: licenceRule(S.LICENCE_COPY_EXPIRED),
  },
  {
    // Another node's licence: its file-bearing leaf proven in that node's log under a hub-cosigned checkpoint.
    id: 'licence-in-log',
    title: { zh: '目录日志', en: 'directory log' },
    rule: licenceRule(S.LICENCE_NOT_IN_LOG),
  },
  {
    // The trust list that supplied another node's anchors: its sequence number and state (federation.md §2.8).
    id: 'trust-list',
    title: { zh: '信任列表', en: 'trust list' },
    rule: (c) =>
      c.status === 'failed'
        ? failed(S.NODE_WITHDRAWN)
        : c.status === 'indeterminate'
          ? indeterminate(c.code === 'TRUST_LIST_EXPIRED' ? S.TRUST_LIST_EXPIRED : S.TRY_LATER)
          : null,
  },
];

// OFD signatures (GM/T 0099-2020 §7 over GB/T 33190 §18): the checks around the SES/CMS ones.
definitions.push(
  {
    id: 'references',
    title: { zh: '文件摘要', en: 'file digests (References)' },
    // A malformed list (duplicates, self-references, unresolvable paths) is a format failure; a file that does
    // not match its CheckValue or is missing is a hash failure; MD5/SHA-1 or an unknown CheckMethod proves
    // nothing today (CRYPTO_CONSTRAINTS_FAILURE, as a weak digest elsewhere).
    rule: (c) => {
      if (c.status === 'failed')
        return failed(c.code === 'REFERENCES_INVALID' ? S.FORMAT_FAILURE : S.HASH_FAILURE);
      if (c.status === 'indeterminate') return indeterminate(S.CRYPTO_CONSTRAINTS_FAILURE);
      return null;
    },
  },
  {
    id: 'seal-file',
    title: { zh: '印章文件', en: 'seal file (Seal.esl)' },
    // Seal.esl is the seal a reader shows as "the" seal; one that is not the seal inside the signature is a
    // substituted seal (GM/T 0099 §7.2.1).
    rule: (c) => (c.status === 'failed' ? failed(S.SIG_CONSTRAINTS_FAILURE) : null),
  },
  // Informative: dataHash binds the signature to Signature.xml; propertyInfo only names it.
  { id: 'property-info', title: { zh: '签章属性信息', en: 'propertyInfo' }, rule: () => null },
  // Informative: where the reader draws the seal.
  { id: 'stamp-annot', title: { zh: '签章外观位置', en: 'stamp annotations' }, rule: () => null },
  {
    id: 'coverage',
    title: { zh: '签名覆盖范围', en: 'coverage of the displayed document' },
    // A displayed file no signature covers: what a reader shows is not what was signed (the DocRoot
    // shadow-document forgery). A stray file nobody signed: something unsigned rides along, undecided.
    rule: documentModifiedRule,
  },
  {
    id: 'later-changes',
    title: { zh: '签名后变更', en: 'changes after signing' },
    rule: documentModifiedRule,
  },
);

/** The registry: one definition per id. */
export const CHECK_REGISTRY: Readonly<Record<CheckId, CheckDefinition>> = Object.freeze(
  Object.fromEntries(definitions.map((d) => [d.id, d])) as Record<CheckId, CheckDefinition>,
);

/** The rules by check id, as `deriveIndication` applies them. */
export const CHECK_RULES: Readonly<Record<CheckId, CheckRule>> = Object.freeze(
  Object.fromEntries(definitions.map((d) => [d.id, d.rule])) as Record<CheckId, CheckRule>,
);

export function isCheckId(id: string): id is CheckId {
  return Object.prototype.hasOwnProperty.call(CHECK_REGISTRY, id);
}

/** The kinds of report and the checks each holds, in report order (EN 319 102-1 building-block order). */
export const CHECK_ORDER = {
  'ses-signature': [
    'format',
    'signature',
    'signer-in-seal',
    'seal-signature',
    'validity-time',
    'chain',
    'signer-profile',
    'maker-chain',
    'maker-authority',
    'revocation',
    'maker-revocation',
    'data-hash',
    'timestamp',
    'seal-status',
  ],
  'ses-seal': [
    'format',
    'seal-signature',
    'validity-time',
    'maker-chain',
    'maker-authority',
    'maker-revocation',
    'seal-status',
  ],
  cms: [
    'format',
    'data-hash',
    'signature',
    'signer-in-seal',
    'seal-signature',
    'validity-time',
    'chain',
    'signer-profile',
    'revocation',
    'timestamp',
    'seal-status',
  ],
  'pdf-signature': [
    'byte-range',
    'format',
    'sub-filter',
    'data-hash',
    'signature',
    'signer-in-seal',
    'seal-signature',
    'validity-time',
    'chain',
    'signer-profile',
    'maker-chain',
    'maker-authority',
    'revocation',
    'maker-revocation',
    'timestamp',
    'seal-status',
    'modifications',
  ],
  'ofd-signature': [
    'format',
    'references',
    'data-hash',
    'signature',
    'signer-in-seal',
    'seal-signature',
    'seal-file',
    'property-info',
    'validity-time',
    'chain',
    'signer-profile',
    'maker-chain',
    'maker-authority',
    'revocation',
    'maker-revocation',
    'timestamp',
    'seal-status',
    'stamp-annot',
    'coverage',
    'later-changes',
  ],
  licence: [
    'licence-identifier',
    'licence-registered',
    'licence-file-hash',
    'licence-status',
    'licence-copy',
    'licence-in-log',
    'trust-list',
  ],
} as const satisfies Record<string, readonly CheckId[]>;

export type ReportKind = keyof typeof CHECK_ORDER;

/** `checks` in the order of `kind` (stable; ids outside the order last). */
export function orderChecks(checks: readonly Check[], kind: ReportKind): Check[] {
  const ids: readonly string[] = CHECK_ORDER[kind];
  const pos = (id: string) => {
    const i = ids.indexOf(id);
    return i === -1 ? ids.length : i;
  };
  return [...checks].sort((a, b) => pos(a.id) - pos(b.id));
}
