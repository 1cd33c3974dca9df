import { createHash } from 'node:crypto';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { sm2Verify } from '../crypto/sm2.js';
import { sm3 } from '../crypto/sm3.js';
import { parseCertificate } from '../pki/certificate.js';
import { LruCache } from '../crypto/lru-cache.js';
import { sm3Hex } from '../crypto/sm3.js';
import type { SesSeal, SesSignature } from './ses-types.js';

// Pure cryptographic checks of decoded SES seals and signatures, always over the ORIGINAL signed bytes
// (tbsSignDer, makerSignedBytes), never over a re-encoding. They never throw.
//
// Accepted signature algorithms: SM2 with SM3 (1.2.156.10197.1.501) and, as some producers write it, the SM2
// signature OID 1.2.156.10197.1.301.1 (SM3 implied); signatures DER SEQUENCE{r,s} or raw 64-byte r‖s; the
// standard SM2 ID 1234567812345678. Certificate digests (certListType 2): the type names 'SM3', 'SHA1',
// 'SHA-1', 'SHA256', 'SHA-256' (any case, '-', '_' and spaces ignored) or their dotted OIDs, over the DER of
// the signer certificate.
//
// Stable codes:
//   passed:        SIGNATURE_VALID, CERT_IN_SEAL, MAKER_SIGNATURE_VALID, DATA_HASH_MATCH
//   failed:        SIGNATURE_INVALID, CERT_NOT_IN_SEAL, MAKER_SIGNATURE_INVALID, DATA_HASH_MISMATCH,
//                  DATA_HASH_ZERO (32 zero bytes: the signature is bound to no document), DATA_HASH_MALFORMED
//   indeterminate: UNSUPPORTED_ALGORITHM (signature or digest algorithm, or a key that is not an SM2 point),
//                  WEAK_DIGEST_ALGORITHM (the signer is listed only by a SHA-1 digest), CERT_UNPARSEABLE,
//                  DATA_NOT_PROVIDED

export type SesCheckStatus = 'passed' | 'failed' | 'indeterminate';

export interface SesCheckResult {
  status: SesCheckStatus;
  code: string;
  /** Chinese. */
  message: string;
  messageEn: string;
}

const SM2_SIGNATURE_OIDS = new Set(['1.2.156.10197.1.501', '1.2.156.10197.1.301.1']);

function result(status: SesCheckStatus, code: string, message: string, messageEn: string): SesCheckResult {
  return { status, code, message, messageEn };
}

interface Party {
  zh: string;
  en: string;
  passed: string;
  failed: string;
}

const SIGNER: Party = { zh: '签章者', en: 'signer', passed: 'SIGNATURE_VALID', failed: 'SIGNATURE_INVALID' };
const MAKER: Party = {
  zh: '制章者',
  en: 'seal maker',
  passed: 'MAKER_SIGNATURE_VALID',
  failed: 'MAKER_SIGNATURE_INVALID',
};

function verifyWith(
  party: Party,
  algId: string,
  certDer: Buffer,
  message: Buffer,
  signature: Buffer,
  what: { zh: string; en: string },
): SesCheckResult {
  if (!SM2_SIGNATURE_OIDS.has(algId)) {
    return result(
      'indeterminate',
      'UNSUPPORTED_ALGORITHM',
      `${party.zh}签名算法不受支持：${algId}`,
      `unsupported ${party.en} signature algorithm ${algId}`,
    );
  }
  let publicKey: Buffer;
  try {
    publicKey = parseCertificate(certDer).publicKey;
  } catch {
    return result(
      'indeterminate',
      'CERT_UNPARSEABLE',
      `${party.zh}证书无法解析，不能验证签名`,
      `the ${party.en} certificate cannot be parsed; the signature cannot be verified`,
    );
  }
  let ok: boolean;
  try {
    ok = sm2Verify(publicKey, message, signature);
  } catch (err) {
    if (err instanceof CryptoInputError && err.code === 'INVALID_SIGNATURE_ENCODING') {
      return result(
        'failed',
        party.failed,
        `${party.zh}签名值编码无效（既非 DER 也非 64 字节 r‖s）`,
        `the ${party.en} signature value is neither DER nor 64-byte r‖s`,
      );
    }
    return result(
      'indeterminate',
      'UNSUPPORTED_ALGORITHM',
      `${party.zh}证书公钥不是有效的 SM2 公钥`,
      `the ${party.en} certificate key is not a valid SM2 public key`,
    );
  }
  const form = signature.length === 64 ? { zh: '（r‖s 裸签名）', en: ' (raw r‖s)' } : { zh: '', en: '' };
  return ok
    ? result(
        'passed',
        party.passed,
        `${party.zh}签名有效${form.zh}（${what.zh}）`,
        `the ${party.en} signature over ${what.en} is valid${form.en}`,
      )
    : result(
        'failed',
        party.failed,
        `${party.zh}签名验证失败（${what.zh}）`,
        `the ${party.en} signature over ${what.en} does not verify`,
      );
}

/** SM2 signature of the signer over the original TBS_Sign (v1: the 7-element TBS) with the signer cert's key. */
export function checkSignerSignature(sig: SesSignature): SesCheckResult {
  try {
    return verifyWith(SIGNER, sig.signatureAlgID, sig.signerCert, sig.tbsSignDer, sig.signature, {
      zh: '签名原文 TBS_Sign',
      en: 'TBS_Sign',
    });
  } catch (err) {
    return unexpected(err);
  }
}

/** SM2 signature of the seal maker over SES_SealInfo (v4/v5) or SEQ(info, cert, alg) (v1). */
// A verifier sees the same few seals over and over: the maker's signature over a given seal never changes
// its answer, so it is checked once per distinct (signed bytes, signature, certificate).
const makerResults = new LruCache<string, SesCheckResult>(1024);

export function checkMakerSignature(seal: SesSeal): SesCheckResult {
  const key = sm3Hex(seal.makerSignedBytes, seal.signedValue, seal.makerCert, Buffer.from(seal.signAlgID));
  const cached = makerResults.get(key);
  if (cached) return cached;
  const result = checkMakerSignatureUncached(seal);
  if (result.status !== 'indeterminate' || result.code !== 'CHECK_ERROR') makerResults.set(key, result);
  return result;
}

function checkMakerSignatureUncached(seal: SesSeal): SesCheckResult {
  try {
    return verifyWith(
      MAKER,
      seal.signAlgID,
      seal.makerCert,
      seal.makerSignedBytes,
      seal.signedValue,
      seal.version === 1
        ? { zh: '印章信息、制章者证书与算法', en: 'SEQUENCE { SES_SealInfo, cert, algorithm }' }
        : { zh: '印章信息 SES_SealInfo', en: 'SES_SealInfo' },
    );
  } catch (err) {
    return unexpected(err);
  }
}

function digestAlgorithm(type: string): string | null {
  const t = type
    .trim()
    .toLowerCase()
    .replace(/[-_\s]/g, '');
  if (t === 'sm3' || t === '1.2.156.10197.1.401') return 'sm3';
  if (t === 'sha1' || t === '1.3.14.3.2.26') return 'sha1';
  if (t === 'sha256' || t === '2.16.840.1.101.3.4.2.1') return 'sha256';
  return null;
}

/**
 * The signer certificate is one the seal allows: certListType 1, byte-equal to an entry of certList; type 2,
 * its digest equals an entry (see the accepted digest names above).
 */
export function checkSignerInSeal(sig: SesSignature): SesCheckResult {
  try {
    const { property } = sig.seal;
    const notIn = (detailZh: string, detailEn: string) =>
      result(
        'failed',
        'CERT_NOT_IN_SEAL',
        `签章者证书不在印章的证书列表中${detailZh}`,
        `the signer certificate is not in the seal's certificate list${detailEn}`,
      );
    if (property.certListType === 1) {
      if (property.certs.some((c) => c.equals(sig.signerCert))) {
        return result(
          'passed',
          'CERT_IN_SEAL',
          '签章者证书在印章的证书列表中',
          "the signer certificate is in the seal's certificate list",
        );
      }
      return property.certs.length === 0
        ? notIn('（列表中没有证书）', ' (the list holds no certificates)')
        : notIn('', '');
    }
    let unsupported = 0;
    let weak: string | null = null;
    for (const d of property.certDigests) {
      const alg = digestAlgorithm(d.type);
      if (!alg) {
        unsupported++;
        continue;
      }
      const digest = alg === 'sm3' ? sm3(sig.signerCert) : createHash(alg).update(sig.signerCert).digest();
      if (!digest.equals(d.value)) continue;
      // SHA-1 is broken for collisions (chosen-prefix, 2020): a SHA-1 digest no longer pins one certificate,
      // so it proves nothing about who may use the seal (as EU DSS's cryptographic constraints reject it).
      if (alg === 'sha1') {
        weak = d.type;
        continue;
      }
      return result(
        'passed',
        'CERT_IN_SEAL',
        `签章者证书摘要（${d.type}）与印章证书摘要列表中的一项一致`,
        `the signer certificate digest (${d.type}) matches an entry of the seal's digest list`,
      );
    }
    if (weak !== null) {
      return result(
        'indeterminate',
        'WEAK_DIGEST_ALGORITHM',
        `签章者证书仅以 ${weak} 摘要列于印章证书摘要列表中；SHA-1 已不安全（可构造碰撞），无法确认签章者证书`,
        `the signer certificate is listed in the seal only by a ${weak} digest; SHA-1 is no longer collision-resistant, so the listing proves nothing`,
      );
    }
    if (unsupported > 0) {
      return result(
        'indeterminate',
        'UNSUPPORTED_ALGORITHM',
        '印章证书摘要列表使用了不支持的摘要算法，无法确认签章者证书',
        "the seal's certificate digest list uses an unsupported digest algorithm",
      );
    }
    return notIn('（摘要不匹配）', ' (no digest matches)');
  } catch (err) {
    return unexpected(err);
  }
}

/**
 * dataHash equals SM3 of the protected data (OFD: Signature.xml bytes; PDF: the /ByteRange bytes), or a hash
 * the caller computed. Without data: a 32-zero-byte dataHash is DATA_HASH_ZERO (bound to no document, failed),
 * anything else DATA_NOT_PROVIDED (indeterminate). A zero dataHash that does not match given data is also
 * reported as DATA_HASH_ZERO.
 */
export function checkDataHash(
  sig: SesSignature,
  data?: Uint8Array | { expectedHash: Buffer },
): SesCheckResult {
  try {
    const h = sig.dataHash;
    if (h.length !== 32) {
      return result(
        'failed',
        'DATA_HASH_MALFORMED',
        `签名中的数据摘要长度为 ${h.length} 字节，不是 SM3 摘要`,
        `the signature's dataHash is ${h.length} bytes, not an SM3 digest`,
      );
    }
    const zero = h.every((b) => b === 0);
    const zeroResult = () =>
      result(
        'failed',
        'DATA_HASH_ZERO',
        '签名中的数据摘要为全零，签章未与任何文档绑定',
        'the dataHash is 32 zero bytes: the signature is bound to no document',
      );
    if (data === undefined) {
      return zero
        ? zeroResult()
        : result(
            'indeterminate',
            'DATA_NOT_PROVIDED',
            '未提供受保护数据，无法核对数据摘要',
            'the protected data was not provided; the dataHash cannot be checked',
          );
    }
    const expected = data instanceof Uint8Array ? sm3(data) : Buffer.from(data.expectedHash);
    if (expected.equals(h)) {
      return result(
        'passed',
        'DATA_HASH_MATCH',
        '数据摘要与受保护数据的 SM3 摘要一致',
        'the dataHash equals the SM3 digest of the protected data',
      );
    }
    if (zero) return zeroResult();
    return result(
      'failed',
      'DATA_HASH_MISMATCH',
      '数据摘要与受保护数据不一致，文档可能已被篡改',
      'the dataHash does not match the protected data; the document may have been altered',
    );
  } catch (err) {
    return unexpected(err);
  }
}

// Defence in depth: the checks promise never to throw, even on hand-made objects.
function unexpected(err: unknown): SesCheckResult {
  const msg = err instanceof Error ? err.message : String(err);
  return result(
    'indeterminate',
    'CHECK_ERROR',
    `检查无法完成：${msg}`,
    `the check could not be completed: ${msg}`,
  );
}
