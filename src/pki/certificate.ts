import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { DerTlvError, readDerTlv } from '../crypto/der-tlv.js';
import { LruCache } from '../crypto/lru-cache.js';
import { sm3Hex } from '../crypto/sm3.js';
import { nameEntries, nameToString } from './distinguished-name.js';
import { PKI_OID } from './pki-oids.js';
import { isSm2WithSm3, verifyTbs } from './sm2-signed-object.js';
import type { KeyUsageName } from './certificate-extensions.js';

/** A parsed certificate with the facts the CA and the verifier ask about; `der` is the original bytes. */
export interface CertificateInfo {
  der: Buffer;
  cert: pkijs.Certificate;
  serialHex: string;
  subject: string;
  subjectEntries: { type: string; value: string }[];
  subjectDer: Buffer;
  issuer: string;
  issuerDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  publicKey: Buffer; // 65-byte SM2 point
  isSm2: boolean;
  subjectKeyId: Buffer | null;
  authorityKeyId: Buffer | null;
  isCa: boolean;
  pathLen: number | null;
  keyUsage: KeyUsageName[];
  extKeyUsage: string[];
  /** certificatePolicies policy identifiers, dotted (RFC 5280 §4.2.1.4). */
  policies: string[];
  uscc: string | null;
  crlUrls: string[];
  ocspUrls: string[];
  caIssuersUrls: string[];
}

const KEY_USAGE_NAMES: KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
];

function bytes(view: ArrayBuffer | Uint8Array): Buffer {
  return Buffer.from(view instanceof Uint8Array ? view : new Uint8Array(view));
}

// Parsing through pkijs costs about a millisecond; verifiers meet the same signer, maker and CA certificates
// again and again. Keyed by SM3 of the exact bytes; the cached objects are shared, so callers never mutate them.
const parsed = new LruCache<string, CertificateInfo>(2048);

/** Parses DER; a malformed input is a CryptoInputError naming what broke, never a raw asn1js exception. */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  const key = sm3Hex(der);
  const hit = parsed.get(key);
  if (hit) return hit;
  const info = parseCertificateUncached(der);
  parsed.set(key, info);
  return info;
}

/** parseCertificate, or null for bytes that are no certificate (for callers that report rather than throw). */
export function tryParseCertificate(der: Uint8Array): CertificateInfo | null {
  try {
    return parseCertificate(der);
  } catch {
    return null;
  }
}

function parseCertificateUncached(der: Uint8Array): CertificateInfo {
  let cert: pkijs.Certificate;
  try {
    const asn1 = asn1js.fromBER(der);
    if (asn1.offset === -1 || asn1.offset !== der.byteLength) throw new Error('not a single DER object');
    cert = new pkijs.Certificate({ schema: asn1.result });
  } catch (err) {
    throw new CryptoInputError('MALFORMED_DER', `certificate: ${(err as Error).message}`);
  }
  const spki = cert.subjectPublicKeyInfo;
  const curve =
    spki.algorithm.algorithmParams instanceof asn1js.ObjectIdentifier
      ? spki.algorithm.algorithmParams.valueBlock.toString()
      : '';
  const info: CertificateInfo = {
    der: Buffer.from(der),
    cert,
    serialHex: bytes(cert.serialNumber.valueBlock.valueHexView).toString('hex').toUpperCase(),
    subject: nameToString(cert.subject),
    subjectEntries: nameEntries(cert.subject),
    subjectDer: Buffer.from(cert.subject.toSchema().toBER()),
    issuer: nameToString(cert.issuer),
    issuerDer: Buffer.from(cert.issuer.toSchema().toBER()),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    publicKey: bytes(spki.subjectPublicKey.valueBlock.valueHexView),
    isSm2: spki.algorithm.algorithmId === PKI_OID.ecPublicKey && curve === PKI_OID.sm2Curve,
    subjectKeyId: null,
    authorityKeyId: null,
    isCa: false,
    pathLen: null,
    keyUsage: [],
    extKeyUsage: [],
    policies: [],
    uscc: null,
    crlUrls: [],
    ocspUrls: [],
    caIssuersUrls: [],
  };
  for (const e of cert.extensions ?? []) {
    const v = e.parsedValue as unknown;
    switch (e.extnID) {
      case PKI_OID.subjectKeyIdentifier:
        info.subjectKeyId = bytes((v as asn1js.OctetString).valueBlock.valueHexView);
        break;
      case PKI_OID.authorityKeyIdentifier: {
        const kid = (v as pkijs.AuthorityKeyIdentifier).keyIdentifier;
        info.authorityKeyId = kid ? bytes(kid.valueBlock.valueHexView) : null;
        break;
      }
      case PKI_OID.basicConstraints: {
        const bc = v as pkijs.BasicConstraints;
        info.isCa = bc.cA;
        info.pathLen = typeof bc.pathLenConstraint === 'number' ? bc.pathLenConstraint : null;
        break;
      }
      case PKI_OID.keyUsage: {
        const bits = bytes((v as asn1js.BitString).valueBlock.valueHexView);
        info.keyUsage = KEY_USAGE_NAMES.filter((_, i) => ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0);
        break;
      }
      case PKI_OID.extKeyUsage:
        info.extKeyUsage = (v as pkijs.ExtKeyUsage).keyPurposes;
        break;
      case PKI_OID.certificatePolicies:
        info.policies = policyIdentifiers(bytes(e.extnValue.valueBlock.valueHexView));
        break;
      case PKI_OID.usccExtension: {
        const parsed = asn1js.fromBER(e.extnValue.valueBlock.valueHexView).result as unknown as {
          valueBlock?: { value?: unknown };
        };
        info.uscc = typeof parsed.valueBlock?.value === 'string' ? parsed.valueBlock.value : null;
        break;
      }
      case PKI_OID.crlDistributionPoints:
        for (const dp of (v as pkijs.CRLDistributionPoints).distributionPoints) {
          if (Array.isArray(dp.distributionPoint)) {
            for (const gn of dp.distributionPoint) if (gn.type === 6) info.crlUrls.push(String(gn.value));
          }
        }
        break;
      case PKI_OID.authorityInfoAccess:
        for (const ad of (v as pkijs.InfoAccess).accessDescriptions) {
          if (ad.accessLocation.type !== 6) continue;
          if (ad.accessMethod === PKI_OID.ocsp) info.ocspUrls.push(String(ad.accessLocation.value));
          if (ad.accessMethod === PKI_OID.caIssuers) info.caIssuersUrls.push(String(ad.accessLocation.value));
        }
        break;
    }
  }
  return info;
}

/**
 * The policy identifiers of a certificatePolicies value (SEQUENCE OF PolicyInformation). Read by hand
 * because the 2.25 (UUID) arcs of SealTrust's policies exceed 2^53, which asn1js cannot print; an
 * unreadable value yields no policies (the certificate then qualifies for no profile).
 */
function policyIdentifiers(der: Buffer): string[] {
  try {
    const seq = readDerTlv(der, 0, der.length);
    if (seq.tag !== 0x30) return [];
    const out: string[] = [];
    for (let at = seq.contentStart; at < seq.end;) {
      const info = readDerTlv(der, at, seq.end);
      at = info.end;
      if (info.tag !== 0x30) return [];
      const oid = readDerTlv(der, info.contentStart, info.end);
      if (oid.tag !== 0x06) return [];
      const dotted = dottedOid(der.subarray(oid.contentStart, oid.end));
      if (dotted === null) return [];
      out.push(dotted);
    }
    return out;
  } catch (err) {
    if (err instanceof DerTlvError) return [];
    throw err;
  }
}

function dottedOid(body: Uint8Array): string | null {
  const arcs: bigint[] = [];
  let arc = 0n;
  let fresh = true;
  for (const byte of body) {
    if (fresh && byte === 0x80) return null; // non-minimal arc
    arc = (arc << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(arc);
      arc = 0n;
    }
  }
  if (!fresh || arcs.length === 0) return null;
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Checks `cert` was signed by the holder of `issuerPublicKey`, over its original TBS bytes. */
export function verifyCertificateSignature(cert: CertificateInfo, issuerPublicKey: Uint8Array): boolean {
  const c = cert.cert;
  if (!isSm2WithSm3(c.signatureAlgorithm) || !isSm2WithSm3(c.signature)) return false;
  return verifyTbs(issuerPublicKey, c.tbsView, c.signatureValue.valueBlock.valueHexView);
}

export function isValidAt(cert: CertificateInfo, at: Date): boolean {
  return cert.notBefore.getTime() <= at.getTime() && at.getTime() <= cert.notAfter.getTime();
}
