import { OfdError } from './ofd-error.js';
import type { OfdPackage } from './ofd-package.js';
import type { XmlElement } from './xml-element.js';
import { readXml } from './xml-reader.js';

/**
 * The root element of one of the package's XML parts, for readers that only look things up (page areas, text
 * positions): a missing or unreadable part is undefined — the package reader has already reported it — while a
 * part over the limits still refuses the whole file (too-complex).
 */
export function readPackagePart(pkg: OfdPackage, path: string): XmlElement | undefined {
  const bytes = pkg.file(path);
  if (!bytes) return undefined;
  try {
    return readXml(bytes, { path, ofdNamespace: false }).root;
  } catch (err) {
    if (err instanceof OfdError && err.code !== 'too-complex') return undefined;
    throw err;
  }
}
