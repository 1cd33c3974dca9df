import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { CryptoInputError } from '../../src/crypto/crypto-input-error.js';
import { decryptPkcs8, encryptPkcs8 } from '../../src/crypto/encrypted-pkcs8.js';
import { fromPem, toPem } from '../../src/crypto/pem.js';
import { generateSm2KeyPair, sm2PublicKeyFromPrivate, sm2Sign, sm2Verify } from '../../src/crypto/sm2.js';
import {
  decodeSm2PrivateKeyPkcs8,
  decodeSm2Spki,
  encodeSm2PrivateKeyPkcs8,
  encodeSm2Spki,
  parseSm2PrivateKey,
  parseSm2PublicKey,
  sm2PrivateKeyToPem,
  sm2PublicKeyToPem,
} from '../../src/crypto/sm2-keys.js';
import { DISTID, opensslSync, opensslSyncOk, scratchDir } from '../helpers/openssl.js';

const tmp = scratchDir('sealtrust-crypto-');
after(() => tmp.cleanup());

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const isCode = (code: string) => (e: unknown) => e instanceof CryptoInputError && e.code === code;

/** The private scalar as `openssl pkey -text` prints it, colons removed. */
function opensslPrivHex(text: string): string {
  const m = /priv:\s*([\s\S]*?)\npub:/.exec(text);
  assert.ok(m, text);
  return m[1]!.replace(/[\s:]/g, '').padStart(64, '0').slice(-64);
}

describe('SM2 keys written by us, read by OpenSSL', () => {
  const { privateKey, publicKey } = generateSm2KeyPair();

  it('PKCS#8 PEM and DER parse with openssl pkey -text', () => {
    const pem = tmp.file('ours.pem', sm2PrivateKeyToPem(privateKey));
    const text = opensslSyncOk(['pkey', '-in', pem, '-text', '-noout']).toString();
    assert.match(text, /ASN1 OID: SM2/);
    assert.equal(opensslPrivHex(text), hex(privateKey));
    const der = tmp.file('ours.der', encodeSm2PrivateKeyPkcs8(privateKey));
    opensslSyncOk(['pkey', '-inform', 'DER', '-in', der, '-noout']);
  });

  it('is byte-identical to the layout openssl writes for the same key', () => {
    const pem = tmp.file('ours2.pem', sm2PrivateKeyToPem(privateKey));
    const rewritten = opensslSyncOk(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER']);
    assert.equal(hex(rewritten), hex(encodeSm2PrivateKeyPkcs8(privateKey)));
    const spki = opensslSyncOk(['pkey', '-in', pem, '-pubout', '-outform', 'DER']);
    assert.equal(hex(spki), hex(encodeSm2Spki(publicKey)));
  });

  it('SPKI PEM parses with openssl pkey -pubin -text', () => {
    const pub = tmp.file('ours-pub.pem', sm2PublicKeyToPem(publicKey));
    const text = opensslSyncOk(['pkey', '-pubin', '-in', pub, '-text', '-noout']).toString();
    assert.match(text, /ASN1 OID: SM2/);
    assert.match(text.replace(/[\s:]/g, ''), new RegExp(hex(publicKey)));
  });

  for (const [kdf, cipher] of [
    ['scrypt', 'aes-256-cbc'],
    ['pbkdf2', 'aes-256-cbc'],
    ['scrypt', 'sm4-cbc'],
    ['pbkdf2', 'sm4-cbc'],
  ] as const) {
    it(`encrypted PKCS#8 (${kdf}, ${cipher}) decrypts with openssl`, () => {
      const opts = { passphrase: 'correct horse 电池', kdf, cipher, pbkdf2Iterations: 10_000 };
      const pem = tmp.file(`enc-${kdf}-${cipher}.pem`, sm2PrivateKeyToPem(privateKey, opts));
      const text = opensslSyncOk([
        'pkey',
        '-in',
        pem,
        '-passin',
        'pass:correct horse 电池',
        '-text',
        '-noout',
      ]).toString();
      assert.equal(opensslPrivHex(text), hex(privateKey));
      const wrong = opensslSync(['pkey', '-in', pem, '-passin', 'pass:wrong', '-noout']);
      assert.notEqual(wrong.status, 0);
    });
  }

  it('default encryption (scrypt N=2^14 r=8 p=8, AES-256-CBC) is what openssl can read', () => {
    const pem = tmp.file('enc-default.pem', sm2PrivateKeyToPem(privateKey, { passphrase: 'pw' }));
    const parsed = opensslSyncOk(['asn1parse', '-in', pem]).toString();
    assert.match(parsed, /:scrypt/);
    assert.match(parsed, /:aes-256-cbc/);
    opensslSyncOk(['pkey', '-in', pem, '-passin', 'pass:pw', '-noout']);
  });
});

describe('SM2 keys written by OpenSSL, read by us', () => {
  it('reads genpkey -algorithm SM2 and -algorithm EC ec_paramgen_curve:SM2', () => {
    for (const args of [
      ['-algorithm', 'SM2'],
      ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2'],
    ]) {
      const pem = tmp.file(`gen-${args.length}.pem`);
      opensslSyncOk(['genpkey', ...args, '-out', pem]);
      const key = parseSm2PrivateKey(readFileSync(pem, 'utf8'));
      const text = opensslSyncOk(['pkey', '-in', pem, '-text', '-noout']).toString();
      assert.equal(hex(key.privateKey), opensslPrivHex(text));
      assert.deepEqual(key.publicKey, sm2PublicKeyFromPrivate(key.privateKey));
      // DER too (PKCS#8, and SEC1 as `pkey -outform DER` writes it), and the public key both ways
      const der = opensslSyncOk(['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER']);
      assert.deepEqual(parseSm2PrivateKey(der), key);
      assert.deepEqual(parseSm2PrivateKey(opensslSyncOk(['pkey', '-in', pem, '-outform', 'DER'])), key);
      const pubPem = opensslSyncOk(['pkey', '-in', pem, '-pubout']).toString();
      assert.deepEqual(parseSm2PublicKey(pubPem), key.publicKey);
      const pubDer = opensslSyncOk(['pkey', '-in', pem, '-pubout', '-outform', 'DER']);
      assert.deepEqual(decodeSm2Spki(pubDer), key.publicKey);
      // SEC1 "EC PRIVATE KEY" as `openssl ec` writes it
      const sec1 = opensslSyncOk(['ec', '-in', pem]).toString();
      assert.match(sec1, /BEGIN (EC|SM2) PRIVATE KEY/);
      assert.deepEqual(parseSm2PrivateKey(sec1), key);
    }
  });

  for (const args of [
    ['-v2', 'aes-256-cbc'],
    ['-scrypt'],
    ['-v2', 'sm4-cbc'],
    ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA512'],
    ['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA1'],
  ]) {
    it(`decrypts openssl pkcs8 -topk8 ${args.join(' ')}`, () => {
      const plain = tmp.file(`o-${args.join('_')}.pem`);
      opensslSyncOk(['genpkey', '-algorithm', 'SM2', '-out', plain]);
      const enc = tmp.file(`o-${args.join('_')}-enc.pem`);
      opensslSyncOk(['pkcs8', '-topk8', ...args, '-in', plain, '-passout', 'pass:s3cret', '-out', enc]);
      const key = parseSm2PrivateKey(readFileSync(enc, 'utf8'), 's3cret');
      assert.deepEqual(key, parseSm2PrivateKey(readFileSync(plain, 'utf8')));
      assert.throws(() => parseSm2PrivateKey(readFileSync(enc, 'utf8'), 'wrong'), isCode('WRONG_PASSPHRASE'));
      assert.throws(() => parseSm2PrivateKey(readFileSync(enc, 'utf8')), isCode('PASSPHRASE_REQUIRED'));
    });
  }

  it('reads the public key out of an SM2 certificate', () => {
    const key = tmp.file('ca.pem');
    opensslSyncOk(['genpkey', '-algorithm', 'SM2', '-out', key]);
    const cert = tmp.file('ca.crt');
    opensslSyncOk([
      'req',
      '-new',
      '-x509',
      '-key',
      key,
      '-subj',
      '/CN=test',
      '-sm3',
      '-days',
      '1',
      '-out',
      cert,
      '-sigopt',
      DISTID,
    ]);
    const pub = parseSm2PublicKey(readFileSync(cert, 'utf8'));
    assert.deepEqual(pub, parseSm2PrivateKey(readFileSync(key, 'utf8')).publicKey);
    const certDer = opensslSyncOk(['x509', '-in', cert, '-outform', 'DER']);
    assert.deepEqual(parseSm2PublicKey(certDer), pub);
  });
});

describe('SM2 key decoding errors', () => {
  const { privateKey, publicKey } = generateSm2KeyPair();

  it('round-trips PKCS#8 and SPKI', () => {
    assert.deepEqual(decodeSm2PrivateKeyPkcs8(encodeSm2PrivateKeyPkcs8(privateKey)), {
      privateKey,
      publicKey,
    });
    assert.deepEqual(decodeSm2Spki(encodeSm2Spki(publicKey)), publicKey);
  });

  it('refuses non-SM2 keys with UNSUPPORTED_ALGORITHM', () => {
    const p256 = tmp.file('p256.pem');
    opensslSyncOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p256]);
    assert.throws(() => parseSm2PrivateKey(readFileSync(p256, 'utf8')), isCode('UNSUPPORTED_ALGORITHM'));
    const ed = tmp.file('ed.pem');
    opensslSyncOk(['genpkey', '-algorithm', 'ED25519', '-out', ed]);
    assert.throws(() => parseSm2PrivateKey(readFileSync(ed, 'utf8')), isCode('UNSUPPORTED_ALGORITHM'));
    const edPub = opensslSyncOk(['pkey', '-in', ed, '-pubout']).toString();
    assert.throws(() => parseSm2PublicKey(edPub), isCode('UNSUPPORTED_ALGORITHM'));
  });

  it('refuses a public key that does not match the private key', () => {
    const other = generateSm2KeyPair().publicKey;
    assert.throws(() => encodeSm2PrivateKeyPkcs8(privateKey, other), isCode('KEY_MISMATCH'));
  });

  it('refuses a point that is not on the curve', () => {
    const bad = Buffer.from(encodeSm2Spki(publicKey));
    bad[bad.length - 1]! ^= 1;
    assert.throws(() => decodeSm2Spki(bad), isCode('INVALID_PUBLIC_KEY'));
  });

  it('never lets a raw asn1js error escape on truncated or mutated DER', () => {
    const der = encodeSm2PrivateKeyPkcs8(privateKey);
    const spki = encodeSm2Spki(publicKey);
    for (const input of [der, spki]) {
      for (let i = 0; i < input.length; i++) {
        for (const variant of [input.subarray(0, i), Buffer.from(input).fill(0xff, i, i + 1)]) {
          try {
            if (input === der) decodeSm2PrivateKeyPkcs8(variant);
            else decodeSm2Spki(variant);
          } catch (e) {
            assert.ok(e instanceof CryptoInputError, `${i}: ${String(e)}`);
          }
        }
      }
    }
  });

  it('PEM: labels, garbage and legacy encrypted PEM', () => {
    const pem = toPem('PUBLIC KEY', encodeSm2Spki(publicKey));
    assert.deepEqual(fromPem('junk before\n' + pem).der, encodeSm2Spki(publicKey));
    assert.throws(() => fromPem(pem, ['PRIVATE KEY']), isCode('MALFORMED_PEM'));
    assert.throws(() => fromPem(pem.replace(/A/g, '*')), isCode('MALFORMED_PEM'));
    assert.throws(() => parseSm2PublicKey('not a key'), isCode('MALFORMED_PEM'));
    const legacy = tmp.file('legacy.pem');
    opensslSyncOk(['genpkey', '-algorithm', 'SM2', '-out', tmp.file('l0.pem')]);
    const r = opensslSync(['ec', '-in', tmp.file('l0.pem'), '-aes256', '-passout', 'pass:x', '-out', legacy]);
    if (r.status === 0) {
      assert.throws(() => parseSm2PrivateKey(readFileSync(legacy, 'utf8'), 'x'), isCode('MALFORMED_PEM'));
    }
  });

  it('encrypted PKCS#8: wrong passphrase is a typed error, right one round-trips', () => {
    const pkcs8 = encodeSm2PrivateKeyPkcs8(privateKey);
    for (const kdf of ['scrypt', 'pbkdf2'] as const) {
      const enc = encryptPkcs8(pkcs8, 'pw', { kdf, pbkdf2Iterations: 1000, scrypt: { N: 1024, r: 8, p: 1 } });
      assert.deepEqual(decryptPkcs8(enc, 'pw'), pkcs8);
      for (const wrong of ['pW', '', 'pw ', 'x'.repeat(100)]) {
        assert.throws(() => decryptPkcs8(enc, wrong), isCode('WRONG_PASSPHRASE'));
      }
    }
  });

  it('keys read back sign and verify', () => {
    const key = parseSm2PrivateKey(sm2PrivateKeyToPem(privateKey));
    const pub = parseSm2PublicKey(sm2PublicKeyToPem(publicKey));
    assert.equal(sm2Verify(pub, Buffer.from('x'), sm2Sign(key.privateKey, Buffer.from('x'))), true);
  });
});
