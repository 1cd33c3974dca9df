import type { PdfDict, PdfValue } from '../../../pdf/pdf-object-scanner.js';
import { changedKeys, refNums } from '../pdf-values.js';
import type { RuleContext, RuleVerdict, WhitelistRule } from '../rule.js';

const ALLOWED = new Set(['Fields', 'SigFlags', 'DR', 'DA', 'NeedAppearances']);
const FORM_DEFAULTS = ['DR', 'DA', 'NeedAppearances'];

/** Fields may be added to /Fields (each judged as an object), never removed. */
function fieldsChange(o: PdfValue | undefined, n: PdfValue | undefined): RuleVerdict['category'] {
  const after = refNums(n);
  for (const r of refNums(o)) if (!after.has(r)) return 'other';
  return 'ignore';
}

/**
 * The interactive form dictionary (ISO 32000-1 §12.7.2): fields added to /Fields, /SigFlags set (signing
 * sets it), and the form defaults /DR, /DA, /NeedAppearances (form filling writes fonts into /DR). Removing
 * a field, or any other entry (/XFA, …), is not whitelisted.
 */
export function judgeAcroForm(v: PdfDict, old: PdfValue | undefined, ctx: RuleContext): RuleVerdict {
  const base: PdfDict = old?.kind === 'dict' ? old : { ...v, entries: new Map() };
  const keys = changedKeys(v, base);
  const bad = keys.filter((k) => !ALLOWED.has(k));
  if (bad.length) return { category: 'other', what: `interactive form (${bad.join(', ')})` };
  if (
    keys.includes('Fields') &&
    fieldsChange(ctx.derefOld(base.entries.get('Fields')), ctx.deref(v.entries.get('Fields'))) === 'other'
  )
    return { category: 'other', what: 'form fields removed' };
  if (keys.some((k) => FORM_DEFAULTS.includes(k)))
    return { category: 'form-fill', what: 'interactive form defaults' };
  return { category: 'ignore', what: 'interactive form' };
}

export const acroFormRule: WhitelistRule = {
  name: 'acro-form',
  whitelists:
    'the /AcroForm dictionary: fields added, /SigFlags: ignored; /DR, /DA, /NeedAppearances: form-fill; the /Fields array: additions only',
  apply({ num, value, old }, ctx) {
    if (ctx.isAcroForm(num) && value.kind === 'dict') return judgeAcroForm(value, old, ctx);
    if (ctx.isFieldsArray(num) && value.kind === 'array') {
      const category = fieldsChange(old, value);
      return { category, what: category === 'other' ? 'form fields removed' : 'form fields' };
    }
    return null;
  },
};
