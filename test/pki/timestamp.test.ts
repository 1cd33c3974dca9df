import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as pkijs from 'pkijs';
import { sm3 } from '../../src/crypto/sm3.js';
import { DEV_KEYS_PASSPHRASE } from '../../src/config.js';
import { loadCaNode } from '../../src/service/ca/ca-node.js';
import {
  buildRejectionResponse,
  buildTimestampToken,
  encodeTimestampRequest,
  parseTimestampRequest,
  parseTimestampResponse,
  TimestampRequestError,
  verifyTimestampToken,
  type TokenContent,
} from '../../src/pki/timestamp.js';
import { DEV_KEYS_DIR, PROFILES_DIR } from '../helpers/test-server.js';
import { opensslSyncOk, scratchDir } from '../helpers/openssl.js';

const tmp = scratchDir('sealtrust-timestamp-');
after(() => tmp.cleanup());

const node = loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'http://127.0.0.1');
const tsa = node.defaultCa.tsa!;
const data = tmp.file('data.txt', '统一电子印章 timestamp test\n');

function opensslQuery(...args: string[]): Buffer {
  const out = tmp.file(`q-${args.join('').replace(/\W/g, '')}.tsq`);
  opensslSyncOk(['ts', '-query', '-data', data, ...args, '-out', out]);
  return readFileSync(out);
}

function content(over: Partial<TokenContent> = {}): TokenContent {
  return {
    policy: tsa.policy,
    hashAlgorithm: 'sm3',
    hashParamsNull: true,
    imprint: sm3(Buffer.from('x')),
    serial: 7n,
    genTime: new Date('2027-01-02T03:04:05.670Z'),
    accuracy: { seconds: 1 },
    nonce: 0x1234567890abcdefn,
    includeCertificate: true,
    ...over,
  };
}

describe('TimeStampReq parsing', () => {
  it('reads OpenSSL queries: SM3 with certReq, SHA-256, and without nonce', () => {
    const a = parseTimestampRequest(opensslQuery('-sm3', '-cert'));
    assert.equal(a.hashAlgorithm, 'sm3');
    assert.equal(a.certReq, true);
    assert.equal(typeof a.nonce, 'bigint');
    assert.deepEqual(a.imprint, opensslSyncOk(['dgst', '-sm3', '-binary', data]));
    const b = parseTimestampRequest(opensslQuery('-sha256'));
    assert.equal(b.hashAlgorithm, 'sha256');
    assert.equal(b.certReq, false);
    assert.deepEqual(b.imprint, opensslSyncOk(['dgst', '-sha256', '-binary', data]));
    const c = parseTimestampRequest(opensslQuery('-sm3', '-no_nonce'));
    assert.equal(c.nonce, undefined);
  });

  it('reads a requested policy with a 128-bit arc exactly', () => {
    const r = parseTimestampRequest(opensslQuery('-sm3', '-tspolicy', tsa.policy));
    assert.equal(r.reqPolicy, tsa.policy);
  });

  it('refuses with the failInfo RFC 3161 prescribes', () => {
    const failure = (der: Uint8Array) => {
      try {
        parseTimestampRequest(der);
      } catch (err) {
        assert.ok(err instanceof TimestampRequestError);
        return err.failure;
      }
      return 'accepted';
    };
    assert.equal(failure(opensslQuery('-sha1')), 'badAlg');
    assert.equal(failure(opensslQuery('-sha512')), 'badAlg');
    assert.equal(
      failure(encodeTimestampRequest({ hashAlgorithm: 'sm3', imprint: Buffer.alloc(31) })),
      'badDataFormat',
    );
    assert.equal(
      failure(encodeTimestampRequest({ hashAlgorithm: 'sha256', imprint: Buffer.alloc(20) })),
      'badDataFormat',
    );
    assert.equal(failure(Buffer.from('not a request')), 'badDataFormat');
    assert.equal(failure(Buffer.alloc(0)), 'badDataFormat');
    const withTrailer = Buffer.concat([opensslQuery('-sm3'), Buffer.from([0])]);
    assert.equal(failure(withTrailer), 'badDataFormat');
    const v2 = Buffer.from(opensslQuery('-sm3'));
    assert.equal(v2[4], 1); // SEQUENCE hdr, INTEGER 02 01 01
    v2[4] = 2;
    assert.equal(failure(v2), 'badRequest');
    const ext = new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.156.10197.1.401' }),
        hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(32) }),
      }),
      extensions: [new pkijs.Extension({ extnID: '1.2.3.4', extnValue: new asn1js.Null().toBER() })],
    });
    assert.equal(failure(new Uint8Array(ext.toSchema().toBER())), 'unacceptedExtension');
  });

  it('throws nothing but TimestampRequestError on random bytes and on mutated queries (property)', () => {
    const valid = opensslQuery('-sm3', '-cert');
    const onlyTyped = (bytes: Uint8Array) => {
      try {
        parseTimestampRequest(bytes);
      } catch (err) {
        if (!(err instanceof TimestampRequestError)) throw err;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyTyped), { numRuns: 3000 });
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const m = Buffer.from(valid);
        m[at] = byte;
        onlyTyped(m);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('token and reply', () => {
  it('OpenSSL parses the reply and the token, and prints what we put in', () => {
    const { token, response } = buildTimestampToken(content(), tsa);
    const reply = tmp.file('r.tsr', response);
    const text = opensslSyncOk(['ts', '-reply', '-in', reply, '-text']).toString();
    assert.match(text, /Status: Granted/);
    assert.match(text, new RegExp(`Policy OID: ${tsa.policy.replaceAll('.', '\\.')}`));
    assert.match(text, /Hash Algorithm: sm3/);
    assert.match(text, /Serial number: 0x07/);
    assert.match(text, /Time stamp: Jan {2}2 03:04:05\.67 2027 GMT/);
    assert.match(text, /Accuracy: 0x01 seconds/);
    assert.match(text, /Nonce: 0x1234567890ABCDEF/);
    opensslSyncOk(['ts', '-reply', '-in', reply, '-token_out', '-out', tmp.file('t.der')]);
    assert.deepEqual(readFileSync(tmp.file('t.der')), token);
    const cms = opensslSyncOk([
      'cms',
      '-cmsout',
      '-print',
      '-inform',
      'DER',
      '-in',
      tmp.file('t.der'),
    ]).toString();
    assert.match(cms, /signatureAlgorithm:\s+algorithm: SM2-with-SM3 \(1\.2\.156\.10197\.1\.501\)/);
    assert.match(cms, /object: id-smime-aa-signingCertificateV2/);
  });

  it('the token embeds the TSA certificate byte for byte and its SM3 hash in the ESS attribute', () => {
    const { token } = buildTimestampToken(content(), tsa);
    assert.ok(token.includes(tsa.cert.der));
    assert.ok(token.includes(sm3(tsa.cert.der)));
    const bare = buildTimestampToken(content({ includeCertificate: false }), tsa).token;
    assert.ok(!bare.includes(tsa.cert.der));
  });

  it('rejections carry status 2, the failInfo bit and a reason that OpenSSL prints', () => {
    const cases = [
      ['badAlg', 0, /unrecognized or unsupported algorithm identifier/],
      ['badRequest', 2, /transaction not permitted or supported/],
      ['badDataFormat', 5, /the data submitted has the wrong format/],
      ['unacceptedPolicy', 15, /the requested TSA policy is not supported/],
      ['unacceptedExtension', 16, /the requested extension is not supported/],
      ['systemFailure', 25, /the request cannot be handled due to system failure/],
    ] as const;
    for (const [failure, bit, printed] of cases) {
      const der = buildRejectionResponse(failure, 'why');
      const parsed = parseTimestampResponse(der);
      assert.equal(parsed.status, 2);
      assert.deepEqual(parsed.failureBits, [bit]);
      assert.deepEqual(parsed.failures, [failure]);
      assert.deepEqual(parsed.statusText, ['why']);
      assert.equal(parsed.token, undefined);
      const text = opensslSyncOk(['ts', '-reply', '-in', tmp.file('rej.tsr', der), '-text']).toString();
      assert.match(text, /Status: Rejected/);
      assert.match(text, printed, failure);
    }
  });
});

describe('verifyTimestampToken', () => {
  const imprint = sm3(Buffer.from('x'));

  it('accepts a good token and reports its fields', () => {
    const { token } = buildTimestampToken(content(), tsa);
    const v = verifyTimestampToken(token, { expectedImprint: imprint });
    assert.equal(v.signatureValid, true, v.problems.join('; '));
    assert.equal(v.imprintMatches, true);
    assert.equal(v.ekuOk, true);
    assert.equal(v.trusted, null);
    assert.equal(v.serial, 7n);
    assert.equal(v.policy, tsa.policy);
    assert.equal(v.imprintAlg, 'sm3');
    assert.equal(v.nonce, 0x1234567890abcdefn);
    assert.equal(v.genTime.toISOString(), '2027-01-02T03:04:05.670Z');
    assert.deepEqual(v.accuracy, { seconds: 1 });
    assert.deepEqual(v.tsaCert?.der, tsa.cert.der);
    assert.deepEqual(v.problems, []);
  });

  it('finds the signer among trusted certificates when the token carries none', () => {
    const { token } = buildTimestampToken(content({ includeCertificate: false }), tsa);
    assert.equal(verifyTimestampToken(token).tsaCert, null);
    const v = verifyTimestampToken(token, { trustedTsaCerts: [node.defaultCa.ca.cert, tsa.cert] });
    assert.equal(v.signatureValid, true);
    assert.equal(v.trusted, true);
    const untrusted = verifyTimestampToken(token, { trustedTsaCerts: [node.defaultCa.ca.cert] });
    assert.equal(untrusted.signatureValid, false);
    assert.equal(untrusted.trusted, false);
  });

  it('detects a wrong imprint, a changed TSTInfo and a changed signature', () => {
    const { token } = buildTimestampToken(content(), tsa);
    assert.equal(
      verifyTimestampToken(token, { expectedImprint: sm3(Buffer.from('y')) }).imprintMatches,
      false,
    );

    // The serial 7 sits inside TSTInfo as INTEGER 02 01 07 right before the GeneralizedTime (0x18).
    const at = token.indexOf(Buffer.from([0x02, 0x01, 0x07, 0x18]));
    assert.ok(at > 0);
    const changed = Buffer.from(token);
    changed[at + 2] = 0x08;
    const c = verifyTimestampToken(changed);
    assert.equal(c.serial, 8n);
    assert.equal(c.checks.messageDigest, false);
    assert.equal(c.signatureValid, false);

    // The signature is the last OCTET STRING: flip its final byte (s's low byte).
    const sigFlip = Buffer.from(token);
    sigFlip[sigFlip.length - 1]! ^= 0x01;
    const s = verifyTimestampToken(sigFlip);
    assert.equal(s.checks.signature, false);
    assert.equal(s.checks.messageDigest, true);
    assert.equal(s.signatureValid, false);
  });

  it('reports a non-TSA signer certificate', () => {
    const ca = node.defaultCa.ca;
    const { token } = buildTimestampToken(content(), { cert: ca.cert, privateKey: ca.privateKey });
    const v = verifyTimestampToken(token);
    assert.equal(v.signatureValid, true);
    assert.equal(v.ekuOk, false);
  });

  it('refuses what is not a timestamp token with a typed error', () => {
    assert.throws(() => verifyTimestampToken(Buffer.from('nope')), { name: 'CryptoInputError' });
    const rejection = buildRejectionResponse('badAlg', 'x');
    assert.throws(() => verifyTimestampToken(rejection), { name: 'CryptoInputError' });
  });
});
