import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { DerTlvError, readDerTlv, type DerTlv } from '../crypto/der-tlv.js';
import { fromPem } from '../crypto/pem.js';
import { attributeTypeName, entriesToString, nameToString, pkijsName } from './distinguished-name.js';
import { encodeSm2Spki } from '../crypto/sm2-keys.js';
import { PKI_OID } from './pki-oids.js';
import { isSm2WithSm3, signTbs, sm2WithSm3Algorithm, verifyTbs } from './sm2-signed-object.js';

export interface DecodedCsr {
  publicKey: Buffer;
  subject: string;
  /** The CertificationRequestInfo bytes exactly as received: what the proof of possession signs. */
  tbs: Uint8Array;
  signature: Uint8Array;
  /** The request claims SM2-with-SM3. */
  sm2WithSm3: boolean;
}

export interface ParsedCsr {
  publicKey: Buffer;
  subject: string;
  /** Proof of possession: the CSR is signed, with the standard SM2 ID, by the key it asks to certify. */
  signatureValid: boolean;
}

/** Parses a PKCS#10 request (PEM or DER) without checking its signature (callers may verify off-thread). */
export function decodeCsr(input: string | Uint8Array): DecodedCsr {
  const der =
    typeof input === 'string'
      ? fromPem(input, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']).der
      : input;
  return decodeCanonicalCsr(der) ?? decodeCsrWithPkijs(der);
}

/**
 * The general decoder: asn1js (BER) and pkijs's schema. Every request the fast path below does not take
 * comes here, so this alone decides what is refused and with which error.
 * @internal exported for the test that holds the two decoders to the same answers.
 */
export function decodeCsrWithPkijs(der: Uint8Array): DecodedCsr {
  let csr: pkijs.CertificationRequest;
  try {
    const asn1 = asn1js.fromBER(der);
    if (asn1.offset === -1 || asn1.offset !== der.byteLength) throw new Error('not a single DER object');
    csr = new pkijs.CertificationRequest({ schema: asn1.result });
  } catch (err) {
    throw new CryptoInputError('MALFORMED_DER', `certificate request: ${(err as Error).message}`);
  }
  const spki = csr.subjectPublicKeyInfo;
  const params = spki.algorithm.algorithmParams;
  const curve = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : '';
  if (spki.algorithm.algorithmId !== PKI_OID.ecPublicKey || curve !== PKI_OID.sm2Curve) {
    throw new CryptoInputError(
      'UNSUPPORTED_ALGORITHM',
      'certificate request: the public key is not an SM2 key',
    );
  }
  const publicKey = Buffer.from(spki.subjectPublicKey.valueBlock.valueHexView);
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) {
    throw new CryptoInputError(
      'UNSUPPORTED_ALGORITHM',
      'certificate request: the SM2 public key must be an uncompressed point',
    );
  }
  return {
    publicKey,
    subject: nameToString(csr.subject),
    tbs: csr.tbsView,
    signature: csr.signatureValue.valueBlock.valueHexView,
    sm2WithSm3: isSm2WithSm3(csr.signatureAlgorithm),
  };
}

// The fast path: a hand-written reader (element headers by readDerTlv, shared with the SES codec) for the one
// shape every SM2 tool writes: an SM2 key, SM2-with-SM3, version 0, no attributes, one UTF8String,
// PrintableString or IA5String attribute per RDN.
// asn1js and pkijs take about 0.4 ms for a request (an object per node, a schema walk); this takes a few
// microseconds. It never refuses: anything else, however slightly different, returns undefined and goes to
// decodeCsrWithPkijs, so the requests accepted, their decoded fields and the errors stay the ones pkijs gives.

/** The element at `at` ending by `limit`, or undefined where readDerTlv refuses it (pkijs then decides). */
function tlvAt(der: Uint8Array, at: number, limit: number): DerTlv | undefined {
  try {
    return readDerTlv(der, at, limit);
  } catch (err) {
    if (err instanceof DerTlvError) return undefined;
    throw err;
  }
}

function bytesEqual(der: Uint8Array, at: number, end: number, expected: Uint8Array): boolean {
  if (end - at !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (der[at + i] !== expected[i]) return false;
  return true;
}

/** Dotted form of an OBJECT IDENTIFIER's contents: minimal arcs below 2^28 only, as asn1js would print them. */
function oidText(der: Uint8Array, at: number, end: number): string | undefined {
  if (at >= end) return undefined;
  const arcs: number[] = [];
  while (at < end) {
    if (der[at] === 0x80) return undefined; // non-minimal arc
    let value = 0;
    let n = 0;
    for (;;) {
      if (at >= end || ++n > 4) return undefined;
      const b = der[at++]!;
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    arcs.push(value);
  }
  const first = arcs[0]!;
  const head = first < 40 ? `0.${first}` : first < 80 ? `1.${first - 40}` : `2.${first - 80}`;
  return arcs.length === 1 ? head : `${head}.${arcs.slice(1).join('.')}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The subject's one-line form, or undefined for anything but single-valued RDNs of the three string types. */
function canonicalNameText(der: Uint8Array, name: DerTlv): string | undefined {
  const entries: { type: string; value: string }[] = [];
  for (let at = name.contentStart; at < name.end;) {
    const rdn = tlvAt(der, at, name.end);
    if (rdn?.tag !== 0x31) return undefined;
    const atv = tlvAt(der, rdn.contentStart, rdn.end);
    if (atv?.tag !== 0x30 || atv.end !== rdn.end) return undefined;
    const type = tlvAt(der, atv.contentStart, atv.end);
    if (type?.tag !== 0x06) return undefined;
    const value = tlvAt(der, type.end, atv.end);
    if (!value || value.end !== atv.end || value.end === value.contentStart) return undefined;
    const oid = oidText(der, type.contentStart, type.end);
    if (oid === undefined) return undefined;
    const content = der.subarray(value.contentStart, value.end);
    let text: string;
    if (value.tag === 0x0c) {
      try {
        text = utf8.decode(content);
      } catch {
        return undefined;
      }
    } else if (value.tag === 0x13 || value.tag === 0x16) {
      text = String.fromCharCode(...content);
    } else {
      return undefined;
    }
    entries.push({ type: attributeTypeName(oid), value: text });
    at = rdn.end;
  }
  return entries.length ? entriesToString(entries) : undefined;
}

// SEQUENCE { OID id-ecPublicKey, OID sm2p256v1 } and the BIT STRING header of a 65-byte point.
const SM2_KEY_ALGORITHM = Buffer.from('301306072a8648ce3d020106082a811ccf5501822d', 'hex');
const SM2_KEY_BITS = Buffer.from('03420004', 'hex');
// SEQUENCE { OID sm2-with-SM3 }, parameters absent or NULL.
const SM2_WITH_SM3 = Buffer.from('300a06082a811ccf55018375', 'hex');
const SM2_WITH_SM3_NULL = Buffer.from('300c06082a811ccf550183750500', 'hex');

/** The fast path alone: undefined for whatever it leaves to decodeCsrWithPkijs. @internal exported for tests. */
export function decodeCanonicalCsr(der: Uint8Array): DecodedCsr | undefined {
  const csr = tlvAt(der, 0, der.length);
  if (csr?.tag !== 0x30 || csr.end !== der.length) return undefined;
  const info = tlvAt(der, csr.contentStart, csr.end);
  if (info?.tag !== 0x30) return undefined;
  const algorithm = tlvAt(der, info.end, csr.end);
  if (algorithm?.tag !== 0x30) return undefined;
  const signature = tlvAt(der, algorithm.end, csr.end);
  if (signature?.tag !== 0x03 || signature.end !== csr.end) return undefined;
  const algorithmStart = info.end;
  if (
    !bytesEqual(der, algorithmStart, algorithm.end, SM2_WITH_SM3) &&
    !bytesEqual(der, algorithmStart, algorithm.end, SM2_WITH_SM3_NULL)
  ) {
    return undefined;
  }
  if (signature.end - signature.contentStart < 2 || der[signature.contentStart] !== 0) return undefined;

  const version = tlvAt(der, info.contentStart, info.end);
  if (version?.tag !== 0x02 || version.end - version.contentStart !== 1 || der[version.contentStart] !== 0)
    return undefined;
  const name = tlvAt(der, version.end, info.end);
  if (name?.tag !== 0x30) return undefined;
  const spki = tlvAt(der, name.end, info.end);
  if (spki?.tag !== 0x30) return undefined;
  const keyAlgorithmEnd = spki.contentStart + SM2_KEY_ALGORITHM.length;
  const keyStart = keyAlgorithmEnd + SM2_KEY_BITS.length - 1; // the point, from its 04
  if (
    spki.end - spki.contentStart !== SM2_KEY_ALGORITHM.length + SM2_KEY_BITS.length - 1 + 65 ||
    !bytesEqual(der, spki.contentStart, keyAlgorithmEnd, SM2_KEY_ALGORITHM) ||
    !bytesEqual(der, keyAlgorithmEnd, keyStart + 1, SM2_KEY_BITS)
  ) {
    return undefined;
  }
  // No attributes, or an empty [0] (what OpenSSL writes).
  if (
    spki.end !== info.end &&
    !(info.end - spki.end === 2 && der[spki.end] === 0xa0 && der[spki.end + 1] === 0)
  ) {
    return undefined;
  }
  const subject = canonicalNameText(der, name);
  if (subject === undefined) return undefined;
  return {
    publicKey: Buffer.from(der.subarray(keyStart, spki.end)),
    subject,
    tbs: der.subarray(csr.contentStart, info.end),
    signature: der.subarray(signature.contentStart + 1, signature.end),
    sm2WithSm3: true,
  };
}

/** Parses a PKCS#10 request (PEM or DER) and checks its SM2 signature over the original bytes. */
export function parseCsr(input: string | Uint8Array): ParsedCsr {
  const d = decodeCsr(input);
  return {
    publicKey: d.publicKey,
    subject: d.subject,
    signatureValid: d.sm2WithSm3 && verifyTbs(d.publicKey, d.tbs, d.signature),
  };
}

/** A PKCS#10 request signed with SM2 (standard ID), for tools and tests that need one without OpenSSL. */
export function buildCsr(
  keyPair: { privateKey: Uint8Array; publicKey: Uint8Array },
  subjectDer: Uint8Array,
): Buffer {
  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  csr.subject = pkijsName(subjectDer);
  csr.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({
    schema: asn1js.fromBER(encodeSm2Spki(keyPair.publicKey)).result,
  });
  csr.attributes = [];
  // encodeTBS is protected in pkijs' typings; it is the documented way to get the request info bytes.
  const tbs = new Uint8Array((csr as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  csr.tbsView = tbs;
  csr.signatureAlgorithm = sm2WithSm3Algorithm();
  csr.signatureValue = signTbs(keyPair.privateKey, tbs);
  return Buffer.from(csr.toSchema(false).toBER());
}
