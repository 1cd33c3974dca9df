import type { OfdDocument } from '../../ofd/ofd-package.js';
import type { OfdSignatureXml } from '../../ofd/ofd-signatures.js';
import type { Check } from '../report.js';
import { emit, type Text } from './messages.js';

// The 'stamp-annot' check (GB/T 33190 §18.2.3, Signature.xsd StampAnnot): where a reader draws the seal.
// PageRef is a page's ID (not its index); Boundary a finite box in mm with a positive size; Clip, for a riding
// seal, a finite box in the annotation's own coordinates. Informative: problems are warnings.

function box(s: string | undefined): number[] | null {
  if (s === undefined) return null;
  const v = s
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  return v.length === 4 && v.every(Number.isFinite) ? v : null;
}

export function stampAnnotCheck(sig: OfdSignatureXml, doc: OfdDocument, isSeal: boolean): Check {
  const annots = sig.stampAnnots;
  if (annots.length === 0)
    return isSeal
      ? emit('stamp-annot', 'warning', 'NO_STAMP_ANNOT', undefined)
      : emit('stamp-annot', 'skipped', 'NOT_APPLICABLE', undefined);
  const pageIds = new Set(doc.pages.map((p) => p.id));
  const problems: Text[] = [];
  for (const a of annots) {
    const id = a.id ?? '?';
    if (a.pageRef === undefined || !pageIds.has(a.pageRef.trim()))
      problems.push({
        zh: `签章外观 ${id} 的 PageRef ${a.pageRef ?? '（缺失）'} 不是任何页面的 ID`,
        en: `stamp annotation ${id}: PageRef ${a.pageRef ?? '(absent)'} is no page ID`,
      });
    const b = box(a.boundary);
    if (!b || b[2]! <= 0 || b[3]! <= 0)
      problems.push({
        zh: `签章外观 ${id} 的 Boundary “${a.boundary ?? ''}” 不是有效的矩形`,
        en: `stamp annotation ${id}: Boundary "${a.boundary ?? ''}" is not a valid box`,
      });
    if (a.clip !== undefined && !box(a.clip))
      problems.push({
        zh: `签章外观 ${id} 的 Clip “${a.clip}” 不是有效的矩形`,
        en: `stamp annotation ${id}: Clip "${a.clip}" is not a valid box`,
      });
  }
  const pages = [...new Set(annots.map((a) => a.pageRef ?? '?'))];
  return problems.length
    ? emit('stamp-annot', 'warning', 'STAMP_ANNOT_PROBLEMS', { problems }, { annotations: annots })
    : emit(
        'stamp-annot',
        'passed',
        'STAMP_ANNOTS_OK',
        { count: annots.length, pages },
        { annotations: annots },
      );
}
