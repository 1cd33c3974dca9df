import * as asn1js from 'asn1js';
import {
  bitStringBytes,
  contextTag,
  explicitInner,
  integer,
  malformed,
  octetString,
  oid,
  parseDer,
  sequence,
  toDer,
} from './asn1.js';
import { CryptoInputError } from './crypto-input-error.js';
import { decryptPkcs8, encryptPkcs8, isEncryptedPkcs8, type EncryptPkcs8Options } from './encrypted-pkcs8.js';
import { OID } from './oids.js';
import { fromPem, toPem } from './pem.js';
import { sm2PublicKeyFromPrivate } from './sm2.js';
import { sm2PointToPublicKey, sm2PublicKeyToPoint } from './sm2-public-key-point.js';

export interface Sm2PrivateKeyMaterial {
  /** 32-byte d. */
  privateKey: Uint8Array;
  /** 65-byte 04‖x‖y. */
  publicKey: Uint8Array;
}

function sm2AlgorithmIdentifier(): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }),
      new asn1js.ObjectIdentifier({ value: OID.sm2Curve }),
    ],
  });
}

/** Accepts id-ecPublicKey with the SM2 named curve; anything else is another algorithm. */
function expectSm2Algorithm(node: unknown, what: string): void {
  const [algOid, params] = sequence(node, what, 1, 2);
  const alg = oid(algOid, what);
  if (alg !== OID.ecPublicKey)
    throw new CryptoInputError('UNSUPPORTED_ALGORITHM', `${what}: not an EC key (${alg})`);
  expectSm2Curve(params, what);
}

function expectSm2Curve(params: unknown, what: string): void {
  if (!(params instanceof asn1js.ObjectIdentifier)) {
    throw new CryptoInputError('UNSUPPORTED_ALGORITHM', `${what}: only the named SM2 curve is supported`);
  }
  const curve = params.getValue();
  if (curve !== OID.sm2Curve)
    throw new CryptoInputError('UNSUPPORTED_ALGORITHM', `${what}: curve ${curve} is not SM2`);
}

function uncompressedPublicKey(publicKey: Uint8Array): Uint8Array {
  return sm2PointToPublicKey(sm2PublicKeyToPoint(publicKey));
}

/** RFC 5915 ECPrivateKey as OpenSSL writes it inside PKCS#8: version 1, d, [1] public key. */
function encodeEcPrivateKey(
  privateKey: Uint8Array,
  publicKey: Uint8Array,
  withCurve: boolean,
): asn1js.Sequence {
  const value: asn1js.BaseBlock[] = [
    new asn1js.Integer({ value: 1 }),
    new asn1js.OctetString({ valueHex: privateKey }),
  ];
  if (withCurve) {
    value.push(
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.ObjectIdentifier({ value: OID.sm2Curve })],
      }),
    );
  }
  value.push(
    new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: 1 },
      value: [new asn1js.BitString({ valueHex: publicKey })],
    }),
  );
  return new asn1js.Sequence({ value });
}

/** Check d (via derivation) and that an embedded public key, if any, belongs to it. */
function keyMaterial(
  privateKey: Uint8Array,
  embeddedPublicKey: Uint8Array | undefined,
): Sm2PrivateKeyMaterial {
  const publicKey = sm2PublicKeyFromPrivate(privateKey);
  if (embeddedPublicKey && !Buffer.from(uncompressedPublicKey(embeddedPublicKey)).equals(publicKey)) {
    throw new CryptoInputError('KEY_MISMATCH', 'embedded public key does not match the private key');
  }
  return { privateKey, publicKey };
}

function decodeEcPrivateKey(node: unknown, curveRequired: boolean): Sm2PrivateKeyMaterial {
  const what = 'ECPrivateKey';
  const items = sequence(node, what, 2, 4);
  if (integer(items[0], `${what} version`) !== 1n) throw malformed(what, 'version must be 1');
  const d = octetString(items[1], `${what} privateKey`);
  if (d.length === 0 || d.length > 32) {
    throw new CryptoInputError('INVALID_PRIVATE_KEY', 'SM2 private key must be at most 32 bytes');
  }
  const privateKey = new Uint8Array(32);
  privateKey.set(d, 32 - d.length); // some encoders drop leading zero bytes
  let curveSeen = false;
  let publicKey: Uint8Array | undefined;
  for (const item of items.slice(2)) {
    const tag = contextTag(item);
    if (tag === 0) {
      expectSm2Curve(explicitInner(item, `${what} parameters`), what);
      curveSeen = true;
    } else if (tag === 1) {
      publicKey = bitStringBytes(explicitInner(item, `${what} publicKey`), `${what} publicKey`);
    } else {
      throw malformed(what, 'unexpected element');
    }
  }
  // A bare SEC1 key without [0] could be any curve: refusing beats guessing.
  if (curveRequired && !curveSeen)
    throw new CryptoInputError('UNSUPPORTED_ALGORITHM', `${what}: curve not named`);
  return keyMaterial(privateKey, publicKey);
}

/**
 * PKCS#8 PrivateKeyInfo DER for an SM2 key, byte-for-byte the layout of `openssl genpkey -algorithm SM2`.
 * The public key is derived when not given (and checked when given).
 */
export function encodeSm2PrivateKeyPkcs8(privateKey: Uint8Array, publicKey?: Uint8Array): Buffer {
  const material = keyMaterial(privateKey, publicKey);
  return toDer(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 0 }),
        sm2AlgorithmIdentifier(),
        new asn1js.OctetString({
          valueHex: toDer(encodeEcPrivateKey(material.privateKey, material.publicKey, false)),
        }),
      ],
    }),
  );
}

/**
 * Decode an unencrypted PKCS#8 (v1 or v2) SM2 private key.
 * @throws CryptoInputError: MALFORMED_DER, UNSUPPORTED_ALGORITHM (not SM2), INVALID_PRIVATE_KEY, KEY_MISMATCH.
 */
export function decodeSm2PrivateKeyPkcs8(der: Uint8Array): Sm2PrivateKeyMaterial {
  const what = 'PrivateKeyInfo';
  const items = sequence(parseDer(der, what), what, 3, 5);
  const version = integer(items[0], `${what} version`);
  if (version !== 0n && version !== 1n) throw malformed(what, 'unsupported version');
  expectSm2Algorithm(items[1], `${what} algorithm`);
  const inner = octetString(items[2], `${what} privateKey`);
  return decodeEcPrivateKey(parseDer(inner, 'ECPrivateKey'), false);
}

/** SubjectPublicKeyInfo DER: id-ecPublicKey, SM2 curve, uncompressed point. */
export function encodeSm2Spki(publicKey: Uint8Array): Buffer {
  return Buffer.concat([SM2_SPKI_PREFIX, uncompressedPublicKey(publicKey)]);
}

// Every SM2 SubjectPublicKeyInfo is the same bytes up to the 65-byte point, so they are encoded once: a
// certificate is issued hundreds of times a second, and asn1js would build the whole structure each time.
const SM2_SPKI_PREFIX = toDer(
  new asn1js.Sequence({
    value: [sm2AlgorithmIdentifier(), new asn1js.BitString({ valueHex: new Uint8Array(65) })],
  }),
).subarray(0, -65);

function decodeSpkiNode(node: unknown): Uint8Array {
  const what = 'SubjectPublicKeyInfo';
  const [algorithm, key] = sequence(node, what, 2, 2);
  expectSm2Algorithm(algorithm, `${what} algorithm`);
  return uncompressedPublicKey(bitStringBytes(key, `${what} subjectPublicKey`));
}

/**
 * Decode an SM2 SubjectPublicKeyInfo to the 65-byte public key (compressed points are expanded).
 * @throws CryptoInputError: MALFORMED_DER, UNSUPPORTED_ALGORITHM, INVALID_PUBLIC_KEY.
 */
export function decodeSm2Spki(der: Uint8Array): Uint8Array {
  return decodeSpkiNode(parseDer(der, 'SubjectPublicKeyInfo'));
}

/** The SPKI inside an X.509 certificate (no check of the certificate itself). */
function spkiOfCertificate(node: unknown): Uint8Array {
  const [tbs] = sequence(node, 'Certificate', 3, 3);
  const fields = sequence(tbs, 'TBSCertificate', 6);
  const offset = contextTag(fields[0]) === 0 ? 1 : 0; // [0] version is optional (v1)
  return decodeSpkiNode(fields[5 + offset]);
}

type KeyInput = string | Uint8Array;

/** DER passes through; anything else is read as PEM text. DER always starts with SEQUENCE (0x30). */
function pemOrDer(
  input: KeyInput,
  labels: readonly string[],
): { label: string | undefined; der: Uint8Array } {
  if (input instanceof Uint8Array && input[0] === 0x30) return { label: undefined, der: input };
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  return fromPem(text, labels);
}

// `openssl ec` labels an SM2 SEC1 key `SM2 PRIVATE KEY`; other tools write `EC PRIVATE KEY`.
const SEC1_LABELS = ['EC PRIVATE KEY', 'SM2 PRIVATE KEY'];

/**
 * Read an SM2 private key: PEM (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, `EC`/`SM2 PRIVATE KEY`) or DER
 * (PKCS#8, encrypted PKCS#8, or SEC1). Encrypted keys need the passphrase.
 * @throws CryptoInputError, including PASSPHRASE_REQUIRED and WRONG_PASSPHRASE.
 */
export function parseSm2PrivateKey(input: KeyInput, passphrase?: string | Uint8Array): Sm2PrivateKeyMaterial {
  const { label, der } = pemOrDer(input, ['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', ...SEC1_LABELS]);
  if (label !== undefined && SEC1_LABELS.includes(label))
    return decodeEcPrivateKey(parseDer(der, 'ECPrivateKey'), true);
  if (label === 'ENCRYPTED PRIVATE KEY' || (label === undefined && isEncryptedPkcs8(der))) {
    if (passphrase === undefined) {
      throw new CryptoInputError('PASSPHRASE_REQUIRED', 'private key is encrypted; a passphrase is required');
    }
    return decodeSm2PrivateKeyPkcs8(decryptPkcs8(der, passphrase));
  }
  if (label === undefined) {
    // DER without a label: PKCS#8 has an AlgorithmIdentifier second, SEC1 an OCTET STRING.
    const [, second] = sequence(parseDer(der, 'private key'), 'private key', 2);
    if (second instanceof asn1js.OctetString) return decodeEcPrivateKey(parseDer(der, 'ECPrivateKey'), true);
  }
  return decodeSm2PrivateKeyPkcs8(der);
}

/**
 * Read an SM2 public key: PEM `PUBLIC KEY` (SPKI) or `CERTIFICATE` (its SPKI, unverified), or DER of either.
 * @throws CryptoInputError
 */
export function parseSm2PublicKey(input: KeyInput): Uint8Array {
  const { label, der } = pemOrDer(input, ['PUBLIC KEY', 'CERTIFICATE']);
  const node = parseDer(der, label ?? 'public key');
  if (label === 'CERTIFICATE') return spkiOfCertificate(node);
  if (label === undefined) {
    const [first] = sequence(node, 'public key', 2, 3);
    if (sequence(first, 'public key', 1)[0] instanceof asn1js.ObjectIdentifier) return decodeSpkiNode(node);
    return spkiOfCertificate(node);
  }
  return decodeSpkiNode(node);
}

export interface Sm2PrivateKeyPemOptions extends EncryptPkcs8Options {
  /** Encrypt (PBES2) when given. */
  passphrase?: string | Uint8Array;
}

/** PEM `PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` when a passphrase is given. */
export function sm2PrivateKeyToPem(privateKey: Uint8Array, opts: Sm2PrivateKeyPemOptions = {}): string {
  const { passphrase, ...encryption } = opts;
  const pkcs8 = encodeSm2PrivateKeyPkcs8(privateKey);
  if (passphrase === undefined) return toPem('PRIVATE KEY', pkcs8);
  return toPem('ENCRYPTED PRIVATE KEY', encryptPkcs8(pkcs8, passphrase, encryption));
}

/** PEM `PUBLIC KEY` (SPKI). */
export function sm2PublicKeyToPem(publicKey: Uint8Array): string {
  return toPem('PUBLIC KEY', encodeSm2Spki(publicKey));
}
