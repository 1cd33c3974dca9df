import { SesParseError } from '../../seal/ses-parse-error.js';
import { deriveIndication, type Check, type SignatureReport } from '../report.js';
import { CHECK_ORDER, type ReportKind } from './check-registry.js';
import { emit } from './messages.js';

// The 'format' check of an SES structure (GB/T 38540 §7–8): it decodes, or the report names the element
// that broke and runs nothing else.

export function formatPassed(
  what: 'signature' | 'seal',
  version: number,
  vid: string,
  notes: string[],
): Check {
  return emit(
    'format',
    'passed',
    'FORMAT_OK',
    { kind: 'ses', seal: what === 'seal', version, vid, notes },
    notes.length ? { notes } : undefined,
  );
}

/** The report of a structure that does not decode: format failed, every other check of `kind` not run. */
export function formatFailure(what: 'signature' | 'seal', err: unknown, kind: ReportKind): SignatureReport {
  const path = err instanceof SesParseError ? err.path : what === 'seal' ? 'SESeal' : 'SES_Signature';
  const detail = err instanceof SesParseError ? err.detail : err instanceof Error ? err.message : String(err);
  return undecodableReport(
    what === 'seal' ? 'SES seal' : 'SES',
    emit('format', 'failed', 'FORMAT_FAILURE', { kind: 'ses', path, detail }, { path }),
    kind,
  );
}

/** The report of a structure that cannot be decoded: its failed format check, every other check not run. */
export function undecodableReport(format: string, failed: Check, kind: ReportKind): SignatureReport {
  const checks: Check[] = [
    failed,
    ...notRun(kind, { zh: '结构无法解析', en: 'the structure cannot be decoded' }),
  ];
  return {
    format,
    ...deriveIndication(checks),
    signingTime: null,
    bestSignatureTime: null,
    seal: null,
    signer: null,
    chain: [],
    checks,
  };
}

/** Every check of `kind` but format, skipped as not run. */
export function notRun(kind: ReportKind, why: { zh: string; en: string }): Check[] {
  return CHECK_ORDER[kind]
    .filter((id) => id !== 'format')
    .map((id) => emit(id, 'skipped', 'NOT_RUN', { why }));
}
