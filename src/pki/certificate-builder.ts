import { randomBytes } from 'node:crypto';
import type * as pkijs from 'pkijs';
import { sm2Sign } from '../crypto/sm2.js';
import { encodeSm2Spki } from '../crypto/sm2-keys.js';
import { encodeExtension } from './certificate-extensions.js';
import { derOid, derSequence, derTime, derUnsignedInteger, tlv } from './der-writer.js';
import { PKI_OID } from './pki-oids.js';

/** 16 random bytes, positive, with a non-zero first byte so the DER INTEGER is exactly 16 bytes. */
export function randomSerial(): Buffer {
  const s = randomBytes(16);
  s[0] = s[0]! & 0x7f || 0x01;
  return s;
}

export interface CertificateSpec {
  serial: Buffer;
  subject: Buffer; // Name DER
  issuer: Buffer; // the issuer's subject Name DER, byte for byte
  publicKey: Uint8Array; // 65-byte uncompressed SM2 point
  notBefore: Date;
  notAfter: Date;
  /** In order; a Uint8Array is an Extension already encoded (encodeExtension, encodedLeafExtensions). */
  extensions: readonly (pkijs.Extension | Uint8Array)[];
}

const SM2_WITH_SM3 = derSequence(derOid(PKI_OID.sm2WithSm3));
const VERSION_3 = tlv(0xa0, Buffer.from([0x02, 0x01, 0x02]));

function extensionDer(e: pkijs.Extension | Uint8Array): Uint8Array {
  return e instanceof Uint8Array ? e : encodeExtension(e);
}

/**
 * The TBSCertificate, assembled from DER pieces. Written by hand like the CRL, OCSP and TSA encoders: pkijs
 * re-parses the names and key on every encode (about 2 ms a certificate, most of an issuance), and the names
 * must go in byte for byte anyway (one attribute per RDN, the issuer exactly as in its own certificate).
 * RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (derTime).
 */
export function encodeTbsCertificate(spec: CertificateSpec): Buffer {
  return derSequence(
    VERSION_3,
    derUnsignedInteger(spec.serial),
    SM2_WITH_SM3,
    spec.issuer,
    derSequence(derTime(spec.notBefore), derTime(spec.notAfter)),
    spec.subject,
    encodeSm2Spki(spec.publicKey),
    ...(spec.extensions.length ? [tlv(0xa3, derSequence(...spec.extensions.map(extensionDer)))] : []),
  );
}

/** Builds and signs an X.509 v3 certificate with SM2-with-SM3; returns its DER. */
export function buildCertificate(spec: CertificateSpec, issuerPrivateKey: Uint8Array): Buffer {
  const tbs = encodeTbsCertificate(spec);
  const signature = sm2Sign(issuerPrivateKey, tbs);
  return derSequence(tbs, SM2_WITH_SM3, tlv(0x03, Buffer.from([0]), signature));
}
