import { sm3Hex } from '../crypto/sm3.js';
import { createHash } from 'node:crypto';
import { parseCertificate, type CertificateInfo } from '../pki/certificate.js';
import { validateChain, type ChainResult } from '../pki/certificate-chain.js';
import { verifyTimestampToken, type TimestampVerification } from '../pki/timestamp.js';
import {
  checkDataHash,
  checkMakerSignature,
  checkSignerInSeal,
  checkSignerSignature,
  type SesCheckResult,
} from '../seal/ses-crypto-checks.js';
import { decodeSesSeal, decodeSesSignature } from '../seal/ses-decoder.js';
import { SesParseError } from '../seal/ses-parse-error.js';
import type { SesSeal, SesSignature } from '../seal/ses-types.js';
import {
  check,
  deriveIndication,
  type Check,
  type CertificateSummary,
  type SignatureReport,
  type TimestampSummary,
} from './report.js';

// The validation engine for GB/T 38540 / GM/T 0031 seals and seal signatures. It follows the verification order
// of shared/spec/ses.md, runs every check (so the report says everything that is wrong, not just the first
// thing), and leaves the verdict to report.ts. Everything node-specific (the CA database for revocation, the
// seal registry) comes in through the views below; without them those checks are skipped with a reason.
//
// Time model. timeInfo is only what the signer claims. A valid, trusted RFC 3161 timestamp over the signature
// value proves the signature existed at its genTime (bestSignatureTime). Validity windows and revocations are
// judged at the claimed time; when the window has since closed (certificate or seal expired, certificate or
// seal revoked after the claimed time), the claim alone proves nothing and only a proof of existence before
// that moment lets the check pass (else INDETERMINATE: OUT_OF_BOUNDS_NO_POE / REVOKED_NO_POE).

export type SealRegistryStatus = 'active' | 'suspended' | 'revoked' | 'expired';

export interface SealStatusAnswer {
  /** false: this registry has never heard of the seal (a seal of another node), the check is skipped. */
  known: boolean;
  /** The seal's status at the time asked about. */
  status?: SealRegistryStatus;
  /** When that status began. */
  changedAt?: Date;
  reason?: string;
  /** The seal's status now. */
  currentStatus?: string;
  /** When the seal was revoked, if it is. */
  revokedAt?: Date;
  /** SM3 (hex) of the registered SESeal: the seal inside a signature must be byte-identical (ses.md rule 3). */
  registeredSealSm3?: string;
}

export interface SealRegistryView {
  sealStatusAt(esID: string, at: Date): Promise<SealStatusAnswer | undefined>;
}

export type { RevocationAnswer, RevocationView } from './revocation/revocation-source.js';
import type { RevocationAnswer, RevocationView } from './revocation/revocation-source.js';

export interface SesValidationContext {
  anchors: CertificateInfo[];
  intermediates?: CertificateInfo[];
  /** Trust anchors (or directly trusted TSA certificates) for timestamps; default `anchors`. */
  tsaAnchors?: CertificateInfo[];
  revocation?: RevocationView;
  sealRegistry?: SealRegistryView;
  /** The validation time (default: the current time). */
  now?: Date;
  /**
   * The protected data (OFD Signature.xml bytes, PDF ByteRange bytes) or its SM3 digest, with the bytes on
   * demand for the rare signature made over the data itself.
   */
  data?: Uint8Array | { expectedHash: Buffer; bytes?: () => Uint8Array };
}

/** Check ids, in report order. */
export const SES_CHECK_IDS = [
  'format',
  'signature',
  'signer-in-seal',
  'seal-signature',
  'validity-time',
  'chain',
  'maker-chain',
  'revocation',
  'maker-revocation',
  'data-hash',
  'timestamp',
  'seal-status',
] as const;

const SEAL_CHECK_IDS = [
  'format',
  'seal-signature',
  'validity-time',
  'maker-chain',
  'maker-revocation',
  'seal-status',
] as const;

function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

function fromCodec(id: string, r: SesCheckResult): Check {
  return check(id, r.status, r.code, r.message, r.messageEn);
}

export function summary(c: CertificateInfo): CertificateSummary {
  return {
    subject: c.subject,
    serial: c.serialHex,
    notBefore: iso(c.notBefore)!,
    notAfter: iso(c.notAfter)!,
  };
}

export function party(c: CertificateInfo | null) {
  return c ? { subject: c.subject, serial: c.serialHex, issuer: c.issuer } : null;
}

export function tryParse(der: Buffer): CertificateInfo | null {
  try {
    return parseCertificate(der);
  } catch {
    return null;
  }
}

function sealSummary(seal: SesSeal): NonNullable<SignatureReport['seal']> {
  return {
    esID: seal.esID,
    name: seal.property.name,
    version: seal.version,
    type: seal.property.type,
    vid: seal.header.vid,
    validStart: iso(seal.property.validStart),
    validEnd: iso(seal.property.validEnd),
  };
}

// ---------------------------------------------------------------------------------------------- format

function formatPassed(what: 'signature' | 'seal', version: number, vid: string, notes: string[]): Check {
  const zhWhat = what === 'seal' ? '电子印章' : '电子签章';
  const noteText = notes.length ? `；生产者差异：${notes.join(', ')}` : '';
  const noteTextEn = notes.length ? `; producer variations: ${notes.join(', ')}` : '';
  return check(
    'format',
    'passed',
    'FORMAT_OK',
    `${zhWhat}结构解析成功（SES v${version}，厂商 ${vid || '未标明'}）${noteText}`,
    `the ${what === 'seal' ? 'SESeal' : 'SES_Signature'} structure parses (SES v${version}, vendor ${vid || 'unnamed'})${noteTextEn}`,
    notes.length ? { notes } : undefined,
  );
}

function formatFailure(what: 'signature' | 'seal', err: unknown, ids: readonly string[]): SignatureReport {
  const path = err instanceof SesParseError ? err.path : what === 'seal' ? 'SESeal' : 'SES_Signature';
  const detail = err instanceof SesParseError ? err.detail : err instanceof Error ? err.message : String(err);
  const checks: Check[] = [
    check(
      'format',
      'failed',
      'FORMAT_FAILURE',
      `结构无法解析：${path}：${detail}`,
      `the structure cannot be decoded at ${path}: ${detail}`,
      { path },
    ),
    ...ids
      .filter((id) => id !== 'format')
      .map((id) =>
        check(id, 'skipped', 'NOT_RUN', '结构无法解析，未执行', 'not run: the structure cannot be decoded'),
      ),
  ];
  return {
    format: what === 'seal' ? 'SES seal' : 'SES',
    ...deriveIndication(checks),
    signingTime: null,
    bestSignatureTime: null,
    seal: null,
    signer: null,
    chain: [],
    checks,
  };
}

// ---------------------------------------------------------------------------------------------- timestamp

export interface TimestampOutcome {
  check: Check;
  /** genTime when the token proves the signature existed then. */
  best: Date | null;
  /** genTime of a valid v1 timeInfo token: the signing time (a lower bound, not a proof of existence). */
  signingTimeFromToken: Date | null;
  summary?: TimestampSummary;
}

const DIGESTS = new Set(['sm3', 'sha256', 'sha1', 'sha384', 'sha512']);

/** Shared with the CMS engine, which passes its token and signature value in the same shape. */
export function evaluateTimestamp(
  sig: Pick<SesSignature, 'timeStamp' | 'signature' | 'version' | 'notes'>,
  ctx: SesValidationContext,
  now: Date,
): TimestampOutcome {
  const token = sig.timeStamp;
  if (!token) {
    return {
      check: check(
        'timestamp',
        'skipped',
        'NO_TIMESTAMP',
        '签章不含时间戳',
        'the signature carries no timestamp',
      ),
      best: null,
      signingTimeFromToken: null,
    };
  }
  // A v1 timeInfo that holds a token is inside the signed TBS: the signature was made after it, so its genTime
  // is the signing time (a lower bound), never a proof that the signature existed by then.
  const insideTbs = sig.version === 1 && sig.notes.includes('time-info-timestamp');
  let v: TimestampVerification;
  try {
    v = verifyTimestampToken(token);
    if (!v.tsaCert && (ctx.tsaAnchors?.length || ctx.intermediates?.length)) {
      v = verifyTimestampToken(token, {
        trustedTsaCerts: [...(ctx.tsaAnchors ?? []), ...(ctx.intermediates ?? [])],
      });
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      check: check(
        'timestamp',
        'failed',
        'TIMESTAMP_MALFORMED',
        `时间戳无法解析，已忽略：${why}`,
        `the timestamp cannot be decoded and is ignored: ${why}`,
      ),
      best: null,
      signingTimeFromToken: null,
    };
  }
  const problems = [...v.problems];
  let imprintMatches = false;
  if (!insideTbs) {
    if (DIGESTS.has(v.imprintAlg)) {
      imprintMatches = createHash(v.imprintAlg).update(sig.signature).digest().equals(v.imprint);
    } else {
      problems.push(`imprint digest ${v.imprintAlg} is not supported`);
    }
    if (!imprintMatches) problems.push('the message imprint is not the digest of the signature value');
  }
  const cryptoOk = v.signatureValid && v.ekuOk;
  let chain: ChainResult | null = null;
  if (v.tsaCert) {
    chain = validateChain(v.tsaCert, {
      anchors: ctx.tsaAnchors ?? ctx.anchors,
      intermediates: ctx.intermediates ?? [],
      at: v.genTime,
    });
    if (chain.status !== 'passed') problems.push(`TSA certificate: ${chain.messageEn}`);
  }
  const trusted = chain?.status === 'passed';
  if (v.genTime.getTime() > now.getTime() + 5 * 60_000) problems.push('genTime is in the future');
  const genTime = v.genTime.toISOString();
  const tsa = v.tsaCert?.subject ?? null;
  const summaryOut: TimestampSummary = {
    genTime,
    serial: v.serial.toString(),
    policy: v.policy,
    tsa,
    imprintAlgorithm: v.imprintAlg,
    signatureValid: cryptoOk,
    imprintMatches: insideTbs ? false : imprintMatches,
    trusted,
    problems,
  };
  const base = { summary: summaryOut };
  const details = { genTime, tsa, problems };
  if (!cryptoOk || v.genTime.getTime() > now.getTime() + 5 * 60_000) {
    return {
      ...base,
      check: check(
        'timestamp',
        'failed',
        'TIMESTAMP_INVALID',
        `时间戳验证失败，已忽略（不作为存在性证明）：${problems.join('; ')}`,
        `the timestamp does not verify and is ignored (no proof of existence): ${problems.join('; ')}`,
        details,
      ),
      best: null,
      signingTimeFromToken: null,
    };
  }
  if (insideTbs) {
    return {
      ...base,
      check: check(
        'timestamp',
        trusted ? 'passed' : 'indeterminate',
        trusted ? 'TIMESTAMP_SIGNING_TIME' : 'TIMESTAMP_UNTRUSTED',
        `签名时间取自签名原文中的时间戳 ${genTime}（签名晚于该时间，不构成存在性证明）${trusted ? '' : '；时间戳机构不受信任'}`,
        `the signing time is taken from the timestamp inside TBS_Sign, ${genTime} (the signature was made after it; not a proof of existence)${trusted ? '' : '; the TSA is not trusted'}`,
        details,
      ),
      best: null,
      signingTimeFromToken: trusted ? v.genTime : null,
    };
  }
  if (!imprintMatches) {
    return {
      ...base,
      check: check(
        'timestamp',
        'failed',
        'TIMESTAMP_IMPRINT_MISMATCH',
        `时间戳的消息摘要与签名值不符，已忽略（时间 ${genTime}）`,
        `the timestamp's message imprint is not the digest of the signature value; ignored (genTime ${genTime})`,
        details,
      ),
      best: null,
      signingTimeFromToken: null,
    };
  }
  if (!trusted) {
    return {
      ...base,
      check: check(
        'timestamp',
        'indeterminate',
        'TIMESTAMP_UNTRUSTED',
        `时间戳签名有效（时间 ${genTime}），但时间戳机构证书无法链接到信任锚，不作为存在性证明：${chain?.message ?? '时间戳中没有机构证书'}`,
        `the timestamp verifies (genTime ${genTime}) but the TSA certificate does not chain to a trust anchor, so it proves nothing: ${chain?.messageEn ?? 'no TSA certificate'}`,
        details,
      ),
      best: null,
      signingTimeFromToken: null,
    };
  }
  return {
    ...base,
    check: check(
      'timestamp',
      'passed',
      'TIMESTAMP_VALID',
      `时间戳有效：签章不晚于 ${genTime} 已存在（时间戳机构 ${tsa}）`,
      `the timestamp is valid: the signature existed at ${genTime} (TSA ${tsa})`,
      details,
    ),
    best: v.genTime,
    signingTimeFromToken: null,
  };
}

// ---------------------------------------------------------------------------------------------- validity-time

export interface Window {
  zh: string;
  en: string;
  start: Date | null;
  end: Date | null;
}

export function certWindow(zh: string, en: string, c: CertificateInfo | null): Window | null {
  return c ? { zh, en, start: c.notBefore, end: c.notAfter } : null;
}

/**
 * `t` (the signing time to judge) within every window. A window that has closed by `now` needs a proof of
 * existence (`best`) before its end; the claimed time alone cannot show the signature was made in time.
 */
export function validityCheck(
  windows: Window[],
  t: Date | null,
  best: Date | null,
  now: Date,
  tLabel: { zh: string; en: string },
): Check {
  if (!t) {
    return check(
      'validity-time',
      'indeterminate',
      'SIGNING_TIME_UNKNOWN',
      '签章不含可读的签名时间，也没有有效时间戳，无法判断签名时是否在有效期内',
      'the signature holds no readable signing time and no valid timestamp: validity at signing time cannot be judged',
    );
  }
  const failures: { code: 'EXPIRED' | 'NOT_YET_VALID'; zh: string; en: string }[] = [];
  const noPoe: { zh: string; en: string }[] = [];
  const ok: string[] = [];
  const ts = t.toISOString();
  for (const w of windows) {
    if (!w.start || !w.end) {
      noPoe.push({ zh: `${w.zh}的有效期无法读取`, en: `the ${w.en} validity period is unreadable` });
      continue;
    }
    const range = `${w.start.toISOString()} – ${w.end.toISOString()}`;
    if (t < w.start || (best && best < w.start)) {
      failures.push({
        code: 'NOT_YET_VALID',
        zh: `${tLabel.zh} ${ts} 早于${w.zh}的有效期起始（${range}）`,
        en: `${tLabel.en} ${ts} is before the ${w.en} validity period (${range})`,
      });
    } else if (t > w.end) {
      failures.push({
        code: 'EXPIRED',
        zh: `${tLabel.zh} ${ts} 晚于${w.zh}的有效期截止（${range}）`,
        en: `${tLabel.en} ${ts} is after the end of the ${w.en} validity period (${range})`,
      });
    } else if (w.end < now && !(best && best <= w.end)) {
      noPoe.push({
        zh: `${w.zh}已于 ${w.end.toISOString()} 到期；签名时间 ${ts} 仅为签章者声明，没有时间戳证明签章早于到期`,
        en: `the ${w.en} validity ended ${w.end.toISOString()}; the signing time ${ts} is only claimed, no timestamp proves the signature predates the end`,
      });
    } else {
      ok.push(w.en);
    }
  }
  const details = { time: ts, proofOfExistence: iso(best) };
  if (failures.length) {
    const all = [...failures, ...noPoe];
    return check(
      'validity-time',
      'failed',
      failures[0]!.code,
      all.map((f) => f.zh).join('；'),
      all.map((f) => f.en).join('; '),
      details,
    );
  }
  if (noPoe.length) {
    const code = windows.every((w) => w.start && w.end) ? 'OUT_OF_BOUNDS_NO_POE' : 'VALIDITY_UNKNOWN';
    return check(
      'validity-time',
      'indeterminate',
      code,
      noPoe.map((f) => f.zh).join('；'),
      noPoe.map((f) => f.en).join('; '),
      details,
    );
  }
  return check(
    'validity-time',
    'passed',
    'WITHIN_VALIDITY',
    `${tLabel.zh} ${ts} 在${windows.map((w) => w.zh).join('、')}的有效期内`,
    `${tLabel.en} ${ts} is within the validity of the ${ok.join(', ')}`,
    details,
  );
}

// ---------------------------------------------------------------------------------------------- chain

export function chainCheck(
  id: string,
  zh: string,
  en: string,
  cert: CertificateInfo | null,
  r: ChainResult | null,
): Check {
  if (!cert || !r) {
    return check(
      id,
      'indeterminate',
      'NO_SIGNING_CERTIFICATE_FOUND',
      `${zh}证书无法解析`,
      `the ${en} certificate cannot be parsed`,
    );
  }
  return check(id, r.status, r.code, `${zh}证书：${r.message}`, `${en} certificate: ${r.messageEn}`, {
    chain: r.chain.map((c) => c.subject),
    ...(r.failedAt === undefined ? {} : { failedAt: r.failedAt }),
  });
}

// ---------------------------------------------------------------------------------------------- revocation

export interface Claim {
  /** What the signer claims. */
  claimed: Date | null;
  /** Proof of existence. */
  best: Date | null;
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

export async function revocationCheck(
  id: string,
  zh: string,
  en: string,
  chain: ChainResult | null,
  view: RevocationView | undefined,
  claim: Claim,
  now: Date,
): Promise<Check> {
  if (!view) {
    return check(
      id,
      'skipped',
      'NO_REVOCATION_SOURCE',
      `未配置吊销状态来源（离线验证），${zh}证书吊销状态未检查`,
      `no revocation source configured (offline): the ${en} certificate's revocation status was not checked`,
    );
  }
  if (!chain || chain.status !== 'passed') {
    return check(
      id,
      'skipped',
      'NO_CHAIN',
      `${zh}证书链未建立，无法确定签发者，吊销状态未检查`,
      `the ${en} certificate chain was not established, so its revocation status cannot be checked`,
    );
  }
  if (chain.chain.length === 1) {
    return check(
      id,
      'skipped',
      'TRUST_ANCHOR',
      `${zh}证书本身即信任锚，不检查吊销状态`,
      `the ${en} certificate is itself a trust anchor: no revocation status to check`,
    );
  }
  const sources: string[] = [];
  let worst: Check | null = null;
  const severity = { passed: 0, skipped: 0, warning: 0, indeterminate: 1, failed: 2 };
  for (let i = 0; i + 1 < chain.chain.length; i++) {
    const cert = chain.chain[i]!;
    const issuer = chain.chain[i + 1]!;
    const who = `${i === 0 ? `${zh}证书` : 'CA 证书'} ${cert.subject}（序列号 ${cert.serialHex}）`;
    const whoEn = `${i === 0 ? `${en} certificate` : 'CA certificate'} ${cert.subject} (serial ${cert.serialHex})`;
    let a: RevocationAnswer;
    try {
      a = await view.statusAt(cert, issuer, now, { signingTime: claim.claimed, poe: claim.best });
    } catch (err) {
      a = { status: 'unknown', source: `error: ${(err as Error).message}` };
    }
    sources.push(a.source);
    const c = judgeRevocation(id, a, claim, who, whoEn);
    if (c && (!worst || severity[c.status] > severity[worst.status])) worst = c;
  }
  return (
    worst ??
    check(
      id,
      'passed',
      'NOT_REVOKED',
      `${zh}证书链未被吊销（来源：${[...new Set(sources)].join(', ')}）`,
      `the ${en} certificate chain is not revoked (source: ${[...new Set(sources)].join(', ')})`,
    )
  );
}

function judgeRevocation(
  id: string,
  a: RevocationAnswer,
  claim: Claim,
  who: string,
  whoEn: string,
): Check | null {
  if (a.status === 'good') return null;
  if (a.status === 'no-source')
    return check(
      id,
      'skipped',
      'NO_REVOCATION_SOURCE',
      `${who}未提供吊销状态来源（无 CRL 分发点），吊销状态未检查（${a.source}）`,
      `${whoEn} names no revocation source (no CRL distribution point): its status was not checked (${a.source})`,
    );
  if (a.status === 'unknown') {
    return check(
      id,
      'indeterminate',
      a.code ?? 'REVOCATION_UNKNOWN',
      `${who}的吊销状态未知（${a.source}）`,
      `the revocation status of ${whoEn} is unknown (${a.source})`,
    );
  }
  const hold = a.status === 'hold';
  const what = hold ? { zh: '被冻结（暂停）', en: 'put on hold' } : { zh: '被吊销', en: 'revoked' };
  const reason = a.reason ? `，原因 ${REVOCATION_REASON_ZH[a.reason] ?? a.reason}` : '';
  const reasonEn = a.reason ? `, reason ${a.reason}` : '';
  const r = a.revokedAt;
  const rs = r ? r.toISOString() : '（时间未知）';
  const rsEn = r ? r.toISOString() : '(time unknown)';
  const details = { revokedAt: iso(r), reason: a.reason ?? null, source: a.source, status: a.status };
  const res = (status: Check['status'], code: string, zh: string, en: string) =>
    check(id, status, code, zh, en, details);
  if (r && claim.claimed && r <= claim.claimed) {
    const zh = `${who}已于 ${rs} ${what.zh}${reason}，早于签名时间 ${claim.claimed.toISOString()}`;
    const en = `${whoEn} was ${what.en} at ${rsEn}${reasonEn}, before the signing time ${claim.claimed.toISOString()}`;
    // A certificate on hold at signing time may yet be released: not a final failure (EN 319 102-1: TRY_LATER).
    return hold ? res('indeterminate', 'CERT_ON_HOLD', zh, en) : res('failed', 'REVOKED', zh, en);
  }
  if (r && claim.best && claim.best < r) {
    return res(
      'passed',
      'REVOKED_AFTER_POE',
      `${who}于 ${rs} ${what.zh}${reason}；时间戳证明签章在 ${claim.best.toISOString()} 已存在，早于${what.zh}时间`,
      `${whoEn} was ${what.en} at ${rsEn}${reasonEn}; a timestamp proves the signature existed at ${claim.best.toISOString()}, before that`,
    );
  }
  const claimed = claim.claimed ? claim.claimed.toISOString() : null;
  return res(
    'indeterminate',
    'REVOKED_NO_POE',
    `${who}已于 ${rs} ${what.zh}${reason}；声明的签名时间 ${claimed ?? '（无）'} 早于该时间，但没有时间戳证明签章在${what.zh}前已存在`,
    `${whoEn} was ${what.en} at ${rsEn}${reasonEn}; the claimed signing time ${claimed ?? '(none)'} precedes it, but no timestamp proves the signature existed before`,
  );
}

// ---------------------------------------------------------------------------------------------- seal status

const SEAL_STATUS_ZH: Record<string, string> = {
  active: '有效',
  suspended: '暂停使用',
  revoked: '已撤销',
  expired: '已过期',
};

async function sealStatusCheck(
  esID: string,
  sealDer: Uint8Array,
  registry: SealRegistryView | undefined,
  claim: Claim,
  now: Date,
): Promise<Check> {
  if (!registry) {
    return check(
      'seal-status',
      'skipped',
      'NO_REGISTRY',
      '未连接印章登记库（离线验证），印章状态未检查',
      'no seal registry available (offline): the seal status was not checked',
    );
  }
  const at = claim.claimed ?? claim.best ?? now;
  let atSign: SealStatusAnswer | undefined;
  let current: SealStatusAnswer | undefined;
  try {
    atSign = await registry.sealStatusAt(esID, at);
    current = at.getTime() === now.getTime() ? atSign : await registry.sealStatusAt(esID, now);
  } catch (err) {
    return check(
      'seal-status',
      'indeterminate',
      'REGISTRY_UNAVAILABLE',
      `印章登记库查询失败：${(err as Error).message}`,
      `the seal registry could not be queried: ${(err as Error).message}`,
    );
  }
  if (!atSign?.known) {
    return check(
      'seal-status',
      'skipped',
      'SEAL_NOT_REGISTERED',
      `印章 ${esID} 未在本节点登记，印章状态未检查`,
      `seal ${esID} is not registered at this node: its status was not checked`,
    );
  }
  if (atSign.registeredSealSm3 && atSign.registeredSealSm3 !== sm3Hex(sealDer)) {
    return check(
      'seal-status',
      'failed',
      'SEAL_BYTES_MISMATCH',
      `签章中的印章 ${esID} 与登记库中的印章数据不一致`,
      `the seal ${esID} inside the signature is not byte-identical to the registered seal`,
    );
  }
  const reason = atSign.reason ? `，原因：${atSign.reason}` : '';
  const reasonEn = atSign.reason ? `, reason: ${atSign.reason}` : '';
  const atText = at.toISOString();
  const details = {
    statusAtSigningTime: atSign.status ?? null,
    changedAt: iso(atSign.changedAt),
    currentStatus: current?.status ?? atSign.currentStatus ?? null,
    revokedAt: iso(atSign.revokedAt ?? current?.revokedAt),
  };
  const s = atSign.status;
  if (!s) {
    return check(
      'seal-status',
      'indeterminate',
      'SEAL_STATUS_UNKNOWN',
      `印章登记库没有印章 ${esID} 在 ${atText} 的状态（签名时间早于登记？）`,
      `the seal registry has no status for seal ${esID} at ${atText} (signed before it was registered?)`,
      details,
    );
  }
  if (s === 'revoked' || s === 'suspended' || s === 'expired') {
    const code = s === 'revoked' ? 'SEAL_REVOKED' : s === 'suspended' ? 'SEAL_SUSPENDED' : 'SEAL_EXPIRED';
    const since = atSign.changedAt ? `自 ${atSign.changedAt.toISOString()} 起` : '';
    const sinceEn = atSign.changedAt ? ` since ${atSign.changedAt.toISOString()}` : '';
    return check(
      'seal-status',
      'failed',
      code,
      `印章在签名时间 ${atText} ${since}处于“${SEAL_STATUS_ZH[s]}”状态${reason}`,
      `the seal was ${s}${sinceEn} at the signing time ${atText}${reasonEn}`,
      details,
    );
  }
  // Active at the claimed time. A later revocation or suspension makes the claim worthless without a proof of
  // existence before it (the signer could have backdated timeInfo after losing the seal).
  const later = current?.status ?? (atSign.currentStatus as SealRegistryStatus | undefined);
  if (later === 'revoked' || later === 'suspended') {
    const r = atSign.revokedAt ?? current?.revokedAt ?? current?.changedAt;
    const rs = r ? r.toISOString() : '（时间未知）';
    const zhWhat = SEAL_STATUS_ZH[later];
    if (r && claim.best && claim.best < r) {
      return check(
        'seal-status',
        'passed',
        'SEAL_REVOKED_AFTER_POE',
        `印章于 ${rs} 变为“${zhWhat}”；时间戳证明签章在 ${claim.best.toISOString()} 已存在，早于该时间`,
        `the seal became ${later} at ${rs}; a timestamp proves the signature existed at ${claim.best.toISOString()}, before that`,
        details,
      );
    }
    return check(
      'seal-status',
      'indeterminate',
      'REVOKED_NO_POE',
      `印章已于 ${rs} 变为“${zhWhat}”；声明的签名时间 ${claim.claimed?.toISOString() ?? '（无）'} 早于该时间，但没有时间戳证明签章在此前已存在`,
      `the seal became ${later} at ${r ? r.toISOString() : '(time unknown)'}; the claimed signing time ${claim.claimed?.toISOString() ?? '(none)'} precedes it, but no timestamp proves the signature existed before`,
      details,
    );
  }
  return check(
    'seal-status',
    'passed',
    'SEAL_ACTIVE',
    `印章 ${esID} 在签名时间 ${atText} 处于有效状态${later && later !== 'active' ? `（当前：${SEAL_STATUS_ZH[later] ?? later}）` : ''}`,
    `seal ${esID} was active at the signing time ${atText}${later && later !== 'active' ? ` (now ${later})` : ''}`,
    details,
  );
}

// ---------------------------------------------------------------------------------------------- engines

function order(checks: Check[], ids: readonly string[]): Check[] {
  return [...checks].sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
}

/**
 * Validates an SES_Signature (v1, v4, v5) as bytes or decoded. Never throws for bad input: an undecodable
 * structure is a report with `format` failed (TOTAL_FAILED / FORMAT_FAILURE) naming the element that broke.
 */
export async function validateSesSignature(
  input: Uint8Array | SesSignature,
  ctx: SesValidationContext,
): Promise<SignatureReport> {
  const now = ctx.now ?? new Date();
  let sig: SesSignature;
  try {
    sig = input instanceof Uint8Array ? decodeSesSignature(input) : input;
  } catch (err) {
    return formatFailure('signature', err, SES_CHECK_IDS);
  }
  const seal = sig.seal;
  const checks: Check[] = [
    formatPassed('signature', sig.version, seal.header.vid, [...seal.notes, ...sig.notes]),
  ];
  checks.push(fromCodec('signature', checkSignerSignature(sig)));
  checks.push(fromCodec('signer-in-seal', checkSignerInSeal(sig)));
  checks.push(fromCodec('seal-signature', checkMakerSignature(seal)));

  const signer = tryParse(sig.signerCert);
  const maker = tryParse(seal.makerCert);
  const ts = evaluateTimestamp(sig, ctx, now);
  const claimed = sig.timeInfo ?? ts.signingTimeFromToken;
  const claim: Claim = { claimed, best: ts.best };
  const t = claimed ?? ts.best;
  const label = claimed
    ? { zh: '签名时间', en: 'the signing time' }
    : { zh: '时间戳时间', en: 'the timestamp time' };
  checks.push(
    validityCheck(
      [
        { zh: '印章', en: 'seal', start: seal.property.validStart, end: seal.property.validEnd },
        ...[
          certWindow('签章者证书', 'signer certificate', signer),
          certWindow('制章者证书', 'seal maker certificate', maker),
        ].filter((w): w is Window => w !== null),
      ],
      t,
      ts.best,
      now,
      label,
    ),
  );

  const at = t ?? now;
  const opts = { anchors: ctx.anchors, intermediates: ctx.intermediates ?? [], at };
  const signerChain = signer ? validateChain(signer, opts) : null;
  const makerChain = maker
    ? signer && maker.der.equals(signer.der)
      ? signerChain
      : validateChain(maker, opts)
    : null;
  checks.push(chainCheck('chain', '签章者', 'signer', signer, signerChain));
  checks.push(chainCheck('maker-chain', '制章者', 'seal maker', maker, makerChain));
  checks.push(
    await revocationCheck('revocation', '签章者', 'signer', signerChain, ctx.revocation, claim, now),
  );
  checks.push(
    await revocationCheck('maker-revocation', '制章者', 'seal maker', makerChain, ctx.revocation, claim, now),
  );

  const dh = checkDataHash(sig, ctx.data);
  checks.push(
    dh.code === 'DATA_NOT_PROVIDED'
      ? check(
          'data-hash',
          'skipped',
          dh.code,
          `${dh.message}（签章保护范围：${sig.propertyInfo || '未标明'}）`,
          `${dh.messageEn} (protected range: ${sig.propertyInfo || 'unnamed'})`,
        )
      : fromCodec('data-hash', dh),
  );
  checks.push(ts.check);
  checks.push(await sealStatusCheck(seal.esID, sig.sealDer, ctx.sealRegistry, claim, now));

  const ordered = order(checks, SES_CHECK_IDS);
  return {
    format: `SES v${sig.version}`,
    ...deriveIndication(ordered),
    signingTime: iso(claimed),
    bestSignatureTime: iso(ts.best),
    seal: sealSummary(seal),
    signer: party(signer),
    chain: (signerChain?.chain ?? []).map(summary),
    maker: party(maker),
    makerChain: (makerChain?.chain ?? []).map(summary),
    checks: ordered,
    ...(ts.summary ? { timestamp: ts.summary } : {}),
  };
}

/**
 * Validates a bare SESeal (v1, v4, v5): structure, the maker's signature, the seal's validity and the maker's
 * chain at `now`, the maker's revocation status and the seal's registry status. Never throws for bad input.
 */
export async function validateSesSeal(
  input: Uint8Array | SesSeal,
  ctx: SesValidationContext,
): Promise<SignatureReport> {
  const now = ctx.now ?? new Date();
  let seal: SesSeal;
  try {
    seal = input instanceof Uint8Array ? decodeSesSeal(input) : input;
  } catch (err) {
    return formatFailure('seal', err, SEAL_CHECK_IDS);
  }
  const checks: Check[] = [formatPassed('seal', seal.version, seal.header.vid, seal.notes)];
  checks.push(fromCodec('seal-signature', checkMakerSignature(seal)));
  const maker = tryParse(seal.makerCert);
  checks.push(
    validityCheck(
      [{ zh: '印章', en: 'seal', start: seal.property.validStart, end: seal.property.validEnd }],
      now,
      null,
      now,
      { zh: '当前时间', en: 'the current time' },
    ),
  );
  const makerChain = maker
    ? validateChain(maker, { anchors: ctx.anchors, intermediates: ctx.intermediates ?? [], at: now })
    : null;
  checks.push(chainCheck('maker-chain', '制章者', 'seal maker', maker, makerChain));
  const claim: Claim = { claimed: now, best: null };
  checks.push(
    await revocationCheck('maker-revocation', '制章者', 'seal maker', makerChain, ctx.revocation, claim, now),
  );
  checks.push(await sealStatusCheck(seal.esID, seal.der, ctx.sealRegistry, claim, now));
  const ordered = order(checks, SEAL_CHECK_IDS);
  const chain = (makerChain?.chain ?? []).map(summary);
  return {
    format: `SES seal v${seal.version}`,
    ...deriveIndication(ordered),
    signingTime: null,
    bestSignatureTime: null,
    seal: sealSummary(seal),
    signer: null,
    chain,
    maker: party(maker),
    makerChain: chain,
    checks: ordered,
  };
}
