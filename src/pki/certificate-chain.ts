import { LruCache } from '../crypto/lru-cache.js';
import { sm3 } from '../crypto/sm3.js';
import { verifyCertificateSignature, type CertificateInfo } from './certificate.js';
import { PKI_OID } from './pki-oids.js';

// Certification path building and validation (RFC 5280 §6, simplified to what SM2 seal PKIs use): the path is
// found by issuer name (+ AKI/SKI when both are present), every link's SM2-with-SM3 signature is checked over
// the original TBS bytes, each certificate must be valid at the validation time, and each issuer must be a CA
// (basicConstraints cA, pathLenConstraint, keyCertSign). Policies, name constraints and revocation are not
// checked here: revocation is the verifier's job (it needs the chain this returns).

export type ChainStatus = 'passed' | 'failed' | 'indeterminate';

/**
 * Result codes: `CHAIN_VALID`; indeterminate `NO_CERTIFICATE_CHAIN_FOUND`; failed `CERT_SIGNATURE_INVALID`,
 * `UNSUPPORTED_ALGORITHM`, `EXPIRED`, `NOT_YET_VALID`, `ISSUER_NOT_CA`, `ISSUER_NO_KEY_CERT_SIGN`,
 * `PATH_LENGTH_EXCEEDED`.
 */
export type ChainCode =
  | 'CHAIN_VALID'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'CERT_SIGNATURE_INVALID'
  | 'UNSUPPORTED_ALGORITHM'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'ISSUER_NOT_CA'
  | 'ISSUER_NO_KEY_CERT_SIGN'
  | 'PATH_LENGTH_EXCEEDED';

export interface ChainResult {
  status: ChainStatus;
  code: ChainCode;
  /** Chinese first. */
  message: string;
  messageEn: string;
  /**
   * leaf → anchor when a path to an anchor was found (also when it then failed validation, so the report can
   * show which certificate broke); just the leaf otherwise.
   */
  chain: CertificateInfo[];
  /** Index in `chain` of the certificate that failed, when one did. */
  failedAt?: number;
}

export interface ChainOptions {
  anchors: CertificateInfo[];
  intermediates?: CertificateInfo[];
  at: Date;
  /** Most certificates in a path, leaf and anchor included (default 8). */
  maxDepth?: number;
}

export const MAX_CHAIN_DEPTH = 8;
/** Paths tried before giving up (cross-certified meshes can branch). */
const MAX_PATHS = 16;

// A successful link verification depends only on the child's bytes and the issuer's key; the same chains recur
// for every seal of a province, and an SM2 verification costs far more than the hash of the key.
const verifiedLinks = new LruCache<string, true>(2048);

function linkKey(child: CertificateInfo, issuer: CertificateInfo): string {
  return `${sm3(child.der).toString('hex')}:${issuer.publicKey.toString('hex')}`;
}

function signatureOk(child: CertificateInfo, issuer: CertificateInfo): boolean {
  const key = linkKey(child, issuer);
  if (verifiedLinks.get(key)) return true;
  const ok = verifyCertificateSignature(child, issuer.publicKey);
  if (ok) verifiedLinks.set(key, true);
  return ok;
}

/** For tests and benchmarks: forget verified links. */
export function clearChainCache(): void {
  verifiedLinks.clear();
}

function sameName(aDer: Buffer, aText: string, bDer: Buffer, bText: string): boolean {
  // Byte equality is the normal case; the text form absorbs PrintableString/UTF8String differences.
  return aDer.equals(bDer) || (aText !== '' && aText === bText);
}

/** `candidate` may have issued `child`: names chain, and the key identifiers agree when both are present. */
function mayHaveIssued(candidate: CertificateInfo, child: CertificateInfo): boolean {
  if (!sameName(candidate.subjectDer, candidate.subject, child.issuerDer, child.issuer)) return false;
  if (child.authorityKeyId && candidate.subjectKeyId && !child.authorityKeyId.equals(candidate.subjectKeyId))
    return false;
  return true;
}

/** A trust anchor is a name and a key: a re-issued anchor certificate with the same key is the same anchor. */
function isAnchor(cert: CertificateInfo, anchors: CertificateInfo[]): CertificateInfo | undefined {
  return anchors.find(
    (a) =>
      a.der.equals(cert.der) ||
      (a.publicKey.equals(cert.publicKey) &&
        sameName(a.subjectDer, a.subject, cert.subjectDer, cert.subject)),
  );
}

function isSelfIssued(cert: CertificateInfo): boolean {
  return sameName(cert.subjectDer, cert.subject, cert.issuerDer, cert.issuer);
}

/** Every path from the leaf to an anchor (depth-first, anchors tried before intermediates), at most MAX_PATHS. */
function buildPaths(
  leaf: CertificateInfo,
  anchors: CertificateInfo[],
  pool: CertificateInfo[],
  maxDepth: number,
) {
  const paths: CertificateInfo[][] = [];
  const walk = (path: CertificateInfo[], seen: Set<string>) => {
    if (paths.length >= MAX_PATHS) return;
    const cur = path[path.length - 1]!;
    const anchor = isAnchor(cur, anchors);
    if (anchor) {
      paths.push(path.length === 1 ? path : [...path.slice(0, -1), anchor]);
      return;
    }
    if (path.length >= maxDepth) return;
    const candidates = [...anchors, ...pool].filter((c) => mayHaveIssued(c, cur));
    for (const next of candidates) {
      const id = sm3(next.der).toString('hex');
      if (seen.has(id)) continue; // no loops
      // A self-signed certificate that is not an anchor ends nowhere: do not follow it to itself.
      if (next.der.equals(cur.der)) continue;
      seen.add(id);
      walk([...path, next], seen);
      seen.delete(id);
    }
  };
  walk([leaf], new Set([sm3(leaf.der).toString('hex')]));
  return paths;
}

function describe(cert: CertificateInfo): string {
  return `${cert.subject} (serial ${cert.serialHex})`;
}

function iso(d: Date): string {
  return d.toISOString();
}

type Failure = Omit<ChainResult, 'chain'>;

/**
 * Validates one complete path (leaf → anchor); null when it holds. Signatures first (a forged certificate is
 * reported as such even when it is also expired), then the issuers' authority, then validity at `at`.
 */
function checkPath(path: CertificateInfo[], at: Date): Failure | null {
  for (let i = 1; i < path.length; i++) {
    const issuer = path[i]!;
    const child = path[i - 1]!;
    const alg = child.cert.signatureAlgorithm.algorithmId;
    if (alg !== PKI_OID.sm2WithSm3 || !issuer.isSm2) {
      return {
        status: 'failed',
        code: 'UNSUPPORTED_ALGORITHM',
        failedAt: i - 1,
        message: `证书签名算法不是 SM2-with-SM3（${alg}）：${describe(child)}`,
        messageEn: `certificate signature algorithm is not SM2-with-SM3 (${alg}): ${describe(child)}`,
      };
    }
    if (!signatureOk(child, issuer)) {
      return {
        status: 'failed',
        code: 'CERT_SIGNATURE_INVALID',
        failedAt: i - 1,
        message: `证书签名验证失败：${describe(child)} 不是由 ${describe(issuer)} 签发的`,
        messageEn: `certificate signature invalid: ${describe(child)} was not signed by ${describe(issuer)}`,
      };
    }
  }
  for (let i = 1; i < path.length; i++) {
    const issuer = path[i]!;
    const who = describe(issuer);
    // The issuer's authority to issue: cA, keyCertSign (when keyUsage is present), pathLen over the CA
    // certificates below it (the leaf and self-issued certificates do not count).
    if (!issuer.isCa) {
      return {
        status: 'failed',
        code: 'ISSUER_NOT_CA',
        failedAt: i,
        message: `签发者不是 CA 证书（basicConstraints 无 cA）：${who}`,
        messageEn: `issuer is not a CA certificate (basicConstraints cA absent): ${who}`,
      };
    }
    if (issuer.keyUsage.length > 0 && !issuer.keyUsage.includes('keyCertSign')) {
      return {
        status: 'failed',
        code: 'ISSUER_NO_KEY_CERT_SIGN',
        failedAt: i,
        message: `签发者密钥用法不含 keyCertSign：${who}`,
        messageEn: `issuer key usage lacks keyCertSign: ${who}`,
      };
    }
    const casBelow = path.slice(1, i).filter((c) => !isSelfIssued(c)).length;
    if (issuer.pathLen !== null && casBelow > issuer.pathLen) {
      return {
        status: 'failed',
        code: 'PATH_LENGTH_EXCEEDED',
        failedAt: i,
        message: `超出路径长度约束：${who} 的 pathLen 为 ${issuer.pathLen}，其下有 ${casBelow} 个 CA 证书`,
        messageEn: `path length constraint exceeded: ${who} has pathLen ${issuer.pathLen} but ${casBelow} CA certificates below it`,
      };
    }
  }
  for (let i = 0; i < path.length; i++) {
    const cert = path[i]!;
    const who = describe(cert);
    if (at.getTime() < cert.notBefore.getTime()) {
      return {
        status: 'failed',
        code: 'NOT_YET_VALID',
        failedAt: i,
        message: `证书尚未生效：${who} 自 ${iso(cert.notBefore)} 起有效，验证时间为 ${iso(at)}`,
        messageEn: `certificate not yet valid: ${who} is valid from ${iso(cert.notBefore)}, validation time ${iso(at)}`,
      };
    }
    if (at.getTime() > cert.notAfter.getTime()) {
      return {
        status: 'failed',
        code: 'EXPIRED',
        failedAt: i,
        message: `证书已过期：${who} 有效期至 ${iso(cert.notAfter)}，验证时间为 ${iso(at)}`,
        messageEn: `certificate expired: ${who} was valid until ${iso(cert.notAfter)}, validation time ${iso(at)}`,
      };
    }
  }
  return null;
}

/**
 * Builds a path from `leaf` to one of `anchors` (through `intermediates`) and validates it at `at`.
 * Several candidate paths are tried; the first that validates wins, otherwise the first path's failure is
 * reported. No path at all (including a self-signed leaf that is not an anchor) is INDETERMINATE
 * NO_CERTIFICATE_CHAIN_FOUND, never a failure: the chain may exist, we just do not know its anchor.
 */
export function validateChain(leaf: CertificateInfo, opts: ChainOptions): ChainResult {
  const maxDepth = opts.maxDepth ?? MAX_CHAIN_DEPTH;
  const paths = buildPaths(leaf, opts.anchors, opts.intermediates ?? [], maxDepth);
  if (paths.length === 0) {
    const selfSigned = isSelfIssued(leaf);
    const why = selfSigned ? '自签名证书不是受信任的信任锚' : '未找到到达信任锚的证书路径';
    const whyEn = selfSigned
      ? 'the certificate is self-signed and not a trust anchor'
      : 'no certificate path to a trust anchor was found';
    return {
      status: 'indeterminate',
      code: 'NO_CERTIFICATE_CHAIN_FOUND',
      message: `${why}：${describe(leaf)}，签发者 ${leaf.issuer}（已配置 ${opts.anchors.length} 个信任锚）`,
      messageEn: `${whyEn}: ${describe(leaf)}, issuer ${leaf.issuer} (${opts.anchors.length} trust anchors configured)`,
      chain: [leaf],
    };
  }
  let first: ChainResult | undefined;
  for (const path of paths) {
    const failure = checkPath(path, opts.at);
    if (!failure) {
      const anchor = path[path.length - 1]!;
      return {
        status: 'passed',
        code: 'CHAIN_VALID',
        message: `证书链有效（${path.length} 级），信任锚 ${anchor.subject}`,
        messageEn: `certificate chain valid (${path.length} certificates), trust anchor ${anchor.subject}`,
        chain: path,
      };
    }
    first ??= { ...failure, chain: path };
  }
  return first!;
}
