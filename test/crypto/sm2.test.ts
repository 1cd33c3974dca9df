import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import smCrypto from 'sm-crypto';
import { CryptoInputError } from '../../src/crypto/crypto-input-error.js';
import { SM2_CURVE_PARAMS, Sm2Point } from '../../src/crypto/sm2-curve.js';
import {
  decodeSm2Signature,
  encodeSm2SignatureDer,
  sm2SignatureToRaw,
} from '../../src/crypto/sm2-signature-encoding.js';
import {
  SM2_DEFAULT_ID,
  generateSm2KeyPair,
  sm2Digest,
  sm2PrecomputePublicKey,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2SignDigest,
  sm2Verify,
  sm2VerifyDigest,
  sm2Z,
} from '../../src/crypto/sm2.js';
import { sm3 } from '../../src/crypto/sm3.js';

const { sm2: smc } = smCrypto;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const n = SM2_CURVE_PARAMS.n;

// GM/T 0003.5-2012 / GB/T 32918.5-2017 Annex A: signature example on the recommended curve
// with ID 1234567812345678 and message "message digest" (nonce k = 59276E27…EAC1BC21).
// Note: the ALICE123@YAHOO.COM examples of GB/T 32918.2 use the Fp-256 *test* curve, not sm2p256v1.
const STD = {
  d: '3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8',
  pub:
    '04' +
    '09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020' +
    'CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13',
  z: 'B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3',
  e: 'F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640',
  k: '59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21',
  r: 'F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3',
  s: 'B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA',
};

describe('SM2 standard example (GB/T 32918.5 Annex A)', () => {
  const d = Buffer.from(STD.d, 'hex');
  const pub = Buffer.from(STD.pub, 'hex');
  const msg = Buffer.from('message digest');
  const raw = Buffer.from(STD.r + STD.s, 'hex');

  it('derives the public key, Z and e', () => {
    assert.equal(hex(sm2PublicKeyFromPrivate(d)), STD.pub.toLowerCase());
    assert.equal(hex(sm2Z(pub)), STD.z.toLowerCase());
    assert.equal(hex(sm2Digest(pub, msg)), STD.e.toLowerCase());
  });

  it('the nonce of the example gives its r (r = e + x(kG) mod n)', () => {
    const x1 = Sm2Point.BASE.multiply(BigInt('0x' + STD.k)).x;
    assert.equal((BigInt('0x' + STD.e) + x1) % n, BigInt('0x' + STD.r));
  });

  it('verifies the example signature, raw and DER', () => {
    assert.equal(sm2Verify(pub, msg, raw), true);
    assert.equal(
      sm2Verify(pub, msg, encodeSm2SignatureDer(BigInt('0x' + STD.r), BigInt('0x' + STD.s))),
      true,
    );
    assert.equal(sm2VerifyDigest(pub, Buffer.from(STD.e, 'hex'), raw), true);
    assert.equal(sm2Verify(pub, msg, raw, { id: 'ALICE123@YAHOO.COM' }), false);
  });
});

describe('SM2 sign/verify', () => {
  const { privateKey, publicKey } = generateSm2KeyPair();
  const msg = Buffer.from('电子印章 / electronic seal');
  const sig = sm2Sign(privateKey, msg);

  it('generates keys in range whose public key matches', () => {
    const d = BigInt('0x' + hex(privateKey));
    assert.ok(d >= 1n && d <= n - 2n);
    assert.equal(publicKey.length, 65);
    assert.deepEqual(sm2PublicKeyFromPrivate(privateKey), publicKey);
  });

  it('emits strict DER that verifies', () => {
    assert.equal(sig[0], 0x30);
    assert.ok(sig.length >= 8 && sig.length <= 72);
    assert.equal(sm2Verify(publicKey, msg, sig), true);
    assert.equal(sm2Verify(publicKey, msg, sm2SignatureToRaw(sig)), true);
  });

  it('never repeats r for the same key and message', () => {
    const rs = new Set(Array.from({ length: 50 }, () => decodeSm2Signature(sm2Sign(privateKey, msg)).r));
    assert.equal(rs.size, 50);
  });

  it('rejects a wrong ID, a flipped message bit and a flipped signature bit', () => {
    assert.equal(sm2Verify(publicKey, msg, sig, { id: 'someone-else' }), false);
    const m2 = Buffer.from(msg);
    m2[3]! ^= 0x01;
    assert.equal(sm2Verify(publicKey, m2, sig), false);
    const raw = sm2SignatureToRaw(sig);
    for (const bit of [0, 100, 255, 256, 400, 511]) {
      const flipped = Buffer.from(raw);
      flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
      assert.equal(sm2Verify(publicKey, msg, flipped), false, `bit ${bit}`);
    }
  });

  it('rejects r or s of 0, n or above n (returns false)', () => {
    const { r, s } = decodeSm2Signature(sig);
    for (const [rr, ss] of [
      [0n, s],
      [r, 0n],
      [n, s],
      [r, n],
      [n + 1n, s],
      [r, n + 1n],
      [(1n << 256n) - 1n, s],
    ] as const) {
      assert.equal(sm2Verify(publicKey, msg, encodeSm2SignatureDer(rr, ss)), false);
    }
    assert.equal(sm2Verify(publicKey, msg, Buffer.alloc(64)), false);
  });

  it('rejects negative DER integers (returns false)', () => {
    assert.equal(sm2Verify(publicKey, msg, Buffer.from('3006020181020101', 'hex')), false);
    assert.equal(sm2Verify(publicKey, msg, Buffer.from('30060201010201ff', 'hex')), false);
  });

  it('throws CryptoInputError for a public point not on the curve, or a bad encoding', () => {
    const offCurve = Buffer.from(publicKey);
    offCurve[64]! ^= 0x01;
    assert.throws(
      () => sm2Verify(offCurve, msg, sig),
      (e) => e instanceof CryptoInputError && e.code === 'INVALID_PUBLIC_KEY',
    );
    assert.throws(() => sm2Verify(publicKey.subarray(0, 64), msg, sig), CryptoInputError);
    assert.throws(() => sm2Verify(publicKey, msg, Buffer.from('not a signature')), CryptoInputError);
  });

  it('refuses private keys outside [1, n−2]', () => {
    for (const d of [0n, n - 1n, n, (1n << 256n) - 1n]) {
      const bytes = Buffer.from(d.toString(16).padStart(64, '0'), 'hex');
      assert.throws(
        () => sm2Sign(bytes, msg),
        (e) => e instanceof CryptoInputError && e.code === 'INVALID_PRIVATE_KEY',
      );
    }
    assert.throws(() => sm2Sign(Buffer.alloc(31, 1), msg), CryptoInputError);
  });

  it('signs and verifies digests (hash-it-yourself path)', () => {
    const e = sm3(sm2Z(publicKey, 'custom-id'), msg);
    const s2 = sm2SignDigest(privateKey, e);
    assert.equal(sm2Verify(publicKey, msg, s2, { id: 'custom-id' }), true);
    assert.equal(sm2VerifyDigest(publicKey, e, s2), true);
    assert.throws(() => sm2SignDigest(privateKey, e.subarray(1)), CryptoInputError);
  });

  it('verifies the same way before and after the key table is built', () => {
    const kp = generateSm2KeyPair();
    const sigs = Array.from({ length: 4 }, (_, i) => sm2Sign(kp.privateKey, Buffer.from([i])));
    const before = sigs.map((s, i) => sm2Verify(kp.publicKey, Buffer.from([i]), s));
    sm2PrecomputePublicKey(kp.publicKey);
    const after = sigs.map((s, i) => sm2Verify(kp.publicKey, Buffer.from([i]), s));
    assert.deepEqual(before, [true, true, true, true]);
    assert.deepEqual(after, before);
    assert.equal(sm2Verify(kp.publicKey, Buffer.from([9]), sigs[0]!), false);
  });

  it('accepts a compressed public key for verification', () => {
    const compressed = Sm2Point.fromBytes(publicKey).toBytes(true);
    assert.equal(sm2Verify(compressed, msg, sig), true);
    assert.deepEqual(sm2Z(compressed), sm2Z(publicKey));
  });
});

describe('SM2 cross-check with sm-crypto', () => {
  it('sm-crypto verifies ours and we verify sm-crypto’s (random messages and IDs)', () => {
    const { privateKey, publicKey } = generateSm2KeyPair();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 40 }), (msg, id) => {
        const userId = id.length === 0 ? SM2_DEFAULT_ID : id;
        const ours = sm2Sign(privateKey, msg, { id: userId });
        assert.equal(
          smc.doVerifySignature(msg, hex(ours), hex(publicKey), { hash: true, der: true, userId }),
          true,
        );
        const theirs = smc.doSignature(msg, hex(privateKey), { hash: true, der: true, userId });
        assert.equal(sm2Verify(publicKey, msg, Buffer.from(theirs, 'hex'), { id: userId }), true);
        assert.equal(sm2Verify(publicKey, msg, Buffer.from(theirs, 'hex'), { id: userId + 'x' }), false);
      }),
      { numRuns: 15 },
    );
  });

  it('agrees with sm-crypto on the public key and raw signatures', () => {
    const kp = smc.generateKeyPairHex();
    const d = Buffer.from(kp.privateKey.padStart(64, '0'), 'hex');
    assert.equal(hex(sm2PublicKeyFromPrivate(d)), kp.publicKey);
    const rawSig = smc.doSignature('hello', kp.privateKey, { hash: true });
    assert.equal(
      sm2Verify(Buffer.from(kp.publicKey, 'hex'), Buffer.from('hello'), Buffer.from(rawSig, 'hex')),
      true,
    );
  });
});

describe('SM2 properties', () => {
  it('sign/verify round-trips for random messages and IDs', () => {
    const keys = Array.from({ length: 3 }, generateSm2KeyPair);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: keys.length - 1 }),
        fc.uint8Array({ maxLength: 512 }),
        fc.oneof(fc.string({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 })),
        (k, msg, id) => {
          const { privateKey, publicKey } = keys[k]!;
          const sig = sm2Sign(privateKey, msg, { id });
          assert.equal(sm2Verify(publicKey, msg, sig, { id }), true);
          assert.equal(sm2Verify(publicKey, Buffer.concat([msg, Buffer.of(0)]), sig, { id }), false);
        },
      ),
      { numRuns: 60 },
    );
  });
});
