import type { OfdPackage } from './ofd-package.js';
import { child, type XmlElement } from './xml-element.js';
import { readPackagePart } from './ofd-part-reader.js';

/**
 * Each page's size in millimetres (GB/T 33190 §7.6 CT_PageArea): the page's own Area/PhysicalBox, else the
 * document's CommonData/PageArea/PhysicalBox — what placements are checked against (pdf-placement.ts PageBox).
 * A page without either gets A4, the size readers assume.
 */
export interface OfdPageBox {
  readonly widthMm: number;
  readonly heightMm: number;
}

const A4: OfdPageBox = { widthMm: 210, heightMm: 297 };

export function ofdPageBoxes(pkg: OfdPackage, docIndex = 0): OfdPageBox[] {
  const doc = pkg.documents[docIndex];
  if (!doc) return [];
  const document = readPackagePart(pkg, doc.documentPath);
  const common = document ? child(document, 'CommonData') : undefined;
  const fallback = physicalBox(common ? child(common, 'PageArea') : undefined) ?? A4;
  return doc.pages.map((p) => {
    const page = p.path ? readPackagePart(pkg, p.path) : undefined;
    return physicalBox(page ? child(page, 'Area') : undefined) ?? fallback;
  });
}

function physicalBox(area: XmlElement | undefined): OfdPageBox | undefined {
  const box = area ? child(area, 'PhysicalBox') : undefined;
  const v = box?.text.trim().split(/\s+/).map(Number) ?? [];
  if (v.length !== 4 || !v.every(Number.isFinite) || v[2]! <= 0 || v[3]! <= 0) return undefined;
  return { widthMm: v[2]!, heightMm: v[3]! };
}
