import { dictGet } from '../../../pdf/pdf-object-scanner.js';
import type { WhitelistRule } from '../rule.js';

/**
 * Cross-reference streams and object streams (ISO 32000-1 §7.5.7–7.5.8) are containers, not content: the
 * objects inside are compared one by one (pyHanko's XrefStreamRule and ObjectStreamRule).
 */
export const fileStructureRule: WhitelistRule = {
  name: 'file-structure',
  whitelists: 'xref streams and object streams: ignored (their objects are judged one by one)',
  apply({ value }) {
    if (value.kind !== 'dict') return null;
    const type = dictGet(value, 'Type', 'name')?.value;
    return type === 'XRef' || type === 'ObjStm' ? { category: 'ignore', what: `${type} stream` } : null;
  },
};
