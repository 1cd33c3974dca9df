import { changedKeys, isDocTimestamp, isSigDict } from '../pdf-values.js';
import { isAnnot, isFieldOrWidget, type WhitelistRule } from '../rule.js';

/** What signing an existing empty signature field may change (§12.7.4.5: /V set, its widget's appearance). */
const SIGNING_KEYS = new Set(['V', 'Kids', 'AP', 'AS', 'MK', 'P']);
/** Entries of a signature field that must not change once the document is signed. */
const LOCKED_KEYS = new Set(['V', 'FT', 'T', 'Ff', 'Lock', 'SV', 'Parent']);

/**
 * Signature fields and their widgets (ISO 32000-1 §12.7.4.5). Only a field whose /V (inherited through
 * /Parent) is a signature dictionary covering this very revision is a signature addition, and then its
 * widgets and their appearances come with it. Anything else is judged as what a viewer sees:
 *   - a new empty signature field (no /V, or a /V that signs nothing) drawing nothing: form-fill (a field
 *     prepared for a later signature, as pyHanko's SigFieldCreationRule allows);
 *   - a signature widget added or changed without being signed, that can paint: overlay (the "unsigned
 *     signature field" overlay attack); one that cannot: annotation;
 *   - a signed field's /V, name, flags or lock changed: not whitelisted.
 */
export const signatureFieldRule: WhitelistRule = {
  name: 'signature-field',
  whitelists:
    'a signature field or widget whose /V is a signature covering its revision: signature (document timestamp: validation-data); an unsigned new field drawing nothing: form-fill; an unsigned widget that paints: overlay',
  apply({ num, value, old }, ctx) {
    if (value.kind !== 'dict' || !isFieldOrWidget(value) || ctx.fieldType(value) !== 'Sig') return null;
    const widget = isAnnot(value);
    const what = widget ? 'signature widget' : 'signature field';
    const keys = old?.kind === 'dict' ? changedKeys(value, old) : null;
    const sig = ctx.signatureValue(value);
    if (sig !== null && ctx.signsThisRevision(sig)) {
      // Signing fills an empty field: a /V that was already there must not be replaced.
      const resigned = keys?.includes('V') && old?.kind === 'dict' && old.entries.has('V');
      if (keys && (resigned || keys.some((k) => !SIGNING_KEYS.has(k))))
        return { category: 'other', what: `${what} (${keys.join(', ')})` };
      const d = ctx.reader.value(sig, ctx.next.view);
      return {
        category: isSigDict(d) && isDocTimestamp(d) ? 'validation-data' : 'signature',
        what,
      };
    }
    if (keys) {
      const locked = keys.filter((k) => LOCKED_KEYS.has(k));
      if (locked.length) return { category: 'other', what: `${what} (${locked.join(', ')})` };
      if (keys.every((k) => k === 'Kids')) return { category: 'ignore', what: `${what} (widgets added)` };
    }
    if (!widget)
      return keys
        ? { category: 'other', what: `${what} (${keys.join(', ')})` }
        : {
            category: 'form-fill',
            what: sig === null ? 'empty signature field' : 'signature field whose /V signs nothing',
          };
    const p = ctx.paint(num, value);
    const state = `unsigned ${what}, ${p.why}`;
    if (p.paints) return { category: 'overlay', what: state };
    return { category: keys ? 'annotation' : 'form-fill', what: state };
  },
};
