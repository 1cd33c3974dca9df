import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { sm2Sign } from '../crypto/sm2.js';
import { CRL_REASONS, CRL_REASON_NAMES, type CrlReason } from './crl-builder.js';
import { DER_NULL, derGeneralizedTime, derOid, tlv } from './der-writer.js';
import { PKI_OID } from './pki-oids.js';
import {
  isValidAt,
  parseCertificate,
  verifyCertificateSignature,
  type CertificateInfo,
} from './certificate.js';
import { verifyTbs } from './sm2-signed-object.js';

// The OCSP codec (RFC 6960): requests in and responses out for the responder, and the reverse
// (request out, response in) for the `ocsp check` client. Outgoing DER is written by hand, like the
// CRL, because the responder's hot path must cost microseconds, not an object tree per answer.

export const OCSP_RESPONSE_STATUS = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;
export type OcspResponseStatus = keyof typeof OCSP_RESPONSE_STATUS;

/** CertID hash algorithms the responder can match issuers with. */
export const OCSP_HASHES = {
  sha1: PKI_OID.sha1,
  sha256: PKI_OID.sha256,
  sm3: PKI_OID.sm3,
} as const;
export type OcspHash = keyof typeof OCSP_HASHES;

const HASH_BY_OID = new Map<string, OcspHash>(
  Object.entries(OCSP_HASHES).map(([name, oid]) => [oid, name as OcspHash]),
);
const NODE_HASH: Record<OcspHash, string> = { sha1: 'sha1', sha256: 'sha256', sm3: 'sm3' };

const OID = {
  acceptableResponses: '1.3.6.1.5.5.7.48.1.4',
  serviceLocator: '1.3.6.1.5.5.7.48.1.7',
  preferredSignatureAlgorithms: '1.3.6.1.5.5.7.48.1.8',
};

// Request extensions we understand, so a critical one of them is no reason to refuse.
const KNOWN_REQUEST_EXTENSIONS = new Set([
  PKI_OID.ocspNonce,
  OID.acceptableResponses,
  OID.preferredSignatureAlgorithms,
]);
const KNOWN_SINGLE_REQUEST_EXTENSIONS = new Set([OID.serviceLocator]);

/** RFC 8954 §2.1: a nonce is 1 to 32 octets; anything else is a malformedRequest. */
export const OCSP_NONCE_MAX = 32;

/** Bounds the work one request can ask for (one status lookup each). */
export const OCSP_MAX_CERTS_PER_REQUEST = 20;

/** Why a request was refused; `status` is the OCSPResponseStatus to answer with. */
export class OcspRequestError extends Error {
  override readonly name = 'OcspRequestError';
  constructor(
    readonly status: Exclude<OcspResponseStatus, 'successful'>,
    message: string,
  ) {
    super(message);
  }
}

export function ocspHash(alg: OcspHash, ...parts: Uint8Array[]): Buffer {
  const h = createHash(NODE_HASH[alg]);
  for (const p of parts) h.update(p);
  return h.digest();
}

// ---------------------------------------------------------------------------------------------
// DER writing (der-writer.ts). OCSP times are GeneralizedTime in Z without fractions (RFC 6960 §4.2.2.1).

const SM2_SM3_ALG = tlv(0x30, derOid(PKI_OID.sm2WithSm3));

/** The DER CertID for `serial` (INTEGER content octets) under an issuer, hashed with `alg`. */
export function buildCertId(
  alg: OcspHash,
  issuerNameDer: Uint8Array,
  issuerPublicKey: Uint8Array,
  serial: Uint8Array,
): Buffer {
  return tlv(
    0x30,
    // Parameters NULL as OpenSSL writes them; the responder echoes whatever the client sent.
    tlv(0x30, derOid(OCSP_HASHES[alg]), DER_NULL),
    tlv(0x04, ocspHash(alg, issuerNameDer)),
    tlv(0x04, ocspHash(alg, issuerPublicKey)),
    tlv(0x02, Buffer.from(serial)),
  );
}

/** An unsigned OCSPRequest for the CertIDs, with a nonce extension when `nonce` is given. */
export function buildOcspRequest(certIds: Buffer[], nonce?: Uint8Array): Buffer {
  const requestList = tlv(0x30, ...certIds.map((id) => tlv(0x30, id)));
  const parts = [requestList];
  if (nonce) {
    const ext = tlv(0x30, derOid(PKI_OID.ocspNonce), tlv(0x04, tlv(0x04, Buffer.from(nonce))));
    parts.push(tlv(0xa2, tlv(0x30, ext)));
  }
  return tlv(0x30, tlv(0x30, ...parts));
}

export type OcspCertStatus =
  { kind: 'good' } | { kind: 'revoked'; revokedAt: Date; reason: CrlReason | null } | { kind: 'unknown' };

export interface SingleResponseSpec {
  /** The request's CertID as echoed (see OcspCertId.der). */
  certIdDer: Buffer;
  status: OcspCertStatus;
  thisUpdate: Date;
  nextUpdate: Date | null;
}

export interface BasicResponseSpec {
  /** SHA-1 of the responder's public key: ResponderID byKey (RFC 6960 §4.2.1). */
  responderKeyHash: Buffer;
  producedAt: Date;
  responses: SingleResponseSpec[];
  /** The request nonce extension's extnValue, echoed byte for byte. */
  nonceExtnValue: Buffer | null;
  /** DER certificates for `certs`: the delegated responder's, so clients can check the delegation. */
  certs: Buffer[];
}

const REVOKED_REASON = new Map<CrlReason, Buffer>(
  CRL_REASON_NAMES.map((name) => [name, tlv(0xa0, tlv(0x0a, Buffer.from([CRL_REASONS[name]])))]),
);
const GOOD = Buffer.from([0x80, 0x00]);
const UNKNOWN = Buffer.from([0x82, 0x00]);

function certStatusDer(s: OcspCertStatus): Buffer {
  if (s.kind === 'good') return GOOD;
  if (s.kind === 'unknown') return UNKNOWN;
  const parts = [derGeneralizedTime(s.revokedAt)];
  // Like the CRL (RFC 5280 §5.3.1), 'unspecified' is said by leaving the reason out.
  if (s.reason && s.reason !== 'unspecified') parts.push(REVOKED_REASON.get(s.reason)!);
  return tlv(0xa1, ...parts);
}

function singleResponseDer(r: SingleResponseSpec): Buffer {
  const parts = [r.certIdDer, certStatusDer(r.status), derGeneralizedTime(r.thisUpdate)];
  if (r.nextUpdate) parts.push(tlv(0xa0, derGeneralizedTime(r.nextUpdate)));
  return tlv(0x30, ...parts);
}

/** ResponseData exactly as it is signed (version v1 left at its default). */
export function buildTbsResponseData(spec: BasicResponseSpec): Buffer {
  const parts = [
    tlv(0xa2, tlv(0x04, spec.responderKeyHash)),
    derGeneralizedTime(spec.producedAt),
    tlv(0x30, ...spec.responses.map(singleResponseDer)),
  ];
  if (spec.nonceExtnValue) {
    parts.push(tlv(0xa1, tlv(0x30, tlv(0x30, derOid(PKI_OID.ocspNonce), tlv(0x04, spec.nonceExtnValue)))));
  }
  return tlv(0x30, ...parts);
}

/** A successful OCSPResponse carrying a BasicOCSPResponse signed with SM2 (standard ID). */
export function buildOcspResponse(spec: BasicResponseSpec, responderPrivateKey: Uint8Array): Buffer {
  const tbs = buildTbsResponseData(spec);
  const signature = sm2Sign(responderPrivateKey, tbs);
  const basicParts = [tbs, SM2_SM3_ALG, tlv(0x03, Buffer.from([0]), signature)];
  if (spec.certs.length) basicParts.push(tlv(0xa0, tlv(0x30, ...spec.certs)));
  const basic = tlv(0x30, ...basicParts);
  return tlv(
    0x30,
    tlv(0x0a, Buffer.from([OCSP_RESPONSE_STATUS.successful])),
    tlv(0xa0, tlv(0x30, derOid(PKI_OID.ocspBasic), tlv(0x04, basic))),
  );
}

/** An unsuccessful OCSPResponse: the status alone, unsigned (RFC 6960 §2.3). */
export function ocspErrorResponse(status: Exclude<OcspResponseStatus, 'successful'>): Buffer {
  return tlv(0x30, tlv(0x0a, Buffer.from([OCSP_RESPONSE_STATUS[status]])));
}

/** SHA-1 of the subjectPublicKey BIT STRING contents, as ResponderID byKey and CertID use it. */
export function responderKeyHash(publicKey: Uint8Array): Buffer {
  return ocspHash('sha1', publicKey);
}

// ---------------------------------------------------------------------------------------------
// DER reading (untrusted input: every surprise is a typed error, never an asn1js exception)

const PARSE_LIMITS = { maxDepth: 12, maxNodes: 4000, maxContentLength: 1 << 20 };

type Fail = (detail: string) => Error;

function parseOne(bytes: Uint8Array, fail: Fail): asn1js.AsnType {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes, PARSE_LIMITS);
  } catch {
    throw fail('not DER');
  }
  if (parsed.offset === -1 || parsed.result.error) throw fail('not DER');
  if (parsed.offset !== bytes.byteLength) throw fail('trailing data');
  return parsed.result;
}

function seq(node: unknown, what: string, fail: Fail, min = 0, max = Infinity): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence)) throw fail(`${what}: expected SEQUENCE`);
  const items = node.valueBlock.value as asn1js.AsnType[];
  if (items.length < min || items.length > max) throw fail(`${what}: ${items.length} elements`);
  return items;
}

function ctxTag(node: unknown): number | undefined {
  if (!(node instanceof asn1js.BaseBlock)) return undefined;
  return node.idBlock.tagClass === 3 ? node.idBlock.tagNumber : undefined;
}

/** The single element inside an EXPLICIT [n] tag. */
function explicit(node: unknown, what: string, fail: Fail): asn1js.AsnType {
  if (
    !(node instanceof asn1js.Constructed) ||
    !node.idBlock.isConstructed ||
    node.valueBlock.value.length !== 1
  ) {
    throw fail(`${what}: expected one element in explicit tag`);
  }
  return node.valueBlock.value[0] as asn1js.AsnType;
}

function oidOf(node: unknown, what: string, fail: Fail): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw fail(`${what}: expected OBJECT IDENTIFIER`);
  return node.getValue();
}

/** Primitive OCTET STRING contents (DER never uses the constructed form). */
function octets(node: unknown, what: string, fail: Fail): Buffer {
  if (!(node instanceof asn1js.OctetString) || node.idBlock.isConstructed)
    throw fail(`${what}: expected OCTET STRING`);
  return Buffer.from(node.valueBlock.valueHexView);
}

function raw(node: asn1js.AsnType): Buffer {
  return Buffer.from((node as asn1js.BaseBlock).valueBeforeDecodeView);
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension. */
function extensions(
  node: unknown,
  what: string,
  fail: Fail,
): { id: string; critical: boolean; value: Buffer }[] {
  const out: { id: string; critical: boolean; value: Buffer }[] = [];
  for (const e of seq(node, what, fail, 1)) {
    const f = seq(e, `${what} extension`, fail, 2, 3);
    const id = oidOf(f[0], `${what} extnID`, fail);
    let critical = false;
    if (f.length === 3) {
      if (!(f[1] instanceof asn1js.Boolean)) throw fail(`${what} ${id}: critical is not BOOLEAN`);
      critical = f[1].getValue();
    }
    const value = octets(f[f.length - 1], `${what} ${id} extnValue`, fail);
    if (out.some((x) => x.id === id)) throw fail(`${what}: ${id} appears twice`);
    out.push({ id, critical, value });
  }
  return out;
}

export interface OcspCertId {
  /** Null for a hash algorithm we cannot compute: such a CertID is answered `unknown`. */
  hash: OcspHash | null;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  serial: bigint;
  /**
   * Re-encoded as DER from what was received (hash parameters kept as sent, serial octets as sent),
   * so the client finds its CertID in the response: OpenSSL compares them field by field.
   */
  der: Buffer;
}

export interface OcspRequest {
  certIds: OcspCertId[];
  /** The nonce extension's extnValue (DER OCTET STRING of 1–32 octets), echoed as received. */
  nonceExtnValue: Buffer | null;
}

const malformedRequest: Fail = (detail) =>
  new OcspRequestError('malformedRequest', `OCSP request: ${detail}`);

function parseCertId(node: unknown): OcspCertId {
  const fail = malformedRequest;
  const [alg, nameHash, keyHash, serial] = seq(node, 'CertID', fail, 4, 4) as [
    asn1js.AsnType,
    asn1js.AsnType,
    asn1js.AsnType,
    asn1js.AsnType,
  ];
  const algParts = seq(alg, 'hashAlgorithm', fail, 1, 2);
  const hashOid = oidOf(algParts[0], 'hashAlgorithm', fail);
  const params = algParts[1];
  if (params !== undefined && !(params instanceof asn1js.Null))
    throw fail('hashAlgorithm parameters must be NULL or absent');
  const issuerNameHash = octets(nameHash, 'issuerNameHash', fail);
  const issuerKeyHash = octets(keyHash, 'issuerKeyHash', fail);
  if (!(serial instanceof asn1js.Integer) || serial.idBlock.isConstructed)
    throw fail('serialNumber: expected INTEGER');
  const serialOctets = Buffer.from(serial.valueBlock.valueHexView);
  if (serialOctets.length === 0 || serialOctets.length > 64) throw fail('serialNumber: bad length');
  return {
    hash: HASH_BY_OID.get(hashOid) ?? null,
    issuerNameHash,
    issuerKeyHash,
    serial: serial.toBigInt(),
    der: tlv(
      0x30,
      tlv(0x30, derOid(hashOid), ...(params ? [DER_NULL] : [])),
      tlv(0x04, issuerNameHash),
      tlv(0x04, issuerKeyHash),
      tlv(0x02, serialOctets),
    ),
  };
}

/**
 * Parses an OCSPRequest. Signed requests are accepted (the signature is not required, so it is not
 * checked). Unknown critical extensions, bad nonces and over-long request lists are malformedRequest.
 * @throws OcspRequestError, and nothing else, for any input.
 */
export function parseOcspRequest(der: Uint8Array): OcspRequest {
  const fail = malformedRequest;
  const [tbs, sig] = seq(parseOne(der, fail), 'OCSPRequest', fail, 1, 2);
  if (sig !== undefined && ctxTag(sig) !== 0) throw fail('optionalSignature: expected [0]');
  const fields = seq(tbs, 'TBSRequest', fail, 1, 4);
  let i = 0;
  if (ctxTag(fields[i]) === 0) {
    const v = explicit(fields[i], 'version', fail);
    if (!(v instanceof asn1js.Integer) || v.toBigInt() !== 0n) throw fail('version: only v1 is defined');
    i++;
  }
  if (ctxTag(fields[i]) === 1) i++; // requestorName: informational only
  const list = seq(fields[i++], 'requestList', fail, 1);
  if (list.length > OCSP_MAX_CERTS_PER_REQUEST) {
    throw fail(`requestList: at most ${OCSP_MAX_CERTS_PER_REQUEST} certificates per request`);
  }
  let nonceExtnValue: Buffer | null = null;
  if (i < fields.length) {
    if (ctxTag(fields[i]) !== 2) throw fail('TBSRequest: unexpected element');
    for (const ext of extensions(explicit(fields[i], 'requestExtensions', fail), 'requestExtensions', fail)) {
      if (ext.id === PKI_OID.ocspNonce) {
        const nonce = octets(
          parseOne(ext.value, (d) => fail(`nonce: ${d}`)),
          'nonce',
          fail,
        );
        if (nonce.length < 1 || nonce.length > OCSP_NONCE_MAX)
          throw fail(`nonce of ${nonce.length} octets (RFC 8954: 1–32)`);
        nonceExtnValue = ext.value;
      } else if (ext.critical && !KNOWN_REQUEST_EXTENSIONS.has(ext.id)) {
        throw fail(`unsupported critical extension ${ext.id}`);
      }
    }
    i++;
  }
  if (i !== fields.length) throw fail('TBSRequest: unexpected element');
  const certIds = list.map((r) => {
    const [certId, singleExts] = seq(r, 'Request', fail, 1, 2);
    if (singleExts !== undefined) {
      if (ctxTag(singleExts) !== 0) throw fail('singleRequestExtensions: expected [0]');
      for (const ext of extensions(
        explicit(singleExts, 'singleRequestExtensions', fail),
        'singleRequestExtensions',
        fail,
      )) {
        if (ext.critical && !KNOWN_SINGLE_REQUEST_EXTENSIONS.has(ext.id)) {
          throw fail(`unsupported critical extension ${ext.id}`);
        }
      }
    }
    return parseCertId(certId);
  });
  return { certIds, nonceExtnValue };
}

// --- responses, for clients ---

export interface ParsedSingleResponse {
  certId: OcspCertId;
  status: OcspCertStatus;
  thisUpdate: Date;
  nextUpdate: Date | null;
}

export interface ParsedBasicResponse {
  /** tbsResponseData exactly as received: what the signature covers. */
  tbsDer: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
  responderId: { byKey: Buffer } | { byName: Buffer };
  producedAt: Date;
  responses: ParsedSingleResponse[];
  nonceExtnValue: Buffer | null;
  certs: Buffer[];
}

export interface ParsedOcspResponse {
  status: OcspResponseStatus;
  basic: ParsedBasicResponse | null;
}

const malformedResponse: Fail = (detail) => new CryptoInputError('MALFORMED_DER', `OCSP response: ${detail}`);

function generalizedTime(node: unknown, what: string): Date {
  if (!(node instanceof asn1js.GeneralizedTime)) throw malformedResponse(`${what}: expected GeneralizedTime`);
  const d = node.toDate();
  if (Number.isNaN(d.getTime())) throw malformedResponse(`${what}: invalid time`);
  return d;
}

function parseCertStatus(node: unknown): OcspCertStatus {
  const fail = malformedResponse;
  switch (ctxTag(node)) {
    case 0:
      return { kind: 'good' };
    case 2:
      return { kind: 'unknown' };
    case 1: {
      const c = node as asn1js.Constructed;
      if (!c.idBlock.isConstructed) throw fail('revoked: expected RevokedInfo');
      const items = c.valueBlock.value as asn1js.AsnType[];
      if (items.length < 1 || items.length > 2) throw fail('RevokedInfo: bad element count');
      const revokedAt = generalizedTime(items[0], 'revocationTime');
      let reason: CrlReason | null = null;
      if (items[1] !== undefined) {
        const e = explicit(items[1], 'revocationReason', fail);
        if (!(e instanceof asn1js.Enumerated)) throw fail('revocationReason: expected ENUMERATED');
        const code = Number(e.valueBlock.valueDec);
        reason = CRL_REASON_NAMES.find((n) => CRL_REASONS[n] === code) ?? null;
        if (reason === null) throw fail(`revocationReason ${code} is not a CRLReason`);
      }
      return { kind: 'revoked', revokedAt, reason };
    }
    default:
      throw fail('certStatus: unexpected choice');
  }
}

function parseSingleResponse(node: unknown): ParsedSingleResponse {
  const fail = malformedResponse;
  const items = seq(node, 'SingleResponse', fail, 3, 5);
  let certId: OcspCertId;
  try {
    certId = parseCertId(items[0]);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const status = parseCertStatus(items[1]);
  const thisUpdate = generalizedTime(items[2], 'thisUpdate');
  let nextUpdate: Date | null = null;
  for (const extra of items.slice(3)) {
    if (ctxTag(extra) === 0) nextUpdate = generalizedTime(explicit(extra, 'nextUpdate', fail), 'nextUpdate');
    else if (ctxTag(extra) !== 1) throw fail('SingleResponse: unexpected element');
  }
  return { certId, status, thisUpdate, nextUpdate };
}

/**
 * Parses an OCSPResponse and, when successful, its BasicOCSPResponse. Does not verify anything.
 * @throws CryptoInputError('MALFORMED_DER')
 */
export function parseOcspResponse(der: Uint8Array): ParsedOcspResponse {
  const fail = malformedResponse;
  const [statusNode, bytesNode] = seq(parseOne(der, fail), 'OCSPResponse', fail, 1, 2);
  if (!(statusNode instanceof asn1js.Enumerated)) throw fail('responseStatus: expected ENUMERATED');
  const code = Number(statusNode.valueBlock.valueDec);
  const status = (Object.keys(OCSP_RESPONSE_STATUS) as OcspResponseStatus[]).find(
    (k) => OCSP_RESPONSE_STATUS[k] === code,
  );
  if (!status) throw fail(`responseStatus ${code} is undefined`);
  if (status !== 'successful') return { status, basic: null };
  if (bytesNode === undefined || ctxTag(bytesNode) !== 0)
    throw fail('successful response without responseBytes');
  const [typeNode, respNode] = seq(explicit(bytesNode, 'responseBytes', fail), 'ResponseBytes', fail, 2, 2);
  if (oidOf(typeNode, 'responseType', fail) !== PKI_OID.ocspBasic)
    throw fail('responseType is not id-pkix-ocsp-basic');
  const basicItems = seq(parseOne(octets(respNode, 'response', fail), fail), 'BasicOCSPResponse', fail, 3, 4);
  const [tbs, algNode, sigNode, certsNode] = basicItems as [
    asn1js.AsnType,
    asn1js.AsnType,
    asn1js.AsnType,
    asn1js.AsnType | undefined,
  ];
  const signatureAlgorithm = oidOf(
    seq(algNode, 'signatureAlgorithm', fail, 1, 2)[0],
    'signatureAlgorithm',
    fail,
  );
  if (
    !(sigNode instanceof asn1js.BitString) ||
    sigNode.idBlock.isConstructed ||
    sigNode.valueBlock.unusedBits !== 0
  ) {
    throw fail('signature: expected BIT STRING');
  }
  const certs: Buffer[] = [];
  if (certsNode !== undefined) {
    if (ctxTag(certsNode) !== 0) throw fail('certs: expected [0]');
    for (const c of seq(explicit(certsNode, 'certs', fail), 'certs', fail)) certs.push(raw(c));
  }

  const fields = seq(tbs, 'ResponseData', fail, 3, 5);
  let i = 0;
  if (ctxTag(fields[i]) === 0) {
    const v = explicit(fields[i], 'version', fail);
    if (!(v instanceof asn1js.Integer) || v.toBigInt() !== 0n) throw fail('version: only v1 is defined');
    i++;
  }
  const rid = fields[i++];
  let responderId: ParsedBasicResponse['responderId'];
  if (ctxTag(rid) === 1) responderId = { byName: raw(explicit(rid, 'responderID', fail)) };
  else if (ctxTag(rid) === 2)
    responderId = { byKey: octets(explicit(rid, 'responderID', fail), 'byKey', fail) };
  else throw fail('responderID: expected [1] or [2]');
  const producedAt = generalizedTime(fields[i++], 'producedAt');
  const responses = seq(fields[i++], 'responses', fail).map(parseSingleResponse);
  let nonceExtnValue: Buffer | null = null;
  if (i < fields.length) {
    if (ctxTag(fields[i]) !== 1) throw fail('ResponseData: unexpected element');
    const ext = extensions(explicit(fields[i], 'responseExtensions', fail), 'responseExtensions', fail);
    nonceExtnValue = ext.find((e) => e.id === PKI_OID.ocspNonce)?.value ?? null;
    i++;
  }
  if (i !== fields.length) throw fail('ResponseData: unexpected element');
  return {
    status,
    basic: {
      tbsDer: raw(tbs),
      signatureAlgorithm,
      signature: Buffer.from(sigNode.valueBlock.valueHexView),
      responderId,
      producedAt,
      responses,
      nonceExtnValue,
      certs,
    },
  };
}

/**
 * The Name of a certificate's subject exactly as encoded in it: the CertID issuerNameHash is over these
 * bytes, and re-encoding a Name (pkijs merges RDNs) could change them.
 */
export function certificateSubjectDer(certDer: Uint8Array): Buffer {
  const f = tbsCertificateFields(certDer);
  const subject = f[ctxTag(f[0]) === 0 ? 5 : 4];
  if (!(subject instanceof asn1js.Sequence)) throw badCertificate('subject is not a Name');
  return raw(subject);
}

const badCertificate: Fail = (d) => new CryptoInputError('MALFORMED_DER', `certificate: ${d}`);

function tbsCertificateFields(certDer: Uint8Array): asn1js.AsnType[] {
  const [tbs] = seq(parseOne(certDer, badCertificate), 'Certificate', badCertificate, 3, 3);
  return seq(tbs, 'TBSCertificate', badCertificate, 6);
}

/** The INTEGER content octets of a certificate's serial number, as a CertID carries them. */
export function certificateSerialOctets(certDer: Uint8Array): Buffer {
  const f = tbsCertificateFields(certDer);
  const serial = f[ctxTag(f[0]) === 0 ? 1 : 0];
  if (!(serial instanceof asn1js.Integer)) throw badCertificate('serialNumber is not an INTEGER');
  return Buffer.from(serial.valueBlock.valueHexView);
}

/** Serial as the certificate store spells it: upper-case hex of the value, whole octets. */
export function serialHex(serial: bigint): string {
  const hex = serial.toString(16).toUpperCase();
  return hex.length % 2 ? '0' + hex : hex;
}

/** Whether `certId` (from a response) names `cert` issued by `issuer`. */
export function certIdMatches(certId: OcspCertId, cert: CertificateInfo, issuer: CertificateInfo): boolean {
  if (certId.hash === null || certId.serial !== BigInt('0x' + (cert.serialHex || '0'))) return false;
  return (
    ocspHash(certId.hash, certificateSubjectDer(issuer.der)).equals(certId.issuerNameHash) &&
    ocspHash(certId.hash, issuer.publicKey).equals(certId.issuerKeyHash)
  );
}

/**
 * Who signed a BasicOCSPResponse about certificates of `issuer`, the signature checked (SM2 with SM3, over
 * tbsResponseData as received): the issuer itself, or a delegated responder carried in `certs`, certified by
 * the issuer for OCSPSigning and valid at `at` (RFC 6960 §4.2.2.2). An error string otherwise.
 */
export function verifyOcspResponseSigner(
  basic: ParsedBasicResponse,
  issuer: CertificateInfo,
  at: Date,
): { signer: CertificateInfo } | { error: string } {
  if (basic.signatureAlgorithm !== PKI_OID.sm2WithSm3)
    return { error: `signature algorithm ${basic.signatureAlgorithm} is not SM2-with-SM3` };
  const candidates = [issuer];
  for (const der of basic.certs) {
    try {
      candidates.push(parseCertificate(der));
    } catch {
      return { error: 'a certificate in the response is malformed' };
    }
  }
  const rid = basic.responderId;
  const signer = candidates.find((c) =>
    'byKey' in rid
      ? responderKeyHash(c.publicKey).equals(rid.byKey)
      : certificateSubjectDer(c.der).equals(rid.byName),
  );
  if (!signer) return { error: 'no certificate matches the responder ID' };
  if (!signer.publicKey.equals(issuer.publicKey)) {
    if (!signer.issuerDer.equals(issuer.subjectDer) || !verifyCertificateSignature(signer, issuer.publicKey))
      return { error: `responder certificate "${signer.subject}" is not issued by "${issuer.subject}"` };
    if (!signer.extKeyUsage.includes(PKI_OID.kpOcspSigning))
      return { error: `responder certificate "${signer.subject}" lacks the OCSPSigning key purpose` };
    if (!isValidAt(signer, at)) return { error: `responder certificate is not valid at ${at.toISOString()}` };
  }
  if (!verifyTbs(signer.publicKey, basic.tbsDer, basic.signature))
    return { error: 'the response signature does not verify' };
  return { signer };
}
