import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CryptoInputError } from '../crypto/crypto-input-error.js';
import { fromPem } from '../crypto/pem.js';
import { nameToString, pkijsName } from './distinguished-name.js';
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
