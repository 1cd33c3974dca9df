import type { WhitelistRule } from '../rule.js';
import { changedKeys } from '../pdf-values.js';
import { judgeAcroForm } from './acro-form.js';

/**
 * The document catalog (ISO 32000-1 §7.7.2) may change only in /AcroForm (judged by the acro-form rule) and
 * /DSS (validation data); any other entry (pages, /OpenAction, /Names, /Perms, /Metadata, …) is not
 * whitelisted (pyHanko's CatalogModificationRule).
 */
export const catalogRule: WhitelistRule = {
  name: 'catalog',
  whitelists: 'catalog changes limited to /AcroForm and /DSS: ignored (those objects are judged themselves)',
  apply({ num, value, old }, ctx) {
    if (num !== ctx.next.root) return null;
    if (value.kind !== 'dict' || old?.kind !== 'dict') return { category: 'other', what: 'catalog replaced' };
    const keys = changedKeys(value, old);
    const bad = keys.filter((k) => k !== 'AcroForm' && k !== 'DSS');
    if (bad.length) return { category: 'other', what: `catalog (${bad.join(', ')})` };
    const af = value.entries.get('AcroForm');
    if (keys.includes('AcroForm') && af?.kind === 'dict')
      return judgeAcroForm(af, ctx.derefOld(old.entries.get('AcroForm')), ctx);
    const dss = value.entries.get('DSS');
    if (keys.includes('DSS') && dss?.kind === 'dict')
      return { category: 'validation-data', what: 'document security store' };
    return { category: 'ignore', what: 'catalog' };
  },
};
