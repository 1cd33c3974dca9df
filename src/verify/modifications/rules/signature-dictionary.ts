import { isDocTimestamp, isSigDict } from '../pdf-values.js';
import type { WhitelistRule } from '../rule.js';

/**
 * Signature dictionaries (ISO 32000-1 §12.8.1). One that existed must never change: it was signed over.
 * A new one counts as a signature (or, for a document timestamp, validation data) only when its /ByteRange
 * covers the very revision that adds it; otherwise it is just a dictionary, judged by what uses it (an
 * unsigned "signature" field painting over the page is an overlay, not a signature).
 */
export const signatureDictionaryRule: WhitelistRule = {
  name: 'signature-dictionary',
  whitelists:
    'a new signature dictionary whose /ByteRange covers its own revision: signature (document timestamp: validation-data)',
  apply({ num, value, old }, ctx) {
    if (!isSigDict(value)) return null;
    if (old !== undefined)
      return isSigDict(old)
        ? { category: 'other', what: 'existing signature dictionary' }
        : { category: 'other', what: 'object replaced by a signature dictionary' };
    if (!ctx.signsThisRevision(num)) return { category: 'derive', what: 'signature dictionary (not signed)' };
    return isDocTimestamp(value)
      ? { category: 'validation-data', what: 'document timestamp' }
      : { category: 'signature', what: 'signature dictionary' };
  },
};
