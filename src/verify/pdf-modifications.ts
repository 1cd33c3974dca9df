import { check, type Check } from './report.js';
import {
  CATEGORY_EN,
  CATEGORY_ZH,
  type ModificationAnalysis,
  type ModificationCategory,
} from './modifications/categories.js';
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

const P_ZH: Record<1 | 2 | 3, string> = {
  1: '不允许任何修改',
  2: '仅允许填写表单和签名',
  3: '仅允许填写表单、签名和注释',
};
const P_EN: Record<1 | 2 | 3, string> = {
  1: 'no changes',
  2: 'form filling and signing only',
  3: 'form filling, signing and annotations only',
};

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
  const fail = (code: string, zh: string, en: string) =>
    check('modifications', 'failed', code, zh, en, details);
  const list = (categories: readonly ModificationCategory[]) =>
    a.changes
      .filter((c) => categories.includes(c.category))
      .slice(0, 5)
      .map((c) => (c.num === null ? c.what : `${c.what} (object ${c.num}, revision ${c.revision})`))
      .join('; ');

  if (a.worst === null)
    return a.laterRevisions === 0
      ? check(
          'modifications',
          'passed',
          'NO_MODIFICATIONS',
          '签名后文档未被修改',
          'the document was not modified after the signature',
          details,
        )
      : check(
          'modifications',
          'passed',
          'NO_VISIBLE_MODIFICATIONS',
          `签名后有 ${a.laterRevisions} 次增量更新，但未改变文档内容`,
          `${a.laterRevisions} later incremental updates change nothing a reader sees`,
          details,
        );

  if (a.worst === 'other') {
    const objs = list(['other']);
    return fail(
      'DISALLOWED_MODIFICATION',
      `签名后文档被${CATEGORY_ZH.other}：${objs}`,
      `the document was changed after the signature beyond signatures, form fill and annotations: ${objs}`,
    );
  }

  if (perms.docMdp !== null) {
    const p = perms.docMdp;
    const beyond = a.categories.filter((c) => !DOC_MDP_ALLOWS[p].has(c));
    if (beyond.length) {
      const objs = list(beyond);
      return fail(
        'DOCMDP_VIOLATION',
        `认证签名的修改权限为 P=${p}（${P_ZH[p]}），但认证后文档被${beyond.map((c) => CATEGORY_ZH[c]).join('、')}：${objs}`,
        `the certification signature permits P=${p} (${P_EN[p]}), but after it: ${beyond.map((c) => CATEGORY_EN[c]).join(', ')}: ${objs}`,
      );
    }
  }

  if (perms.fieldLock) {
    const locked = lockedFieldsChanged(perms.fieldLock, a.filledFields);
    if (locked.length) {
      const names = locked.slice(0, 10).join(', ');
      return fail(
        'FIELDMDP_VIOLATION',
        `签名锁定的表单域在签名后被修改：${names}`,
        `form fields locked by the signature (FieldMDP) were changed after it: ${names}`,
      );
    }
  }

  if (a.worst === 'signature' || a.worst === 'validation-data')
    return check(
      'modifications',
      'passed',
      'SIGNATURES_ADDED',
      '签名后仅增加了其他签名或验证数据（允许）',
      'only further signatures or validation data were added after the signature (allowed)',
      details,
    );

  const code =
    a.worst === 'overlay'
      ? 'OVERLAY_ANNOTATION'
      : a.worst === 'annotation'
        ? 'ANNOTATIONS_CHANGED'
        : 'FORM_FILLED';
  const objs = list([a.worst]);
  if (opts.licence)
    return fail(
      code,
      `电子证照签章后被${CATEGORY_ZH[a.worst]}，证照文件必须保持签发时的状态：${objs}`,
      `the licence was changed after the signature (${CATEGORY_EN[a.worst]}); a licence file must stay as issued: ${objs}`,
    );
  if (a.worst === 'overlay')
    return check(
      'modifications',
      'indeterminate',
      code,
      `签名后增加了可覆盖已签名页面内容的注释或外观，阅读器显示的内容可能不是签名时的内容：${objs}`,
      `after the signature an annotation or appearance was added that can paint over the signed page; what a reader shows may not be what was signed: ${objs}`,
      details,
    );
  return check(
    'modifications',
    'warning',
    code,
    `签名后文档被${CATEGORY_ZH[a.worst]}（签名本身仍有效）：${objs}`,
    `after the signature: ${CATEGORY_EN[a.worst]} (the signature itself still holds): ${objs}`,
    details,
  );
}
