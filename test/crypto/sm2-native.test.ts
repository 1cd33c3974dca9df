import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { SM2_CURVE_PARAMS, Sm2Point } from '../../src/crypto/sm2-curve.js';
import { parseSm2PrivateKey, parseSm2PublicKey } from '../../src/crypto/sm2-keys.js';
import { nativeSm2, nativeSm2Status, type NativeSm2 } from '../../src/crypto/sm2-native.js';
import {
  decodeSm2Signature,
  encodeSm2SignatureDer,
  sm2SignatureToRaw,
} from '../../src/crypto/sm2-signature-encoding.js';
import {
  sm2Digest,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2Verify,
  sm2VerifyDigest,
} from '../../src/crypto/sm2.js';
import { DISTID, opensslSyncOk, scratchDir } from '../helpers/openssl.js';

const n = SM2_CURVE_PARAMS.n;
const p = SM2_CURVE_PARAMS.p;
const NOT_LOADED = `native SM2 verifier not loaded: ${nativeSm2Status.loaded ? '' : nativeSm2Status.reason}`;

/** The addon, or undefined after marking the test skipped. */
function addon(t: TestContext): NativeSm2 | undefined {
  if (!nativeSm2) t.skip(NOT_LOADED);
  return nativeSm2;
}

const scalarBytes = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
const bigintOf = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).toString('hex'));

/**
 * Independent noble reference for e-verification: strict DER only (as OpenSSL), affine x,
 * no tables or projective shortcuts.
 */
function referenceVerify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  let r: bigint, s: bigint, point: Sm2Point;
  try {
    ({ r, s } = decodeSm2Signature(signature));
    if (!encodeSm2SignatureDer(r, s).equals(signature)) return false; // raw r‖s or non-canonical
    point = Sm2Point.fromBytes(publicKey);
  } catch {
    return false;
  }
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const t = (r + s) % n;
  if (t === 0n) return false;
  const sum = Sm2Point.BASE.multiply(s).add(point.multiply(t));
  if (sum.is0()) return false;
  return (bigintOf(digest) + sum.toAffine().x) % n === r;
}

/** A key pair from a scalar fast-check can shrink. */
function keyOf(d: bigint): { privateKey: Buffer; publicKey: Uint8Array } {
  const privateKey = scalarBytes(d);
  return { privateKey, publicKey: sm2PublicKeyFromPrivate(privateKey) };
}

describe('native SM2 verifier (OpenSSL through node)', () => {
  it('is loaded when CI_REQUIRE_NATIVE=1', (t) => {
    if (process.env.CI_REQUIRE_NATIVE === '1') {
      assert.ok(nativeSm2Status.loaded, NOT_LOADED);
    } else if (!nativeSm2Status.loaded) {
      t.skip(`${NOT_LOADED} (CI_REQUIRE_NATIVE=1 makes this a failure)`);
    }
  });

  const privateScalar = fc.bigInt({ min: 1n, max: n - 2n });
  const id = fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }));

  it('agrees with noble on valid, tampered and out-of-range signatures (random keys, messages, IDs)', (t) => {
    const native = addon(t);
    if (!native) return;
    type Change = 'none' | 'digest' | 'r' | 's' | 'r=0' | 's=0' | 'r=n' | 's≥n' | 'r+s=n' | 'other key';
    const changes: Change[] = ['none', 'digest', 'r', 's', 'r=0', 's=0', 'r=n', 's≥n', 'r+s=n', 'other key'];
    fc.assert(
      fc.property(
        privateScalar,
        privateScalar,
        fc.uint8Array({ maxLength: 300 }),
        id,
        fc.constantFrom(...changes),
        fc.integer({ min: 0, max: 255 }),
        (d, d2, msg, signerId, change, bit) => {
          const key = keyOf(d);
          let publicKey = key.publicKey;
          const digest = sm2Digest(publicKey, msg, { id: signerId });
          let { r, s } = decodeSm2Signature(sm2Sign(key.privateKey, msg, { id: signerId }));
          const e = Buffer.from(digest);
          const flip = (v: bigint) => v ^ (1n << BigInt(bit));
          if (change === 'digest') e[bit >> 3]! ^= 1 << (bit & 7);
          else if (change === 'r') r = flip(r);
          else if (change === 's') s = flip(s);
          else if (change === 'r=0') r = 0n;
          else if (change === 's=0') s = 0n;
          else if (change === 'r=n') r = n;
          else if (change === 's≥n') s = n + BigInt(bit);
          else if (change === 'r+s=n') s = n - r;
          else if (change === 'other key' && d2 !== d) publicKey = keyOf(d2).publicKey;
          const der = encodeSm2SignatureDer(r, s);
          const expected = referenceVerify(publicKey, e, der);
          assert.equal(native.verifyDigest(publicKey, e, der), expected);
          // The public API, which runs through the addon in this process, says the same.
          assert.equal(sm2VerifyDigest(publicKey, e, der), expected);
          if (change === 'none' || (change === 'other key' && d2 === d)) assert.equal(expected, true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('returns false for garbage or non-canonical DER', (t) => {
    const native = addon(t);
    if (!native) return;
    const key = keyOf(12345n);
    const msg = Buffer.from('licence');
    const e = sm2Digest(key.publicKey, msg);
    const der = sm2Sign(key.privateKey, msg);
    assert.equal(native.verifyDigest(key.publicKey, e, der), true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (junk) => {
        assert.equal(native.verifyDigest(key.publicKey, e, junk), referenceVerify(key.publicKey, e, junk));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: der.length * 8 - 1 }), (bit) => {
        const bad = Buffer.from(der);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        assert.equal(native.verifyDigest(key.publicKey, e, bad), false);
      }),
      { numRuns: 100 },
    );
    const raw = sm2SignatureToRaw(der);
    assert.equal(native.verifyDigest(key.publicKey, e, raw), false, 'raw r‖s is not DER');
    assert.equal(native.verifyDigest(key.publicKey, e, Buffer.concat([der, Buffer.of(0)])), false);
    assert.equal(native.verifyDigest(key.publicKey, e, new Uint8Array(0)), false);
    const longForm = Buffer.concat([Buffer.of(0x30, 0x81, der[1]!), der.subarray(2)]);
    assert.equal(native.verifyDigest(key.publicKey, e, longForm), false, 'BER long-form length');
    // The public API still takes raw r‖s (it re-encodes before calling OpenSSL).
    assert.equal(sm2VerifyDigest(key.publicKey, e, raw), true);
  });

  it('returns false for points off the curve, at infinity or in another encoding', (t) => {
    const native = addon(t);
    if (!native) return;
    const key = keyOf(987654321n);
    const msg = Buffer.from('seal');
    const e = sm2Digest(key.publicKey, msg);
    const der = sm2Sign(key.privateKey, msg);
    const x = key.publicKey.subarray(1, 33);
    const y = key.publicKey.subarray(33);
    const offCurve = [
      Buffer.concat([Buffer.of(4), x, scalarBytes(Sm2Point.Fp.add(bigintOf(y), 1n))]),
      Buffer.concat([Buffer.of(4), Buffer.alloc(32, 0xff), y]), // x ≥ p
      Buffer.concat([Buffer.of(4), scalarBytes(p), scalarBytes(0n)]),
      Buffer.concat([Buffer.of(4), Buffer.alloc(64)]),
      Buffer.concat([Buffer.of(4), Buffer.alloc(64, 0xff)]),
      Buffer.alloc(65), // prefix 00
    ];
    for (const pub of offCurve) {
      assert.equal(native.verifyDigest(pub, e, der), false, Buffer.from(pub).toString('hex'));
    }
    const hybrid = Buffer.from(key.publicKey);
    hybrid[0] = 6 | Number(bigintOf(y) & 1n); // SEC1 hybrid form of the same point
    assert.equal(native.verifyDigest(hybrid, e, der), false);
    const compressedPrefix = Buffer.from(key.publicKey);
    compressedPrefix[0] = 2;
    assert.equal(native.verifyDigest(compressedPrefix, e, der), false);
    assert.equal(native.verifyDigest(key.publicKey, e, der), true);
  });

  it('throws TypeError for wrong argument types and lengths, nothing else', (t) => {
    const native = addon(t);
    if (!native) return;
    const key = keyOf(42n);
    const e = new Uint8Array(32);
    const der = sm2Sign(key.privateKey, Buffer.from('x'));
    const call =
      (...args: unknown[]) =>
      () =>
        (native.verifyDigest as (...a: unknown[]) => boolean)(...args);
    assert.throws(call(key.publicKey, e), TypeError);
    assert.throws(call('04', e, der), TypeError);
    assert.throws(call(key.publicKey, Array.from(e), der), TypeError);
    assert.throws(call(key.publicKey, e, der.buffer), TypeError);
    assert.throws(call(key.publicKey, new Uint16Array(16), der), TypeError);
    assert.throws(call(key.publicKey.subarray(0, 64), e, der), TypeError);
    assert.throws(call(Buffer.alloc(33, 2), e, der), TypeError);
    assert.throws(call(key.publicKey, new Uint8Array(31), der), TypeError);
    assert.throws(call(key.publicKey, new Uint8Array(33), der), TypeError);
    assert.equal(native.verifyDigest(key.publicKey, e, Buffer.alloc(4096)), false);
    // Subarrays are read at their offset.
    const padded = Buffer.concat([Buffer.alloc(7), key.publicKey, Buffer.alloc(3)]);
    const eMsg = sm2Digest(key.publicKey, Buffer.from('x'));
    assert.equal(native.verifyDigest(padded.subarray(7, 72), eMsg, der), true);
  });

  describe('signatures made by the OpenSSL CLI', () => {
    const tmp = scratchDir('sealtrust-native-');
    after(() => tmp.cleanup());

    it('verify through the native path', (t) => {
      const native = addon(t);
      if (!native) return;
      const keyPem = tmp.file('ossl.pem');
      opensslSyncOk(['genpkey', '-algorithm', 'SM2', '-out', keyPem]);
      const key = parseSm2PrivateKey(readFileSync(keyPem, 'utf8'));
      const pub = parseSm2PublicKey(opensslSyncOk(['pkey', '-in', keyPem, '-pubout']).toString());
      assert.deepEqual(Buffer.from(pub), Buffer.from(key.publicKey));
      for (let i = 0; i < 4; i++) {
        const msg = Buffer.from(`第${i}枚电子印章 / seal ${i}`.repeat(i + 1));
        const m = tmp.file(`m${i}`, msg);
        const s = tmp.file(`s${i}.der`);
        opensslSyncOk(
          ['pkeyutl', '-sign', '-rawin', '-digest', 'sm3', '-pkeyopt', DISTID].concat([
            '-inkey',
            keyPem,
            '-in',
            m,
            '-out',
            s,
          ]),
        );
        const sig = readFileSync(s);
        const e = sm2Digest(pub, msg);
        assert.equal(native.verifyDigest(pub, e, sig), true);
        assert.equal(sm2Verify(pub, msg, sig), true);
        const other = Buffer.from(e);
        other[0]! ^= 0x80;
        assert.equal(native.verifyDigest(pub, other, sig), false);
        assert.equal(sm2Verify(pub, msg, sig, { id: 'ALICE123@YAHOO.COM' }), false);
      }
    });
  });
});
