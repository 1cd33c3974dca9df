import { PDFArray, PDFDict, PDFName, PDFNumber, type PDFDocument } from '@cantoo/pdf-lib';

/**
 * The DocMDP permission of a certified document (ISO 32000 §12.8.2.2): the certification signature's
 * dictionary is /Perms /DocMDP in the catalog, its /Reference holds a /TransformMethod /DocMDP entry whose
 * /TransformParams /P is 1 (no changes), 2 (form filling and signing, the default) or 3 (also annotations).
 * Returns null when the document is not certified.
 */
export function docMdpPermission(doc: PDFDocument): 1 | 2 | 3 | null {
  const perms = doc.catalog.lookupMaybe(PDFName.of('Perms'), PDFDict);
  const sig = perms?.lookupMaybe(PDFName.of('DocMDP'), PDFDict);
  if (!sig) return null;
  const refs = sig.lookupMaybe(PDFName.of('Reference'), PDFArray);
  let p: number | null = null;
  for (let i = 0; refs && i < refs.size(); i++) {
    const ref = refs.lookupMaybe(i, PDFDict);
    if (ref?.lookupMaybe(PDFName.of('TransformMethod'), PDFName)?.asString() !== '/DocMDP') continue;
    const params = ref.lookupMaybe(PDFName.of('TransformParams'), PDFDict);
    p = params?.lookupMaybe(PDFName.of('P'), PDFNumber)?.asNumber() ?? 2;
  }
  // A /Perms /DocMDP signature without a readable DocMDP reference: treat as the default (2).
  if (p === null) return 2;
  return p === 1 ? 1 : p === 3 ? 3 : 2;
}
