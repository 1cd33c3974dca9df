import { dictGet, type PdfValue } from '../../../pdf/pdf-object-scanner.js';
import { changedKeys, sameValue } from '../pdf-values.js';
import type { RevisionReader, View } from '../revision-reader.js';
import type { RuleContext, WhitelistRule } from '../rule.js';

/** A small content stream that only saves or restores the graphics state (q / Q): draws nothing. */
function isStateOnlyStream(reader: RevisionReader, num: number, view: View): boolean {
  const data = reader.streamData(num, view, 256);
  return !!data && /^[\s qQ]*$/.test(data.toString('latin1'));
}

/** The new /Contents is the old one's streams, in order, between streams holding only q / Q operators. */
function onlyWrapped(ctx: RuleContext, o: PdfValue | undefined, n: PdfValue | undefined): boolean {
  const list = (v: PdfValue | undefined, view: View): PdfValue[] | null => {
    const d =
      v?.kind === 'ref' && ctx.reader.value(v.num, view)?.kind === 'array'
        ? ctx.reader.value(v.num, view)
        : v;
    if (d?.kind === 'array') return d.items;
    return d ? [d] : null;
  };
  const a = list(o, ctx.prev.view);
  const b = list(n, ctx.next.view);
  if (!a || !b || b.length < a.length) return false;
  for (let start = 0; start + a.length <= b.length; start++) {
    if (!a.every((x, i) => sameValue(x, b[start + i]))) continue;
    const rest = [...b.slice(0, start), ...b.slice(start + a.length)];
    if (rest.every((x) => x.kind === 'ref' && isStateOnlyStream(ctx.reader, x.num, ctx.next.view)))
      return true;
  }
  return false;
}

/**
 * A page of the signed revision may change only in its /Annots list (ISO 32000-1 §7.7.3.3), and in having
 * its content wrapped in q … Q streams, which pdf-lib and others add when they touch a page and which draw
 * nothing. Added annotations are judged as objects of their own; removing one is an annotation change.
 * Anything else on a page (content, resources, boxes, rotation) is not whitelisted.
 */
export const pageAnnotationsRule: WhitelistRule = {
  name: 'page-annotations',
  whitelists:
    'a signed page changed only in /Annots (and q/Q wrapping of its content), or its indirect /Annots array: ignored when annotations are only added, annotation when some are removed',
  apply({ num, value, old }, ctx) {
    if (value.kind === 'array' && old?.kind === 'array' && ctx.pagesBefore.annotArrays.has(num))
      return { category: ctx.annotsChange(old, value), what: 'page annotations' };
    if (value.kind !== 'dict') return null;
    if (!ctx.pagesBefore.pages.has(num) && dictGet(value, 'Type', 'name')?.value !== 'Page') return null;
    if (old?.kind !== 'dict') return { category: 'other', what: 'page' };
    const keys = changedKeys(value, old);
    const wrapped =
      keys.includes('Contents') &&
      onlyWrapped(ctx, old.entries.get('Contents'), value.entries.get('Contents'));
    if (keys.every((k) => k === 'Annots' || (k === 'Contents' && wrapped)))
      return {
        category: ctx.annotsChange(old.entries.get('Annots'), value.entries.get('Annots')),
        what: 'page annotations',
      };
    return { category: 'other', what: `page (${keys.join(', ')})` };
  },
};
