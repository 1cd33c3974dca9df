import { signatureCoverage } from '../../ofd/ofd-coverage.js';
import { fileKindOf, type OfdDocument, type OfdPackage } from '../../ofd/ofd-package.js';
import type { Check } from '../report.js';
import { emit, type Text } from './messages.js';

// The 'coverage' check of one OFD signature: what a reader displays, reached from OFD.xml (GB/T 33190 §7), set
// against what the signature's References protect. Checking the References alone is not enough: when OFD.xml is
// not covered, DocRoot can be pointed at an edited copy of the document and every listed digest still matches
// (a real tax invoice shows it). So:
//   a displayed file (page, template, resource list, font, image, annotation, Document.xml) that no signature
//     covers                                                      failed        UNCOVERED_DISPLAYED
//   a displayed reference that resolves ambiguously or not at all  failed        (a viewer may show anything)
//   a stray file (GM/T 0099 Annex D "夹带文件") no signature covers  indeterminate STRAY_UNSIGNED
//   archive bytes in no entry (before the first, between entries,
//     after the end record) — a PDF/OFD polyglot shows them        indeterminate UNSIGNED_BYTES
//   OFD.xml only, data files (attachments, tags), displayed files covered only by another signature, files
//     referenced but missing, signed stray files                   warning       COVERAGE_NOTES
// Displayed files only a later signature covers are judged by 'later-changes'.

const list = (paths: readonly string[]) => paths.map((p) => '/' + p);

/** ZIP findings for bytes outside every entry: APPNOTE 6.3 gives them no meaning, no Reference can cover them. */
const OUTSIDE_ENTRIES = new Set(['zip-prefix-bytes', 'zip-gap-bytes', 'zip-trailing-bytes']);

export function coverageCheck(pkg: OfdPackage, doc: OfdDocument, index: number): Check {
  const sig = doc.signatures[index]!.signature!;
  const cov = signatureCoverage(pkg, sig);
  const others = doc.signatures.flatMap((r, j) =>
    j !== index && r.signature ? [{ j, s: r.signature }] : [],
  );
  const coveredBy = (path: string, when: 'later' | 'earlier' | 'any') =>
    others.some(
      (o) => (when === 'any' || (when === 'later' ? o.j > index : o.j < index)) && o.s.covered.has(path),
    );

  const uncovered: string[] = [];
  const laterOnly: string[] = [];
  const earlierOnly: string[] = [];
  const data: string[] = [];
  let entry = false;
  for (const f of cov.uncovered) {
    if (f.kind === 'data') data.push(f.path);
    if (f.kind !== 'rendered') continue;
    if (f.path === 'OFD.xml') entry = true;
    else if (coveredBy(f.path, 'later')) laterOnly.push(f.path);
    else if (coveredBy(f.path, 'earlier')) earlierOnly.push(f.path);
    else uncovered.push(f.path);
  }
  const missing: string[] = [];
  for (const u of pkg.unresolved) {
    if (fileKindOf(u.role) !== 'rendered') continue;
    if (u.location.status === 'missing') missing.push(u.location.path);
    else
      uncovered.push(
        u.location.status === 'ambiguous' ? `${u.location.path} (ambiguous)` : `${u.loc} (invalid)`,
      );
  }
  const strayUnsigned: string[] = [];
  const strayOther: string[] = [];
  for (const p of pkg.stray) {
    if (sig.covered.has(p)) continue;
    if (coveredBy(p, 'any')) strayOther.push(p);
    else strayUnsigned.push(p);
  }

  const notes: Text[] = [];
  if (entry)
    notes.push({
      zh: 'OFD.xml 不在保护范围内（已改为核对其指向的全部显示文件）',
      en: 'OFD.xml is not covered (every displayed file it leads to was checked instead)',
    });
  if (laterOnly.length)
    notes.push({
      zh: `只由其后签名保护的显示文件（见“签名后变更”）：${list(laterOnly).join('、')}`,
      en: `displayed files only a later signature covers (see "changes after signing"): ${list(laterOnly).join(', ')}`,
    });
  if (earlierOnly.length)
    notes.push({
      zh: `只由此前签名保护的显示文件：${list(earlierOnly).join('、')}`,
      en: `displayed files only an earlier signature covers: ${list(earlierOnly).join(', ')}`,
    });
  if (data.length)
    notes.push({
      zh: `未保护的数据文件（附件、标签等，不显示）：${list(data).join('、')}`,
      en: `data files not covered (attachments, tags; not displayed): ${list(data).join(', ')}`,
    });
  if (missing.length)
    notes.push({
      zh: `引用的显示文件不存在：${list(missing).join('、')}`,
      en: `referenced displayed files are missing: ${list(missing).join(', ')}`,
    });
  if (strayOther.length)
    notes.push({
      zh: `未被引用、仅由其他签名保护的文件：${list(strayOther).join('、')}`,
      en: `unreferenced files only another signature covers: ${list(strayOther).join(', ')}`,
    });
  if (cov.coveredStray.length)
    notes.push({
      zh: `未被引用但已受本签名保护的文件：${list(cov.coveredStray).join('、')}`,
      en: `unreferenced files this signature covers: ${list(cov.coveredStray).join(', ')}`,
    });

  const details = {
    uncovered: list(uncovered),
    coveredOnlyLater: list(laterOnly),
    coveredOnlyEarlier: list(earlierOnly),
    uncoveredData: list(data),
    ofdXmlCovered: !entry,
    missing: list(missing),
    strayUnsigned: list(strayUnsigned),
    strayCovered: list(cov.coveredStray),
  };
  if (uncovered.length)
    return emit('coverage', 'failed', 'UNCOVERED_DISPLAYED', { files: list(uncovered), notes }, details);
  if (strayUnsigned.length)
    return emit(
      'coverage',
      'indeterminate',
      'STRAY_UNSIGNED',
      { files: list(strayUnsigned), notes },
      details,
    );
  // Findings are "zh / en" (ofd-finding.ts): split, so each language's message carries its own half.
  const outside: Text[] = pkg.findings
    .filter((f) => OUTSIDE_ENTRIES.has(f.code))
    .map((f) => {
      const [zh = f.message, en = zh] = f.message.split(' / ');
      return { zh, en };
    });
  if (outside.length)
    return emit(
      'coverage',
      'indeterminate',
      'UNSIGNED_BYTES',
      { bytes: outside, notes },
      {
        ...details,
        unsignedBytes: outside.map((t) => t.en),
      },
    );
  if (notes.length) return emit('coverage', 'warning', 'COVERAGE_NOTES', { notes }, details);
  const count = cov.covered.filter((f) => f.kind === 'rendered').length;
  return emit('coverage', 'passed', 'COVERS_DISPLAYED', { count, notes }, details);
}
