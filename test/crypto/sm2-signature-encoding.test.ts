import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CryptoInputError } from '../../src/crypto/crypto-input-error.js';
import {
  decodeSm2Signature,
  encodeSm2SignatureDer,
  sm2SignatureToDer,
  sm2SignatureToRaw,
} from '../../src/crypto/sm2-signature-encoding.js';

const scalar = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
// Small values too, so short and zero-padded integers are exercised.
const anyScalar = fc.oneof(scalar, fc.bigInt({ min: 0n, max: 1n << 20n }));

describe('SM2 signature encodings', () => {
  it('DER ⇄ values ⇄ raw round-trip', () => {
    fc.assert(
      fc.property(anyScalar, anyScalar, (r, s) => {
        const der = encodeSm2SignatureDer(r, s);
        assert.deepEqual(decodeSm2Signature(der), { r, s });
        const raw = sm2SignatureToRaw(der);
        assert.equal(raw.length, 64);
        assert.deepEqual(sm2SignatureToDer(raw), der);
        assert.deepEqual(sm2SignatureToRaw(raw), raw);
      }),
      { numRuns: 500 },
    );
  });

  it('the decoder throws nothing but CryptoInputError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeSm2Signature(bytes);
        } catch (e) {
          assert.ok(e instanceof CryptoInputError, String(e));
          assert.equal(e.code, 'INVALID_SIGNATURE_ENCODING');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the decoder throws nothing but CryptoInputError on mutated DER', () => {
    fc.assert(
      fc.property(scalar, scalar, fc.nat(71), fc.nat(255), (r, s, at, value) => {
        const der = Buffer.from(encodeSm2SignatureDer(r, s));
        der[at % der.length] = value;
        try {
          decodeSm2Signature(der);
        } catch (e) {
          assert.ok(e instanceof CryptoInputError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects non-minimal DER integers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 255n) - 1n }), scalar, (r, s) => {
        const der = encodeSm2SignatureDer(r, s);
        const rLen = der[3]!;
        const rBody = der.subarray(4, 4 + rLen);
        // An extra leading 0x00 before a byte < 0x80 is non-minimal.
        if (rBody[0]! >= 0x80) return;
        const padded = Buffer.concat([Buffer.of(0x02, rLen + 1, 0x00), rBody, der.subarray(4 + rLen)]);
        const bad = Buffer.concat([Buffer.of(0x30, padded.length), padded]);
        assert.throws(() => decodeSm2Signature(bad), CryptoInputError);
      }),
      { numRuns: 300 },
    );
    assert.throws(() => decodeSm2Signature(Buffer.from('300702020001020101', 'hex')), CryptoInputError);
    assert.throws(() => decodeSm2Signature(Buffer.from('30070202ff80020101', 'hex')), CryptoInputError);
  });

  it('rejects BER forms: long-form lengths, trailing data, empty integers', () => {
    for (const h of [
      '3081060201010201010',
      '308106020101020101',
      '3006020101020101' + '00',
      '30050200020101',
      '3007020101020101',
      '',
      '30',
      '02010102010',
    ]) {
      assert.throws(() => decodeSm2Signature(Buffer.from(h, 'hex')), CryptoInputError, h);
    }
  });

  it('reads 64 bytes as raw r‖s', () => {
    const raw = Buffer.alloc(64);
    raw[31] = 7;
    raw[63] = 9;
    assert.deepEqual(decodeSm2Signature(raw), { r: 7n, s: 9n });
  });
});
