import { createHash } from 'node:crypto';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { sm2Verify } from '../crypto/sm2.js';
import { sm3 } from '../crypto/sm3.js';
import type { CertificateInfo } from '../pki/certificate.js';
import { validateChain } from '../pki/certificate-chain.js';
import { parseCmsSignedData, type CmsSignedData, type CmsSignerInfo } from '../pki/cms-signed-data.js';
import { PKI_OID } from '../pki/pki-oids.js';
import { verifyTimestampToken } from '../pki/timestamp.js';
import { combineRevocationSources } from './revocation/combine-revocation-sources.js';
import { embeddedRevocationSource } from './revocation/embedded-revocation-source.js';
import { check, deriveIndication, type Check, type SignatureReport } from './report.js';
import {
  certWindow,
  chainCheck,
  evaluateTimestamp,
  party,
  revocationCheck,
  summary,
  tryParse,
  validityCheck,
  type Claim,
  type SesValidationContext,
} from './ses-validation.js';

// Validation of a CMS SignedData digital signature (RFC 5652 or GB/T 35275 OIDs) over detached data: the PDF
// /ByteRange bytes, or an OFD Signature.xml. Same vocabulary and order as the SES engine; a digital signature
// carries no seal, so the seal checks are reported as not applicable.

export const CMS_CHECK_IDS = [
  'format',
  'data-hash',
  'signature',
  'signer-in-seal',
  'seal-signature',
  'validity-time',
  'chain',
  'revocation',
  'timestamp',
  'seal-status',
] as const;

const SM2_SIGNATURE_OIDS = new Set<string>([PKI_OID.sm2WithSm3, PKI_OID.sm2Sign]);
const DATA_OIDS = new Set<string>([PKI_OID.cmsData, PKI_OID.gmData]);
const KNOWN_OTHER_SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.5': 'RSA with SHA-1',
  '1.2.840.113549.1.1.11': 'RSA with SHA-256',
  '1.2.840.113549.1.1.12': 'RSA with SHA-384',
  '1.2.840.113549.1.1.13': 'RSA with SHA-512',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.10045.4.3.2': 'ECDSA with SHA-256',
  '1.2.840.10045.4.3.3': 'ECDSA with SHA-384',
  '1.2.840.10045.2.1': 'EC public key',
};

function flavourName(c: CmsSignedData): string {
  return c.flavour === 'gbt35275' ? 'CMS (GB/T 35275)' : 'CMS (RFC 5652)';
}

function notApplicable(id: string): Check {
  return check(
    id,
    'skipped',
    'NOT_APPLICABLE',
    '数字签名不含电子印章，本项不适用',
    'a digital signature carries no seal: not applicable',
  );
}

function order(checks: Check[]): Check[] {
  const ids: readonly string[] = CMS_CHECK_IDS;
  return [...checks].sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
}

function matchesSid(cert: CertificateInfo, sid: CmsSignerInfo['sid']): boolean {
  if ('keyId' in sid) return cert.subjectKeyId !== null && cert.subjectKeyId.equals(sid.keyId);
  return cert.issuerDer.equals(sid.issuer) && BigInt('0x' + (cert.serialHex || '0')) === sid.serial;
}

function formatFailure(err: unknown): SignatureReport {
  const why = err instanceof Error ? err.message : String(err);
  const checks: Check[] = [
    check(
      'format',
      'failed',
      'FORMAT_FAILURE',
      `CMS 签名结构无法解析：${why}`,
      `the CMS SignedData cannot be decoded: ${why}`,
    ),
    ...CMS_CHECK_IDS.filter((id) => id !== 'format').map((id) =>
      check(id, 'skipped', 'NOT_RUN', '结构无法解析，未执行', 'not run: the structure cannot be decoded'),
    ),
  ];
  return {
    format: 'CMS',
    ...deriveIndication(checks),
    signingTime: null,
    bestSignatureTime: null,
    seal: null,
    signer: null,
    chain: [],
    checks,
  };
}

function dataHashCheck(c: CmsSignedData, si: CmsSignerInfo, data: SesValidationContext['data']): Check {
  if (data === undefined)
    return check(
      'data-hash',
      'skipped',
      'DATA_NOT_PROVIDED',
      '未提供受保护数据，无法核对消息摘要',
      'the protected data was not provided; the message digest cannot be checked',
    );
  const expected = data instanceof Uint8Array ? sm3(data) : Buffer.from(data.expectedHash);
  let got: Buffer | null;
  let what: string;
  if (si.signedAttrsSet) {
    got = si.messageDigest;
    what = 'messageDigest';
  } else if (c.eContent && c.eContent.length === 32) {
    // GB/T 35275 producers without signed attributes embed SM3 of the data as the content.
    got = c.eContent;
    what = 'eContent';
  } else if (c.eContent) {
    got = sm3(c.eContent);
    what = 'SM3(eContent)';
  } else {
    // Detached without signed attributes: the signature itself covers the data (checked in 'signature').
    return check(
      'data-hash',
      'passed',
      'DATA_SIGNED_DIRECTLY',
      '签名直接覆盖受保护数据（无签名属性），由签名值核对',
      'the signature covers the protected data directly (no signed attributes); checked with the signature value',
    );
  }
  if (!got)
    return check(
      'data-hash',
      'failed',
      'MESSAGE_DIGEST_MISSING',
      '签名属性中缺少 messageDigest',
      'the signed attributes hold no messageDigest',
    );
  if (si.digestAlgorithm !== PKI_OID.sm3)
    return check(
      'data-hash',
      'indeterminate',
      'UNSUPPORTED_DIGEST',
      `摘要算法 ${si.digestAlgorithm} 不是 SM3，不受支持`,
      `digest algorithm ${si.digestAlgorithm} is not SM3 and is not supported`,
    );
  if (got.equals(expected))
    return check(
      'data-hash',
      'passed',
      'DATA_HASH_MATCH',
      `${what} 与受保护数据的 SM3 摘要一致`,
      `${what} equals the SM3 digest of the protected data`,
    );
  return check(
    'data-hash',
    'failed',
    'DATA_HASH_MISMATCH',
    `${what} 与受保护数据的 SM3 摘要不一致，文档可能已被篡改`,
    `${what} does not match the SM3 digest of the protected data; the document may have been altered`,
  );
}

function signatureCheck(
  c: CmsSignedData,
  si: CmsSignerInfo,
  cert: CertificateInfo | null,
  data: SesValidationContext['data'],
): Check {
  const alg = si.signatureAlgorithm;
  if (!SM2_SIGNATURE_OIDS.has(alg)) {
    const name = KNOWN_OTHER_SIGNATURE_ALGORITHMS[alg] ?? alg;
    return check(
      'signature',
      'indeterminate',
      'UNSUPPORTED_ALGORITHM',
      `签名算法 ${name} 不在本系统支持范围（仅 SM2/SM3）`,
      `signature algorithm ${name} is out of scope (SM2 with SM3 only)`,
      { algorithm: alg },
    );
  }
  if (!cert)
    return check(
      'signature',
      'indeterminate',
      'SIGNER_CERT_NOT_FOUND',
      'CMS 中没有与 SignerInfo 对应的签名者证书',
      'the CMS holds no certificate matching the SignerInfo',
    );
  if (!cert.isSm2)
    return check(
      'signature',
      'indeterminate',
      'UNSUPPORTED_ALGORITHM',
      '签名者证书不含 SM2 公钥',
      'the signer certificate does not hold an SM2 key',
    );
  let signed: Uint8Array | null = si.signedAttrsSet ?? c.eContent;
  if (!signed) {
    const bytes = data instanceof Uint8Array ? data : data?.bytes?.();
    if (!bytes)
      return check(
        'signature',
        'indeterminate',
        'DATA_NOT_PROVIDED',
        '签名直接覆盖受保护数据，但未提供该数据',
        'the signature covers the protected data directly, which was not provided',
      );
    signed = bytes;
  }
  let ok = false;
  try {
    ok = sm2Verify(cert.publicKey, signed, si.signature);
  } catch (err) {
    if (!(err instanceof CryptoInputError)) throw err;
  }
  const over = si.signedAttrsSet ? '签名属性' : c.eContent ? '封装内容' : '受保护数据';
  const overEn = si.signedAttrsSet
    ? 'the signed attributes'
    : c.eContent
      ? 'the encapsulated content'
      : 'the protected data';
  return ok
    ? check(
        'signature',
        'passed',
        'SIGNATURE_VALID',
        `SM2 签名值对${over}验证通过`,
        `the SM2 signature over ${overEn} verifies`,
      )
    : check(
        'signature',
        'failed',
        'SIGNATURE_INVALID',
        `SM2 签名值对${over}验证失败`,
        `the SM2 signature over ${overEn} does not verify`,
      );
}

function formatCheck(c: CmsSignedData, si: CmsSignerInfo): Check {
  const problems: string[] = [];
  if (si.signedAttrsSet) {
    if (!si.contentType) problems.push('signed attributes lack contentType');
    else if (
      si.contentType !== c.eContentType &&
      !(DATA_OIDS.has(si.contentType) && DATA_OIDS.has(c.eContentType))
    )
      problems.push(`contentType attribute ${si.contentType} differs from eContentType ${c.eContentType}`);
  }
  if (problems.length)
    return check(
      'format',
      'failed',
      'CMS_ATTRIBUTES_INVALID',
      `CMS 签名属性不符合 RFC 5652：${problems.join('; ')}`,
      `the CMS signed attributes do not conform to RFC 5652: ${problems.join('; ')}`,
    );
  const n = c.signers.length;
  return check(
    'format',
    'passed',
    'FORMAT_OK',
    `CMS SignedData 结构解析成功（${flavourName(c)}${n > 1 ? `，${n} 个签名者，仅验证第一个` : ''}）`,
    `the CMS SignedData parses (${flavourName(c)}${n > 1 ? `, ${n} signers, the first is validated` : ''})`,
  );
}

const IMPRINT_DIGESTS = new Set(['sm3', 'sha256', 'sha384', 'sha512']);

/**
 * A document timestamp (/Type /DocTimeStamp, RFC 3161 token over the ByteRange bytes): the token verifies,
 * its imprint is the digest of the data, and the TSA chains to an anchor at genTime.
 */
function validateDocumentTimestamp(der: Buffer, ctx: SesValidationContext): SignatureReport {
  const checks: Check[] = [];
  let v: ReturnType<typeof verifyTimestampToken>;
  try {
    v = verifyTimestampToken(der);
  } catch (err) {
    return formatFailure(err);
  }
  checks.push(
    check(
      'format',
      'passed',
      'FORMAT_OK',
      '文档时间戳（RFC 3161）结构解析成功',
      'the document timestamp (RFC 3161) parses',
    ),
  );
  const data = ctx.data;
  const bytes = data instanceof Uint8Array ? data : data?.bytes?.();
  if (!bytes)
    checks.push(
      check(
        'data-hash',
        'skipped',
        'DATA_NOT_PROVIDED',
        '未提供受保护数据',
        'the protected data was not provided',
      ),
    );
  else if (!IMPRINT_DIGESTS.has(v.imprintAlg))
    checks.push(
      check(
        'data-hash',
        'indeterminate',
        'UNSUPPORTED_DIGEST',
        `摘要算法 ${v.imprintAlg} 不受支持`,
        `imprint algorithm ${v.imprintAlg} is not supported`,
      ),
    );
  else if (createHash(v.imprintAlg).update(bytes).digest().equals(v.imprint))
    checks.push(
      check(
        'data-hash',
        'passed',
        'DATA_HASH_MATCH',
        '时间戳的消息摘要与受保护数据一致',
        'the timestamp imprint is the digest of the protected data',
      ),
    );
  else
    checks.push(
      check(
        'data-hash',
        'failed',
        'DATA_HASH_MISMATCH',
        '时间戳的消息摘要与受保护数据不一致',
        'the timestamp imprint does not match the protected data',
      ),
    );
  checks.push(
    v.signatureValid && v.ekuOk
      ? check('signature', 'passed', 'SIGNATURE_VALID', '时间戳签名有效', 'the timestamp signature verifies')
      : check(
          'signature',
          'failed',
          'SIGNATURE_INVALID',
          `时间戳签名无效：${v.problems.join('; ')}`,
          `the timestamp does not verify: ${v.problems.join('; ')}`,
        ),
  );
  const chain = v.tsaCert
    ? validateChain(v.tsaCert, {
        anchors: ctx.tsaAnchors ?? ctx.anchors,
        intermediates: ctx.intermediates ?? [],
        at: v.genTime,
      })
    : null;
  checks.push(chainCheck('chain', '时间戳机构', 'TSA', v.tsaCert, chain));
  return {
    format: 'document timestamp',
    ...deriveIndication(checks),
    signingTime: v.genTime.toISOString(),
    bestSignatureTime: chain?.status === 'passed' && v.signatureValid ? v.genTime.toISOString() : null,
    seal: null,
    signer: party(v.tsaCert),
    chain: (chain?.chain ?? []).map(summary),
    checks,
  };
}

/**
 * Validates a CMS SignedData (DER ContentInfo; zero padding after it is ignored). `ctx.data` is the detached
 * signed data (or its SM3). Never throws for bad input: undecodable bytes are a FORMAT_FAILURE report.
 */
export async function validateCmsSignature(
  input: Uint8Array | CmsSignedData,
  ctx: SesValidationContext,
): Promise<SignatureReport> {
  const now = ctx.now ?? new Date();
  let c: CmsSignedData;
  try {
    c = input instanceof Uint8Array ? parseCmsSignedData(input) : input;
  } catch (err) {
    if (err instanceof CryptoInputError) return formatFailure(err);
    throw err;
  }
  if (c.eContentType === PKI_OID.tstInfo) return validateDocumentTimestamp(c.der, ctx);
  const si = c.signers[0]!;
  const certs = c.certificates.map((d) => tryParse(d)).filter((x): x is CertificateInfo => x !== null);
  const cert = certs.find((x) => matchesSid(x, si.sid)) ?? null;
  const checks: Check[] = [formatCheck(c, si)];
  checks.push(dataHashCheck(c, si, ctx.data));
  checks.push(signatureCheck(c, si, cert, ctx.data));
  for (const id of ['signer-in-seal', 'seal-signature', 'seal-status']) checks.push(notApplicable(id));

  const ts = evaluateTimestamp(
    { timeStamp: si.timeStampToken ?? undefined, signature: si.signature, version: 4, notes: [] },
    ctx,
    now,
  );
  const claimed = si.signingTime;
  const claim: Claim = { claimed, best: ts.best };
  const t = claimed ?? ts.best;
  const label = claimed
    ? { zh: '签名时间', en: 'the signing time' }
    : { zh: '时间戳时间', en: 'the timestamp time' };
  const window = certWindow('签名者证书', 'signer certificate', cert);
  checks.push(validityCheck(window ? [window] : [], t, ts.best, now, label));
  const intermediates = [...(ctx.intermediates ?? []), ...certs.filter((x) => x !== cert)];
  const chain = cert ? validateChain(cert, { anchors: ctx.anchors, intermediates, at: t ?? now }) : null;
  checks.push(chainCheck('chain', '签名者', 'signer', cert, chain));
  const revocation = combineRevocationSources([
    ctx.revocation,
    c.crls.length || c.ocsps.length ? embeddedRevocationSource(c.crls, c.ocsps) : undefined,
  ]);
  checks.push(await revocationCheck('revocation', '签名者', 'signer', chain, revocation, claim, now));
  checks.push(ts.check);
  const ordered = order(checks);
  return {
    format: flavourName(c),
    ...deriveIndication(ordered),
    signingTime: claimed ? claimed.toISOString() : null,
    bestSignatureTime: ts.best ? ts.best.toISOString() : null,
    seal: null,
    signer: party(cert),
    chain: (chain?.chain ?? []).map(summary),
    checks: ordered,
    ...(ts.summary ? { timestamp: ts.summary } : {}),
  };
}
