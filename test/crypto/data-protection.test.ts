import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import smCrypto from 'sm-crypto';
import { DataProtector, normaliseForIndex } from '../../src/crypto/data-protection.js';
import { KeyEncryptionKey, KeyWrapError } from '../../src/crypto/key-wrap.js';

const kekA = new KeyEncryptionKey(Buffer.alloc(32, 0xa1));
const kekB = new KeyEncryptionKey(Buffer.alloc(32, 0xb2));
const protector = new DataProtector(kekA);
const contextArb = fc.string({ minLength: 1, maxLength: 40 });

describe('DataProtector: personal data at rest', () => {
  test('encrypt/decrypt round trip for any text or bytes with its context', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), contextArb, (text, context) => {
        const sealed = protector.encrypt(text, context);
        assert.equal(protector.decryptText(sealed, context), text);
        assert.equal(protector.kekIdOf(sealed), kekA.id);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), contextArb, (bytes, context) => {
        assert.deepEqual(protector.decrypt(protector.encrypt(bytes, context), context), Buffer.from(bytes));
      }),
    );
  });

  test('the ciphertext does not contain the plaintext and differs on every call', () => {
    const code = '110101199003074514';
    const a = protector.encrypt(code, 'licence:x:holder-code');
    const b = protector.encrypt(code, 'licence:x:holder-code');
    assert.notDeepEqual(a, b);
    assert.equal(a.indexOf(Buffer.from(code)), -1);
    assert.ok(!a.toString('latin1').includes('1101011990'));
  });

  test('another context (another row or field), another KEK, or any bit flip does not open', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 32 }),
        contextArb,
        contextArb,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (text, context, other, at, bit) => {
          fc.pre(context !== other);
          const sealed = protector.encrypt(text, context);
          assert.throws(() => protector.decrypt(sealed, other), KeyWrapError);
          assert.throws(() => new DataProtector(kekB).decrypt(sealed, context), { code: 'WRONG_KEK' });
          const bad = Buffer.from(sealed);
          bad[at % bad.length]! ^= 1 << bit;
          assert.throws(() => protector.decrypt(bad, context), KeyWrapError);
        },
      ),
    );
  });

  test('the index is a 32-byte keyed hash, equal exactly when the normalised values are', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), fc.string({ maxLength: 24 }), (a, b) => {
        const same = normaliseForIndex(a) === normaliseForIndex(b);
        assert.equal(protector.index(a).equals(protector.index(b)), same);
        assert.equal(protector.index(a).length, 32);
      }),
    );
    const id = '11010119900307451x';
    const forms = [
      id,
      ' 11010119900307451X ',
      '11010119900307451X\n',
      '１１０１０１１９９００３０７４５１Ｘ',
    ];
    for (const form of forms) assert.deepEqual(protector.index(form), protector.index(id));
    assert.notDeepEqual(protector.index(id), protector.index('110101199003074514'));
    // Keyed: another KEK gives another index, so the column cannot be matched against hashed guesses.
    assert.notDeepEqual(new DataProtector(kekB).index(id), protector.index(id));
    assert.deepEqual(new DataProtector(kekA).index(id), protector.index(id));
  });

  test('the index is HMAC-SM3 under the KEK-derived index key, as sm-crypto computes it (federation.md §4.2)', () => {
    const key = kekA.deriveKey('sealtrust/data-protection/index-hmac-sm3/v1');
    for (const code of ['11010119900307451X', '91330106MA2CFLH75T', '持证主体']) {
      const independent = smCrypto.sm3(normaliseForIndex(code), { key: key.toString('hex'), mode: 'hmac' });
      assert.equal(protector.index(code).toString('hex'), independent);
    }
  });

  test('the protector shows no key material and refuses an empty context', () => {
    assert.equal(JSON.stringify(protector), `{"kekId":"${kekA.id}"}`);
    const shown = inspect(protector, { showHidden: true, depth: 5 });
    assert.ok(!shown.includes('a1a1'), shown);
    assert.throws(() => protector.encrypt('x', ''), RangeError);
  });
});
