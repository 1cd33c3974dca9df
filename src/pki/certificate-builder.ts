import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { encodeSm2Spki } from '../crypto/sm2-keys.js';
import { pkijsName } from './distinguished-name.js';
import { signTbs, sm2WithSm3Algorithm } from './sm2-signed-object.js';

/** 16 random bytes, positive, with a non-zero first byte so the DER INTEGER is exactly 16 bytes. */
export function randomSerial(): Buffer {
  const s = randomBytes(16);
  s[0] = s[0]! & 0x7f || 0x01;
  return s;
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function x509Time(d: Date): pkijs.Time {
  return new pkijs.Time({
    type: d.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime,
    value: d,
  });
}

export interface CertificateSpec {
  serial: Buffer;
  subject: Buffer; // Name DER
  issuer: Buffer; // the issuer's subject Name DER, byte for byte
  publicKey: Uint8Array; // 65-byte uncompressed SM2 point
  notBefore: Date;
  notAfter: Date;
  extensions: pkijs.Extension[];
}

/** Builds and signs an X.509 v3 certificate with SM2-with-SM3; returns its DER. */
export function buildCertificate(spec: CertificateSpec, issuerPrivateKey: Uint8Array): Buffer {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: spec.serial });
  cert.signature = sm2WithSm3Algorithm();
  cert.issuer = pkijsName(spec.issuer);
  cert.subject = pkijsName(spec.subject);
  cert.notBefore = x509Time(spec.notBefore);
  cert.notAfter = x509Time(spec.notAfter);
  cert.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({
    schema: asn1js.fromBER(encodeSm2Spki(spec.publicKey)).result,
  });
  cert.extensions = spec.extensions;
  const tbs = new Uint8Array(cert.encodeTBS().toBER());
  cert.tbsView = tbs;
  cert.signatureAlgorithm = sm2WithSm3Algorithm();
  cert.signatureValue = signTbs(issuerPrivateKey, tbs);
  return Buffer.from(cert.toSchema(false).toBER());
}
