import type { CheckStatus, Check } from '../verdict.js';
import { isCheckId, type CheckId } from './check-registry.js';
import type { ModificationCategory } from '../modifications/categories.js';

// The catalogue of check messages, Chinese and English, keyed by check id and code, each a function of the
// facts it states. Engines emit a check by id, status and code with its facts (`emit`), never with inline
// text, so one wording serves every engine and both languages are always there. Texts that come ready-made
// from a lower layer (the certificate chain validator, the SES codec) are passed through by `withText`.

export interface Text {
  zh: string;
  en: string;
}

const REVOCATION_REASON_ZH: Record<string, string> = {
  unspecified: '未指明',
  keyCompromise: '密钥泄露',
  cACompromise: 'CA 密钥泄露',
  affiliationChanged: '隶属关系变更',
  superseded: '已被替代',
  cessationOfOperation: '停止运营',
  certificateHold: '证书冻结',
  privilegeWithdrawn: '权限撤销',
};

const SEAL_STATUS_ZH: Record<string, string> = {
  active: '有效',
  suspended: '暂停使用',
  revoked: '已撤销',
  expired: '已过期',
};

/** Who a revocation message is about: "签章者证书 CN=…（序列号 …）". */
export interface RevocationSubject {
  who: Text;
}

interface RevocationFacts extends RevocationSubject {
  hold: boolean;
  reason?: string | undefined;
  revokedAt: string | null;
}

function revoked(p: RevocationFacts): { what: Text; reason: Text; at: Text } {
  return {
    what: p.hold ? { zh: '被冻结（暂停）', en: 'put on hold' } : { zh: '被吊销', en: 'revoked' },
    reason: p.reason
      ? { zh: `，原因 ${REVOCATION_REASON_ZH[p.reason] ?? p.reason}`, en: `, reason ${p.reason}` }
      : { zh: '', en: '' },
    at: { zh: p.revokedAt ?? '（时间未知）', en: p.revokedAt ?? '(time unknown)' },
  };
}

const REVOCATION = {
  // Offline (no view at all), or a certificate that names no source the view can use.
  NO_REVOCATION_SOURCE: (
    p: { offline: true; party: Text } | { offline: false; who: Text; source: string },
  ) =>
    p.offline
      ? {
          zh: `未配置吊销状态来源（离线验证），${p.party.zh}证书吊销状态未检查`,
          en: `no revocation source configured (offline): the ${p.party.en} certificate's revocation status was not checked`,
        }
      : {
          zh: `${p.who.zh}未提供吊销状态来源（无 CRL 分发点），吊销状态未检查（${p.source}）`,
          en: `${p.who.en} names no revocation source (no CRL distribution point): its status was not checked (${p.source})`,
        },
  NO_CHAIN: (p: { party: Text }) => ({
    zh: `${p.party.zh}证书链未建立，无法确定签发者，吊销状态未检查`,
    en: `the ${p.party.en} certificate chain was not established, so its revocation status cannot be checked`,
  }),
  TRUST_ANCHOR: (p: { party: Text }) => ({
    zh: `${p.party.zh}证书本身即信任锚，不检查吊销状态`,
    en: `the ${p.party.en} certificate is itself a trust anchor: no revocation status to check`,
  }),
  NOT_REVOKED: (p: { party: Text; sources: string[] }) => ({
    zh: `${p.party.zh}证书链未被吊销（来源：${p.sources.join(', ')}）`,
    en: `the ${p.party.en} certificate chain is not revoked (source: ${p.sources.join(', ')})`,
  }),
  REVOCATION_UNKNOWN: (p: RevocationSubject & { source: string }) => ({
    zh: `${p.who.zh}的吊销状态未知（${p.source}）`,
    en: `the revocation status of ${p.who.en} is unknown (${p.source})`,
  }),
  REVOCATION_OUT_OF_BOUNDS_NO_POE: (p: RevocationSubject & { source: string }) => ({
    zh: `${p.who.zh}的吊销数据不晚于签名时间，且没有存在性证明，吊销状态无法确定（${p.source}）`,
    en: `the revocation data for ${p.who.en} is not fresh relative to the signing time and nothing proves earlier existence (${p.source})`,
  }),
  TRY_LATER: (p: RevocationSubject & { source: string }) => ({
    zh: `暂时无法取得${p.who.zh}的吊销状态，请稍后重试（${p.source}）`,
    en: `the revocation status of ${p.who.en} cannot be obtained now; try later (${p.source})`,
  }),
  REVOKED: (p: RevocationFacts & { claimed: string }) => {
    const r = revoked(p);
    return {
      zh: `${p.who.zh}已于 ${r.at.zh} ${r.what.zh}${r.reason.zh}，早于签名时间 ${p.claimed}`,
      en: `${p.who.en} was ${r.what.en} at ${r.at.en}${r.reason.en}, before the signing time ${p.claimed}`,
    };
  },
  CERT_ON_HOLD: (p: RevocationFacts & { claimed: string }) => {
    const r = revoked(p);
    return {
      zh: `${p.who.zh}已于 ${r.at.zh} ${r.what.zh}${r.reason.zh}，早于签名时间 ${p.claimed}`,
      en: `${p.who.en} was ${r.what.en} at ${r.at.en}${r.reason.en}, before the signing time ${p.claimed}`,
    };
  },
  REVOKED_AFTER_POE: (p: RevocationFacts & { best: string }) => {
    const r = revoked(p);
    return {
      zh: `${p.who.zh}于 ${r.at.zh} ${r.what.zh}${r.reason.zh}；时间戳证明签章在 ${p.best} 已存在，早于${r.what.zh}时间`,
      en: `${p.who.en} was ${r.what.en} at ${r.at.en}${r.reason.en}; a timestamp proves the signature existed at ${p.best}, before that`,
    };
  },
  REVOKED_NO_POE: (p: RevocationFacts & { claimed: string | null }) => {
    const r = revoked(p);
    return {
      zh: `${p.who.zh}已于 ${r.at.zh} ${r.what.zh}${r.reason.zh}；声明的签名时间 ${p.claimed ?? '（无）'} 早于该时间，但没有时间戳证明签章在${r.what.zh}前已存在`,
      en: `${p.who.en} was ${r.what.en} at ${r.at.en}${r.reason.en}; the claimed signing time ${p.claimed ?? '(none)'} precedes it, but no timestamp proves the signature existed before`,
    };
  },
} as const;

const CHAIN = {
  /** `absent`: the signature carries no certificate at all (a bare SM2 value). */
  NO_SIGNING_CERTIFICATE_FOUND: (p: { party: Text; absent?: boolean }) =>
    p.absent
      ? { zh: `签名值不含${p.party.zh}证书`, en: `the signature carries no ${p.party.en} certificate` }
      : {
          zh: `${p.party.zh}证书无法解析`,
          en: `the ${p.party.en} certificate cannot be parsed`,
        },
} as const;

/** What a change after a signature is (modifications/categories.ts), as the modification messages name it. */
const CATEGORY: Readonly<Record<ModificationCategory, Text>> = {
  'validation-data': { zh: '增加验证数据或文档时间戳', en: 'validation data or a document timestamp added' },
  signature: { zh: '增加签名', en: 'signatures added' },
  'form-fill': { zh: '填写表单', en: 'form fields filled' },
  annotation: { zh: '增加或修改注释', en: 'annotations added or changed' },
  overlay: {
    zh: '增加可覆盖页面内容的注释或外观',
    en: 'an annotation or appearance that can paint over the page added',
  },
  other: { zh: '修改页面内容或文档结构', en: 'page content or document structure changed' },
};

/** A name from a table; a key the table lacks is named by itself (a report never says "undefined"). */
function named<K extends string | number>(table: Readonly<Record<K, Text>>, key: K): Text {
  return (table as Partial<Record<K, Text>>)[key] ?? { zh: String(key), en: String(key) };
}

/** What a certification signature's DocMDP /P permits (ISO 32000-1 §12.8.2.2). */
const DOC_MDP_P: Readonly<Record<1 | 2 | 3, Text>> = {
  1: { zh: '不允许任何修改', en: 'no changes' },
  2: { zh: '仅允许填写表单和签名', en: 'form filling and signing only' },
  3: { zh: '仅允许填写表单、签名和注释', en: 'form filling, signing and annotations only' },
};

/**
 * An annotation, overlay or form fill after the signature: on a licence a failure (the file must stay as
 * issued); otherwise an overlay is indeterminate and the rest a warning, each worded for what it means.
 */
interface ChangedAfter {
  category: ModificationCategory;
  objs: string;
  licence: boolean;
}

function changedAfter(p: ChangedAfter): Text {
  const c = named(CATEGORY, p.category);
  if (p.licence)
    return {
      zh: `电子证照签章后被${c.zh}，证照文件必须保持签发时的状态：${p.objs}`,
      en: `the licence was changed after the signature (${c.en}); a licence file must stay as issued: ${p.objs}`,
    };
  if (p.category === 'overlay')
    return {
      zh: `签名后增加了可覆盖已签名页面内容的注释或外观，阅读器显示的内容可能不是签名时的内容：${p.objs}`,
      en: `after the signature an annotation or appearance was added that can paint over the signed page; what a reader shows may not be what was signed: ${p.objs}`,
    };
  return {
    zh: `签名后文档被${c.zh}（签名本身仍有效）：${p.objs}`,
    en: `after the signature: ${c.en} (the signature itself still holds): ${p.objs}`,
  };
}

/** Check messages by id and code. */
export const MESSAGES = {
  common: {
    NOT_RUN: (p: { why: Text }) => ({ zh: `${p.why.zh}，未执行`, en: `not run: ${p.why.en}` }),
    NOT_APPLICABLE: () => ({
      zh: '数字签名不含电子印章，本项不适用',
      en: 'a digital signature carries no seal: not applicable',
    }),
  },
  format: {
    FORMAT_OK: (
      p:
        | { kind: 'ses'; seal: boolean; version: number; vid: string; notes: string[] }
        | { kind: 'cms'; flavour: string; signers: number }
        | { kind: 'document-timestamp' },
    ) =>
      p.kind === 'ses'
        ? {
            zh: `${p.seal ? '电子印章' : '电子签章'}结构解析成功（SES v${p.version}，厂商 ${p.vid || '未标明'}）${p.notes.length ? `；生产者差异：${p.notes.join(', ')}` : ''}`,
            en: `the ${p.seal ? 'SESeal' : 'SES_Signature'} structure parses (SES v${p.version}, vendor ${p.vid || 'unnamed'})${p.notes.length ? `; producer variations: ${p.notes.join(', ')}` : ''}`,
          }
        : p.kind === 'cms'
          ? {
              zh: `CMS SignedData 结构解析成功（${p.flavour}${p.signers > 1 ? `，${p.signers} 个签名者，仅验证第一个` : ''}）`,
              en: `the CMS SignedData parses (${p.flavour}${p.signers > 1 ? `, ${p.signers} signers, the first is validated` : ''})`,
            }
          : { zh: '文档时间戳（RFC 3161）结构解析成功', en: 'the document timestamp (RFC 3161) parses' },
    FORMAT_FAILURE: (p: { kind: 'ses'; path: string; detail: string } | { kind: 'cms'; why: string }) =>
      p.kind === 'ses'
        ? {
            zh: `结构无法解析：${p.path}：${p.detail}`,
            en: `the structure cannot be decoded at ${p.path}: ${p.detail}`,
          }
        : { zh: `CMS 签名结构无法解析：${p.why}`, en: `the CMS SignedData cannot be decoded: ${p.why}` },
    CONTENTS_UNKNOWN: () => ({
      zh: '/Contents 既不是 SES_Signature（GB/T 38540），也不是 CMS SignedData（RFC 5652 / GB/T 35275）',
      en: '/Contents holds neither an SES_Signature (GB/T 38540) nor a CMS SignedData (RFC 5652 / GB/T 35275)',
    }),
    CMS_ATTRIBUTES_INVALID: (p: { problems: string[] }) => ({
      zh: `CMS 签名属性不符合 RFC 5652：${p.problems.join('; ')}`,
      en: `the CMS signed attributes do not conform to RFC 5652: ${p.problems.join('; ')}`,
    }),
    // OFD (GM/T 0099-2020 §7): Signature.xml and the SignedValue it names.
    OFD_SIGNATURE_INVALID: (p: { path: string; problems: Text[] }) => ({
      zh: `签名描述文件 ${p.path} 不符合 GB/T 33190：${joined(p.problems).zh}`,
      en: `the signature description ${p.path} does not conform to GB/T 33190: ${joined(p.problems).en}`,
    }),
    /** The engine's own format text, with what the OFD layer noticed. */
    OFD_FORMAT_NOTES: (p: { inner: Text; notes: Text[] }) => ({
      zh: `${p.inner.zh}；OFD 签名的生产者差异：${joined(p.notes).zh}`,
      en: `${p.inner.en}; OFD signature producer variations: ${joined(p.notes).en}`,
    }),
    SIGNED_VALUE_UNKNOWN: (p: { path: string; bytes: number }) => ({
      zh: `签名值文件 ${p.path}（${p.bytes} 字节）既不是 SES_Signature（GB/T 38540），也不是 CMS SignedData（GB/T 35275），也不是 SM2 签名值`,
      en: `the signed value ${p.path} (${p.bytes} bytes) is neither an SES_Signature (GB/T 38540), a CMS SignedData (GB/T 35275) nor an SM2 signature value`,
    }),
    BARE_SM2_SIGNATURE: () => ({
      zh: '数字签名（无印章）：签名值是对 Signature.xml 的裸 SM2 签名，不含证书',
      en: 'digital signature without a seal: a bare SM2 signature over Signature.xml, carrying no certificate',
    }),
  },
  'byte-range': {
    DUPLICATE_KEY: (p: { keys: string[] }) => ({
      zh: `签名字典中 ${p.keys.map((k) => `/${k}`).join('、')} 出现了不止一次，不同阅读器会读出不同的值`,
      en: `the signature dictionary holds ${p.keys.map((k) => `/${k}`).join(', ')} more than once; readers disagree on which counts`,
    }),
    /** The revision indexes; null: unknown. */
    BYTE_RANGE_OTHER_REVISION: (p: { covered: number | null; dictionary: number | null }) => ({
      zh: `/ByteRange 覆盖至修订版本 ${p.covered ?? '?'} 的结尾，而签名字典位于修订版本 ${p.dictionary ?? '?'}`,
      en: `/ByteRange reaches the end of revision ${p.covered ?? '?'} but the signature dictionary is in revision ${p.dictionary ?? '?'}`,
    }),
  },
  'sub-filter': {
    SUBFILTER_MISMATCH: (p: { subFilter: string; contents: 'ses' | 'cms' }) => {
      const holds = p.contents === 'ses' ? 'SES_Signature' : 'CMS SignedData';
      return {
        zh: `/SubFilter /${p.subFilter} 与 /Contents 的实际内容（${holds}）不符，按实际内容验证`,
        en: `/SubFilter /${p.subFilter} does not match what /Contents holds (${holds}); validated as what it holds`,
      };
    },
  },
  'data-hash': {
    DATA_NOT_PROVIDED: (
      p: { kind: 'ses'; detail: Text; range: string } | { kind: 'cms' } | { kind: 'document-timestamp' },
    ) =>
      p.kind === 'ses'
        ? {
            zh: `${p.detail.zh}（签章保护范围：${p.range || '未标明'}）`,
            en: `${p.detail.en} (protected range: ${p.range || 'unnamed'})`,
          }
        : p.kind === 'cms'
          ? {
              zh: '未提供受保护数据，无法核对消息摘要',
              en: 'the protected data was not provided; the message digest cannot be checked',
            }
          : { zh: '未提供受保护数据', en: 'the protected data was not provided' },
    DATA_SIGNED_DIRECTLY: () => ({
      zh: '签名直接覆盖受保护数据（无签名属性），由签名值核对',
      en: 'the signature covers the protected data directly (no signed attributes); checked with the signature value',
    }),
    MESSAGE_DIGEST_MISSING: () => ({
      zh: '签名属性中缺少 messageDigest',
      en: 'the signed attributes hold no messageDigest',
    }),
    UNSUPPORTED_DIGEST: (p: { algorithm: string; imprint: boolean }) =>
      p.imprint
        ? { zh: `摘要算法 ${p.algorithm} 不受支持`, en: `imprint algorithm ${p.algorithm} is not supported` }
        : {
            zh: `摘要算法 ${p.algorithm} 不是 SM3，不受支持`,
            en: `digest algorithm ${p.algorithm} is not SM3 and is not supported`,
          },
    /** `what` names the digest compared (messageDigest, eContent…); null: a document timestamp's imprint. */
    DATA_HASH_MATCH: (p: { what: string | null }) =>
      p.what === null
        ? {
            zh: '时间戳的消息摘要与受保护数据一致',
            en: 'the timestamp imprint is the digest of the protected data',
          }
        : {
            zh: `${p.what} 与受保护数据的 SM3 摘要一致`,
            en: `${p.what} equals the SM3 digest of the protected data`,
          },
    DATA_HASH_MISMATCH: (p: { what: string | null }) =>
      p.what === null
        ? {
            zh: '时间戳的消息摘要与受保护数据不一致',
            en: 'the timestamp imprint does not match the protected data',
          }
        : {
            zh: `${p.what} 与受保护数据的 SM3 摘要不一致，文档可能已被篡改`,
            en: `${p.what} does not match the SM3 digest of the protected data; the document may have been altered`,
          },
  },
  signature: {
    /** `name` of the algorithm; null: the certificate holds no SM2 key. */
    UNSUPPORTED_ALGORITHM: (p: { name: string | null }) =>
      p.name === null
        ? { zh: '签名者证书不含 SM2 公钥', en: 'the signer certificate does not hold an SM2 key' }
        : {
            zh: `签名算法 ${p.name} 不在本系统支持范围（仅 SM2/SM3）`,
            en: `signature algorithm ${p.name} is out of scope (SM2 with SM3 only)`,
          },
    SIGNER_CERT_NOT_FOUND: () => ({
      zh: 'CMS 中没有与 SignerInfo 对应的签名者证书',
      en: 'the CMS holds no certificate matching the SignerInfo',
    }),
    BARE_SM2_NO_KEY: () => ({
      zh: '裸 SM2 签名不含证书，无法得知签名者公钥，签名值未验证',
      en: 'a bare SM2 signature carries no certificate: the signer key is unknown and the value was not verified',
    }),
    DATA_NOT_PROVIDED: () => ({
      zh: '签名直接覆盖受保护数据，但未提供该数据',
      en: 'the signature covers the protected data directly, which was not provided',
    }),
    /** `over`: what the SM2 signature covers; null: a document timestamp. */
    SIGNATURE_VALID: (p: { over: Text | null }) =>
      p.over === null
        ? { zh: '时间戳签名有效', en: 'the timestamp signature verifies' }
        : { zh: `SM2 签名值对${p.over.zh}验证通过`, en: `the SM2 signature over ${p.over.en} verifies` },
    SIGNATURE_INVALID: (p: { over: Text } | { problems: string[] }) =>
      'over' in p
        ? {
            zh: `SM2 签名值对${p.over.zh}验证失败`,
            en: `the SM2 signature over ${p.over.en} does not verify`,
          }
        : {
            zh: `时间戳签名无效：${p.problems.join('; ')}`,
            en: `the timestamp does not verify: ${p.problems.join('; ')}`,
          },
  },
  timestamp: {
    NO_TIMESTAMP: () => ({ zh: '签章不含时间戳', en: 'the signature carries no timestamp' }),
    TIMESTAMP_MALFORMED: (p: { why: string }) => ({
      zh: `时间戳无法解析，已忽略：${p.why}`,
      en: `the timestamp cannot be decoded and is ignored: ${p.why}`,
    }),
    TIMESTAMP_INVALID: (p: { problems: string[] }) => ({
      zh: `时间戳验证失败，已忽略（不作为存在性证明）：${p.problems.join('; ')}`,
      en: `the timestamp does not verify and is ignored (no proof of existence): ${p.problems.join('; ')}`,
    }),
    TIMESTAMP_SIGNING_TIME: (p: { genTime: string }) => ({
      zh: `签名时间取自签名原文中的时间戳 ${p.genTime}（签名晚于该时间，不构成存在性证明）`,
      en: `the signing time is taken from the timestamp inside TBS_Sign, ${p.genTime} (the signature was made after it; not a proof of existence)`,
    }),
    TIMESTAMP_UNTRUSTED: (p: { genTime: string; insideTbs: boolean; chain: Text | null }) =>
      p.insideTbs
        ? {
            zh: `签名时间取自签名原文中的时间戳 ${p.genTime}（签名晚于该时间，不构成存在性证明）；时间戳机构不受信任`,
            en: `the signing time is taken from the timestamp inside TBS_Sign, ${p.genTime} (the signature was made after it; not a proof of existence); the TSA is not trusted`,
          }
        : {
            zh: `时间戳签名有效（时间 ${p.genTime}），但时间戳机构证书无法链接到信任锚，不作为存在性证明：${p.chain?.zh ?? '时间戳中没有机构证书'}`,
            en: `the timestamp verifies (genTime ${p.genTime}) but the TSA certificate does not chain to a trust anchor, so it proves nothing: ${p.chain?.en ?? 'no TSA certificate'}`,
          },
    TIMESTAMP_IMPRINT_MISMATCH: (p: { genTime: string }) => ({
      zh: `时间戳的消息摘要与签名值不符，已忽略（时间 ${p.genTime}）`,
      en: `the timestamp's message imprint is not the digest of the signature value; ignored (genTime ${p.genTime})`,
    }),
    TIMESTAMP_VALID: (p: { genTime: string; tsa: string | null }) => ({
      zh: `时间戳有效：签章不晚于 ${p.genTime} 已存在（时间戳机构 ${p.tsa}）`,
      en: `the timestamp is valid: the signature existed at ${p.genTime} (TSA ${p.tsa})`,
    }),
  },
  'validity-time': {
    SIGNING_TIME_UNKNOWN: () => ({
      zh: '签章不含可读的签名时间，也没有有效时间戳，无法判断签名时是否在有效期内',
      en: 'the signature holds no readable signing time and no valid timestamp: validity at signing time cannot be judged',
    }),
    // The failures and open windows, one sentence each, worst first.
    NOT_YET_VALID: (p: { parts: Text[] }) => joined(p.parts),
    EXPIRED: (p: { parts: Text[] }) => joined(p.parts),
    OUT_OF_BOUNDS_NO_POE: (p: { parts: Text[] }) => joined(p.parts),
    VALIDITY_UNKNOWN: (p: { parts: Text[] }) => joined(p.parts),
    WITHIN_VALIDITY: (p: { time: Text; at: string; windows: Text[] }) => ({
      zh: `${p.time.zh} ${p.at} 在${p.windows.map((w) => w.zh).join('、')}的有效期内`,
      en: `${p.time.en} ${p.at} is within the validity of the ${p.windows.map((w) => w.en).join(', ')}`,
    }),
  },
  chain: CHAIN,
  'maker-chain': CHAIN,
  'signer-profile': {
    SIGNER_PROFILE_OK: (p: { subject: string }) => ({
      zh: `签章者证书 ${p.subject} 属于签章人证书类型（证书策略与密钥用法符合）`,
      en: `the signer certificate ${p.subject} is a seal-signer certificate (policy and key usage match)`,
    }),
    SIGNER_WRONG_PROFILE: (p: { subject: string; problems: Text[] }) => ({
      zh: `签章者证书 ${p.subject} 不是签章人证书，不得用于签章：${p.problems.map((x) => x.zh).join('；')}`,
      en: `the signer certificate ${p.subject} is not a seal-signer certificate and may not sign seals: ${p.problems.map((x) => x.en).join('; ')}`,
    }),
    NO_CHAIN: () => ({
      zh: '签章者证书链未建立，证书类型未检查',
      en: 'the signer certificate chain was not established: its profile was not checked',
    }),
  },
  'maker-authority': {
    MAKER_KNOWN: (p: { subject: string }) => ({
      zh: `制章者 ${p.subject} 是已知的电子印章制作系统`,
      en: `the seal maker ${p.subject} is a known seal-making system`,
    }),
    MAKER_WRONG_PROFILE: (p: { subject: string; problems: Text[] }) => ({
      zh: `制章者证书 ${p.subject} 不是制章人证书，无权制作电子印章：${p.problems.map((x) => x.zh).join('；')}`,
      en: `the seal maker certificate ${p.subject} is not a seal-maker certificate and may not make seals: ${p.problems.map((x) => x.en).join('; ')}`,
    }),
    MAKER_UNKNOWN: (p: { subject: string }) => ({
      zh: `制章者 ${p.subject} 不是本节点已知的电子印章制作系统（未列入本节点或信任列表），无法确认印章的来源`,
      en: `the seal maker ${p.subject} is not a seal-making system this node knows (neither its own nor listed in the trust list): the seal's origin cannot be confirmed`,
    }),
    NO_CHAIN: () => ({
      zh: '制章者证书链未建立，制章资格未检查',
      en: 'the seal maker certificate chain was not established: its authority was not checked',
    }),
  },
  revocation: REVOCATION,
  'maker-revocation': REVOCATION,
  modifications: {
    NO_MODIFICATIONS: () => ({
      zh: '签名后文档未被修改',
      en: 'the document was not modified after the signature',
    }),
    NO_VISIBLE_MODIFICATIONS: (p: { laterRevisions: number }) => ({
      zh: `签名后有 ${p.laterRevisions} 次增量更新，但未改变文档内容`,
      en: `${p.laterRevisions} later incremental updates change nothing a reader sees`,
    }),
    DISALLOWED_MODIFICATION: (p: { objs: string }) => ({
      zh: `签名后文档被${CATEGORY.other.zh}：${p.objs}`,
      en: `the document was changed after the signature beyond signatures, form fill and annotations: ${p.objs}`,
    }),
    DOCMDP_VIOLATION: (p: { p: 1 | 2 | 3; beyond: ModificationCategory[]; objs: string }) => ({
      zh: `认证签名的修改权限为 P=${p.p}（${named(DOC_MDP_P, p.p).zh}），但认证后文档被${p.beyond.map((c) => named(CATEGORY, c).zh).join('、')}：${p.objs}`,
      en: `the certification signature permits P=${p.p} (${named(DOC_MDP_P, p.p).en}), but after it: ${p.beyond.map((c) => named(CATEGORY, c).en).join(', ')}: ${p.objs}`,
    }),
    FIELDMDP_VIOLATION: (p: { names: string }) => ({
      zh: `签名锁定的表单域在签名后被修改：${p.names}`,
      en: `form fields locked by the signature (FieldMDP) were changed after it: ${p.names}`,
    }),
    SIGNATURES_ADDED: () => ({
      zh: '签名后仅增加了其他签名或验证数据（允许）',
      en: 'only further signatures or validation data were added after the signature (allowed)',
    }),
    OVERLAY_ANNOTATION: (p: ChangedAfter) => changedAfter(p),
    ANNOTATIONS_CHANGED: (p: ChangedAfter) => changedAfter(p),
    FORM_FILLED: (p: ChangedAfter) => changedAfter(p),
    /** Worded apart from common NOT_RUN: the report has always said why first, without "未执行". */
    NOT_RUN: () => ({
      zh: '/ByteRange 无效，无法确定签名覆盖的修订版本',
      en: 'the /ByteRange is invalid, so the signed revision is unknown',
    }),
  },
  'licence-identifier': {
    LICENCE_METADATA_UNREADABLE: (p: { why: string }) => ({
      zh: `无法读取内嵌的 licence.json：${p.why}`,
      en: `the embedded licence.json cannot be read: ${p.why}`,
    }),
    LICENCE_METADATA_INVALID: (p: { problem: 'not-json' | 'no-identifier' }) =>
      p.problem === 'not-json'
        ? { zh: 'licence.json 不是有效的 JSON', en: 'licence.json is not valid JSON' }
        : { zh: 'licence.json 缺少 metadata.identifier', en: 'licence.json has no metadata.identifier' },
    IDENTIFIER_INVALID: (p: { identifier: string; errors: Text }) => ({
      zh: `证照标识 ${p.identifier} 不符合 GB/T 36904：${p.errors.zh}`,
      en: `licence identifier ${p.identifier} does not follow GB/T 36904: ${p.errors.en}`,
    }),
    IDENTIFIER_CHECK_MISMATCH: (p: { why: string }) => ({
      zh: `证照标识校验位错误：${p.why}`,
      en: `the licence identifier's check character is wrong: ${p.why}`,
    }),
    IDENTIFIER_WARNING: (p: { identifier: string; warnings: Text }) => usable(p),
    IDENTIFIER_FAULTY_VENDOR_CHECK: (p: { identifier: string; warnings: Text }) => usable(p),
    IDENTIFIER_VALID: (p: { identifier: string }) => ({
      zh: `证照标识 ${p.identifier} 符合 GB/T 36904，校验位正确`,
      en: `licence identifier ${p.identifier} follows GB/T 36904 and its check character is right`,
    }),
  },
  'licence-registered': {
    NO_DIRECTORY: () => offlineDirectory({ zh: '登记情况', en: 'registration' }),
    DIRECTORY_UNAVAILABLE: (p: { why: string }) => directoryDown(p.why),
    LICENCE_NOT_REGISTERED: (p: { identifier: string }) => ({
      zh: `证照目录中没有证照 ${p.identifier}`,
      en: `the licence directory has no licence ${p.identifier}`,
    }),
    LICENCE_REGISTERED: (p: { identifier: string; version: string }) => ({
      zh: `证照 ${p.identifier} 已在证照目录登记（版本 ${p.version}）`,
      en: `licence ${p.identifier} is registered in the directory (version ${p.version})`,
    }),
  },
  'licence-file-hash': {
    NO_DIRECTORY: () => offlineDirectory({ zh: '文件摘要', en: 'the file hash' }),
    DIRECTORY_UNAVAILABLE: (p: { why: string }) => directoryDown(p.why),
    FILE_HASH_MATCH: () => ({
      zh: '文件的 SM3 摘要与证照目录登记的一致',
      en: "the file's SM3 equals the one the directory recorded",
    }),
    COPY_HASH_MATCH: () => ({
      zh: '文件的 SM3 摘要与证照目录登记的加注件一致',
      en: "the file's SM3 equals a registered annotated copy's",
    }),
    FILE_HASH_MISMATCH: () => ({
      zh: '文件的 SM3 摘要与证照目录登记的不一致：这不是签发的那份文件',
      en: "the file's SM3 differs from the one the directory recorded: this is not the file that was issued",
    }),
    /** An OFD licence is sealed once over every file (ofd.md §1.4): a file nothing references was added later. */
    LICENCE_STRAY_FILES: (p: { list: string }) => ({
      zh: `证照文件包含未被引用的夹带文件：${p.list}`,
      en: `the licence package holds files nothing references (stray): ${p.list}`,
    }),
  },
  'licence-status': {
    NO_DIRECTORY: () => offlineDirectory({ zh: '证照状态', en: 'the status' }),
    DIRECTORY_UNAVAILABLE: (p: { why: string }) => directoryDown(p.why),
    /** Worded for every final status; the check's code is LICENCE_<STATUS> (LICENCE_REVOKED, …). */
    LICENCE_ENDED: (p: { status: string; statusZh: string; successor: string | null }) => ({
      zh: `证照当前状态为“${p.statusZh}”（${p.status}）${p.successor ? `；替代证照：${p.successor}` : ''}`,
      en: `the licence is now ${p.status}${p.successor ? `; replaced by ${p.successor}` : ''}`,
    }),
    LICENCE_SUSPENDED: (p: { statusZh: string; since: string | null }) => ({
      zh: `证照${p.since ? `自 ${p.since} 起` : '当前'}处于“${p.statusZh}”状态，恢复前不能作为有效证照使用`,
      en: `the licence is suspended${p.since ? ` since ${p.since}` : ''}: it cannot be relied on until it is resumed`,
    }),
    LICENCE_STATUS_UNKNOWN: (p: { status: string }) => ({
      zh: `证照目录返回未知状态 ${p.status}`,
      en: `the directory returned an unknown status ${p.status}`,
    }),
    LICENCE_NOT_VALID_AT_SIGNING: (p: { then: string; thenZh: string; at: string }) => ({
      zh: `证照当前有效，但签章时（${p.at}）状态为“${p.thenZh}”`,
      en: `the licence is valid now but was ${p.then} when it was sealed (${p.at})`,
    }),
    LICENCE_VALID: (p: { validWhenSealed: boolean; newer: string | null }) => ({
      zh: `证照当前有效${p.validWhenSealed ? '，签章时亦有效' : ''}${p.newer ? `；已有新版本 ${p.newer}` : ''}`,
      en: `the licence is valid now${p.validWhenSealed ? ' and was when sealed' : ''}${p.newer ? `; a newer version exists: ${p.newer}` : ''}`,
    }),
  },
  'licence-copy': {
    NOT_A_COPY: () => ({ zh: '本文件不是加注件', en: 'this file is not an annotated copy' }),
    COPY_METADATA_INVALID: () => ({
      zh: '加注件缺少制作事由或有效期',
      en: 'the annotated copy lacks its purpose or expiry',
    }),
    COPY_EXPIRED: (p: { purpose: string; expiresAt: string }) => ({
      zh: `加注件（用途：${p.purpose}）已于 ${p.expiresAt} 过期`,
      en: `the annotated copy (purpose: ${p.purpose}) expired at ${p.expiresAt}`,
    }),
    COPY_VALID: (p: { purpose: string; expiresAt: string }) => ({
      zh: `加注件仅供“${p.purpose}”使用，有效期至 ${p.expiresAt}`,
      en: `annotated copy for "${p.purpose}" only, valid until ${p.expiresAt}`,
    }),
  },
  'licence-in-log': {
    NO_DIRECTORY: () => offlineDirectory({ zh: '目录日志', en: 'the directory log' }),
    DIRECTORY_UNAVAILABLE: (p: { why: string }) => directoryDown(p.why),
    LOCAL_DIRECTORY: () => ({
      zh: '签发节点自己的证照目录已直接作答，无需目录日志证据',
      en: "the issuing node's own directory answered: no directory log evidence is needed",
    }),
    LICENCE_IN_LOG: (p: LogFacts) => ({
      zh: `文件摘要记录在 ${p.node} 节点目录日志第 ${p.index} 条，包含证明在枢纽联署的检查点（大小 ${p.size}，见证时间 ${p.witnessTime}）下成立`,
      en: `the file's SM3 is in leaf ${p.index} of node ${p.node}'s directory log, proven under a hub-cosigned checkpoint (size ${p.size}, witnessed ${p.witnessTime})`,
    }),
    ...byCode(
      [
        'NOT_YET_LOGGED',
        'NOT_IN_NATIONAL_INDEX',
        'QUORUM_MISSING',
        'CHECKPOINT_OLDER',
        'CONSISTENCY_MISSING',
        'STATEMENT_MISSING',
        'LOG_KEY_UNKNOWN',
        'NODE_NOT_LISTED',
        'TRUST_LIST_MISSING',
        'TRUST_LIST_EXPIRED',
        'HUB_UNREACHABLE',
      ] as const,
      logPending,
    ),
    ...byCode(
      [
        'EVIDENCE_MISMATCH',
        'CHECKPOINT_INVALID',
        'LOG_KEY_WITHDRAWN',
        'CHECKPOINT_FORK',
        'CHECKPOINT_INCONSISTENT',
        'PROOF_INVALID',
        'LEAF_INVALID',
        'LEAF_MISMATCH',
        'STATEMENT_MISMATCH',
        'STATEMENT_INVALID',
        'FILE_NOT_IN_LOG',
      ] as const,
      logInvalid,
    ),
  },
  'trust-list': {
    NO_DIRECTORY: () => offlineDirectory({ zh: '信任列表', en: 'the trust list' }),
    LOCAL_ANCHORS: () => ({
      zh: '签发节点自己的证照目录已直接作答，未使用信任列表',
      en: "the issuing node's own directory answered: no trust list was used",
    }),
    TRUST_LIST_VALID: (p: { seq: number; nextUpdate: string; node: string; name: string }) => ({
      zh: `签发节点 ${p.name}（${p.node}）列于第 ${p.seq} 号信任列表，列表有效至 ${p.nextUpdate}`,
      en: `the issuing node ${p.name} (${p.node}) is listed in trust list no. ${p.seq}, valid until ${p.nextUpdate}`,
    }),
    NODE_WITHDRAWN_LATER: (p: { seq: number; node: string; since: string }) => ({
      zh: `签发节点 ${p.node} 已于 ${p.since} 从第 ${p.seq} 号信任列表撤销，但签章时仍在列`,
      en: `the issuing node ${p.node} was withdrawn at ${p.since} (trust list no. ${p.seq}) but was listed when the licence was sealed`,
    }),
    NODE_WITHDRAWN: (p: { seq: number; node: string; status: string; at: string }) => ({
      zh: `签章时（${p.at}）签发节点 ${p.node} 在第 ${p.seq} 号信任列表中的状态为 ${p.status}`,
      en: `when the licence was sealed (${p.at}) the issuing node ${p.node} was ${p.status} in trust list no. ${p.seq}`,
    }),
    TRUST_LIST_EXPIRED: (p: { seq: number; nextUpdate: string }) => ({
      zh: `第 ${p.seq} 号信任列表已过期（下次更新时间 ${p.nextUpdate}）：其他节点的证照暂无法判定`,
      en: `trust list no. ${p.seq} expired at ${p.nextUpdate}: other nodes' licences cannot be judged until a new one is verified`,
    }),
    TRUST_LIST_MISSING: () => ({
      zh: '本节点尚无已验证的信任列表：其他节点的证照暂无法判定',
      en: "this node holds no verified trust list: other nodes' licences cannot be judged",
    }),
    NODE_NOT_LISTED: (p: { seq: number; node: string }) => ({
      zh: `签发节点 ${p.node} 不在第 ${p.seq} 号信任列表中`,
      en: `the issuing node ${p.node} is not in trust list no. ${p.seq}`,
    }),
  },
  'seal-status': {
    NO_REGISTRY: () => ({
      zh: '未连接印章登记库（离线验证），印章状态未检查',
      en: 'no seal registry available (offline): the seal status was not checked',
    }),
    REGISTRY_UNAVAILABLE: (p: { why: string }) => ({
      zh: `印章登记库查询失败：${p.why}`,
      en: `the seal registry could not be queried: ${p.why}`,
    }),
    SEAL_NOT_REGISTERED: (p: { esID: string; ownMaker: boolean }) =>
      p.ownMaker
        ? {
            zh: `印章 ${p.esID} 由本节点的制章系统制作，但不在本节点的印章登记库中：伪造或已被删除的印章`,
            en: `seal ${p.esID} was made by this node's seal-making system but is not in this node's seal registry: a forged or deleted seal`,
          }
        : {
            zh: `印章 ${p.esID} 未在本节点登记，印章状态未检查`,
            en: `seal ${p.esID} is not registered at this node: its status was not checked`,
          },
    SEAL_BYTES_MISMATCH: (p: { esID: string }) => ({
      zh: `签章中的印章 ${p.esID} 与登记库中的印章数据不一致`,
      en: `the seal ${p.esID} inside the signature is not byte-identical to the registered seal`,
    }),
    SEAL_STATUS_UNKNOWN: (p: { esID: string; at: string }) => ({
      zh: `印章登记库没有印章 ${p.esID} 在 ${p.at} 的状态（签名时间早于登记？）`,
      en: `the seal registry has no status for seal ${p.esID} at ${p.at} (signed before it was registered?)`,
    }),
    SEAL_REVOKED: (p: SealStatusFacts) => sealInactive(p),
    SEAL_SUSPENDED: (p: SealStatusFacts) => sealInactive(p),
    SEAL_EXPIRED: (p: SealStatusFacts) => sealInactive(p),
    SEAL_REVOKED_AFTER_POE: (p: { later: string; at: string | null; best: string }) => ({
      zh: `印章于 ${p.at ?? '（时间未知）'} 变为“${SEAL_STATUS_ZH[p.later] ?? p.later}”；时间戳证明签章在 ${p.best} 已存在，早于该时间`,
      en: `the seal became ${p.later} at ${p.at ?? '(time unknown)'}; a timestamp proves the signature existed at ${p.best}, before that`,
    }),
    REVOKED_NO_POE: (p: { later: string; at: string | null; claimed: string | null }) => ({
      zh: `印章已于 ${p.at ?? '（时间未知）'} 变为“${SEAL_STATUS_ZH[p.later] ?? p.later}”；声明的签名时间 ${p.claimed ?? '（无）'} 早于该时间，但没有时间戳证明签章在此前已存在`,
      en: `the seal became ${p.later} at ${p.at ?? '(time unknown)'}; the claimed signing time ${p.claimed ?? '(none)'} precedes it, but no timestamp proves the signature existed before`,
    }),
    SEAL_ACTIVE: (p: { esID: string; at: string; now: string | null }) => ({
      zh: `印章 ${p.esID} 在签名时间 ${p.at} 处于有效状态${p.now && p.now !== 'active' ? `（当前：${SEAL_STATUS_ZH[p.now] ?? p.now}）` : ''}`,
      en: `seal ${p.esID} was active at the signing time ${p.at}${p.now && p.now !== 'active' ? ` (now ${p.now})` : ''}`,
    }),
  },
  references: {
    REFERENCES_MATCH: (p: { count: number; method: string }) => ({
      zh: `Signature.xml 列出的 ${p.count} 个文件的摘要（${p.method}）全部一致`,
      en: `all ${p.count} files listed in Signature.xml match their digests (${p.method})`,
    }),
    DIGEST_MISMATCH: (p: { mismatched: string[]; missing: string[] }) => ({
      zh: [
        p.mismatched.length ? `文件摘要不一致（签名后被修改）：${p.mismatched.join('、')}` : '',
        p.missing.length ? `受保护的文件不存在：${p.missing.join('、')}` : '',
      ]
        .filter(Boolean)
        .join('；'),
      en: [
        p.mismatched.length
          ? `files changed after signing (digest mismatch): ${p.mismatched.join(', ')}`
          : '',
        p.missing.length ? `protected files missing from the package: ${p.missing.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    }),
    REFERENCES_INVALID: (p: { problems: Text[] }) => ({
      zh: `受保护文件列表（References）无效：${joined(p.problems).zh}`,
      en: `the protected-file list (References) is invalid: ${joined(p.problems).en}`,
    }),
    WEAK_CHECK_METHOD: (p: { method: string; algorithm: string; count: number }) => ({
      zh: `${p.count} 个文件摘要一致，但摘要算法 ${p.algorithm}（CheckMethod ${p.method || '缺省'}）已不安全，不能证明文件未被替换`,
      en: `${p.count} file digests match, but ${p.algorithm} (CheckMethod ${p.method || 'absent: the schema default'}) is broken and proves nothing`,
    }),
    UNSUPPORTED_CHECK_METHOD: (p: { method: string }) => ({
      zh: `摘要算法 ${p.method} 不是 SM3，不受支持，文件摘要未核对`,
      en: `CheckMethod ${p.method} is not SM3 and is not supported: the file digests were not checked`,
    }),
  },
  'seal-file': {
    SEAL_FILE_MATCH: (p: { path: string }) => ({
      zh: `印章文件 ${p.path} 与签章中的印章逐字节一致`,
      en: `the seal file ${p.path} is byte-identical to the seal inside the signature`,
    }),
    SEAL_FILE_MISMATCH: (p: { path: string }) => ({
      zh: `印章文件 ${p.path} 与签章中的印章不一致（印章被替换或修改）`,
      en: `the seal file ${p.path} differs from the seal inside the signature (substituted or altered)`,
    }),
    SEAL_FILE_MISSING: (p: { loc: string }) => ({
      zh: `Signature.xml 声明的印章文件 ${p.loc} 不存在`,
      en: `the seal file ${p.loc} that Signature.xml names is not in the package`,
    }),
    NO_SEAL_FILE: () => ({
      zh: 'Signature.xml 未声明印章文件（印章仅在签名值中），本项不适用',
      en: 'Signature.xml names no seal file (the seal is only inside the signed value): not applicable',
    }),
  },
  'property-info': {
    PROPERTY_INFO_MATCH: (p: { propertyInfo: string }) => ({
      zh: `签章的 propertyInfo 指向本签名描述文件 ${p.propertyInfo}`,
      en: `the signature's propertyInfo names this signature description, ${p.propertyInfo}`,
    }),
    PROPERTY_INFO_OTHER: (p: { propertyInfo: string; path: string }) => ({
      zh: `签章的 propertyInfo 为“${p.propertyInfo}”，不是本签名描述文件 /${p.path}（以数据摘要为准）`,
      en: `the signature's propertyInfo is "${p.propertyInfo}", not this signature description /${p.path} (dataHash is what binds)`,
    }),
  },
  'stamp-annot': {
    STAMP_ANNOTS_OK: (p: { count: number; pages: string[] }) => ({
      zh: `${p.count} 个签章外观，位于页面 ${p.pages.join('、')}`,
      en: `${p.count} stamp annotation${p.count === 1 ? '' : 's'} on page ID ${p.pages.join(', ')}`,
    }),
    STAMP_ANNOT_PROBLEMS: (p: { problems: Text[] }) => ({
      zh: `签章外观有问题：${joined(p.problems).zh}`,
      en: `stamp annotation problems: ${joined(p.problems).en}`,
    }),
    NO_STAMP_ANNOT: () => ({
      zh: '电子签章没有签章外观（StampAnnot），阅读器不显示印章',
      en: 'the seal signature has no stamp annotation: readers show no seal',
    }),
  },
  coverage: {
    COVERS_DISPLAYED: (p: { count: number; notes: Text[] }) => ({
      zh: `签名覆盖从 OFD.xml 可达的全部 ${p.count} 个显示文件${p.notes.length ? `；${joined(p.notes).zh}` : ''}`,
      en: `the signature covers all ${p.count} displayed files reachable from OFD.xml${p.notes.length ? `; ${joined(p.notes).en}` : ''}`,
    }),
    COVERAGE_NOTES: (p: { notes: Text[] }) => ({
      zh: `签名覆盖全部显示内容，但：${joined(p.notes).zh}`,
      en: `the signature covers the displayed content, but: ${joined(p.notes).en}`,
    }),
    UNCOVERED_DISPLAYED: (p: { files: string[]; notes: Text[] }) => ({
      zh: `阅读器显示的文件未受任何签名保护：${p.files.join('、')}${p.notes.length ? `；${joined(p.notes).zh}` : ''}`,
      en: `displayed files that no signature covers: ${p.files.join(', ')}${p.notes.length ? `; ${joined(p.notes).en}` : ''}`,
    }),
    UNSIGNED_BYTES: (p: { bytes: Text[]; notes: Text[] }) => ({
      zh: `ZIP 包含不属于任何条目、任何签名都无法保护的字节（可能是多格式伪装文件）：${joined(p.bytes).zh}${p.notes.length ? `；${joined(p.notes).zh}` : ''}`,
      en: `the ZIP holds bytes outside every entry, which no signature can cover (a polyglot file?): ${joined(p.bytes).en}${p.notes.length ? `; ${joined(p.notes).en}` : ''}`,
    }),
    STRAY_UNSIGNED: (p: { files: string[]; notes: Text[] }) => ({
      zh: `包内有未被引用、也未被任何签名保护的文件（夹带文件）：${p.files.join('、')}${p.notes.length ? `；${joined(p.notes).zh}` : ''}`,
      en: `the package holds files that nothing references and no signature covers (stray): ${p.files.join(', ')}${p.notes.length ? `; ${joined(p.notes).en}` : ''}`,
    }),
  },
  'later-changes': {
    NO_LATER_CHANGES: () => ({
      zh: '本签名之后没有签名，也没有只由其后签名保护的文件',
      en: 'no later signature, and no file that only a later signature covers',
    }),
    SIGNATURES_ADDED: (p: { signatures: string[] }) => ({
      zh: `本签名之后增加了签名 ${p.signatures.join('、')}，未改动本签名保护的内容`,
      en: `signature${p.signatures.length === 1 ? '' : 's'} ${p.signatures.join(', ')} added later, without touching what this signature covers`,
    }),
    APPENDED_AFTER_LOCK: (p: { signatures: string[] }) => ({
      zh: `本签名保护了 Signatures.xml（文档已锁定，不允许继续签章），其后却追加了签名 ${p.signatures.join('、')}`,
      en: `a signature was appended after one that locked the document: this signature covers Signatures.xml, yet ${p.signatures.join(', ')} follow${p.signatures.length === 1 ? 's' : ''} it`,
    }),
    DOCUMENT_ROOT_REPLACED: (p: { path: string }) => ({
      zh: `文档根 ${p.path} 不在本签名保护范围内，只由其后的签名保护：本签名后文档被替换`,
      en: `the document root ${p.path} is not covered by this signature, only by a later one: the document was replaced after this signature`,
    }),
    CONTENT_COVERED_LATER: (p: { files: string[] }) => ({
      zh: `以下显示文件只由其后的签名保护，可能在本签名后被修改或加入：${p.files.join('、')}`,
      en: `displayed files that only a later signature covers, possibly changed or added after this signature: ${p.files.join(', ')}`,
    }),
    CHANGES_NOTED: (p: { groups: Text[] }) => ({
      zh: `本签名之后：${joined(p.groups).zh}`,
      en: `after this signature: ${joined(p.groups).en}`,
    }),
  },
} as const;

interface SealStatusFacts {
  status: string;
  at: string;
  since: string | null;
  reason: string | null;
}

function sealInactive(p: SealStatusFacts): Text {
  return {
    zh: `印章在签名时间 ${p.at} ${p.since ? `自 ${p.since} 起` : ''}处于“${SEAL_STATUS_ZH[p.status] ?? p.status}”状态${p.reason ? `，原因：${p.reason}` : ''}`,
    en: `the seal was ${p.status}${p.since ? ` since ${p.since}` : ''} at the signing time ${p.at}${p.reason ? `, reason: ${p.reason}` : ''}`,
  };
}

function usable(p: { identifier: string; warnings: Text }): Text {
  return {
    zh: `证照标识 ${p.identifier} 可用，但：${p.warnings.zh}`,
    en: `licence identifier ${p.identifier} is usable, but: ${p.warnings.en}`,
  };
}

interface LogFacts {
  node: string;
  index: number;
  size: number;
  witnessTime: string;
}

const LOG_REASONS: Record<string, { zh: string; en: string }> = {
  NOT_YET_LOGGED: {
    zh: '尚无枢纽联署的检查点包含该证照（可能刚签发）',
    en: 'no hub-cosigned checkpoint covers the licence yet (it may be new)',
  },
  NOT_IN_NATIONAL_INDEX: {
    zh: '全国目录尚无该证照（可能刚签发，尚未同步）',
    en: 'the national index has no such licence yet (it may be new)',
  },
  QUORUM_MISSING: { zh: '检查点缺少见证联署', en: 'the checkpoint lacks the witness cosignature' },
  CHECKPOINT_OLDER: {
    zh: '枢纽给出的检查点早于本节点已验证的',
    en: 'the hub answered with an older checkpoint than this verifier holds',
  },
  CONSISTENCY_MISSING: { zh: '缺少一致性证明', en: 'no consistency proof' },
  STATEMENT_MISSING: { zh: '枢纽未给出状态声明', en: 'the hub gave no status statement' },
  LOG_KEY_UNKNOWN: {
    zh: '检查点不是信任列表中的日志密钥签署的',
    en: 'no log key in the trust list signed the checkpoint',
  },
  NODE_NOT_LISTED: { zh: '签发节点不在信任列表中', en: 'the issuing node is not in the trust list' },
  TRUST_LIST_MISSING: { zh: '尚无已验证的信任列表', en: 'no verified trust list' },
  TRUST_LIST_EXPIRED: { zh: '信任列表已过期', en: 'the trust list has expired' },
  HUB_UNREACHABLE: { zh: '无法连接国家枢纽', en: 'the national hub cannot be reached' },
  EVIDENCE_MISMATCH: { zh: '枢纽的答复与所查证照不符', en: 'the hub answered about something else' },
  CHECKPOINT_INVALID: { zh: '检查点签名无效', en: 'the checkpoint signature is invalid' },
  LOG_KEY_WITHDRAWN: {
    zh: '检查点仅由已撤销的日志密钥签署',
    en: 'the checkpoint is signed only by a withdrawn log key',
  },
  CHECKPOINT_FORK: {
    zh: '同一大小出现两个根哈希（日志分叉）',
    en: 'two roots for one tree size (a forked log)',
  },
  CHECKPOINT_INCONSISTENT: {
    zh: '检查点与本节点已验证的不一致',
    en: 'the checkpoint is inconsistent with the one this verifier holds',
  },
  PROOF_INVALID: { zh: '包含证明不成立', en: 'an inclusion proof does not verify' },
  LEAF_INVALID: { zh: '日志条目格式错误', en: 'a log entry is malformed' },
  LEAF_MISMATCH: { zh: '日志条目不属于该证照', en: 'a log entry is not about this licence' },
  STATEMENT_MISMATCH: {
    zh: '状态声明与检查点或最新条目不符',
    en: 'the status statement does not match the checkpoint or the latest entry',
  },
  STATEMENT_INVALID: { zh: '状态声明签名无效', en: 'the status statement is invalid' },
  FILE_NOT_IN_LOG: { zh: '目录日志中没有本文件的摘要', en: "no log entry records this file's SM3" },
};

/** One catalogue entry per code, worded by `f` (the log evidence's codes share two sentences). */
function byCode<K extends string>(
  codes: readonly K[],
  f: (code: K, why: string) => Text,
): Record<K, (p: { why: string }) => Text> {
  return Object.fromEntries(codes.map((c) => [c, (p: { why: string }) => f(c, p.why)])) as Record<
    K,
    (p: { why: string }) => Text
  >;
}

function logPending(code: string, why: string): { zh: string; en: string } {
  const r = LOG_REASONS[code]!;
  return {
    zh: `目录日志证据暂不可用：${r.zh}（${why}）`,
    en: `directory log evidence not available yet: ${r.en} (${why})`,
  };
}

function logInvalid(code: string, why: string): { zh: string; en: string } {
  const r = LOG_REASONS[code]!;
  return {
    zh: `目录日志证据无效：${r.zh}（${why}）`,
    en: `the directory log evidence is invalid: ${r.en} (${why})`,
  };
}

function offlineDirectory(what: Text): Text {
  return {
    zh: `未连接证照目录（离线验证），${what.zh}未检查；使用 --online <节点地址> 可查询`,
    en: `no licence directory (offline): ${what.en} not checked; use --online <node URL>`,
  };
}

function directoryDown(why: string): Text {
  return { zh: `证照目录查询失败：${why}`, en: `the licence directory could not be queried: ${why}` };
}

function joined(parts: Text[]): Text {
  return { zh: parts.map((f) => f.zh).join('；'), en: parts.map((f) => f.en).join('; ') };
}

type Catalogue = typeof MESSAGES;
type Section = Exclude<keyof Catalogue, 'common'>;
type Codes<I> = I extends Section
  ? keyof Catalogue[I] | keyof Catalogue['common']
  : keyof Catalogue['common'];
type Entry<I, C> = I extends Section
  ? C extends keyof Catalogue[I]
    ? Catalogue[I][C]
    : C extends keyof Catalogue['common']
      ? Catalogue['common'][C]
      : never
  : C extends keyof Catalogue['common']
    ? Catalogue['common'][C]
    : never;
type Params<F> = F extends () => Text
  ? void | Record<string, never>
  : F extends (p: infer P) => Text
    ? P
    : never;

/** The catalogue words `code` for check `id` (its own section, or the codes common to every check). */
export function isCatalogued(id: string, code: string): boolean {
  const sections = MESSAGES as unknown as Record<string, Record<string, unknown>>;
  if (!isCheckId(id)) return false;
  return (
    (Object.hasOwn(sections, id) && Object.hasOwn(sections[id]!, code)) ||
    Object.hasOwn(MESSAGES.common, code)
  );
}

/** The text of a catalogued message. */
export function message<I extends CheckId, C extends Codes<I> & string>(
  id: I,
  code: C,
  params: Params<Entry<I, C>>,
): Text {
  const section = (MESSAGES as unknown as Record<string, Record<string, (p: unknown) => Text>>)[id];
  const f = section?.[code] ?? (MESSAGES.common as Record<string, (p: unknown) => Text>)[code];
  if (!f) throw new Error(`no message ${id}/${code} in the catalogue`);
  return f(params);
}

/** A check with its catalogued message. */
export function emit<I extends CheckId, C extends Codes<I> & string>(
  id: I,
  status: CheckStatus,
  code: C,
  params: Params<Entry<I, C>>,
  details?: Record<string, unknown>,
): Check {
  const t = message(id, code, params);
  return withText(id, status, code, t, details);
}

/** The chain validator's own text (pki), framed by whose certificate chain it is about. */
export function chainValidatorText(party: Text, text: Text): Text {
  return { zh: `${party.zh}证书：${text.zh}`, en: `${party.en} certificate: ${text.en}` };
}

/** A check whose text comes ready-made from a lower layer (chain validator, SES codec). */
export function withText(
  id: CheckId,
  status: CheckStatus,
  code: string,
  text: Text,
  details?: Record<string, unknown>,
): Check {
  return { id, status, code, message: text.zh, messageEn: text.en, ...(details ? { details } : {}) };
}
