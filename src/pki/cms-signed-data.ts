import * as asn1js from 'asn1js';
import { contextTag, explicitInner, malformed, octetString, oid, sequence } from '../crypto/asn1.js';
import { sm2Digest } from '../crypto/sm2.js';
import { parseCertificate } from './certificate.js';
import { derOid, derSequence, derTime, derUnsignedInteger, DER_NULL, tlv } from './der-writer.js';
import { PKI_OID } from './pki-oids.js';

// CMS SignedData (RFC 5652) and its GB/T 35275 twin (same structure, OIDs under 1.2.156.10197.6.1.4.2, SM2-1
// signature OID), as found in PDF /Contents (adbe.pkcs7.detached) and OFD digital signatures. Parsing keeps
// the original bytes of everything a signature covers (the signed attributes, the eContent) so verification
// never depends on a re-encoding. Only structure here; what it means is src/verify/cms-validation.ts's job.

/** RFC 3161 timestamp over the signature value, as an unsigned attribute (RFC 3161 appendix A). */
export const ID_AA_TIMESTAMP_TOKEN = '1.2.840.113549.1.9.16.2.14';

export type CmsFlavour = 'rfc5652' | 'gbt35275';

export interface CmsSignerInfo {
  version: number;
  sid: { issuer: Buffer; serial: bigint } | { keyId: Buffer };
  digestAlgorithm: string;
  /** The signed attributes re-tagged as SET (0x31): the exact bytes the signature covers; null when absent. */
  signedAttrsSet: Buffer | null;
  /** contentType signed attribute. */
  contentType: string | null;
  /** messageDigest signed attribute. */
  messageDigest: Buffer | null;
  /** signingTime signed attribute (UTCTime or GeneralizedTime). */
  signingTime: Date | null;
  signedAttributeTypes: string[];
  signatureAlgorithm: string;
  /** DER SEQUENCE{r,s} or raw r‖s, as written. */
  signature: Buffer;
  /** id-aa-timeStampToken unsigned attribute (a DER ContentInfo), if any. */
  timeStampToken: Buffer | null;
  unsignedAttributeTypes: string[];
}

export interface CmsSignedData {
  flavour: CmsFlavour;
  /** The ContentInfo element's bytes (without any /Contents padding after it). */
  der: Buffer;
  version: number;
  digestAlgorithms: string[];
  eContentType: string;
  /** Encapsulated content (null: detached). */
  eContent: Buffer | null;
  certificates: Buffer[];
  crls: Buffer[];
  /** OCSP responses carried in crls as OtherRevocationInfoFormat id-ri-ocsp-response (RFC 5940 §4.1). */
  ocsps: Buffer[];
  signers: CmsSignerInfo[];
}

const LIMITS = { maxDepth: 48, maxNodes: 100_000, maxContentLength: 1 << 24 };

/** Length of the DER element at the start of `bytes` (for zero-padded /Contents), or null. */
export function derElementLength(bytes: Uint8Array): number | null {
  if (bytes.length < 2) return null;
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first <= bytes.length ? 2 + first : null;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || 2 + n > bytes.length) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i]!;
  const total = 2 + n + len;
  return total <= bytes.length ? total : null;
}

/** 'rfc5652' / 'gbt35275' when the bytes start with a ContentInfo of SignedData, else null. Never throws. */
export function sniffCms(bytes: Uint8Array): CmsFlavour | null {
  // 30 len 06 09 2A864886F70D010702 (RFC 5652) or 06 0A 2A811CCF55060104 0202 (GB/T 35275).
  const len = derElementLength(bytes);
  if (len === null || bytes[0] !== 0x30) return null;
  const hl = bytes[1]! < 0x80 ? 2 : 2 + (bytes[1]! & 0x7f);
  const rest = Buffer.from(bytes.buffer, bytes.byteOffset + hl, Math.min(16, len - hl));
  if (rest.subarray(0, 11).equals(RFC_OID_TLV)) return 'rfc5652';
  if (rest.subarray(0, 12).equals(GM_OID_TLV)) return 'gbt35275';
  return null;
}

const RFC_OID_TLV = derOid(PKI_OID.cmsSignedData);
const GM_OID_TLV = derOid(PKI_OID.gmSignedData);

function parseDeep(der: Uint8Array, what: string): asn1js.AsnType {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(der, LIMITS);
  } catch (cause) {
    throw malformed(what, 'unparseable', cause);
  }
  if (parsed.offset === -1 || parsed.result.error) throw malformed(what, 'unparseable');
  if (parsed.offset !== der.byteLength) throw malformed(what, 'trailing data');
  return parsed.result;
}

function raw(node: asn1js.BaseBlock): Buffer {
  return Buffer.from(node.valueBeforeDecodeView);
}

function setItems(node: unknown, what: string): asn1js.BaseBlock[] {
  if (!(node instanceof asn1js.Set)) throw malformed(what, 'expected SET');
  return node.valueBlock.value;
}

function children(node: unknown, what: string): asn1js.BaseBlock[] {
  if (!(node instanceof asn1js.Constructed)) throw malformed(what, 'expected constructed tag');
  return node.valueBlock.value;
}

function algorithm(node: unknown, what: string): string {
  return oid(sequence(node, what, 1, 2)[0], what);
}

function version(node: unknown, what: string): number {
  if (!(node instanceof asn1js.Integer)) throw malformed(what, 'expected INTEGER');
  const v = node.toBigInt();
  if (v < 0n || v > 10n) throw malformed(what, `unexpected version ${v}`);
  return Number(v);
}

function attributes(nodes: asn1js.BaseBlock[], what: string): Map<string, asn1js.BaseBlock[]> {
  const out = new Map<string, asn1js.BaseBlock[]>();
  for (const a of nodes) {
    const [type, values] = sequence(a, `${what}.Attribute`, 2, 2);
    const t = oid(type, `${what}.Attribute.type`);
    if (out.has(t)) throw malformed(what, `attribute ${t} appears twice`);
    out.set(t, setItems(values, `${what}.Attribute.values`));
  }
  return out;
}

function timeOf(node: asn1js.BaseBlock | undefined): Date | null {
  if (node instanceof asn1js.UTCTime || node instanceof asn1js.GeneralizedTime) {
    const d = node.toDate();
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

function parseSignerInfo(node: unknown): CmsSignerInfo {
  const si = sequence(node, 'SignerInfo', 5, 7);
  const v = version(si[0], 'SignerInfo.version');
  let sid: CmsSignerInfo['sid'];
  if (si[1] instanceof asn1js.Sequence) {
    const [issuer, serial] = sequence(si[1], 'IssuerAndSerialNumber', 2, 2);
    if (!(serial instanceof asn1js.Integer))
      throw malformed('IssuerAndSerialNumber.serialNumber', 'expected INTEGER');
    sid = { issuer: raw(issuer!), serial: serial.toBigInt() };
  } else if (contextTag(si[1]) === 0 && si[1] instanceof asn1js.Primitive) {
    sid = { keyId: Buffer.from(si[1].valueBlock.valueHexView) };
  } else {
    throw malformed('SignerInfo.sid', 'expected IssuerAndSerialNumber or [0] SubjectKeyIdentifier');
  }
  const digestAlgorithm = algorithm(si[2], 'SignerInfo.digestAlgorithm');
  let i = 3;
  let signedAttrsSet: Buffer | null = null;
  let signed = new Map<string, asn1js.BaseBlock[]>();
  if (contextTag(si[i]) === 0) {
    const attrsNode = si[i++]!;
    signedAttrsSet = raw(attrsNode);
    signedAttrsSet[0] = 0x31;
    signed = attributes(children(attrsNode, 'signedAttrs'), 'signedAttrs');
  }
  const signatureAlgorithm = algorithm(si[i++], 'SignerInfo.signatureAlgorithm');
  const signature = Buffer.from(octetString(si[i++], 'SignerInfo.signature'));
  let unsigned = new Map<string, asn1js.BaseBlock[]>();
  if (i < si.length) {
    if (contextTag(si[i]) !== 1) throw malformed('SignerInfo', 'unexpected element');
    unsigned = attributes(children(si[i++], 'unsignedAttrs'), 'unsignedAttrs');
  }
  if (i !== si.length) throw malformed('SignerInfo', 'unexpected element');
  const ct = signed.get(PKI_OID.contentType)?.[0];
  const md = signed.get(PKI_OID.messageDigest)?.[0];
  const ts = unsigned.get(ID_AA_TIMESTAMP_TOKEN)?.[0];
  return {
    version: v,
    sid,
    digestAlgorithm,
    signedAttrsSet,
    contentType: ct instanceof asn1js.ObjectIdentifier ? ct.getValue() : null,
    messageDigest: md instanceof asn1js.OctetString ? Buffer.from(md.getValue()) : null,
    signingTime: timeOf(signed.get(PKI_OID.signingTime)?.[0]),
    signedAttributeTypes: [...signed.keys()],
    signatureAlgorithm,
    signature,
    timeStampToken: ts instanceof asn1js.Sequence ? raw(ts) : null,
    unsignedAttributeTypes: [...unsigned.keys()],
  };
}

/**
 * Parses a ContentInfo holding SignedData; bytes after the first element (PDF zero padding) are ignored.
 * @throws CryptoInputError('MALFORMED_DER') naming the element that broke.
 */
export function parseCmsSignedData(bytes: Uint8Array): CmsSignedData {
  const len = derElementLength(bytes);
  if (len === null) throw malformed('ContentInfo', 'not a DER element');
  const der = Buffer.from(bytes.buffer, bytes.byteOffset, len);
  const [ctNode, content] = sequence(parseDeep(der, 'ContentInfo'), 'ContentInfo', 2, 2);
  const ct = oid(ctNode, 'ContentInfo.contentType');
  const flavour: CmsFlavour | null =
    ct === PKI_OID.cmsSignedData ? 'rfc5652' : ct === PKI_OID.gmSignedData ? 'gbt35275' : null;
  if (!flavour) throw malformed('ContentInfo.contentType', `${ct} is not SignedData`);
  if (contextTag(content) !== 0) throw malformed('ContentInfo.content', 'expected [0]');
  const sd = sequence(explicitInner(content, 'ContentInfo.content'), 'SignedData', 4, 6);
  const v = version(sd[0], 'SignedData.version');
  const digestAlgorithms = setItems(sd[1], 'SignedData.digestAlgorithms').map((a) =>
    algorithm(a, 'DigestAlgorithmIdentifier'),
  );
  const encap = sequence(sd[2], 'EncapsulatedContentInfo', 1, 2);
  const eContentType = oid(encap[0], 'eContentType');
  let eContent: Buffer | null = null;
  if (encap[1]) {
    if (contextTag(encap[1]) !== 0) throw malformed('eContent', 'expected [0]');
    const inner = explicitInner(encap[1], 'eContent');
    // A constructed (BER) OCTET STRING is concatenated; DER producers write it primitive.
    eContent = Buffer.from(octetString(inner, 'eContent'));
  }
  let i = 3;
  const certificates: Buffer[] = [];
  const crls: Buffer[] = [];
  if (contextTag(sd[i]) === 0) {
    for (const c of children(sd[i++], 'SignedData.certificates'))
      if (c instanceof asn1js.Sequence) certificates.push(raw(c));
  }
  const ocsps: Buffer[] = [];
  if (contextTag(sd[i]) === 1) {
    for (const c of children(sd[i++], 'SignedData.crls')) {
      if (c instanceof asn1js.Sequence) crls.push(raw(c));
      else if (contextTag(c) === 1 && c instanceof asn1js.Constructed) {
        // [1] IMPLICIT OtherRevocationInfoFormat { otherRevInfoFormat OID, otherRevInfo ANY }
        const [format, info] = c.valueBlock.value;
        if (
          format instanceof asn1js.ObjectIdentifier &&
          format.valueBlock.toString() === PKI_OID.riOcspResponse
        )
          if (info instanceof asn1js.Sequence) ocsps.push(raw(info));
      }
    }
  }
  const signerNodes = setItems(sd[i++], 'SignerInfos');
  if (i !== sd.length) throw malformed('SignedData', 'unexpected element');
  if (signerNodes.length === 0) throw malformed('SignerInfos', 'no SignerInfo');
  if (signerNodes.length > 16) throw malformed('SignerInfos', 'too many SignerInfos');
  return {
    flavour,
    der,
    version: v,
    digestAlgorithms,
    eContentType,
    eContent,
    certificates,
    crls,
    ocsps,
    signers: signerNodes.map(parseSignerInfo),
  };
}

// ---------------------------------------------------------------------------------------------- building

export interface BuildCmsSignedDataInput {
  /** SM3 of the signed data (the PDF /ByteRange bytes): the messageDigest attribute. */
  digest: Uint8Array;
  signerCertDer: Uint8Array;
  /** Signs e = SM3(Z ‖ DER(SET OF signedAttrs)) with the signer's key (default SM2 ID); returns DER r,s. */
  signDigest: (e: Buffer) => Buffer | Promise<Buffer>;
  /** 'rfc5652': 1.2.840.113549.1.7.2 / data / SM2-with-SM3; 'gbt35275': 1.2.156.10197.6.1.4.2.x / SM2-1. */
  oids: CmsFlavour;
  signingTime: Date;
  /** Extra certificates (the issuing CA's) to carry. */
  extraCertificates?: Uint8Array[];
  /** CRLs (DER CertificateList) to carry in SignedData.crls (RFC 5652 §5.1). */
  crls?: Uint8Array[];
  /** OCSP responses to carry in SignedData.crls as id-ri-ocsp-response (RFC 5940 §4.1). */
  ocsps?: Uint8Array[];
}

/** DER SET OF: the elements sorted by their encodings (X.690 §11.6). */
function derSetOf(items: Buffer[]): Buffer {
  return tlv(0x31, ...[...items].sort(Buffer.compare));
}

function attribute(type: string, value: Buffer): Buffer {
  return derSequence(derOid(type), tlv(0x31, value));
}

/**
 * A detached CMS SignedData (ContentInfo DER) over `digest` with signed attributes contentType, signingTime
 * and messageDigest, signed with SM2 (SM3, default ID). For PDF /SubFilter /adbe.pkcs7.detached.
 */
export async function buildCmsSignedData(input: BuildCmsSignedDataInput): Promise<Buffer> {
  if (!(input.digest instanceof Uint8Array) || input.digest.length !== 32)
    throw malformed('digest', 'expected a 32-byte SM3 digest');
  const cert = parseCertificate(input.signerCertDer);
  const gm = input.oids === 'gbt35275';
  const dataOid = gm ? PKI_OID.gmData : PKI_OID.cmsData;
  const sm3Alg = derSequence(derOid(PKI_OID.sm3), DER_NULL);
  const signedAttrs = derSetOf([
    attribute(PKI_OID.contentType, derOid(dataOid)),
    attribute(PKI_OID.signingTime, derTime(input.signingTime)),
    attribute(PKI_OID.messageDigest, tlv(0x04, input.digest)),
  ]);
  const e = sm2Digest(cert.publicKey, signedAttrs);
  const signature = Buffer.from(await input.signDigest(e));
  const signerInfo = derSequence(
    tlv(0x02, Buffer.from([1])),
    derSequence(cert.issuerDer, derUnsignedInteger(Buffer.from(cert.serialHex || '00', 'hex'))),
    sm3Alg,
    Buffer.concat([Buffer.from([0xa0]), signedAttrs.subarray(1)]),
    derSequence(derOid(gm ? PKI_OID.sm2Sign : PKI_OID.sm2WithSm3)),
    tlv(0x04, signature),
  );
  const certs = [
    Buffer.from(input.signerCertDer),
    ...(input.extraCertificates ?? []).map((c) => Buffer.from(c)),
  ];
  const signedData = derSequence(
    tlv(0x02, Buffer.from([1])),
    tlv(0x31, sm3Alg),
    derSequence(derOid(dataOid)),
    tlv(0xa0, ...certs),
    ...(input.crls?.length || input.ocsps?.length
      ? [
          tlv(
            0xa1,
            ...(input.crls ?? []).map((c) => Buffer.from(c)),
            ...(input.ocsps ?? []).map((o) => tlv(0xa1, derOid(PKI_OID.riOcspResponse), Buffer.from(o))),
          ),
        ]
      : []),
    tlv(0x31, signerInfo),
  );
  return derSequence(derOid(gm ? PKI_OID.gmSignedData : PKI_OID.cmsSignedData), tlv(0xa0, signedData));
}
