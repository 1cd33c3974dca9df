import { sm3 } from '../crypto/sm3.js';
import { OFD_LIMITS, type OfdLimits } from '../ofd/ofd-limits.js';
import type { OfdFinding } from '../ofd/ofd-finding.js';
import { openOfd, type OfdDocument, type OfdPackage } from '../ofd/ofd-package.js';
import { sniffCms } from '../pki/cms-signed-data.js';
import { decodeSesSignature, sesDerLength, sniffSes } from '../seal/ses-decoder.js';
import type { SesSignature } from '../seal/ses-types.js';
import { looksLikeBareSm2, validateBareSm2Signature } from './bare-sm2-validation.js';
import { orderChecks } from './checks/check-registry.js';
import { formatFailure, undecodableReport } from './checks/format-check.js';
import { emit } from './checks/messages.js';
import { coverageCheck } from './checks/ofd-coverage-check.js';
import { mergedFormatCheck, ofdFormatFacts, type OfdEngine } from './checks/ofd-format-check.js';
import { laterChangesCheck } from './checks/ofd-later-changes-check.js';
import { propertyInfoCheck } from './checks/ofd-property-info-check.js';
import { referencesCheck } from './checks/ofd-references-check.js';
import { sealFileCheck } from './checks/ofd-seal-file-check.js';
import { stampAnnotCheck } from './checks/ofd-stamp-annot-check.js';
import { validateCmsSignature } from './cms-validation.js';
import { ValidationTooComplex } from './pdf-validation.js';
import {
  deriveIndication,
  validationReport,
  type Check,
  type DocumentFinding,
  type LicenceReport,
  type SignatureReport,
  type ValidationReport,
} from './report.js';
import { validateSesSignature } from './ses-signature-engine.js';
import type { SesValidationContext } from './validation-context.js';

// The OFD validation engine (GB/T 33190 package, GM/T 0099-2020 signatures; the design's §2.3 B–E). The format
// layer (src/ofd) reads the package strictly and works out what is reachable from OFD.xml; here, per
// <ofd:Signature> in Signatures.xml order, everything is checked and reported, never stopping at the first
// failure: the signed value by what it holds (SES_Signature v1/v4/v5, CMS SignedData, or a bare SM2 value) with
// the SES or CMS engine over the original bytes of Signature.xml, then the OFD checks — the file digests
// (references), Seal.esl, propertyInfo, the stamp annotations, what the displayed document leaves uncovered
// (coverage) and what only later signatures cover (later-changes). Package oddities (stray files, missing
// references, GM/T 0099 protection files present but not evaluated) are document-level findings. The verdict
// is the worst of the signatures (report.ts), as for PDFs.

/**
 * What the licence layer of an OFD licence needs (issue 17): the package (licence.json attachment, DocInfo
 * CustomData 证照标识), the signature reports and the file's SM3.
 */
export interface OfdLicenceInput {
  pkg: OfdPackage;
  signatures: readonly SignatureReport[];
  fileSm3: string;
  now: Date;
}

export interface OfdValidationContext extends Omit<SesValidationContext, 'data'> {
  /** Absolute deadline (ms since the epoch) after which ValidationTooComplex('deadline') is thrown. */
  deadline?: number;
  /** Resource bounds of the package reader (default OFD_LIMITS, GB/T 33190 files as §4.4 of the design). */
  limits?: OfdLimits;
  /**
   * The licence layer (issue 17 hook): given the package and the signature reports, the LicenceReport of a
   * SealTrust OFD licence, or undefined when the file is none. Absent: no licence layer is run.
   */
  licenceLayer?: (input: OfdLicenceInput) => Promise<LicenceReport | undefined>;
}

class Deadline {
  constructor(private readonly at: number | undefined) {}
  check = (): void => {
    if (this.at !== undefined && Date.now() > this.at)
      throw new ValidationTooComplex('deadline', 'validation exceeded its time budget');
  };
}

/**
 * Validates every signature of an OFD.
 * @throws OfdError ('not-an-ofd' | 'malformed-ofd' | 'too-complex') when the package cannot be analysed at all
 *   or exceeds a limit; ValidationTooComplex('deadline') past `ctx.deadline`. Anything else is a report.
 */
export async function validateOfd(bytes: Uint8Array, ctx: OfdValidationContext): Promise<ValidationReport> {
  const now = ctx.now ?? new Date();
  const deadline = new Deadline(ctx.deadline);
  deadline.check();
  const pkg = openOfd(bytes, ctx.limits ?? OFD_LIMITS);
  deadline.check();
  const c: OfdValidationContext = { ...ctx, now };
  const reports: SignatureReport[] = [];
  for (const doc of pkg.documents)
    for (let i = 0; i < doc.signatures.length; i++) {
      reports.push(await validateSignature(pkg, doc, i, c, deadline.check));
      deadline.check();
    }
  const licence = ctx.licenceLayer
    ? await ctx.licenceLayer({ pkg, signatures: reports, fileSm3: sm3(bytes).toString('hex'), now })
    : undefined;
  const report = validationReport(reports, now, licence);
  return { ...report, findings: pkg.findings.map(documentFinding) };
}

/** A format-layer finding ("zh / en") as the report carries it. */
function documentFinding(f: OfdFinding): DocumentFinding {
  const i = f.message.indexOf(' / ');
  const [zh, en] = i < 0 ? [f.message, f.message] : [f.message.slice(0, i), f.message.slice(i + 3)];
  return {
    code: f.code,
    severity: f.severity,
    message: zh,
    messageEn: en,
    ...(f.path === undefined ? {} : { path: f.path }),
  };
}

async function validateSignature(
  pkg: OfdPackage,
  doc: OfdDocument,
  index: number,
  ctx: OfdValidationContext,
  tick: () => void,
): Promise<SignatureReport> {
  const record = doc.signatures[index]!;
  const sig = record.signature;
  const ofd = { id: record.id, type: record.type, signatureXml: sig ? '/' + sig.path : null };
  if (!sig) {
    const why =
      record.unreadable?.message ??
      (record.location.status === 'found' ? '' : `${record.baseLoc} (${record.location.status})`);
    const failed = emit('format', 'failed', 'OFD_SIGNATURE_INVALID', {
      path: record.baseLoc,
      problems: [
        { zh: `签名描述文件无法读取：${why}`, en: `the signature description cannot be read: ${why}` },
      ],
    });
    return { ...undecodableReport('OFD', failed, 'ofd-signature'), ofd };
  }

  const sv =
    sig.signedValue?.location.status === 'found' ? pkg.file(sig.signedValue.location.path) : undefined;
  const engineCtx: SesValidationContext = { ...ctx, data: sig.bytes };
  let engine: OfdEngine = 'unknown';
  let ses: SesSignature | null = null;
  let inner: SignatureReport;
  if (sv && sniffSes(sv.subarray(0, sesDerLength(sv) ?? sv.length)) === 'signature') {
    engine = 'ses';
    try {
      ses = decodeSesSignature(sv.subarray(0, sesDerLength(sv) ?? sv.length));
      inner = await validateSesSignature(ses, engineCtx);
    } catch (err) {
      inner = formatFailure('signature', err, 'ses-signature');
    }
  } else if (sv && sniffCms(sv)) {
    engine = 'cms';
    inner = await validateCmsSignature(sv, engineCtx);
  } else if (sv && record.type === 'Sign' && looksLikeBareSm2(sv)) {
    engine = 'sm2';
    inner = validateBareSm2Signature();
  } else {
    const path = sig.signedValue?.loc ?? '';
    const failed = sv
      ? emit('format', 'failed', 'SIGNED_VALUE_UNKNOWN', { path, bytes: sv.length })
      : emit('format', 'failed', 'OFD_SIGNATURE_INVALID', {
          path: '/' + sig.path,
          problems: [{ zh: '没有签名值文件', en: 'no signed value file' }],
        });
    inner = undecodableReport('OFD', failed, record.type === 'Sign' ? 'cms' : 'ses-signature');
  }

  const innerFormat = inner.checks.find((x) => x.id === 'format')!;
  const references = referencesCheck(pkg, sig, tick);
  const checks: Check[] = [
    mergedFormatCheck(sig.path, ofdFormatFacts(record, sig, engine), innerFormat),
    ...inner.checks.filter((x) => x.id !== 'format'),
    references.check,
    sealFileCheck(pkg, sig, ses, engine === 'ses' ? 'ses' : engine === 'unknown' ? 'undecodable' : 'other'),
    propertyInfoCheck(sig, ses, engine === 'ses' || (engine === 'unknown' && record.type === 'Seal')),
    stampAnnotCheck(sig, doc, record.type === 'Seal' || engine === 'ses'),
    coverageCheck(pkg, doc, index),
    laterChangesCheck(pkg, doc, index),
  ];
  const ordered = orderChecks(checks, 'ofd-signature');
  return {
    ...inner,
    format: `OFD ${inner.format}`,
    ofd,
    ...deriveIndication(ordered),
    checks: ordered,
  };
}
