import { checkByteRange, coveredRanges, type ByteRangeCheck } from '../pdf/pdf-byte-range.js';
import { CoveredDigests } from './covered-digests.js';
import { readEmbeddedFile } from '../pdf/pdf-embedded-files.js';
import { PdfBudget, PdfBudgetExceeded, DEFAULT_PDF_BUDGET_LIMITS } from '../pdf/pdf-budget.js';
import { PdfError } from '../pdf/pdf-error.js';
import { PdfObjectIndex } from '../pdf/pdf-object-index.js';
import { assertPdfHeader, type PdfRevision } from '../pdf/pdf-revisions.js';
import { extractPdfSignatures, type ExtractedSignature } from '../pdf/pdf-signature-extraction.js';
import { LICENCE_ATTACHMENT_NAME } from '../licence/licence-metadata.js';
import { derElementLength, sniffCms } from '../pki/cms-signed-data.js';
import { sniffSes } from '../seal/ses-decoder.js';
import { decodeStream } from '../pdf/pdf-xref.js';
import { orderChecks } from './checks/check-registry.js';
import { emit, withText } from './checks/messages.js';
import { validateCmsSignature } from './cms-validation.js';
import {
  parseLicenceAttachment,
  validateLicence,
  type LicenceAttachment,
  type LicenceDirectoryView,
} from './licence-validation.js';
import { analyseModifications, modificationsCheck, signaturePermissions } from './pdf-modifications.js';
import {
  deriveIndication,
  validationReport,
  type Check,
  type LicenceReport,
  type SignatureReport,
  type ValidationReport,
} from './report.js';
import { validateSesSignature, type SesValidationContext } from './ses-validation.js';
import { combineRevocationSources } from './revocation/combine-revocation-sources.js';
import { embeddedRevocationSource } from './revocation/embedded-revocation-source.js';

// The PDF validation engine (validation.md): every signature dictionary of every revision, each checked for
// its /ByteRange, then by what its /Contents really holds (SES_Signature v1/v4/v5 or CMS SignedData, whatever
// the /SubFilter says) with the SES or CMS engine over the covered bytes, then what changed after it; then,
// for a SealTrust licence (licence.json in the signed revision), the licence directory layer. The verdict of
// the document is the worst of its signatures and its licence layer.

export interface PdfValidationContext extends Omit<SesValidationContext, 'data'> {
  /** The licence directory (service: database; CLI --online: HTTP). Without it the directory checks skip. */
  licences?: LicenceDirectoryView;
  /** Absolute deadline (ms since the epoch) after which ValidationTooComplex is thrown. */
  deadline?: number;
}

/**
 * Work limits of one validation (a hostile file must not keep a worker busy): counts per file here, and the
 * per-file budget of everything read (inflated bytes, xref entries, cached streams: PdfBudget), checked with
 * the deadline inside the reader's loops.
 */
export const PDF_VALIDATION_LIMITS = {
  maxFileBytes: 256 * 1024 * 1024,
  maxObjects: 2_000_000,
  maxSignatures: 64,
  maxRevisions: 1_000,
  budget: DEFAULT_PDF_BUDGET_LIMITS,
} as const;

/** The file is too large or too complex to validate within the limits (HTTP: 422, not a verdict). */
export class ValidationTooComplex extends Error {
  override readonly name = 'ValidationTooComplex';
  constructor(
    readonly limit:
      'file-size' | 'objects' | 'signatures' | 'revisions' | 'deadline' | 'inflated-bytes' | 'xref-entries',
    message: string,
  ) {
    super(message);
  }
}

const SES_SUBFILTERS = new Set(['GM.sm2seal', 'GM.SM2Seal', 'GM.sm2']);
const CMS_SUBFILTERS = new Set(['adbe.pkcs7.detached', 'ETSI.CAdES.detached', 'GM.sm2', 'adbe.pkcs7.sha1']);

/** Between steps: the deadline, and any budget overrun a tolerant step swallowed. */
function guard(budget: PdfBudget): void {
  try {
    budget.check();
  } catch (err) {
    throw tooComplex(err);
  }
}

function tooComplex(err: unknown): unknown {
  if (!(err instanceof PdfBudgetExceeded)) return err;
  return new ValidationTooComplex(
    err.limit,
    err.limit === 'deadline' ? 'validation exceeded its time budget' : err.message,
  );
}

function byteRangeCheck(r: ByteRangeCheck): Check {
  // The /ByteRange rules and their wording live with the byte-range reader (pdf/pdf-byte-range.ts), which
  // the stamping service uses too.
  return withText(
    'byte-range',
    r.status,
    r.code,
    { zh: r.message, en: r.messageEn },
    {
      coveredRevisionEnd: r.coveredRevisionEnd,
      coversWholeDocument: r.coversWholeDocument,
    },
  );
}

/** Keys that appear twice in the signature dictionary's bytes (readers disagree on which one wins). */
function duplicateKeys(buf: Buffer, sig: ExtractedSignature): string[] {
  if (sig.dictOffset === null || sig.dictEnd === null) return [];
  const text = buf.toString('latin1', sig.dictOffset, sig.dictEnd);
  return ['ByteRange', 'Contents', 'SubFilter', 'Filter'].filter(
    (k) => (text.match(new RegExp(`/${k}(?![A-Za-z0-9#._-])`, 'g')) ?? []).length > 1,
  );
}

/** The revision whose end the ByteRange reaches. */
function coveredRevision(revisions: PdfRevision[], end: number): PdfRevision | null {
  return revisions.find((r) => r.end === end || r.eofEnd === end) ?? null;
}

interface Prepared {
  sig: ExtractedSignature;
  br: Check;
  /** The SM3 of the ByteRange bytes, and the bytes themselves on demand (only a CMS signature without signed
   * attributes needs them). */
  covered: { expectedHash: Buffer; bytes: () => Uint8Array } | null;
  revision: PdfRevision | null;
  coversWholeDocument: boolean;
}

function prepare(
  buf: Buffer,
  sig: ExtractedSignature,
  revisions: PdfRevision[],
  digests: CoveredDigests,
): Prepared {
  const r = checkByteRange(buf, sig, revisions);
  let br = byteRangeCheck(r);
  const revision = r.status === 'passed' ? coveredRevision(revisions, r.coveredRevisionEnd) : null;
  if (r.status === 'passed') {
    const dup = duplicateKeys(buf, sig);
    if (dup.length) br = emit('byte-range', 'failed', 'DUPLICATE_KEY', { keys: dup }, { keys: dup });
    else if (!revision || (sig.revision && sig.revision.index !== revision.index))
      br = emit('byte-range', 'failed', 'BYTE_RANGE_OTHER_REVISION', {
        covered: revision?.index ?? null,
        dictionary: sig.revision?.index ?? null,
      });
  }
  let covered: Prepared['covered'] = null;
  if (sig.byteRange) {
    try {
      const ranges = coveredRanges(buf, sig.byteRange);
      covered = { expectedHash: digests.ofRanges(ranges), bytes: () => Buffer.concat(ranges) };
    } catch {
      covered = null;
    }
  }
  return {
    sig,
    br,
    covered,
    revision: br.status === 'passed' ? revision : null,
    coversWholeDocument: r.status === 'passed' && r.coversWholeDocument,
  };
}

function unreadableContents(p: Prepared): SignatureReport {
  const checks = [p.br, emit('format', 'failed', 'CONTENTS_UNKNOWN', undefined)];
  return {
    format: 'PDF',
    ...deriveIndication(checks),
    signingTime: p.sig.signingTime?.toISOString() ?? null,
    bestSignatureTime: null,
    seal: null,
    signer: null,
    chain: [],
    checks,
  };
}

async function validateOne(
  p: Prepared,
  index: PdfObjectIndex,
  ctx: PdfValidationContext,
  licence: boolean,
): Promise<SignatureReport> {
  const { sig } = p;
  const raw = sig.contents && sig.contents.length ? sig.contents : null;
  const len = raw ? derElementLength(raw) : null;
  const der = raw && len ? raw.subarray(0, len) : null;
  const data = p.covered ?? undefined;
  const base: SesValidationContext = { ...ctx, ...(data ? { data } : {}) };
  let inner: SignatureReport;
  let kind: 'ses' | 'cms' | null = null;
  if (der && sniffSes(der) === 'signature') {
    kind = 'ses';
    inner = await validateSesSignature(der, base);
  } else if (der && sniffCms(der)) {
    kind = 'cms';
    inner = await validateCmsSignature(der, base);
  } else {
    inner = unreadableContents(p);
  }
  const checks: Check[] = [p.br, ...inner.checks.filter((x) => x.id !== 'byte-range')];
  if (kind && sig.subFilter) {
    const declared = SES_SUBFILTERS.has(sig.subFilter)
      ? 'ses'
      : CMS_SUBFILTERS.has(sig.subFilter)
        ? 'cms'
        : null;
    if (declared !== kind)
      checks.push(
        emit(
          'sub-filter',
          'warning',
          'SUBFILTER_MISMATCH',
          { subFilter: sig.subFilter, contents: kind },
          { subFilter: sig.subFilter, contents: kind },
        ),
      );
  }
  if (p.revision) {
    const permissions = signaturePermissions(index, p.revision.index, sig.objectNumber);
    checks.push(modificationsCheck(analyseModifications(index, p.revision.index), { licence, permissions }));
  } else {
    checks.push(emit('modifications', 'skipped', 'NOT_RUN', undefined));
  }
  const ordered = orderChecks(checks, 'pdf-signature');
  return {
    ...inner,
    format: `PDF ${inner.format}`.trim(),
    subFilter: sig.subFilter,
    fieldName: sig.fieldName,
    revision: p.revision?.index ?? sig.revision?.index ?? null,
    coversWholeDocument: p.coversWholeDocument,
    signingTime: inner.signingTime ?? sig.signingTime?.toISOString() ?? null,
    ...deriveIndication(ordered),
    checks: ordered,
  };
}

const MAX_DSS_ITEMS = 256;
const MAX_DSS_ITEM_BYTES = 4 * 1024 * 1024;

/**
 * CRLs or OCSP responses of the document security store (/DSS /CRLs, /OCSPs, ISO 32000-2 §12.8.4.3) as a
 * viewer reads the file.
 */
function dssStreams(index: PdfObjectIndex, key: 'CRLs' | 'OCSPs' = 'CRLs'): Buffer[] {
  const root = index.deref(index.trailer?.entries.get('Root'));
  const dss = index.deref(root?.kind === 'dict' ? root.entries.get('DSS') : undefined);
  const list = index.deref(dss?.kind === 'dict' ? dss.entries.get(key) : undefined);
  if (list?.kind !== 'array') return [];
  const out: Buffer[] = [];
  for (const item of list.items.slice(0, MAX_DSS_ITEMS)) {
    if (item.kind !== 'ref') continue;
    const r = index.resolve(item.num);
    if (
      !r?.obj.stream ||
      r.obj.value.kind !== 'dict' ||
      r.obj.stream.end - r.obj.stream.start > MAX_DSS_ITEM_BYTES
    )
      continue;
    const data = decodeStream(index.scanner, r.obj.value, r.obj.stream);
    if (data && data.length <= MAX_DSS_ITEM_BYTES) out.push(data);
  }
  return out;
}

/** licence.json from the revision the first well-formed signature covers (or the file as a viewer reads it). */
function readLicenceAttachment(
  index: PdfObjectIndex,
  revision: PdfRevision | null,
): { attachment: LicenceAttachment } | { error: Check } | null {
  let file;
  try {
    file = revision?.xref
      ? readEmbeddedFile(index, LICENCE_ATTACHMENT_NAME, {
          view: index.viewAt(revision.startxref),
          trailer: revision.xref.trailer,
        })
      : readEmbeddedFile(index, LICENCE_ATTACHMENT_NAME);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      error: emit('licence-identifier', 'failed', 'LICENCE_METADATA_UNREADABLE', { why }),
    };
  }
  if (!file) return null;
  const parsed = parseLicenceAttachment(file.data);
  if (!parsed.ok)
    return {
      error: emit('licence-identifier', 'failed', 'LICENCE_METADATA_INVALID', { problem: parsed.problem }),
    };
  return { attachment: parsed.value };
}

/**
 * Validates every signature of a PDF and, for a SealTrust licence, its directory status.
 * @throws PdfError('NOT_A_PDF' | 'MALFORMED') when the bytes cannot be read as a PDF at all;
 *   ValidationTooComplex when a limit or the deadline is exceeded. Anything else is a report.
 */
export async function validatePdf(pdf: Uint8Array, ctx: PdfValidationContext): Promise<ValidationReport> {
  const budget = PdfBudget.forFile(pdf.length, {
    deadline: ctx.deadline,
    limits: PDF_VALIDATION_LIMITS.budget,
  });
  let report: ValidationReport;
  try {
    report = await validateWithin(pdf, ctx, budget);
  } catch (err) {
    // Whatever a step made of an overrun (a tolerant reader's MALFORMED), the overrun is the cause.
    throw tooComplex(budget.exceeded ?? err);
  }
  // An overrun inside a step that reports instead of throwing (an unreadable attachment) is still one.
  if (budget.exceeded) throw tooComplex(budget.exceeded);
  return report;
}

async function validateWithin(
  pdf: Uint8Array,
  ctx: PdfValidationContext,
  budget: PdfBudget,
): Promise<ValidationReport> {
  const now = ctx.now ?? new Date();
  const c: PdfValidationContext = { ...ctx, now };
  const L = PDF_VALIDATION_LIMITS;
  const buf = assertPdfHeader(pdf);
  if (buf.length > L.maxFileBytes)
    throw new ValidationTooComplex('file-size', `the file exceeds ${L.maxFileBytes} bytes`);
  let index: PdfObjectIndex;
  let sigs: ExtractedSignature[];
  try {
    index = new PdfObjectIndex(buf, budget);
    // A file with a header but no readable cross-reference section naming a document catalog is no PDF a
    // viewer can open (ISO 32000-1 §7.5.5): malformed, not "a document without signatures".
    if (!index.trailer?.entries.has('Root'))
      throw new PdfError('MALFORMED', 'no readable cross-reference section with a trailer /Root');
    if (index.revisions.length > L.maxRevisions)
      throw new ValidationTooComplex('revisions', `the file has more than ${L.maxRevisions} revisions`);
    if (index.current.size > L.maxObjects)
      throw new ValidationTooComplex('objects', `the file has more than ${L.maxObjects} objects`);
    guard(budget);
    sigs = extractPdfSignatures(buf, index);
  } catch (err) {
    if (err instanceof ValidationTooComplex || err instanceof PdfError || err instanceof PdfBudgetExceeded)
      throw err;
    throw new PdfError('MALFORMED', `unreadable PDF (${(err as Error)?.message ?? String(err)})`, {
      cause: err,
    });
  }
  if (sigs.length > L.maxSignatures)
    throw new ValidationTooComplex('signatures', `the file has more than ${L.maxSignatures} signatures`);
  guard(budget);

  const digests = new CoveredDigests(buf);
  const prepared = sigs.map((s) => prepare(buf, s, index.revisions, digests));
  // Signatures in the order they were made (by the revision holding the dictionary), unknown ones last.
  prepared.sort(
    (a, b) =>
      (a.sig.revision?.index ?? Infinity) - (b.sig.revision?.index ?? Infinity) ||
      (a.sig.dictOffset ?? Infinity) - (b.sig.dictOffset ?? Infinity),
  );
  const first = prepared.find((p) => p.revision) ?? null;
  const found = readLicenceAttachment(index, first?.revision ?? null);

  // Revocation data the document carries, combined with the live source (combine-revocation-sources.ts:
  // for this node's own CAs it can only add a proof of revocation; for others it counts when fresh).
  const crls = dssStreams(index);
  const ocsps = dssStreams(index, 'OCSPs');
  const revocation = combineRevocationSources([
    c.revocation,
    crls.length || ocsps.length ? embeddedRevocationSource(crls, ocsps) : undefined,
  ]);
  const withDss: PdfValidationContext = { ...c, ...(revocation ? { revocation } : {}) };
  const reports: SignatureReport[] = [];
  for (const p of prepared) {
    reports.push(await validateOne(p, index, withDss, found !== null && 'attachment' in found));
    guard(budget);
  }

  let licence: LicenceReport | undefined;
  if (found && 'attachment' in found) {
    const s = reports[0];
    const t = s?.bestSignatureTime ?? s?.signingTime ?? null;
    licence = await validateLicence({
      attachment: found.attachment,
      fileSm3: digests.wholeFile().toString('hex'),
      signingTime: t ? new Date(t) : null,
      now,
      ...(c.licences ? { directory: c.licences } : {}),
    });
  } else if (found && 'error' in found) {
    const checks = [found.error];
    licence = {
      identifier: '',
      status: null,
      version: null,
      latestVersion: null,
      ...deriveIndication(checks),
      checks,
    };
  }
  return validationReport(reports, now, licence);
}
