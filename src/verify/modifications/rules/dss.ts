import { dictGet } from '../../../pdf/pdf-object-scanner.js';
import type { WhitelistRule } from '../rule.js';

/**
 * The document security store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 §5.4): certificates, CRLs, OCSP
 * responses and /VRI entries added for long-term validation are evidence about the signatures, not content
 * (pyHanko's DSSCompareRule, at its LTA_UPDATES level). The streams it holds take its category.
 */
export const dssRule: WhitelistRule = {
  name: 'dss',
  whitelists: 'a /Type /DSS dictionary (new or updated): validation-data',
  apply({ value }) {
    if (value.kind !== 'dict' || dictGet(value, 'Type', 'name')?.value !== 'DSS') return null;
    return { category: 'validation-data', what: 'document security store' };
  },
};
