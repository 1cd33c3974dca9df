import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import smCrypto from 'sm-crypto';
import { createHash } from 'node:crypto';
import { generateSm2KeyPair, sm2Sign } from '../../src/crypto/sm2.js';
import { sm2PublicKeyToPem } from '../../src/crypto/sm2-keys.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { buildCertificate, randomSerial } from '../../src/pki/certificate-builder.js';
import { encodeName } from '../../src/pki/distinguished-name.js';
import {
  checkDataHash,
  checkMakerSignature,
  checkSignerInSeal,
  checkSignerSignature,
} from '../../src/seal/ses-crypto-checks.js';
import { decodeSesSeal, decodeSesSignature, sesDerLength, sniffSes } from '../../src/seal/ses-decoder.js';
import {
  assembleSeal,
  assembleSignature,
  encodeSealInfo,
  encodeTbsSign,
  makeSeal,
  signSesV4,
  type SesSealInfoInput,
} from '../../src/seal/ses-encoder.js';
import {
  derGeneralizedTime,
  derIa5String,
  derInteger,
  derUtf8String,
  TAG,
  tlv,
} from '../../src/seal/ses-der.js';
import { SesParseError } from '../../src/seal/ses-parse-error.js';
import { parseGeneralizedTime, parseTimeText, parseUtcTime } from '../../src/seal/ses-time.js';
import type { SesExtData, SesSeal, SesSignature } from '../../src/seal/ses-types.js';
import { openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';

const { sm2: smc } = smCrypto;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function party(cn: string) {
  const keys = generateSm2KeyPair();
  const name = encodeName({ C: 'CN', O: 'SealTrust 测试', CN: cn });
  const cert = buildCertificate(
    {
      serial: randomSerial(),
      subject: name,
      issuer: name,
      publicKey: keys.publicKey,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2034-01-01T00:00:00Z'),
      extensions: [],
    },
    keys.privateKey,
  );
  return { ...keys, cert };
}

const maker = party('制章者');
const signer = party('签章者');
const other = party('无关签章者');

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

function sealInput(over: Partial<SesSealInfoInput> = {}): SesSealInfoInput {
  return {
    version: 4,
    vid: 'SealTrust',
    esID: '11010800000001',
    type: 1,
    name: '北京市某某局行政审批专用章',
    certs: [signer.cert],
    createDate: new Date('2025-03-01T08:00:00Z'),
    validStart: new Date('2025-03-01T08:00:00Z'),
    validEnd: new Date('2030-03-01T08:00:00Z'),
    picture: { type: 'PNG', data: PNG, width: 40, height: 40 },
    ...over,
  };
}

/** Is `part` a view into the same memory as `whole` (not a copy)? */
function isViewOf(part: Buffer, whole: Uint8Array): boolean {
  return (
    part.buffer === whole.buffer &&
    part.byteOffset >= whole.byteOffset &&
    part.byteOffset + part.length <= whole.byteOffset + whole.byteLength
  );
}

/** Re-encodes a decoded v4/v5 seal from its fields. */
function reencodeSeal(s: SesSeal): Buffer {
  assert.notEqual(s.version, 1);
  const sealInfo = encodeSealInfo({
    version: s.version as 4 | 5,
    vid: s.header.vid,
    esID: s.esID,
    type: s.property.type,
    name: s.property.name,
    certs: s.property.certs,
    createDate: s.property.createDate!,
    validStart: s.property.validStart!,
    validEnd: s.property.validEnd!,
    picture: s.picture,
    extDatas: s.extDatas,
  });
  assert.deepEqual(sealInfo, s.sealInfoDer);
  return assembleSeal({
    sealInfo,
    makerCert: s.makerCert,
    signedValue: s.signedValue,
    timeStamp: s.timeStamp,
  });
}

function reencodeSignature(s: SesSignature, tbsVersion: 4 | 5 = 4): Buffer {
  const tbsSign = encodeTbsSign({
    sealDer: reencodeSeal(s.seal),
    timeInfo: s.timeInfo!,
    dataHash: s.dataHash,
    propertyInfo: s.propertyInfo,
    extDatas: s.extDatas,
    version: tbsVersion,
  });
  assert.deepEqual(tbsSign, s.tbsSignDer);
  return assembleSignature({
    tbsSign,
    signerCert: s.signerCert,
    signature: s.signature,
    timeStamp: s.timeStamp,
  });
}

describe('SES encoder: our seals and signatures', () => {
  const seal = makeSeal(sealInput(), { cert: maker.cert, privateKey: maker.privateKey });
  const xml = Buffer.from('<ofd:Signature>受保护的签名描述</ofd:Signature>');
  const signed = signSesV4(
    {
      seal,
      timeInfo: new Date('2025-06-01T10:20:30.999Z'),
      dataHash: sm3(xml),
      propertyInfo: '/Doc_0/Signs/Sign_0/Signature.xml',
    },
    { cert: signer.cert, privateKey: signer.privateKey },
  );

  it('decodes back to the input, with all four checks passing', () => {
    assert.equal(sniffSes(seal), 'seal');
    assert.equal(sniffSes(signed.der), 'signature');
    const s = decodeSesSeal(seal);
    assert.equal(s.version, 4);
    assert.deepEqual(s.header, { id: 'ES', version: 4, vid: 'SealTrust' });
    assert.equal(s.property.name, '北京市某某局行政审批专用章');
    assert.equal(s.property.certListType, 1);
    assert.deepEqual(s.property.certs, [signer.cert]);
    assert.deepEqual(s.property.rawCertList, [signer.cert]);
    assert.deepEqual(s.picture, { type: 'PNG', data: PNG, width: 40, height: 40 });
    assert.deepEqual(s.notes, []);
    assert.equal(s.signAlgID, '1.2.156.10197.1.501');

    const sig = decodeSesSignature(signed.der);
    assert.equal(sig.version, 4);
    assert.deepEqual(sig.sealDer, seal);
    assert.deepEqual(sig.tbsSignDer, signed.tbsSign);
    assert.deepEqual(sig.signature, signed.signature);
    // Milliseconds are dropped: seconds precision.
    assert.deepEqual(sig.timeInfo, new Date('2025-06-01T10:20:30Z'));
    assert.equal(sig.timeInfoRaw.toString(), '20250601102030Z');
    assert.deepEqual(sig.notes, []);
    assert.equal(sig.timeStamp, undefined);

    for (const r of [
      checkSignerSignature(sig),
      checkSignerInSeal(sig),
      checkMakerSignature(sig.seal),
      checkDataHash(sig, xml),
      checkDataHash(sig, { expectedHash: sm3(xml) }),
    ]) {
      assert.equal(r.status, 'passed', r.messageEn);
    }
    assert.equal(checkDataHash(sig).code, 'DATA_NOT_PROVIDED');
    assert.equal(checkDataHash(sig, Buffer.from('other')).code, 'DATA_HASH_MISMATCH');
  });

  it('writes strict DER byte for byte where it matters', () => {
    const sig = decodeSesSignature(signed.der);
    // signedValue / signature BIT STRINGs with 0 unused bits, critical written when FALSE.
    assert.equal(seal[seal.length - sig.seal.signedValue.length - 1], 0x00);
    const info = encodeSealInfo(
      sealInput({ extDatas: [{ extnID: '1.2.3.4', critical: false, extnValue: Buffer.from('v') }] }),
    );
    assert.ok(info.includes(Buffer.from('300b06032a0304010100040176', 'hex')));
    assert.ok(sig.tbsSignDer.includes(Buffer.from('180f32303235303630313130323033305a', 'hex')));
  });

  it('detects tampering: altered TBS, seal, signer not in the seal', () => {
    const sig = decodeSesSignature(signed.der);
    const tampered = Buffer.from(signed.der);
    const at = tampered.indexOf(Buffer.from('/Doc_0'));
    tampered[at + 1] = 'E'.charCodeAt(0);
    assert.equal(checkSignerSignature(decodeSesSignature(tampered)).code, 'SIGNATURE_INVALID');

    const badSeal = Buffer.from(seal);
    const at2 = badSeal.indexOf(PNG) + 3;
    badSeal[at2] = badSeal[at2]! ^ 1;
    assert.equal(checkMakerSignature(decodeSesSeal(badSeal)).code, 'MAKER_SIGNATURE_INVALID');

    const byOther = signSesV4(
      { seal, timeInfo: new Date(), dataHash: sm3(xml), propertyInfo: '/x' },
      { cert: other.cert, privateKey: other.privateKey },
    );
    const o = decodeSesSignature(byOther.der);
    assert.equal(checkSignerSignature(o).status, 'passed');
    assert.deepEqual(
      { status: checkSignerInSeal(o).status, code: checkSignerInSeal(o).code },
      { status: 'failed', code: 'CERT_NOT_IN_SEAL' },
    );
    // Signer cert swapped for one whose key did not sign.
    const swapped = decodeSesSignature(
      assembleSignature({ tbsSign: sig.tbsSignDer, signerCert: other.cert, signature: sig.signature }),
    );
    assert.equal(checkSignerSignature(swapped).code, 'SIGNATURE_INVALID');
    // Unparseable certificate, unknown algorithm.
    assert.equal(
      checkSignerSignature({ ...sig, signerCert: Buffer.from('3003020101', 'hex') }).code,
      'CERT_UNPARSEABLE',
    );
    const unknownAlg = checkSignerSignature({ ...sig, signatureAlgID: '1.2.840.10045.4.3.2' });
    assert.deepEqual([unknownAlg.status, unknownAlg.code], ['indeterminate', 'UNSUPPORTED_ALGORITHM']);
    const garbageSig = checkSignerSignature({ ...sig, signature: Buffer.alloc(10, 1) });
    assert.deepEqual([garbageSig.status, garbageSig.code], ['failed', 'SIGNATURE_INVALID']);
  });

  it('accepts raw 64-byte r‖s signatures', () => {
    const der = sm2Sign(signer.privateKey, signed.tbsSign);
    const rLen = der[3]!;
    const r = der.subarray(4, 4 + rLen);
    const s = der.subarray(6 + rLen);
    const raw = Buffer.concat([r.subarray(r.length - 32), s.subarray(s.length - 32)]);
    const sig = decodeSesSignature(
      assembleSignature({ tbsSign: signed.tbsSign, signerCert: signer.cert, signature: raw }),
    );
    assert.deepEqual(sig.notes, ['raw-signature']);
    assert.equal(checkSignerSignature(sig).status, 'passed');
  });

  it('zero dataHash is reported as bound to no document', () => {
    const z = decodeSesSignature(
      signSesV4(
        { seal, timeInfo: new Date(), dataHash: Buffer.alloc(32), propertyInfo: '/x' },
        { cert: signer.cert, privateKey: signer.privateKey },
      ).der,
    );
    assert.deepEqual([checkDataHash(z).status, checkDataHash(z).code], ['failed', 'DATA_HASH_ZERO']);
    assert.equal(checkDataHash(z, xml).code, 'DATA_HASH_ZERO');
    assert.equal(checkDataHash({ ...z, dataHash: Buffer.alloc(20) }).code, 'DATA_HASH_MALFORMED');
  });

  it('v5 seals (header version 5, optional seal timestamp) and a signature timestamp', () => {
    const info = encodeSealInfo(sealInput({ version: 5, vid: 'SealTrustV5' }));
    const token = Buffer.from('3003020105', 'hex');
    const v5 = assembleSeal({
      sealInfo: info,
      makerCert: maker.cert,
      signedValue: sm2Sign(maker.privateKey, info),
      timeStamp: token,
    });
    const s = decodeSesSeal(v5);
    assert.equal(s.version, 5);
    assert.deepEqual(s.timeStamp, token);
    assert.equal(checkMakerSignature(s).status, 'passed');
    assert.deepEqual(reencodeSeal(s), v5);

    const out = signSesV4(
      {
        seal: v5,
        timeInfo: new Date('2026-01-01T00:00:00Z'),
        dataHash: sm3(xml),
        propertyInfo: '/p',
        version: 5,
      },
      { cert: signer.cert, privateKey: signer.privateKey },
    );
    const withTs = assembleSignature({
      tbsSign: out.tbsSign,
      signerCert: signer.cert,
      signature: out.signature,
      timeStamp: token,
    });
    const sig = decodeSesSignature(withTs);
    assert.equal(sig.version, 5);
    assert.deepEqual(sig.timeStamp, token);
    assert.deepEqual(sig.notes, []);
    assert.equal(checkSignerSignature(sig).status, 'passed');
    assert.deepEqual(reencodeSignature(sig, 5), withTs);
  });

  it('long lengths (picture over 64 KiB) round-trip', () => {
    const big = Buffer.alloc(70_000, 7);
    const s = makeSeal(sealInput({ picture: { type: 'ofd', data: big, width: 42, height: 42 } }), maker);
    const d = decodeSesSeal(s);
    assert.deepEqual(d.picture.data, big);
    assert.deepEqual(d.notes, ['picture-type-ofd']);
    assert.deepEqual(reencodeSeal(d), s);
  });

  it('refuses invalid input with RangeError/TypeError', () => {
    assert.throws(() => encodeSealInfo(sealInput({ esID: '印章' })), RangeError);
    assert.throws(() => encodeSealInfo(sealInput({ validEnd: new Date(NaN) })), RangeError);
    assert.throws(
      () => encodeSealInfo(sealInput({ createDate: new Date('+010000-01-01T00:00:00Z') })),
      RangeError,
    );
    assert.throws(() => encodeSealInfo(sealInput({ type: 1.5 })), RangeError);
    assert.throws(
      () =>
        encodeSealInfo(
          sealInput({ extDatas: [{ extnID: 'x', critical: false, extnValue: Buffer.alloc(0) }] }),
        ),
      RangeError,
    );
    assert.throws(
      () =>
        encodeTbsSign({ sealDer: seal, timeInfo: new Date(), dataHash: Buffer.alloc(31), propertyInfo: '' }),
      RangeError,
    );
    assert.throws(
      () =>
        encodeTbsSign({
          sealDer: seal.subarray(1),
          timeInfo: new Date(),
          dataHash: Buffer.alloc(32),
          propertyInfo: '',
        }),
      RangeError,
    );
    assert.throws(
      () =>
        assembleSeal({
          sealInfo: 'x' as unknown as Buffer,
          makerCert: maker.cert,
          signedValue: Buffer.alloc(1),
        }),
      TypeError,
    );
  });

  it('sesDerLength finds the DER inside zero-padded PDF /Contents', () => {
    const padded = Buffer.concat([signed.der, Buffer.alloc(4096)]);
    assert.equal(sniffSes(padded), 'signature');
    assert.throws(() => decodeSesSignature(padded), SesParseError);
    const len = sesDerLength(padded)!;
    assert.equal(len, signed.der.length);
    assert.deepEqual(decodeSesSignature(padded.subarray(0, len)).tbsSignDer, signed.tbsSign);
  });
});

describe('SES encoder: independent verification', () => {
  const seal = makeSeal(sealInput({ certs: [other.cert, signer.cert] }), maker);
  const signed = signSesV4(
    {
      seal,
      timeInfo: new Date('2025-07-01T00:00:00Z'),
      dataHash: sm3(Buffer.from('x')),
      propertyInfo: '/Doc_0/Signs/Sign_0/Signature.xml',
      extDatas: [{ extnID: '1.2.156.10197.6.7.2.2.1', critical: false, extnValue: Buffer.from('2.1') }],
    },
    signer,
  );
  const s = decodeSesSeal(seal);
  const sig = decodeSesSignature(signed.der);

  it('sm-crypto verifies the maker and signer signatures over the extracted bytes', () => {
    const opts = { hash: true, der: true, userId: '1234567812345678' };
    assert.equal(smc.doVerifySignature(s.sealInfoDer, hex(s.signedValue), hex(maker.publicKey), opts), true);
    assert.equal(
      smc.doVerifySignature(sig.tbsSignDer, hex(sig.signature), hex(signer.publicKey), opts),
      true,
    );
    assert.equal(
      smc.doVerifySignature(sig.tbsSignDer, hex(sig.signature), hex(maker.publicKey), opts),
      false,
      'wrong key must fail',
    );
  });

  describe('OpenSSL pkeyutl -rawin -digest sm3', () => {
    const tmp = scratchDir('sealtrust-ses-');
    after(() => tmp.cleanup());
    before(() => {
      tmp.file('maker.pem', sm2PublicKeyToPem(maker.publicKey));
      tmp.file('signer.pem', sm2PublicKeyToPem(signer.publicKey));
      tmp.file('sealinfo.der', s.sealInfoDer);
      tmp.file('seal-sig.der', s.signedValue);
      tmp.file('tbs.der', sig.tbsSignDer);
      tmp.file('tbs-sig.der', sig.signature);
    });
    const verify = (pub: string, data: string, sigFile: string) =>
      openssl(sm2VerifyArgs(pub, data, sigFile), tmp.dir);

    it('verifies the maker signature over SES_SealInfo', async () => {
      const r = await verify('maker.pem', 'sealinfo.der', 'seal-sig.der');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Signature Verified Successfully/);
    });

    it('verifies the signer signature over TBS_Sign, and rejects it under the wrong key', async () => {
      const r = await verify('signer.pem', 'tbs.der', 'tbs-sig.der');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.notEqual((await verify('maker.pem', 'tbs.der', 'tbs-sig.der')).code, 0);
    });
  });
});

describe('certListType 2 (certificate digests)', () => {
  /** A v4 seal whose certList holds digests (type name as written, digest value). */
  function digestSeal(entries: [string, Buffer][]): Buffer {
    const t = new Date('2025-01-01T00:00:00Z');
    const info = tlv(
      TAG.sequence,
      tlv(TAG.sequence, derIa5String('ES', 'id'), derInteger(4), derIa5String('v', 'vid')),
      derIa5String('1', 'esID'),
      tlv(
        TAG.sequence,
        derInteger(1),
        derUtf8String('摘要印章'),
        derInteger(2),
        tlv(
          TAG.sequence,
          ...entries.map(([type, value]) =>
            tlv(TAG.sequence, tlv(TAG.printableString, Buffer.from(type)), tlv(TAG.octetString, value)),
          ),
        ),
        derGeneralizedTime(t, 'a'),
        derGeneralizedTime(t, 'b'),
        derGeneralizedTime(t, 'c'),
      ),
      tlv(TAG.sequence, derIa5String('PNG', 't'), tlv(TAG.octetString, PNG), derInteger(1), derInteger(1)),
    );
    return assembleSeal({
      sealInfo: info,
      makerCert: maker.cert,
      signedValue: sm2Sign(maker.privateKey, info),
    });
  }
  const inSeal = (entries: [string, Buffer][]) => {
    const seal = digestSeal(entries);
    const sig = decodeSesSignature(
      signSesV4({ seal, timeInfo: new Date(), dataHash: Buffer.alloc(32, 1), propertyInfo: '/p' }, signer)
        .der,
    );
    assert.equal(sig.seal.property.certListType, 2);
    assert.equal(checkMakerSignature(sig.seal).status, 'passed');
    return checkSignerInSeal(sig);
  };
  const digest = (alg: string) => createHash(alg).update(signer.cert).digest();

  it('matches SM3 and SHA-256 digests under the names producers write; SHA-1 only as weak', () => {
    for (const [type, alg] of [
      ['SM3', 'sm3'],
      ['sm3', 'sm3'],
      ['1.2.156.10197.1.401', 'sm3'],
      ['SHA1', 'sha1'],
      ['SHA-1', 'sha1'],
      ['sha256', 'sha256'],
      ['SHA-256', 'sha256'],
    ] as const) {
      const r = inSeal([
        ['SM3', sm3(other.cert)],
        [type, digest(alg)],
      ]);
      // SHA-1 names are read, but a SHA-1 digest no longer pins one certificate (issue 12, class 6).
      const expected =
        alg === 'sha1' ? ['indeterminate', 'WEAK_DIGEST_ALGORITHM'] : ['passed', 'CERT_IN_SEAL'];
      assert.deepEqual([r.status, r.code], expected, type);
    }
  });

  it('fails when no digest matches; indeterminate when an unknown algorithm could have', () => {
    assert.deepEqual(
      [inSeal([['SM3', sm3(other.cert)]]).status, inSeal([['SM3', sm3(other.cert)]]).code],
      ['failed', 'CERT_NOT_IN_SEAL'],
    );
    const r = inSeal([['MD5', createHash('md5').update(signer.cert).digest()]]);
    assert.deepEqual([r.status, r.code], ['indeterminate', 'UNSUPPORTED_ALGORITHM']);
  });
});

describe('SES time readers', () => {
  it('GeneralizedTime, UTCTime and v1 free-text times', () => {
    assert.deepEqual(parseGeneralizedTime('20200422020900Z'), new Date('2020-04-22T02:09:00Z'));
    assert.deepEqual(parseGeneralizedTime('20200422020900.5Z'), new Date('2020-04-22T02:09:00.500Z'));
    assert.deepEqual(parseGeneralizedTime('20200422100900+0800'), new Date('2020-04-22T02:09:00Z'));
    assert.deepEqual(parseGeneralizedTime('00010101000000Z'), new Date('0001-01-01T00:00:00Z'));
    assert.equal(parseGeneralizedTime('20200231000000Z'), null);
    assert.equal(parseGeneralizedTime('2020x422020900Z'), null);
    assert.deepEqual(parseUtcTime('200422021807Z'), new Date('2020-04-22T02:18:07Z'));
    assert.deepEqual(parseUtcTime('991231235959Z'), new Date('1999-12-31T23:59:59Z'));
    assert.deepEqual(parseTimeText('2020-01-25T07:31:56.377Z'), new Date('2020-01-25T07:31:56.377Z'));
    assert.deepEqual(parseTimeText('2020-01-25 15:31:56+08:00'), new Date('2020-01-25T07:31:56Z'));
    assert.deepEqual(parseTimeText('20200125073156Z\0'), new Date('2020-01-25T07:31:56Z'));
    assert.equal(parseTimeText('yesterday'), null);
    assert.equal(parseTimeText(''), null);
  });
});

// ---- property tests ----

const ascii = (maxLength: number) => fc.string({ unit: 'binary-ascii', maxLength });

const oidArb = fc
  .tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 39 }),
    fc.array(fc.oneof(fc.nat(200), fc.bigInt({ min: 0n, max: (1n << 70n) - 1n })), { maxLength: 8 }),
  )
  .map(([a, b, rest]) => [a, b, ...rest].join('.'));

const extDatasArb: fc.Arbitrary<SesExtData[]> = fc.array(
  fc
    .record({
      extnID: oidArb,
      critical: fc.boolean(),
      extnValue: fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
    })
    .map((e) => ({ ...e })), // plain objects: fc.record makes null-prototype ones
  { maxLength: 4 },
);

const dateArb = fc.date({
  min: new Date('0000-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});
const seconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);
const bytesArb = (maxLength: number) => fc.uint8Array({ maxLength }).map((u) => Buffer.from(u));

const sealArb = fc.record({
  version: fc.constantFrom(4 as const, 5 as const),
  vid: ascii(40),
  esID: ascii(40),
  type: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constant(Number.MIN_SAFE_INTEGER)),
  name: fc.string({ unit: 'grapheme', maxLength: 30 }),
  certs: fc.array(bytesArb(300), { maxLength: 3 }),
  createDate: dateArb,
  validStart: dateArb,
  validEnd: dateArb,
  picture: fc.record({
    type: fc.oneof(fc.constantFrom('PNG', 'GIF', 'JPG', 'BMP', 'SVG', 'ofd'), ascii(8)),
    data: bytesArb(400),
    width: fc.nat(1000),
    height: fc.nat(1000),
  }),
  extDatas: extDatasArb,
});

describe('SES codec properties', () => {
  it('decode ∘ encode is the identity and re-encoding is byte-stable (seals and signatures)', () => {
    fc.assert(
      fc.property(
        sealArb,
        bytesArb(80),
        bytesArb(80),
        dateArb,
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((u) => Buffer.from(u)),
        ascii(60),
        extDatasArb,
        fc.option(bytesArb(60), { nil: undefined }),
        (input, signedValue, signature, timeInfo, dataHash, propertyInfo, tbsExt, timeStamp) => {
          const sealInfo = encodeSealInfo(input);
          const seal = assembleSeal({ sealInfo, makerCert: Buffer.from(maker.cert), signedValue });
          const s = decodeSesSeal(seal);
          assert.equal(s.version, input.version);
          assert.equal(s.header.vid, input.vid);
          assert.equal(s.esID, input.esID);
          assert.equal(s.property.type, input.type);
          assert.equal(s.property.name, input.name);
          assert.deepEqual(s.property.certs, input.certs);
          assert.deepEqual(s.property.createDate, seconds(input.createDate));
          assert.deepEqual(s.property.validStart, seconds(input.validStart));
          assert.deepEqual(s.property.validEnd, seconds(input.validEnd));
          assert.deepEqual(s.picture, { ...input.picture });
          assert.deepEqual(s.extDatas, input.extDatas);
          assert.ok(isViewOf(s.der, seal) && isViewOf(s.makerSignedBytes, seal));
          assert.deepEqual(s.makerSignedBytes, sealInfo);
          assert.deepEqual(reencodeSeal(s), seal);

          const tbsSign = encodeTbsSign({
            sealDer: seal,
            timeInfo,
            dataHash,
            propertyInfo,
            extDatas: tbsExt,
          });
          const der = assembleSignature({ tbsSign, signerCert: signer.cert, signature, timeStamp });
          const sig = decodeSesSignature(der);
          assert.equal(sniffSes(der), 'signature');
          assert.deepEqual(sig.timeInfo, seconds(timeInfo));
          assert.deepEqual(sig.dataHash, dataHash);
          assert.equal(sig.propertyInfo, propertyInfo);
          assert.deepEqual(sig.extDatas, tbsExt);
          assert.deepEqual(sig.timeStamp, timeStamp);
          assert.ok(isViewOf(sig.tbsSignDer, der) && isViewOf(sig.sealDer, der));
          assert.deepEqual(sig.sealDer, seal);
          assert.deepEqual(reencodeSignature(sig), der);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('signatures made with random keys, names and data verify (ours, sm-crypto)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        bytesArb(200),
        dateArb,
        (name, data, when) => {
          const seal = makeSeal(sealInput({ name }), maker);
          const out = signSesV4(
            { seal, timeInfo: when, dataHash: sm3(data), propertyInfo: '/Doc_0/Signs/Sign_0/Signature.xml' },
            signer,
          );
          const sig = decodeSesSignature(out.der);
          assert.equal(checkSignerSignature(sig).status, 'passed');
          assert.equal(checkMakerSignature(sig.seal).status, 'passed');
          assert.equal(checkDataHash(sig, data).status, 'passed');
          const opts = { hash: true, der: true, userId: '1234567812345678' };
          assert.equal(
            smc.doVerifySignature(sig.tbsSignDer, hex(sig.signature), hex(signer.publicKey), opts),
            true,
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
