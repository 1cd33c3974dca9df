import type { Check } from './report.js';
import { emit } from './checks/messages.js';
import type { ModificationAnalysis, ModificationCategory } from './modifications/categories.js';
import {
  DOC_MDP_ALLOWS,
  lockedFieldsChanged,
  NO_PERMISSIONS,
  type SignaturePermissions,
} from './modifications/doc-mdp.js';

export { analyseModifications } from './modifications/revision-diff.js';
export { signaturePermissions } from './modifications/doc-mdp.js';
export type { ModificationAnalysis, ModificationCategory, ObjectChange } from './modifications/categories.js';

// The 'modifications' check of one signature: what changed after it (modifications/revision-diff.ts) judged
// against what the signature permits. In order of precedence:
//   other                                   failed  DISALLOWED_MODIFICATION
//   beyond the certification's DocMDP P     failed  DOCMDP_VIOLATION (ISO 32000-1 §12.8.2.2)
//   a locked field changed (FieldMDP)       failed  FIELDMDP_VIOLATION (§12.8.2.4)
//   licence: anything but signatures and    failed  OVERLAY_ANNOTATION / ANNOTATIONS_CHANGED / FORM_FILLED
//     validation data (a licence file must stay as issued)
//   overlay                                 indeterminate  OVERLAY_ANNOTATION: something that can paint over
//                                           the signed page was added; what a reader sees is not what was
//                                           signed, and only a person looking at both can tell whether it
//                                           matters (even under DocMDP P=3, which permits annotations)
//   annotation, form fill                   warning  ANNOTATIONS_CHANGED / FORM_FILLED
//   signatures, validation data             passed   SIGNATURES_ADDED
//   nothing                                 passed   NO_MODIFICATIONS / NO_VISIBLE_MODIFICATIONS

export interface ModificationsOptions {
  /** The document is a SealTrust licence: its file must stay as issued. */
  licence?: boolean;
  /** The signature's DocMDP / FieldMDP restrictions (signaturePermissions). */
  permissions?: SignaturePermissions;
}

export function modificationsCheck(a: ModificationAnalysis, opts: ModificationsOptions = {}): Check {
  const perms = opts.permissions ?? NO_PERMISSIONS;
  const details = {
    signedRevision: a.signedRevision,
    laterRevisions: a.laterRevisions,
    ...(perms.docMdp !== null ? { docMdp: perms.docMdp } : {}),
    ...(perms.fieldLock ? { fieldLock: perms.fieldLock } : {}),
    changes: a.changes.map((c) => ({
      object: c.num,
      revision: c.revision,
      kind: c.kind,
      category: c.category,
      what: c.what,
      ...(c.rule ? { rule: c.rule } : {}),
      ...(c.field ? { field: c.field } : {}),
    })),
  };
  const list = (categories: readonly ModificationCategory[]) =>
    a.changes
      .filter((c) => categories.includes(c.category))
      .slice(0, 5)
      .map((c) => (c.num === null ? c.what : `${c.what} (object ${c.num}, revision ${c.revision})`))
      .join('; ');

  if (a.worst === null)
    return a.laterRevisions === 0
      ? emit('modifications', 'passed', 'NO_MODIFICATIONS', undefined, details)
      : emit(
          'modifications',
          'passed',
          'NO_VISIBLE_MODIFICATIONS',
          { laterRevisions: a.laterRevisions },
          details,
        );

  if (a.worst === 'other')
    return emit('modifications', 'failed', 'DISALLOWED_MODIFICATION', { objs: list(['other']) }, details);

  if (perms.docMdp !== null) {
    const p = perms.docMdp;
    const beyond = a.categories.filter((c) => !DOC_MDP_ALLOWS[p].has(c));
    if (beyond.length)
      return emit('modifications', 'failed', 'DOCMDP_VIOLATION', { p, beyond, objs: list(beyond) }, details);
  }

  if (perms.fieldLock) {
    const locked = lockedFieldsChanged(perms.fieldLock, a.filledFields);
    if (locked.length) {
      const names = locked.slice(0, 10).join(', ');
      return emit('modifications', 'failed', 'FIELDMDP_VIOLATION', { names }, details);
    }
  }

  if (a.worst === 'signature' || a.worst === 'validation-data')
    return emit('modifications', 'passed', 'SIGNATURES_ADDED', undefined, details);

  const code =
    a.worst === 'overlay'
      ? 'OVERLAY_ANNOTATION'
      : a.worst === 'annotation'
        ? 'ANNOTATIONS_CHANGED'
        : 'FORM_FILLED';
  const facts = { category: a.worst, objs: list([a.worst]), licence: opts.licence === true };
  const status = opts.licence ? 'failed' : a.worst === 'overlay' ? 'indeterminate' : 'warning';
  return emit('modifications', status, code, facts, details);
}
