import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import * as asn1js from 'asn1js';
import {
  integer,
  isNull,
  malformed,
  octetString,
  oid,
  parseDer,
  sequence,
  smallInteger,
  toDer,
} from './asn1.js';
import { CryptoInputError } from './crypto-input-error.js';
import { OID } from './oids.js';

export type Pkcs8Kdf = 'scrypt' | 'pbkdf2';
export type Pkcs8Cipher = 'aes-256-cbc' | 'sm4-cbc';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export interface EncryptPkcs8Options {
  /** Default 'scrypt'. */
  kdf?: Pkcs8Kdf;
  /** Default 'aes-256-cbc'. */
  cipher?: Pkcs8Cipher;
  scrypt?: ScryptParams;
  /** PBKDF2-HMAC-SHA256 iterations; default 600,000. */
  pbkdf2Iterations?: number;
}

/**
 * scrypt default. OpenSSL 3.0 refuses scrypt needing more than 32 MiB (128·N·r), so N = 2^14 with
 * r = 8 is the most memory-hard setting `openssl pkcs8` can still decrypt; p = 8 multiplies the
 * work per guess by 8 without raising memory (about 0.3 s per unlock here).
 */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 1 << 14, r: 8, p: 8 });
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

// Ceilings on what we agree to run for an untrusted file, so a crafted key cannot pin a core
// for minutes or allocate gigabytes.
const MAX_SCRYPT_MEMORY = 1 << 30;
const MAX_SCRYPT_P = 64;
const MAX_PBKDF2_ITERATIONS = 10_000_000;

interface CipherSpec {
  oid: string;
  nodeName: string;
  keyLength: number;
}

const CIPHERS: readonly CipherSpec[] = [
  { oid: OID.aes256Cbc, nodeName: 'aes-256-cbc', keyLength: 32 },
  { oid: OID.aes192Cbc, nodeName: 'aes-192-cbc', keyLength: 24 },
  { oid: OID.aes128Cbc, nodeName: 'aes-128-cbc', keyLength: 16 },
  { oid: OID.sm4Cbc, nodeName: 'sm4-cbc', keyLength: 16 },
];

const PRFS: Readonly<Record<string, string>> = {
  [OID.hmacWithSha1]: 'sha1',
  [OID.hmacWithSha224]: 'sha224',
  [OID.hmacWithSha256]: 'sha256',
  [OID.hmacWithSha384]: 'sha384',
  [OID.hmacWithSha512]: 'sha512',
};

function passphraseBytes(passphrase: string | Uint8Array): Uint8Array {
  return typeof passphrase === 'string' ? Buffer.from(passphrase, 'utf8') : passphrase;
}

function unsupported(message: string): CryptoInputError {
  return new CryptoInputError('UNSUPPORTED_ENCRYPTION', message);
}

function checkScrypt({ N, r, p }: ScryptParams): void {
  const powerOfTwo = Number.isInteger(N) && N >= 2 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1) {
    throw unsupported('invalid scrypt parameters');
  }
  if (128 * N * r > MAX_SCRYPT_MEMORY || p > MAX_SCRYPT_P) throw unsupported('scrypt parameters too costly');
}

function scryptKey(pass: Uint8Array, salt: Uint8Array, params: ScryptParams, keyLength: number): Buffer {
  checkScrypt(params);
  const { N, r, p } = params;
  return scryptSync(pass, salt, keyLength, { N, r, p, maxmem: 128 * N * r + (1 << 24) });
}

function algorithmIdentifier(id: string, params?: asn1js.BaseBlock): asn1js.Sequence {
  const value: asn1js.BaseBlock[] = [new asn1js.ObjectIdentifier({ value: id })];
  if (params) value.push(params);
  return new asn1js.Sequence({ value });
}

/**
 * Wrap a PKCS#8 PrivateKeyInfo in a PBES2 EncryptedPrivateKeyInfo (RFC 8018; scrypt per RFC 7914),
 * laid out as `openssl pkcs8 -topk8` writes it, so OpenSSL decrypts it.
 */
export function encryptPkcs8(
  pkcs8Der: Uint8Array,
  passphrase: string | Uint8Array,
  opts: EncryptPkcs8Options = {},
): Buffer {
  const cipher = CIPHERS.find((c) => c.nodeName === (opts.cipher ?? 'aes-256-cbc'));
  if (!cipher) throw unsupported(`unsupported cipher ${String(opts.cipher)}`);
  const pass = passphraseBytes(passphrase);
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  let key: Buffer;
  let kdf: asn1js.Sequence;
  if ((opts.kdf ?? 'scrypt') === 'scrypt') {
    const params = opts.scrypt ?? DEFAULT_SCRYPT;
    key = scryptKey(pass, salt, params, cipher.keyLength);
    kdf = algorithmIdentifier(
      OID.scrypt,
      new asn1js.Sequence({
        value: [
          new asn1js.OctetString({ valueHex: salt }),
          new asn1js.Integer({ value: params.N }),
          new asn1js.Integer({ value: params.r }),
          new asn1js.Integer({ value: params.p }),
        ],
      }),
    );
  } else if (opts.kdf === 'pbkdf2') {
    const iterations = opts.pbkdf2Iterations ?? DEFAULT_PBKDF2_ITERATIONS;
    if (!Number.isInteger(iterations) || iterations < 1) throw unsupported('invalid PBKDF2 iteration count');
    key = pbkdf2Sync(pass, salt, iterations, cipher.keyLength, 'sha256');
    kdf = algorithmIdentifier(
      OID.pbkdf2,
      new asn1js.Sequence({
        value: [
          new asn1js.OctetString({ valueHex: salt }),
          new asn1js.Integer({ value: iterations }),
          algorithmIdentifier(OID.hmacWithSha256, new asn1js.Null()),
        ],
      }),
    );
  } else {
    throw unsupported(`unsupported KDF ${String(opts.kdf)}`);
  }
  const c = createCipheriv(cipher.nodeName, key, iv);
  const encrypted = Buffer.concat([c.update(pkcs8Der), c.final()]);
  const scheme = algorithmIdentifier(cipher.oid, new asn1js.OctetString({ valueHex: iv }));
  const pbes2 = algorithmIdentifier(OID.pbes2, new asn1js.Sequence({ value: [kdf, scheme] }));
  return toDer(new asn1js.Sequence({ value: [pbes2, new asn1js.OctetString({ valueHex: encrypted })] }));
}

/** True if the DER looks like an EncryptedPrivateKeyInfo (its first element is an AlgorithmIdentifier). */
export function isEncryptedPkcs8(der: Uint8Array): boolean {
  try {
    const [first] = sequence(parseDer(der, 'key'), 'key', 2, 2);
    return first instanceof asn1js.Sequence;
  } catch {
    return false;
  }
}

function deriveKey(kdfNode: asn1js.AsnType, pass: Uint8Array, keyLength: number): Buffer {
  const [kdfOid, kdfParams] = sequence(kdfNode, 'keyDerivationFunc', 2, 2);
  const what = 'KDF parameters';
  switch (oid(kdfOid, 'keyDerivationFunc')) {
    case OID.scrypt: {
      const p = sequence(kdfParams, what, 4, 5);
      if (p[4] !== undefined && smallInteger(p[4], what) !== keyLength)
        throw unsupported('scrypt keyLength mismatch');
      const params = {
        N: smallInteger(p[1], what),
        r: smallInteger(p[2], what),
        p: smallInteger(p[3], what),
      };
      return scryptKey(pass, octetString(p[0], what), params, keyLength);
    }
    case OID.pbkdf2: {
      const p = sequence(kdfParams, what, 2, 4);
      const salt = octetString(p[0], what);
      const iterations = smallInteger(p[1], what);
      if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS)
        throw unsupported('PBKDF2 iteration count out of range');
      let rest = p.slice(2);
      if (rest[0] instanceof asn1js.Integer) {
        if (smallInteger(rest[0], what) !== keyLength) throw unsupported('PBKDF2 keyLength mismatch');
        rest = rest.slice(1);
      }
      let digest = 'sha1'; // RFC 8018 default PRF when absent
      if (rest[0] !== undefined) {
        const [prfOid, prfParams] = sequence(rest[0], 'PBKDF2 prf', 1, 2);
        const name = PRFS[oid(prfOid, 'PBKDF2 prf')];
        if (!name) throw unsupported('unsupported PBKDF2 PRF');
        if (prfParams !== undefined && !isNull(prfParams)) throw malformed(what, 'unexpected PRF parameters');
        digest = name;
      }
      return pbkdf2Sync(pass, salt, iterations, keyLength, digest);
    }
    default:
      throw unsupported('unsupported key derivation function (only scrypt and PBKDF2)');
  }
}

/**
 * Decrypt a PBES2 EncryptedPrivateKeyInfo (PBKDF2 with HMAC-SHA1/224/256/384/512 or scrypt;
 * AES-128/192/256-CBC or SM4-CBC) and return the inner PKCS#8 PrivateKeyInfo DER.
 * @throws CryptoInputError('WRONG_PASSPHRASE') when the passphrase does not decrypt it;
 *   ('UNSUPPORTED_ENCRYPTION') for other schemes (e.g. PKCS#5 v1.5 / PKCS#12 PBE);
 *   ('MALFORMED_DER') for a broken structure.
 */
export function decryptPkcs8(encDer: Uint8Array, passphrase: string | Uint8Array): Buffer {
  const what = 'EncryptedPrivateKeyInfo';
  const [algorithm, data] = sequence(parseDer(encDer, what), what, 2, 2);
  const [schemeOid, pbes2Params] = sequence(algorithm, 'encryptionAlgorithm', 1, 2);
  if (oid(schemeOid, 'encryptionAlgorithm') !== OID.pbes2) {
    throw unsupported(
      'only PBES2 encrypted keys are supported (re-encrypt with openssl pkcs8 -topk8 -v2 ...)',
    );
  }
  const [kdfNode, encScheme] = sequence(pbes2Params, 'PBES2-params', 2, 2);
  const [cipherOid, ivNode] = sequence(encScheme, 'encryptionScheme', 2, 2);
  const cipherId = oid(cipherOid, 'encryptionScheme');
  const cipher = CIPHERS.find((c) => c.oid === cipherId);
  if (!cipher) throw unsupported('unsupported key encryption cipher');
  const iv = octetString(ivNode, 'encryptionScheme IV');
  if (iv.length !== 16) throw malformed('encryptionScheme', 'IV must be 16 bytes');
  const ciphertext = octetString(data, 'encryptedData');
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw malformed('encryptedData', 'bad length');
  if (kdfNode === undefined) throw malformed('PBES2-params', 'missing KDF');

  const key = deriveKey(kdfNode, passphraseBytes(passphrase), cipher.keyLength);
  let plain: Buffer;
  try {
    const d = createDecipheriv(cipher.nodeName, key, iv);
    plain = Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw new CryptoInputError('WRONG_PASSPHRASE', 'wrong passphrase for encrypted private key');
  }
  // A wrong key still gives valid padding about once in 256 tries; garbage never parses as DER.
  try {
    const [version] = sequence(parseDer(plain, 'PrivateKeyInfo'), 'PrivateKeyInfo', 3, 5);
    integer(version, 'PrivateKeyInfo version');
  } catch {
    throw new CryptoInputError('WRONG_PASSPHRASE', 'wrong passphrase for encrypted private key');
  }
  return plain;
}
