import type { WhitelistRule } from '../rule.js';

/** The document information dictionary (ISO 32000-1 §14.3.3) is metadata a viewer does not draw (pyHanko's DocInfoRule). */
export const documentInfoRule: WhitelistRule = {
  name: 'document-info',
  whitelists: 'the trailer /Info dictionary: ignored',
  apply({ num }, ctx) {
    return num === ctx.next.info || num === ctx.prev.info
      ? { category: 'ignore', what: 'document information' }
      : null;
  },
};
