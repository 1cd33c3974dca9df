/* global document, localStorage -- a browser module */
// Chinese by default, English on request; the choice is kept in localStorage. Static texts carry
// data-i18n="key"; everything else is rendered from STRINGS by the page scripts (always as text, never HTML).

const KEY = 'sealtrust.lang';

export const STRINGS = {
  zh: {
    brand: 'SealTrust 电子印章与电子证照验证',
    switchTo: 'English',
    verifyTitle: '验证电子签章文件',
    verifyIntro:
      '选择或拖入一份 PDF 或 OFD：检查每个电子签章是否完好、签章人证书和印章是否有效，以及电子证照在目录中的状态。',
    dropHint: '把 PDF 或 OFD 文件拖到这里，或点击选择文件',
    footer: '文件只在本节点上验证，不会被保存。',
    licenceTitle: '电子证照状态',
    checkFileTitle: '核验证照文件',
    checkFileIntro: '选择持证人出示的 PDF 或 OFD 文件，检查它是否就是这份证照且未被篡改。',
    loading: '正在查询……',
    verifying: '正在验证 {name} ……',
    verified: '已验证 {name}（{size}）',
    notSupported: '请选择 PDF 或 OFD 文件',
    ofdSignature: 'OFD 签名',
    findings: '文件级发现',
    severity: { info: '说明', warning: '提示', error: '问题' },
    coverage: '签名保护范围',
    coversAll: '签名保护了全部显示内容。',
    uncoveredDisplayed: '未受保护的显示文件',
    uncoveredData: '未受保护的数据文件',
    coveredOnlyLater: '仅由后续签名保护',
    missingFiles: '引用但不存在的文件',
    strayFiles: '未被引用的文件',
    networkError: '无法连接验证服务，请稍后重试',
    TOTAL_PASSED: '通过',
    TOTAL_FAILED: '未通过',
    INDETERMINATE: '无法确定',
    bannerPassed: '文件中的电子签章全部有效，文件自签章后未被篡改。',
    bannerFailed: '至少一项检查未通过，不应信任此文件。',
    bannerIndeterminate: '无法确定文件是否可信，请查看下列检查项。',
    failingChecks: '未通过的检查：',
    doubtfulChecks: '无法确定的检查：',
    signatures: '电子签章',
    signature: '签章 {n}',
    noSignatures: '文件中没有电子签章。',
    seal: '印章',
    sealCode: '印章编码',
    signer: '签章人',
    serial: '证书序列号',
    signingTime: '签章时间（签章人声明）',
    bestSignatureTime: '可信时间（时间戳证明）',
    format: '格式',
    checks: '检查项',
    chain: '证书链',
    none: '无',
    licence: '电子证照',
    identifier: '证照标识',
    status: '目录状态',
    version: '本文件版本',
    latestVersion: '最新版本',
    successor: '后续证照',
    history: '状态历史与版本',
    copy: '加注件',
    purpose: '用途',
    expiresAt: '有效期至',
    name: '证照名称',
    type: '证照类型',
    issuer: '颁发机构',
    holder: '持证主体',
    holderCode: '持证主体代码',
    issueDate: '颁发日期',
    validity: '有效期',
    longTerm: '长期',
    versions: '版本',
    current: '当前',
    notFound: '目录中没有这份证照。',
    thisLicence: '该文件就是这份证照。',
    otherLicence: '该文件不是这份证照，而是 {id}。',
    notALicence: '该文件不是电子证照。',
    source: '状态来源',
    sourceHub: '国家枢纽（经验证的目录日志证据）',
    issuingNode: '签发节点',
    asOf: '截至（见证时间）',
    treeSize: '目录日志大小',
    trustListSeq: '信任列表',
    trustListNo: '第 {seq} 号（{state}）',
    listState: { valid: '有效', expired: '已过期' },
    notAvailable: '不可用（目录日志不含此信息）',
    issuerCode: '颁发机构代码',
    typeCode: '证照类型代码',
    hubLicenceTitle: '{node}签发的电子证照',
    otherNode: '其他节点',
    hubNotice:
      '这是其他节点签发的证照：状态、状态历史与版本来自国家枢纽的目录日志证据，已由本节点按信任列表验证；证照名称、持证主体等内容不在目录日志中，无法显示。',
    mark: { passed: '✓', failed: '✗', indeterminate: '?', skipped: '–', warning: '!' },
    checkStatus: {
      passed: '通过',
      failed: '未通过',
      indeterminate: '无法确定',
      skipped: '未执行',
      warning: '提示',
    },
    statuses: {
      valid: '有效',
      suspended: '暂扣',
      annulled: '撤销',
      cancelled: '注销',
      expired: '失效（有效期届满）',
      lapsed: '失效（已被换发）',
      'transferred-out': '办理转出',
      revoked: '吊销',
      superseded: '已被新版本替代',
    },
    operations: {
      issue: '颁发',
      renew: '延续（新版本）',
      suspend: '暂扣',
      expire: '失效',
      annul: '撤销',
      cancel: '注销',
      revoke: '吊销',
      'transfer-out': '办理转出',
      resume: '恢复',
      replace: '换发',
      'cancel-transfer-out': '撤回转出',
    },
  },
  en: {
    brand: 'SealTrust verification of e-seals and e-licences',
    switchTo: '中文',
    verifyTitle: 'Verify a sealed document',
    verifyIntro:
      'Choose or drop a PDF or OFD: every electronic seal is checked for integrity, the signer certificate and the seal for validity, and an electronic licence for its status in the directory.',
    dropHint: 'Drop a PDF or OFD here, or click to choose a file',
    footer: 'Files are verified on this node only and are not kept.',
    licenceTitle: 'Electronic licence status',
    checkFileTitle: 'Check a licence file',
    checkFileIntro:
      'Choose the PDF or OFD the holder shows you to check that it is this licence and has not been altered.',
    loading: 'Loading…',
    verifying: 'Verifying {name}…',
    verified: 'Verified {name} ({size})',
    notSupported: 'Please choose a PDF or OFD file',
    ofdSignature: 'OFD signature',
    findings: 'Document findings',
    severity: { info: 'Note', warning: 'Warning', error: 'Problem' },
    coverage: 'What the signature protects',
    coversAll: 'The signature protects everything displayed.',
    uncoveredDisplayed: 'Displayed files not protected',
    uncoveredData: 'Data files not protected',
    coveredOnlyLater: 'Protected only by a later signature',
    missingFiles: 'Referenced files that are missing',
    strayFiles: 'Files nothing references',
    networkError: 'The verification service cannot be reached; try again later',
    TOTAL_PASSED: 'Passed',
    TOTAL_FAILED: 'Failed',
    INDETERMINATE: 'Indeterminate',
    bannerPassed: 'Every electronic seal in the file is valid and the file has not been altered since.',
    bannerFailed: 'At least one check failed: do not rely on this file.',
    bannerIndeterminate: 'Whether the file can be trusted cannot be determined; see the checks below.',
    failingChecks: 'Failed checks:',
    doubtfulChecks: 'Undetermined checks:',
    signatures: 'Electronic seals',
    signature: 'Seal {n}',
    noSignatures: 'The file holds no electronic seal.',
    seal: 'Seal',
    sealCode: 'Seal code',
    signer: 'Signer',
    serial: 'Certificate serial',
    signingTime: 'Signing time (claimed)',
    bestSignatureTime: 'Proven time (timestamp)',
    format: 'Format',
    checks: 'Checks',
    chain: 'Certificate chain',
    none: 'none',
    licence: 'Electronic licence',
    identifier: 'Identifier',
    status: 'Directory status',
    version: 'Version of this file',
    latestVersion: 'Latest version',
    successor: 'Replaced by',
    history: 'Status history and versions',
    copy: 'Annotated copy',
    purpose: 'Purpose',
    expiresAt: 'Valid until',
    name: 'Licence',
    type: 'Type',
    issuer: 'Issuer',
    holder: 'Holder',
    holderCode: 'Holder code',
    issueDate: 'Issued on',
    validity: 'Validity',
    longTerm: 'no end date',
    versions: 'Versions',
    current: 'this one',
    notFound: 'The directory has no such licence.',
    thisLicence: 'The file is this licence.',
    otherLicence: 'The file is not this licence but {id}.',
    notALicence: 'The file is not an electronic licence.',
    source: 'Status source',
    sourceHub: 'National hub (verified directory log evidence)',
    issuingNode: 'Issuing node',
    asOf: 'As of (witness time)',
    treeSize: 'Directory log size',
    trustListSeq: 'Trust list',
    trustListNo: 'no. {seq} ({state})',
    listState: { valid: 'valid', expired: 'expired' },
    notAvailable: 'not available (not in the directory log)',
    issuerCode: 'Issuer code',
    typeCode: 'Licence type code',
    hubLicenceTitle: 'An electronic licence issued by {node}',
    otherNode: 'another node',
    hubNotice:
      "A licence of another node: its status, status history and versions come from the national hub's directory log evidence, verified here against the trust list; the licence name, the holder and the other face data are not in the log and cannot be shown.",
    mark: { passed: '✓', failed: '✗', indeterminate: '?', skipped: '–', warning: '!' },
    checkStatus: {
      passed: 'passed',
      failed: 'failed',
      indeterminate: 'indeterminate',
      skipped: 'not run',
      warning: 'note',
    },
    statuses: {
      valid: 'Valid',
      suspended: 'Suspended',
      annulled: 'Annulled',
      cancelled: 'Cancelled',
      expired: 'Expired',
      lapsed: 'Lapsed (replaced)',
      'transferred-out': 'Transferred out',
      revoked: 'Revoked',
      superseded: 'Superseded by a new version',
    },
    operations: {
      issue: 'issued',
      renew: 'renewed (new version)',
      suspend: 'suspended',
      expire: 'expired',
      annul: 'annulled',
      cancel: 'cancelled',
      revoke: 'revoked',
      'transfer-out': 'transferred out',
      resume: 'resumed',
      replace: 'replaced',
      'cancel-transfer-out': 'transfer withdrawn',
    },
  },
};

let current = readLang();
const listeners = [];

function readLang() {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function lang() {
  return current;
}

/** The string for `key` in the current language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const s = STRINGS[current][key] ?? STRINGS.zh[key] ?? key;
  return typeof s === 'string' ? s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')) : s;
}

/** A status or operation name from one of the tables (falls back to the raw value). */
export function named(table, value) {
  return STRINGS[current][table]?.[value] ?? value;
}

/** "中文 / English" server messages: the half in the current language. */
export function half(text) {
  if (typeof text !== 'string') return '';
  const i = text.indexOf(' / ');
  if (i < 0) return text;
  return current === 'en' ? text.slice(i + 3) : text.slice(0, i);
}

export function onLangChange(fn) {
  listeners.push(fn);
}

function applyStatic() {
  document.documentElement.lang = current === 'en' ? 'en' : 'zh-CN';
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  const toggle = document.getElementById('lang-toggle');
  if (toggle) toggle.textContent = t('switchTo');
}

export function setLang(l) {
  current = l === 'en' ? 'en' : 'zh';
  try {
    localStorage.setItem(KEY, current);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyStatic();
  for (const fn of listeners) fn(current);
}

/** Applies the stored language and wires the switch button. */
export function initLang() {
  applyStatic();
  document
    .getElementById('lang-toggle')
    ?.addEventListener('click', () => setLang(current === 'en' ? 'zh' : 'en'));
}
