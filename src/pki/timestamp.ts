import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  contextTag,
  explicitInner,
  isNull,
  malformed,
  octetString,
  oid,
  parseDer,
  sequence,
  smallInteger,
} from '../crypto/asn1.js';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { LruCache } from '../crypto/lru-cache.js';
import { sm2Sign, sm2Verify } from '../crypto/sm2.js';
import { sm3 } from '../crypto/sm3.js';
import { parseCertificate, type CertificateInfo } from './certificate.js';
import { DER_NULL, derBigInt, derGeneralizedTime, derOid, derSequence, tlv } from './der-writer.js';
import { PKI_OID } from './pki-oids.js';

// RFC 3161 (GB/T 20520) codec: TimeStampReq in, TSTInfo + CMS SignedData token + TimeStampResp out,
// and the client/verifier side that reads a reply and checks a token.

/** PKIFailureInfo bit numbers (RFC 3161 §2.4.2). */
export const TSP_FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;
export type TspFailure = keyof typeof TSP_FAILURE_BITS;

export const PKI_STATUS = { granted: 0, grantedWithMods: 1, rejection: 2 } as const;

/** A TimeStampReq the TSA must refuse, with the failInfo bit that says why. */
export class TimestampRequestError extends Error {
  override readonly name = 'TimestampRequestError';
  constructor(
    readonly failure: TspFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Imprint digests we timestamp: SM3 (GB/T 20520) and SHA-256. Everything else, SHA-1 included, is badAlg. */
export const IMPRINT_ALGORITHMS = {
  sm3: { oid: PKI_OID.sm3, length: 32 },
  sha256: { oid: PKI_OID.sha256, length: 32 },
} as const;
export type ImprintAlgorithm = keyof typeof IMPRINT_ALGORITHMS;

const SIGNING_CERTIFICATE_V1 = '1.2.840.113549.1.9.16.2.12';

// Digests that may appear in other TSAs' tokens (ESS hashes, imprints); names are node:crypto's.
const DIGEST_NAMES: Record<string, string> = {
  [PKI_OID.sm3]: 'sm3',
  [PKI_OID.sha256]: 'sha256',
  [PKI_OID.sha1]: 'sha1',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export interface TimestampRequest {
  hashAlgorithm: ImprintAlgorithm;
  /** The AlgorithmIdentifier carried NULL parameters (OpenSSL does); echoed so the imprints compare equal. */
  hashParamsNull: boolean;
  imprint: Buffer;
  reqPolicy?: string;
  nonce?: bigint;
  certReq: boolean;
}

function isUniversal(node: unknown, tagNumber: number): node is asn1js.BaseBlock {
  return (
    node instanceof asn1js.BaseBlock && node.idBlock.tagClass === 1 && node.idBlock.tagNumber === tagNumber
  );
}

const TAG = { boolean: 1, integer: 2, oid: 6 } as const;

/**
 * Dotted OID from the encoded arcs. asn1js prints arcs beyond 2^53 as `{hex}`, and 2.25 (UUID) policy
 * OIDs such as ours have a 128-bit arc, so policies are decoded here with BigInt.
 */
function policyOid(node: unknown, what: string): string {
  if (!isUniversal(node, TAG.oid) || node.idBlock.isConstructed)
    throw malformed(what, 'expected OBJECT IDENTIFIER');
  const view = node.valueBeforeDecodeView;
  const body = view.subarray(view.length - node.lenBlock.length);
  const arcs: bigint[] = [];
  let arc = 0n;
  let fresh = true;
  for (const byte of body) {
    if (fresh && byte === 0x80) throw malformed(what, 'non-minimal OID arc');
    arc = (arc << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(arc);
      arc = 0n;
    }
  }
  if (!fresh || arcs.length === 0) throw malformed(what, 'truncated OBJECT IDENTIFIER');
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

function bigIntOf(node: asn1js.BaseBlock, what: string): bigint {
  if (!(node instanceof asn1js.Integer) || node.valueBlock.valueHexView.byteLength === 0) {
    throw malformed(what, 'expected INTEGER');
  }
  return node.toBigInt();
}

/**
 * Parses and checks a DER TimeStampReq. Every refusal is a TimestampRequestError carrying the failInfo
 * the reply must hold: malformed → badDataFormat, version ≠ 1 → badRequest, digest other than SM3/SHA-256
 * or with parameters → badAlg, imprint of the wrong length → badDataFormat (as OpenSSL's TSA does),
 * any extension → unacceptedExtension (RFC 3161 §2.4.1: unrecognised extensions are refused).
 * The policy is the caller's to check: only it knows which policies are ours.
 */
export function parseTimestampRequest(der: Uint8Array): TimestampRequest {
  try {
    return parseRequest(der);
  } catch (err) {
    if (err instanceof CryptoInputError)
      throw new TimestampRequestError('badDataFormat', err.message, { cause: err });
    throw err;
  }
}

function parseRequest(der: Uint8Array): TimestampRequest {
  const items = sequence(parseDer(der, 'TimeStampReq'), 'TimeStampReq', 2, 6);
  const version = smallInteger(items[0], 'TimeStampReq.version');
  const [algNode, hashNode] = sequence(items[1], 'MessageImprint', 2, 2);
  const alg = sequence(algNode, 'MessageImprint.hashAlgorithm', 1, 2);
  const algOid = oid(alg[0], 'MessageImprint.hashAlgorithm');
  const imprint = Buffer.from(octetString(hashNode, 'MessageImprint.hashedMessage'));
  let i = 2;
  let reqPolicy: string | undefined;
  let nonce: bigint | undefined;
  let certReq = false;
  let extensions = false;
  if (isUniversal(items[i], TAG.oid)) reqPolicy = policyOid(items[i++], 'TimeStampReq.reqPolicy');
  if (isUniversal(items[i], TAG.integer))
    nonce = bigIntOf(items[i++] as asn1js.BaseBlock, 'TimeStampReq.nonce');
  if (isUniversal(items[i], TAG.boolean)) certReq = (items[i++] as asn1js.Boolean).getValue();
  if (contextTag(items[i]) === 0) {
    extensions = true;
    i++;
  }
  if (i !== items.length) throw malformed('TimeStampReq', `unexpected element ${i}`);

  if (version !== 1)
    throw new TimestampRequestError('badRequest', `unsupported TimeStampReq version ${version}`);
  const entry = (
    Object.entries(IMPRINT_ALGORITHMS) as [ImprintAlgorithm, { oid: string; length: number }][]
  ).find(([, a]) => a.oid === algOid);
  if (!entry) {
    throw new TimestampRequestError(
      'badAlg',
      `imprint digest ${algOid} is not accepted (SM3 or SHA-256 only)`,
    );
  }
  const [hashAlgorithm, { length }] = entry;
  if (alg[1] !== undefined && !isNull(alg[1])) {
    throw new TimestampRequestError('badAlg', 'imprint digest parameters must be absent or NULL');
  }
  if (imprint.length !== length) {
    throw new TimestampRequestError(
      'badDataFormat',
      `${hashAlgorithm} imprint must be ${length} bytes, not ${imprint.length}`,
    );
  }
  if (extensions)
    throw new TimestampRequestError('unacceptedExtension', 'request extensions are not supported');
  return {
    hashAlgorithm,
    hashParamsNull: alg[1] !== undefined,
    imprint,
    ...(reqPolicy === undefined ? {} : { reqPolicy }),
    ...(nonce === undefined ? {} : { nonce }),
    certReq,
  };
}

function digestAlgorithm(algorithmId: string, paramsNull = false): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({
    algorithmId,
    ...(paramsNull ? { algorithmParams: new asn1js.Null() } : {}),
  });
}

/** A TimeStampReq as a client sends it (the CLI; tests). NULL digest parameters, as OpenSSL writes them. */
export function encodeTimestampRequest(r: {
  hashAlgorithm: ImprintAlgorithm;
  imprint: Uint8Array;
  nonce?: bigint;
  reqPolicy?: string;
  certReq?: boolean;
}): Buffer {
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: digestAlgorithm(IMPRINT_ALGORITHMS[r.hashAlgorithm].oid, true),
      hashedMessage: new asn1js.OctetString({ valueHex: r.imprint }),
    }),
    ...(r.reqPolicy ? { reqPolicy: r.reqPolicy } : {}),
    ...(r.nonce === undefined ? {} : { nonce: asn1js.Integer.fromBigInt(r.nonce) }),
    certReq: r.certReq ?? false,
  });
  return Buffer.from(req.toSchema().toBER(false));
}

export interface TimestampAccuracy {
  seconds?: number;
  millis?: number;
  micros?: number;
}

export interface TsaSigner {
  cert: CertificateInfo;
  privateKey: Uint8Array;
}

export interface TokenContent {
  policy: string;
  hashAlgorithm: ImprintAlgorithm;
  hashParamsNull: boolean;
  imprint: Uint8Array;
  serial: bigint;
  genTime: Date;
  accuracy: TimestampAccuracy;
  nonce?: bigint;
  includeCertificate: boolean;
}

// Hand-written DER for the token (der-writer.ts), as for the CRL and OCSP hot paths: pkijs/asn1js object trees cost
// several milliseconds per token (the certificate alone re-encodes in ~1 ms), concatenation costs ~0.1 ms,
// and the certificate and names go in as the exact bytes we hold.

function derAccuracy(a: TimestampAccuracy): Buffer {
  const implicit = (tag: number, v: number) => {
    const i = derBigInt(BigInt(v));
    i[0] = tag;
    return i;
  };
  return derSequence(
    ...(a.seconds === undefined ? [] : [derBigInt(BigInt(a.seconds))]),
    ...(a.millis === undefined ? [] : [implicit(0x80, a.millis)]),
    ...(a.micros === undefined ? [] : [implicit(0x81, a.micros)]),
  );
}

const SM3_ALGORITHM = derSequence(derOid(PKI_OID.sm3));
const CONTENT_TYPE_ATTR = derSequence(derOid(PKI_OID.contentType), tlv(0x31, derOid(PKI_OID.tstInfo)));
const MESSAGE_DIGEST_OID = derOid(PKI_OID.messageDigest);
const SIGNED_DATA_OID = derOid(PKI_OID.cmsSignedData);
const TST_INFO_OID = derOid(PKI_OID.tstInfo);

interface SignerParts {
  sid: Buffer;
  essAttr: Buffer;
}
const signerParts = new WeakMap<CertificateInfo, SignerParts>();

/** What depends only on the TSA certificate, computed once per certificate. */
function partsFor(cert: CertificateInfo): SignerParts {
  let parts = signerParts.get(cert);
  if (!parts) {
    const serial = tlv(0x02, cert.cert.serialNumber.valueBlock.valueHexView);
    // ESSCertIDv2 { hashAlgorithm, certHash, issuerSerial { GeneralNames { [4] directoryName }, serial } }.
    // SM3 is not the SHA-256 DEFAULT, so hashAlgorithm is written out (RFC 5035 §3).
    const essCertIdV2 = derSequence(
      SM3_ALGORITHM,
      tlv(0x04, sm3(cert.der)),
      derSequence(derSequence(tlv(0xa4, cert.issuerDer)), serial),
    );
    parts = {
      sid: derSequence(cert.issuerDer, serial),
      essAttr: derSequence(
        derOid(PKI_OID.signingCertificateV2),
        tlv(0x31, derSequence(derSequence(essCertIdV2))),
      ),
    };
    signerParts.set(cert, parts);
  }
  return parts;
}

function tstInfoDer(c: TokenContent): Buffer {
  const alg = IMPRINT_ALGORITHMS[c.hashAlgorithm].oid;
  return derSequence(
    derBigInt(1n),
    derOid(c.policy),
    derSequence(derSequence(derOid(alg), ...(c.hashParamsNull ? [DER_NULL] : [])), tlv(0x04, c.imprint)),
    derBigInt(c.serial),
    derGeneralizedTime(c.genTime, { millis: true }),
    derAccuracy(c.accuracy),
    // `ordering` stays absent (false): concurrent requests may take serials and genTimes in different orders.
    ...(c.nonce === undefined ? [] : [derBigInt(c.nonce)]),
  );
}

/**
 * TSTInfo wrapped in a CMS SignedData signed by the TSA (RFC 3161 §2.4.2, RFC 5652), as a DER ContentInfo;
 * `response` is the granted TimeStampResp around it.
 */
export function buildTimestampToken(c: TokenContent, signer: TsaSigner): { token: Buffer; response: Buffer } {
  const { sid, essAttr } = partsFor(signer.cert);
  const tstInfo = tstInfoDer(c);
  // signingTime is left out: it would only repeat genTime, which is the signed time that counts.
  const attrs = [
    CONTENT_TYPE_ATTR,
    derSequence(MESSAGE_DIGEST_OID, tlv(0x31, tlv(0x04, sm3(tstInfo)))),
    essAttr,
  ].sort(
    Buffer.compare, // DER orders a SET OF by encoding
  );
  // The signature covers the attributes as a SET (0x31), not as the [0] IMPLICIT they are sent in (RFC 5652 §5.4).
  const signature = sm2Sign(signer.privateKey, tlv(0x31, ...attrs));
  const signerInfo = derSequence(
    derBigInt(1n),
    sid,
    SM3_ALGORITHM,
    tlv(0xa0, ...attrs),
    // 1.2.156.10197.1.501 (SM2-with-SM3), not GB/T 35275's 1.2.156.10197.1.301.1 (bare SM2-1): RFC 5652's
    // signatureAlgorithm names the whole signature scheme, .501 is what our certificates, CRLs and OCSP
    // responses already carry, and RFC-style CMS stacks (OpenSSL, BouncyCastle) map it to SM2+SM3.
    // OpenSSL prints and accepts both; verifyTimestampToken accepts both too.
    derSequence(derOid(PKI_OID.sm2WithSm3)),
    tlv(0x04, signature),
  );
  const signedData = derSequence(
    derBigInt(3n), // v3: the content type is not id-data
    tlv(0x31, SM3_ALGORITHM),
    derSequence(TST_INFO_OID, tlv(0xa0, tlv(0x04, tstInfo))),
    ...(c.includeCertificate ? [tlv(0xa0, signer.cert.der)] : []),
    tlv(0x31, signerInfo),
  );
  const token = derSequence(SIGNED_DATA_OID, tlv(0xa0, signedData));
  return { token, response: derSequence(derSequence(derBigInt(BigInt(PKI_STATUS.granted))), token) };
}

/** A TimeStampResp with status rejection, one failInfo bit and a statusString saying why. */
export function buildRejectionResponse(failure: TspFailure, text: string): Buffer {
  const bit = TSP_FAILURE_BITS[failure];
  // DER BIT STRING: no trailing zero bits, so the string ends at the one bit that is set.
  const bits = new Uint8Array((bit >> 3) + 1);
  bits[bit >> 3] = 0x80 >> (bit & 7);
  const status = new pkijs.PKIStatusInfo({
    status: pkijs.PKIStatus.rejection,
    statusStrings: [new asn1js.Utf8String({ value: text })],
    failInfo: new asn1js.BitString({ valueHex: bits, unusedBits: 7 - (bit & 7) }),
  });
  return Buffer.from(new pkijs.TimeStampResp({ status }).toSchema().toBER(false));
}

// parseDer's depth limit (16) is below what CMS needs: a Name inside the ESS issuerSerial inside the signed
// attributes sits about 18 levels down. Still bounded, so hostile input cannot exhaust the stack.
const TOKEN_LIMITS = { maxDepth: 40, maxNodes: 50_000, maxContentLength: 1 << 22 };

function parseDeepDer(der: Uint8Array, what: string): asn1js.AsnType {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(der, TOKEN_LIMITS);
  } catch (cause) {
    throw malformed(what, 'unparseable', cause);
  }
  if (parsed.offset === -1 || parsed.result.error) throw malformed(what, 'unparseable');
  if (parsed.offset !== der.byteLength) throw malformed(what, 'trailing data');
  return parsed.result;
}

export interface TimestampReply {
  status: number;
  statusText: string[];
  failures: TspFailure[];
  /** Every failInfo bit set, including ones without a name here. */
  failureBits: number[];
  /** The TimeStampToken (ContentInfo) bytes exactly as received. */
  token?: Buffer;
}

/** Reads a DER TimeStampResp (client side). @throws CryptoInputError('MALFORMED_DER') */
export function parseTimestampResponse(der: Uint8Array): TimestampReply {
  const items = sequence(parseDeepDer(der, 'TimeStampResp'), 'TimeStampResp', 1, 2);
  const info = sequence(items[0], 'PKIStatusInfo', 1, 3);
  const status = smallInteger(info[0], 'PKIStatusInfo.status');
  const statusText: string[] = [];
  const failureBits: number[] = [];
  for (const node of info.slice(1)) {
    if (node instanceof asn1js.Sequence) {
      for (const s of node.valueBlock.value) {
        if (!(s instanceof asn1js.Utf8String)) throw malformed('PKIFreeText', 'expected UTF8String');
        statusText.push(s.getValue());
      }
    } else if (node instanceof asn1js.BitString && !node.valueBlock.isConstructed) {
      const bytes = node.valueBlock.valueHexView;
      const total = bytes.length * 8 - node.valueBlock.unusedBits;
      for (let b = 0; b < total; b++) if ((bytes[b >> 3]! & (0x80 >> (b & 7))) !== 0) failureBits.push(b);
    } else {
      throw malformed('PKIStatusInfo', 'unexpected element');
    }
  }
  const names = Object.entries(TSP_FAILURE_BITS) as [TspFailure, number][];
  const failures = names.filter(([, b]) => failureBits.includes(b)).map(([n]) => n);
  const tokenNode = items[1];
  return {
    status,
    statusText,
    failures,
    failureBits,
    ...(tokenNode ? { token: Buffer.from(tokenNode.valueBeforeDecodeView) } : {}),
  };
}

export interface TimestampVerifyOptions {
  /** The digest the token should carry (compared byte for byte; the algorithm is the token's imprintAlg). */
  expectedImprint?: Uint8Array;
  /**
   * TSA certificates to trust. When given, only these are used to find the signer and the token's own
   * certificates are ignored; without it the token's embedded certificate is used and the caller must
   * still decide whether to trust it (chain, revocation).
   */
  trustedTsaCerts?: CertificateInfo[];
}

export interface TimestampVerification {
  genTime: Date;
  serial: bigint;
  policy: string;
  /** 'sm3', 'sha256', … or the OID when unknown. */
  imprintAlg: string;
  imprint: Buffer;
  nonce?: bigint;
  accuracy?: TimestampAccuracy;
  tsaCert: CertificateInfo | null;
  /** All CMS checks hold: SM2 signature over the signed attributes, messageDigest, contentType, ESS binding. */
  signatureValid: boolean;
  /** null when no expectedImprint was given. */
  imprintMatches: boolean | null;
  /** The signer certificate has a critical EKU whose only purpose is id-kp-timeStamping (RFC 3161 §2.3). */
  ekuOk: boolean;
  /** null when no trustedTsaCerts were given. */
  trusted: boolean | null;
  checks: { signature: boolean; messageDigest: boolean; contentType: boolean; signingCertificate: boolean };
  /** Why any check failed, for the verifier's report. */
  problems: string[];
}

interface ParsedToken {
  eContent: Buffer;
  certificates: Buffer[];
  sid: { issuer: Buffer; serial: bigint } | { keyId: Buffer };
  digestAlgorithm: string;
  /** The signed attributes as received, re-tagged to SET (0x31): the exact bytes the signature covers. */
  signedAttrsSet: Buffer;
  attributes: Map<string, asn1js.BaseBlock[]>;
  signatureAlgorithm: string;
  signature: Buffer;
}

function algorithmOid(node: unknown, what: string): string {
  return oid(sequence(node, what, 1, 2)[0], what);
}

function setOf(node: unknown, what: string): asn1js.BaseBlock[] {
  if (!(node instanceof asn1js.Set)) throw malformed(what, 'expected SET');
  return node.valueBlock.value;
}

function contextChildren(node: unknown, what: string): asn1js.BaseBlock[] {
  if (!(node instanceof asn1js.Constructed)) throw malformed(what, 'expected constructed tag');
  return node.valueBlock.value;
}

function raw(node: asn1js.BaseBlock): Buffer {
  return Buffer.from(node.valueBeforeDecodeView);
}

function parseToken(der: Uint8Array): ParsedToken {
  const [ctNode, content] = sequence(parseDeepDer(der, 'TimeStampToken'), 'ContentInfo', 2, 2);
  if (oid(ctNode, 'ContentInfo.contentType') !== PKI_OID.cmsSignedData)
    throw malformed('TimeStampToken', 'not CMS SignedData');
  if (contextTag(content) !== 0) throw malformed('ContentInfo.content', 'expected [0]');
  const sd = sequence(explicitInner(content, 'ContentInfo.content'), 'SignedData', 4, 6);
  const encap = sequence(sd[2], 'EncapsulatedContentInfo', 2, 2);
  if (oid(encap[0], 'eContentType') !== PKI_OID.tstInfo)
    throw malformed('TimeStampToken', 'content is not TSTInfo');
  if (contextTag(encap[1]) !== 0) throw malformed('eContent', 'expected [0]');
  const eContent = Buffer.from(octetString(explicitInner(encap[1], 'eContent'), 'eContent'));
  let i = 3;
  const certificates: Buffer[] = [];
  if (contextTag(sd[i]) === 0) {
    for (const c of contextChildren(sd[i++], 'SignedData.certificates'))
      if (c instanceof asn1js.Sequence) certificates.push(raw(c));
  }
  if (contextTag(sd[i]) === 1) i++; // CRLs: not needed to verify a timestamp
  const signerInfos = setOf(sd[i++], 'SignerInfos');
  if (i !== sd.length) throw malformed('SignedData', 'unexpected element');
  // RFC 3161 §2.4.2: the token carries the TSA's signature and no other.
  if (signerInfos.length !== 1)
    throw malformed('SignerInfos', `expected one SignerInfo, found ${signerInfos.length}`);
  const si = sequence(signerInfos[0], 'SignerInfo', 5, 7);
  let sid: ParsedToken['sid'];
  if (si[1] instanceof asn1js.Sequence) {
    const [issuer, serial] = sequence(si[1], 'IssuerAndSerialNumber', 2, 2);
    sid = { issuer: raw(issuer!), serial: bigIntOf(serial!, 'IssuerAndSerialNumber.serialNumber') };
  } else if (contextTag(si[1]) === 0 && si[1] instanceof asn1js.Primitive) {
    sid = { keyId: Buffer.from(si[1].valueBlock.valueHexView) };
  } else {
    throw malformed('SignerInfo.sid', 'expected IssuerAndSerialNumber or [0] SubjectKeyIdentifier');
  }
  const digestAlg = algorithmOid(si[2], 'SignerInfo.digestAlgorithm');
  if (contextTag(si[3]) !== 0) throw malformed('SignerInfo', 'signed attributes missing');
  const attrsNode = si[3]!;
  const signedAttrsSet = raw(attrsNode);
  signedAttrsSet[0] = 0x31;
  const attributes = new Map<string, asn1js.BaseBlock[]>();
  for (const a of contextChildren(attrsNode, 'signedAttrs')) {
    const [type, values] = sequence(a, 'Attribute', 2, 2);
    const t = oid(type, 'Attribute.type');
    if (attributes.has(t)) throw malformed('signedAttrs', `attribute ${t} appears twice`);
    attributes.set(t, setOf(values, 'Attribute.values'));
  }
  const signatureAlgorithm = algorithmOid(si[4], 'SignerInfo.signatureAlgorithm');
  const signature = Buffer.from(octetString(si[5], 'SignerInfo.signature'));
  if (si.length === 7 && contextTag(si[6]) !== 1) throw malformed('SignerInfo', 'unexpected element');
  return {
    eContent,
    certificates,
    sid,
    digestAlgorithm: digestAlg,
    signedAttrsSet,
    attributes,
    signatureAlgorithm,
    signature,
  };
}

interface ParsedTstInfo {
  policy: string;
  imprintAlgOid: string;
  imprint: Buffer;
  serial: bigint;
  genTime: Date;
  nonce?: bigint;
  accuracy?: TimestampAccuracy;
}

function parseTstInfo(der: Buffer): ParsedTstInfo {
  const schema = parseDer(der, 'TSTInfo');
  let t: pkijs.TSTInfo;
  try {
    t = new pkijs.TSTInfo({ schema });
  } catch (cause) {
    throw malformed('TSTInfo', 'not a TSTInfo', cause);
  }
  if (t.version !== 1) throw malformed('TSTInfo', `unsupported version ${t.version}`);
  const acc = t.accuracy;
  return {
    policy: policyOid((schema as asn1js.Sequence).valueBlock.value[1], 'TSTInfo.policy'),
    imprintAlgOid: t.messageImprint.hashAlgorithm.algorithmId,
    imprint: Buffer.from(t.messageImprint.hashedMessage.valueBlock.valueHexView),
    serial: t.serialNumber.toBigInt(),
    genTime: t.genTime,
    ...(t.nonce ? { nonce: t.nonce.toBigInt() } : {}),
    ...(acc
      ? {
          accuracy: {
            ...(acc.seconds === undefined ? {} : { seconds: acc.seconds }),
            ...(acc.millis === undefined ? {} : { millis: acc.millis }),
            ...(acc.micros === undefined ? {} : { micros: acc.micros }),
          },
        }
      : {}),
  };
}

function certSerial(cert: CertificateInfo): bigint {
  return BigInt('0x' + (cert.serialHex || '0'));
}

function matchesSid(cert: CertificateInfo, sid: ParsedToken['sid']): boolean {
  if ('keyId' in sid) return cert.subjectKeyId !== null && cert.subjectKeyId.equals(sid.keyId);
  return cert.issuerDer.equals(sid.issuer) && certSerial(cert) === sid.serial;
}

/** Checks the SigningCertificateV2 (or v1) attribute binds the signature to `cert` (RFC 5035, RFC 2634). */
function checkEssBinding(attrs: Map<string, asn1js.BaseBlock[]>, cert: CertificateInfo): string | null {
  const v2 = attrs.get(PKI_OID.signingCertificateV2);
  const v1 = attrs.get(SIGNING_CERTIFICATE_V1);
  const value = (v2 ?? v1)?.[0];
  if (!value) return 'no signingCertificate(V2) attribute';
  try {
    const [certs] = sequence(value, 'SigningCertificate', 1, 2);
    const [first] = sequence(certs, 'SigningCertificate.certs', 1);
    const id = sequence(first, 'ESSCertID', 1, 3);
    let k = 0;
    let hashOid: string = PKI_OID.sha1;
    if (v2)
      hashOid =
        id[0] instanceof asn1js.Sequence
          ? algorithmOid(id[k++], 'ESSCertIDv2.hashAlgorithm')
          : PKI_OID.sha256;
    const certHash = Buffer.from(octetString(id[k++], 'ESSCertID.certHash'));
    const hashName = DIGEST_NAMES[hashOid];
    if (!hashName) return `ESS certificate hash algorithm ${hashOid} is not supported`;
    if (!createHash(hashName).update(cert.der).digest().equals(certHash)) {
      return 'ESS certificate hash does not match the signer certificate';
    }
    if (id[k]) {
      const [names, serial] = sequence(id[k], 'IssuerSerial', 2, 2);
      const dirNames = sequence(names, 'GeneralNames', 1).filter((n) => contextTag(n) === 4);
      const issuerOk = dirNames.some((n) => raw(explicitInner(n, 'directoryName')).equals(cert.issuerDer));
      if (!issuerOk || bigIntOf(serial!, 'IssuerSerial.serialNumber') !== certSerial(cert)) {
        return 'ESS issuerSerial does not name the signer certificate';
      }
    }
    return null;
  } catch (err) {
    if (err instanceof CryptoInputError) return `signingCertificate attribute: ${err.message}`;
    throw err;
  }
}

function ekuOk(cert: CertificateInfo): boolean {
  const ext = cert.cert.extensions?.find((e) => e.extnID === PKI_OID.extKeyUsage);
  return (
    ext?.critical === true && cert.extKeyUsage.length === 1 && cert.extKeyUsage[0] === PKI_OID.kpTimeStamping
  );
}

// Parsing a certificate costs several times the signature check, and tokens from one TSA repeat its certificate.
const embeddedCertificates = new LruCache<string, CertificateInfo>(32);

function embeddedCertificate(der: Buffer): CertificateInfo {
  const key = sm3(der).toString('hex');
  let cert = embeddedCertificates.get(key);
  if (!cert) {
    cert = parseCertificate(der);
    embeddedCertificates.set(key, cert);
  }
  return cert;
}

const SM2_SIGNATURE_OIDS: readonly string[] = [PKI_OID.sm2WithSm3, PKI_OID.sm2Sign];

/**
 * Verifies an RFC 3161 TimeStampToken (DER ContentInfo) signed with SM2. The signature is checked over the
 * signed attributes exactly as received (only the [0] tag byte swapped for SET), and messageDigest against
 * SM3 of the eContent octets as received: nothing is re-encoded, so a token from any producer verifies.
 * @throws CryptoInputError('MALFORMED_DER') when the bytes are not a timestamp token at all.
 */
export function verifyTimestampToken(
  tokenDer: Uint8Array,
  opts: TimestampVerifyOptions = {},
): TimestampVerification {
  const p = parseToken(tokenDer);
  const tst = parseTstInfo(p.eContent);
  const problems: string[] = [];

  const candidates: CertificateInfo[] = [];
  if (opts.trustedTsaCerts) {
    candidates.push(...opts.trustedTsaCerts);
  } else {
    for (const der of p.certificates) {
      try {
        candidates.push(embeddedCertificate(der));
      } catch {
        problems.push('an embedded certificate cannot be parsed');
      }
    }
  }
  const tsaCert = candidates.find((c) => matchesSid(c, p.sid)) ?? null;
  if (!tsaCert) {
    problems.push(
      opts.trustedTsaCerts
        ? 'the token is not signed by a trusted TSA certificate'
        : 'the signer certificate is not in the token (request it with certReq, or pass the TSA certificate)',
    );
  }

  const contentTypeValue = p.attributes.get(PKI_OID.contentType)?.[0];
  const contentType =
    contentTypeValue instanceof asn1js.ObjectIdentifier && contentTypeValue.getValue() === PKI_OID.tstInfo;
  if (!contentType) problems.push('signed contentType attribute is not id-ct-TSTInfo');

  let messageDigest = false;
  const digestValue = p.attributes.get(PKI_OID.messageDigest)?.[0];
  const digestName = DIGEST_NAMES[p.digestAlgorithm];
  if (p.digestAlgorithm !== PKI_OID.sm3)
    problems.push(`digest algorithm ${digestName ?? p.digestAlgorithm} is not SM3`);
  else if (!(digestValue instanceof asn1js.OctetString)) problems.push('no messageDigest attribute');
  else {
    messageDigest = Buffer.from(digestValue.getValue()).equals(sm3(p.eContent));
    if (!messageDigest) problems.push('messageDigest does not match the TSTInfo');
  }

  let signature = false;
  let signingCertificate = false;
  if (tsaCert) {
    const essProblem = checkEssBinding(p.attributes, tsaCert);
    signingCertificate = essProblem === null;
    if (essProblem) problems.push(essProblem);
    if (!SM2_SIGNATURE_OIDS.includes(p.signatureAlgorithm)) {
      problems.push(`signature algorithm ${p.signatureAlgorithm} is not SM2`);
    } else if (!tsaCert.isSm2) {
      problems.push('the signer certificate does not hold an SM2 key');
    } else {
      try {
        signature = sm2Verify(tsaCert.publicKey, p.signedAttrsSet, p.signature);
      } catch {
        signature = false;
      }
      if (!signature) problems.push('SM2 signature over the signed attributes is invalid');
    }
    if (tst.genTime < tsaCert.notBefore || tst.genTime > tsaCert.notAfter) {
      problems.push('genTime is outside the TSA certificate validity');
    }
  }
  const eku = tsaCert !== null && ekuOk(tsaCert);
  if (tsaCert && !eku) problems.push('the signer certificate lacks a critical, sole id-kp-timeStamping EKU');

  let imprintMatches: boolean | null = null;
  if (opts.expectedImprint) {
    imprintMatches = tst.imprint.equals(Buffer.from(opts.expectedImprint));
    if (!imprintMatches) problems.push('message imprint does not match the data');
  }
  return {
    genTime: tst.genTime,
    serial: tst.serial,
    policy: tst.policy,
    imprintAlg: DIGEST_NAMES[tst.imprintAlgOid] ?? tst.imprintAlgOid,
    imprint: tst.imprint,
    ...(tst.nonce === undefined ? {} : { nonce: tst.nonce }),
    ...(tst.accuracy ? { accuracy: tst.accuracy } : {}),
    tsaCert,
    signatureValid: signature && messageDigest && contentType && signingCertificate,
    imprintMatches,
    ekuOk: eku,
    trusted: opts.trustedTsaCerts ? tsaCert !== null : null,
    checks: { signature, messageDigest, contentType, signingCertificate },
    problems,
  };
}
