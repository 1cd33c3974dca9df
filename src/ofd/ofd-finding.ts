/**
 * Something the format layer noticed but could work around: data, not an exception. `code` is stable (tests and
 * the verifier's `package` findings key on it); `message` is for people, Chinese first ("zh / en"); `path` names
 * the package file concerned when there is one.
 *
 * Severity says what the format layer knows, not the verdict: `info` (harmless, e.g. a data descriptor),
 * `warning` (a reader had to guess or something is odd, e.g. a case-insensitive path match), `error` (the package
 * is damaged in a way a verifier must not pass over, e.g. a referenced file is missing). Trust policy is the
 * verifier's business.
 */
export type OfdFindingCode =
  | 'zip-prefix-bytes'
  | 'zip-trailing-bytes'
  | 'zip-gap-bytes'
  | 'zip-data-descriptor'
  | 'zip-header-flags-differ'
  | 'zip-name-not-flagged-utf8'
  | 'xml-bom'
  | 'xml-namespace-nonstandard'
  | 'xml-namespace-default'
  | 'xml-prefix-nonstandard'
  | 'xml-unreadable'
  | 'loc-case-mismatch'
  | 'loc-missing'
  | 'loc-ambiguous'
  | 'loc-invalid'
  | 'package-stray-file'
  | 'package-integrity-protection'
  | 'package-encryption'
  | 'package-versions-not-followed'
  | 'signature-unreadable'
  | 'signature-provider-elements';

export type OfdFindingSeverity = 'info' | 'warning' | 'error';

export interface OfdFinding {
  readonly code: OfdFindingCode;
  readonly severity: OfdFindingSeverity;
  readonly message: string;
  readonly path?: string;
}

export const finding = (
  code: OfdFindingCode,
  severity: OfdFindingSeverity,
  message: string,
  path?: string,
): OfdFinding => (path === undefined ? { code, severity, message } : { code, severity, message, path });
