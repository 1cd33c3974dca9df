import { signatureCoverage } from '../../ofd/ofd-coverage.js';
import type { OfdDocument, OfdPackage } from '../../ofd/ofd-package.js';
import type { Check } from '../report.js';
import { emit, type Text } from './messages.js';

// The 'later-changes' check of one OFD signature, the counterpart of a PDF signature's 'modifications': the
// files this signature does not cover but a later one does, grouped by what they mean.
//   this signature covers Signatures.xml (whole-protection mode: "no further signature", GB/T 33190 §18.1)
//     and records follow it                                       failed        APPENDED_AFTER_LOCK
//   the document root is covered only later                       failed        DOCUMENT_ROOT_REPLACED
//   other displayed files covered only later                      indeterminate CONTENT_COVERED_LATER
//   annotations, OFD.xml, data files covered only later           warning       CHANGES_NOTED
//   later signatures' own files and Signatures.xml                passed        SIGNATURES_ADDED
// Files no later signature covers are the 'coverage' check's business.

const list = (paths: readonly string[]) => paths.map((p) => '/' + p);

export function laterChangesCheck(pkg: OfdPackage, doc: OfdDocument, index: number): Check {
  const later = doc.signatures.slice(index + 1);
  if (later.length === 0) return emit('later-changes', 'passed', 'NO_LATER_CHANGES', undefined);
  const sig = doc.signatures[index]!.signature!;
  const ids = later.map((r) => r.id);
  if (doc.signaturesPath !== undefined && sig.covered.has(doc.signaturesPath))
    return emit(
      'later-changes',
      'failed',
      'APPENDED_AFTER_LOCK',
      { signatures: ids },
      { locked: true, laterSignatures: ids },
    );

  const laterOwn = new Set<string>();
  for (const r of later) {
    if (r.location.status === 'found') laterOwn.add(r.location.path);
    const s = r.signature;
    if (s?.signedValue?.location.status === 'found') laterOwn.add(s.signedValue.location.path);
    if (s?.seal?.location.status === 'found') laterOwn.add(s.seal.location.path);
  }
  const laterCovers = (path: string) => later.some((r) => r.signature?.covered.has(path));
  let root = false;
  const content: string[] = [];
  const annotations: string[] = [];
  const other: string[] = [];
  for (const f of signatureCoverage(pkg, sig).uncovered) {
    if (f.kind === 'protection' || f.path === doc.signaturesPath || laterOwn.has(f.path)) continue;
    if (!laterCovers(f.path)) continue;
    if (f.path === doc.documentPath) root = true;
    else if (f.roles.includes('annotations') || f.roles.includes('page-annotations'))
      annotations.push(f.path);
    else if (f.path !== 'OFD.xml' && f.kind === 'rendered') content.push(f.path);
    else other.push(f.path);
  }
  const details = {
    laterSignatures: ids,
    documentRootCoveredLater: root,
    contentCoveredLater: list(content),
    annotationsCoveredLater: list(annotations),
    otherCoveredLater: list(other),
  };
  if (root)
    return emit(
      'later-changes',
      'failed',
      'DOCUMENT_ROOT_REPLACED',
      { path: '/' + doc.documentPath },
      details,
    );
  if (content.length)
    return emit('later-changes', 'indeterminate', 'CONTENT_COVERED_LATER', { files: list(content) }, details);
  const groups: Text[] = [];
  if (annotations.length)
    groups.push({
      zh: `增加或修改了注释（只由其后签名保护）：${list(annotations).join('、')}`,
      en: `annotations added or changed (covered only by a later signature): ${list(annotations).join(', ')}`,
    });
  if (other.length)
    groups.push({
      zh: `只由其后签名保护的其他文件：${list(other).join('、')}`,
      en: `other files only a later signature covers: ${list(other).join(', ')}`,
    });
  if (groups.length) {
    groups.push({ zh: `其后的签名：${ids.join('、')}`, en: `later signatures: ${ids.join(', ')}` });
    return emit('later-changes', 'warning', 'CHANGES_NOTED', { groups }, details);
  }
  return emit('later-changes', 'passed', 'SIGNATURES_ADDED', { signatures: ids }, details);
}
