import { dictGet, type PdfDict } from '../../../pdf/pdf-object-scanner.js';
import { changedKeys } from '../pdf-values.js';
import { isAnnot, isFieldOrWidget, type WhitelistRule } from '../rule.js';

/** What filling in a field changes (ISO 32000-1 §12.7.3–12.7.4): its value, appearance state, appearances, widget look. */
const FILL_KEYS = new Set(['V', 'AS', 'AP', 'MK', 'M', 'Kids']);
const RICH_TEXT = 1 << 25;

/** /Ff differs at most in the RichText bit (pdf-lib clears it whenever it fills a text field). */
function onlyRichTextFlag(a: PdfDict, b: PdfDict): boolean {
  const flags = (d: PdfDict) => dictGet(d, 'Ff', 'number')?.value ?? 0;
  return ((flags(a) ^ flags(b)) & ~RICH_TEXT) === 0;
}

/**
 * Form fields other than signature fields, and their widgets. A field that existed when the document was
 * signed may be filled in (its value and appearance change within its own /Rect, which is fixed): form-fill
 * (pyHanko's GenericFieldModificationRule). A new field or widget is an annotation (overlay if it can
 * paint). Changing anything else of an existing field (its /Rect, flags, name, actions) is not whitelisted.
 */
export const formFieldRule: WhitelistRule = {
  name: 'form-field',
  whitelists:
    'an existing field or widget changed only in /V, /AS, /AP, /MK, /M, /Kids: form-fill; a new field or widget: annotation, or overlay when it can paint',
  apply({ num, value, old }, ctx) {
    if (value.kind !== 'dict' || !isFieldOrWidget(value)) return null;
    const widget = isAnnot(value);
    const what = widget ? 'form field widget' : 'form field';
    const field = ctx.fieldName(value) ?? undefined;
    if (old?.kind === 'dict') {
      const keys = changedKeys(value, old).filter((k) => k !== 'Ff' || !onlyRichTextFlag(old, value));
      if (!keys.every((k) => FILL_KEYS.has(k)))
        return { category: 'other', what: `${what} (${keys.join(', ')})` };
      return { category: 'form-fill', what, ...(field ? { field } : {}) };
    }
    if (old !== undefined) return { category: 'other', what: `object replaced by a ${what}` };
    if (!widget) return { category: 'annotation', what: 'new form field' };
    const p = ctx.paint(num, value);
    return { category: p.paints ? 'overlay' : 'annotation', what: `new ${what}, ${p.why}` };
  },
};
