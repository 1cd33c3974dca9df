import { dictGet } from '../../../pdf/pdf-object-scanner.js';
import type { WhitelistRule } from '../rule.js';

/**
 * The document's XMP metadata stream (ISO 32000-1 §14.3.2: the catalog's /Metadata, /Type /Metadata
 * /Subtype /XML), rewritten in place by signing applications that update its dates (pyHanko's
 * MetadataUpdateRule). A viewer does not draw it. Only the stream the catalog names in both revisions counts;
 * pointing /Metadata elsewhere is a catalog change, and any other metadata stream is judged as an object.
 */
export const xmpMetadataRule: WhitelistRule = {
  name: 'xmp-metadata',
  whitelists: "the catalog's /Metadata stream (XMP) rewritten in place: ignored",
  apply({ num, value, old }, ctx) {
    if (value.kind !== 'dict' || old?.kind !== 'dict') return null;
    if (
      dictGet(value, 'Type', 'name')?.value !== 'Metadata' ||
      dictGet(value, 'Subtype', 'name')?.value !== 'XML'
    )
      return null;
    const named = (root: number | null, view: typeof ctx.next.view) => {
      const cat = root === null ? undefined : ctx.reader.value(root, view);
      return cat?.kind === 'dict' && dictGet(cat, 'Metadata', 'ref')?.num === num;
    };
    return named(ctx.prev.root, ctx.prev.view) && named(ctx.next.root, ctx.next.view)
      ? { category: 'ignore', what: 'XMP metadata' }
      : null;
  },
};
