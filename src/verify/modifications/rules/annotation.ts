import { dictGet } from '../../../pdf/pdf-object-scanner.js';
import { isAnnot, type WhitelistRule } from '../rule.js';

/**
 * Annotations other than widgets (ISO 32000-1 §12.5), added or changed: overlay when the result can paint
 * over the page (a FreeText "pay 100,000", a Stamp, a square with a white fill, any appearance stream that
 * draws), annotation otherwise (a sticky note icon, a link, a hidden or zero-size one); see annotation-paint.ts.
 */
export const annotationRule: WhitelistRule = {
  name: 'annotation',
  whitelists: 'an annotation added or changed: overlay when it can paint over the page, annotation otherwise',
  apply({ num, value, old }, ctx) {
    if (value.kind !== 'dict' || !isAnnot(value)) return null;
    if (old !== undefined && (old.kind !== 'dict' || !isAnnot(old)))
      return { category: 'other', what: 'object replaced by an annotation' };
    const sub = dictGet(value, 'Subtype', 'name')?.value ?? '';
    const p = ctx.paint(num, value);
    return { category: p.paints ? 'overlay' : 'annotation', what: `${sub} annotation, ${p.why}`.trim() };
  },
};
