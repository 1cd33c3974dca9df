import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import {
  KeyEncryptionKey,
  KeyWrapError,
  kekIdOf,
  unwrapKey,
  wrapKey,
  wrappedKekId,
} from '../../src/crypto/key-wrap.js';
import { sm3 } from '../../src/crypto/sm3.js';

const kekArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bytesArb = fc.uint8Array({ minLength: 0, maxLength: 200 });
const aadArb = fc.uint8Array({ minLength: 0, maxLength: 64 });

function failsWith(code: KeyWrapError['code'], f: () => unknown): void {
  assert.throws(f, (err: unknown) => err instanceof KeyWrapError && err.code === code);
}

describe('key wrapping (AES-256-GCM under the KEK)', () => {
  test('round trip for any key, plaintext and AAD; the blob names its KEK', () => {
    fc.assert(
      fc.property(kekArb, bytesArb, aadArb, (kek, plain, aad) => {
        const id = kekIdOf(kek);
        const blob = wrapKey(kek, id, plain, aad);
        assert.equal(wrappedKekId(blob), id);
        assert.deepEqual(unwrapKey(kek, id, blob, aad), Buffer.from(plain));
        // Nonce per wrap: the same input never gives the same blob.
        assert.notDeepEqual(wrapKey(kek, id, plain, aad), blob);
      }),
    );
  });

  test('any single bit flip anywhere in the blob fails', () => {
    fc.assert(
      fc.property(
        kekArb,
        bytesArb,
        aadArb,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (kek, plain, aad, at, bit) => {
          const id = kekIdOf(kek);
          const blob = wrapKey(kek, id, plain, aad);
          const bad = Buffer.from(blob);
          bad[at % bad.length]! ^= 1 << bit;
          assert.throws(() => unwrapKey(kek, id, bad, aad), KeyWrapError);
        },
      ),
    );
  });

  test('another AAD (another record), another KEK, or truncation fails', () => {
    fc.assert(
      fc.property(kekArb, kekArb, bytesArb, aadArb, aadArb, (kek, otherKek, plain, aad, otherAad) => {
        fc.pre(!Buffer.from(aad).equals(Buffer.from(otherAad)));
        fc.pre(!Buffer.from(kek).equals(Buffer.from(otherKek)));
        const id = kekIdOf(kek);
        const blob = wrapKey(kek, id, plain, aad);
        failsWith('UNWRAP_FAILED', () => unwrapKey(kek, id, blob, otherAad));
        // Named as ours but made under another key: the tag does not verify.
        failsWith('UNWRAP_FAILED', () => unwrapKey(otherKek, id, blob, aad));
        // Named as another KEK's: refused before any decryption.
        failsWith('WRONG_KEK', () => unwrapKey(otherKek, kekIdOf(otherKek), blob, aad));
        for (const cut of [0, 1, 2, blob.length - plain.length - 1]) {
          assert.throws(() => unwrapKey(kek, id, blob.subarray(0, cut), aad), KeyWrapError);
        }
      }),
    );
  });

  test('layout: version 1, the KEK id, 12-byte nonce, 16-byte tag, ciphertext as long as the plaintext', () => {
    const kek = Buffer.alloc(32, 9);
    const id = kekIdOf(kek);
    assert.equal(id, sm3(kek).subarray(0, 8).toString('hex'));
    const blob = wrapKey(kek, id, Buffer.alloc(32, 1), Buffer.from('row'));
    assert.equal(blob[0], 1);
    assert.equal(blob[1], 16);
    assert.equal(blob.subarray(2, 18).toString('ascii'), id);
    assert.equal(blob.length, 2 + 16 + 12 + 16 + 32);
    failsWith('MALFORMED', () =>
      unwrapKey(kek, id, Buffer.concat([Buffer.from([2]), blob.subarray(1)]), Buffer.from('row')),
    );
    failsWith('MALFORMED', () => wrappedKekId(Buffer.alloc(0)));
  });

  test('bad arguments are refused, not silently used', () => {
    assert.throws(() => wrapKey(Buffer.alloc(16), 'x', Buffer.alloc(1), Buffer.alloc(0)), RangeError);
    assert.throws(() => wrapKey(Buffer.alloc(32), '', Buffer.alloc(1), Buffer.alloc(0)), RangeError);
    assert.throws(() => wrapKey(Buffer.alloc(32), 'ключ', Buffer.alloc(1), Buffer.alloc(0)), RangeError);
    assert.throws(() => new KeyEncryptionKey(Buffer.alloc(31)), RangeError);
  });

  test('KeyEncryptionKey never shows its bytes and derives independent subkeys', () => {
    const raw = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
    const kek = new KeyEncryptionKey(raw);
    for (const shown of [
      JSON.stringify(kek),
      inspect(kek, { showHidden: true, depth: 5 }),
      String(Object.values(kek)),
    ]) {
      assert.ok(!shown.includes(raw.toString('hex')), shown);
      assert.ok(!shown.includes(raw.toString('base64')), shown);
      assert.ok(!shown.includes('00, 17, 34'), shown);
    }
    assert.equal(JSON.stringify(kek), `{"kekId":"${kek.id}"}`);
    const a = kek.deriveKey('a');
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, kek.deriveKey('b'));
    assert.notDeepEqual(a, raw);
    assert.deepEqual(a, new KeyEncryptionKey(raw).deriveKey('a'));
    const blob = kek.wrap(Buffer.from('d'), Buffer.from('aad'));
    assert.deepEqual(unwrapKey(raw, kek.id, blob, Buffer.from('aad')), Buffer.from('d'));
    assert.ok(kek.equals(new KeyEncryptionKey(raw)));
    assert.ok(!kek.equals(new KeyEncryptionKey(Buffer.alloc(32))));
  });
});
