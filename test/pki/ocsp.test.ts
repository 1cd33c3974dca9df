import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';
import { DEV_KEYS_DIR } from '../helpers/test-server.js';
import { DEV_KEYS_PASSPHRASE } from '../../src/config.js';
import { fromPem } from '../../src/crypto/pem.js';
import { parseSm2PrivateKey } from '../../src/crypto/sm2-keys.js';
import { parseCertificate, type CertificateInfo } from '../../src/pki/certificate.js';
import { CryptoInputError } from '../../src/crypto/crypto-input-error.js';
import {
  buildCertId,
  buildOcspRequest,
  buildOcspResponse,
  certificateSerialOctets,
  certificateSubjectDer,
  ocspErrorResponse,
  ocspHash,
  OcspRequestError,
  parseOcspRequest,
  parseOcspResponse,
  responderKeyHash,
  type BasicResponseSpec,
} from '../../src/pki/ocsp.js';

const tmp = scratchDir('sealtrust-ocsp-codec-');
let ca: CertificateInfo;
let responder: CertificateInfo;
let responderKey: Uint8Array;

before(() => {
  const read = (f: string) => readFileSync(join(DEV_KEYS_DIR, f), 'utf8');
  ca = parseCertificate(fromPem(read('dev-ca.crt.pem')).der);
  responder = parseCertificate(fromPem(read('dev-ca-ocsp.crt.pem')).der);
  responderKey = parseSm2PrivateKey(read('dev-ca-ocsp.key.pem'), DEV_KEYS_PASSPHRASE).privateKey;
  tmp.file('ca.pem', read('dev-ca.crt.pem'));
  // Any certificate the dev CA issued serves as the "leaf" here: the responder's own.
  tmp.file('leaf.pem', read('dev-ca-ocsp.crt.pem'));
  tmp.file('responder.pem', read('dev-ca-ocsp.crt.pem'));
});
after(() => tmp.cleanup());

async function opensslRequest(args: string[]): Promise<Buffer> {
  const out = tmp.file(`req-${args.join('')}.der`);
  const r = await openssl([
    'ocsp',
    ...args,
    '-issuer',
    tmp.file('ca.pem'),
    '-cert',
    tmp.file('leaf.pem'),
    '-reqout',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return readFileSync(out);
}

function spec(overrides: Partial<BasicResponseSpec> = {}): BasicResponseSpec {
  const at = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    responderKeyHash: responderKeyHash(responder.publicKey),
    producedAt: at,
    responses: [
      {
        certIdDer: buildCertId(
          'sha1',
          certificateSubjectDer(ca.der),
          ca.publicKey,
          certificateSerialOctets(responder.der),
        ),
        status: { kind: 'good' },
        thisUpdate: at,
        nextUpdate: new Date(at.getTime() + 3_600_000),
      },
    ],
    nonceExtnValue: null,
    certs: [responder.der],
    ...overrides,
  };
}

/** tbsResponseData and signature, cut out with asn1js rather than the codec under test. */
function tbsAndSignature(resp: Buffer): { tbs: Buffer; sig: Buffer } {
  const outer = asn1js.fromBER(resp).result as asn1js.Sequence;
  const bytes = (outer.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
  const octets = bytes.valueBlock.value[1] as asn1js.OctetString;
  const basic = asn1js.fromBER(octets.valueBlock.valueHexView).result as asn1js.Sequence;
  const [tbs, , sig] = basic.valueBlock.value as [asn1js.Sequence, unknown, asn1js.BitString];
  return { tbs: Buffer.from(tbs.valueBeforeDecodeView), sig: Buffer.from(sig.valueBlock.valueHexView) };
}

test('OpenSSL requests parse, with and without nonce, and their CertIDs are echoed byte for byte', async () => {
  for (const [args, hash] of [
    [[], 'sha1'],
    [['-no_nonce'], 'sha1'],
    [['-sha256'], 'sha256'],
    [['-sm3', '-no_nonce'], 'sm3'],
  ] as const) {
    const der = await opensslRequest([...args]);
    const req = parseOcspRequest(der);
    assert.equal(req.certIds.length, 1);
    const id = req.certIds[0]!;
    assert.equal(id.hash, hash);
    assert.ok(id.issuerNameHash.equals(ocspHash(hash, certificateSubjectDer(ca.der))));
    assert.ok(id.issuerKeyHash.equals(ocspHash(hash, ca.publicKey)));
    assert.equal(id.serial, BigInt('0x' + responder.serialHex));
    assert.ok(der.includes(id.der), 'CertID re-encoding differs from what OpenSSL sent');
    assert.equal(req.nonceExtnValue !== null, !args.includes('-no_nonce' as never));
    // Our own request builder writes the same CertID OpenSSL does.
    const ours = buildCertId(
      hash,
      certificateSubjectDer(ca.der),
      ca.publicKey,
      certificateSerialOctets(responder.der),
    );
    assert.ok(ours.equals(id.der));
  }
});

test('a response parses in OpenSSL and its signature verifies over the tbsResponseData', async () => {
  const nonce = Buffer.from('0410' + 'ab'.repeat(16), 'hex');
  const revokedAt = new Date('2026-01-02T03:04:05Z');
  const base = spec();
  const resp = buildOcspResponse(
    spec({
      nonceExtnValue: nonce,
      responses: [
        base.responses[0]!,
        { ...base.responses[0]!, status: { kind: 'revoked', revokedAt, reason: 'keyCompromise' } },
        { ...base.responses[0]!, status: { kind: 'unknown' }, nextUpdate: null },
      ],
    }),
    responderKey,
  );
  const text = await openssl(['ocsp', '-respin', tmp.file('resp.der', resp), '-resp_text', '-noverify']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /OCSP Response Status: successful \(0x0\)/);
  assert.match(text.stdout, /Response Type: Basic OCSP Response/);
  // byKey: SHA-1 of the responder's public key bits (RFC 6960 §4.2.1), computed here independently.
  const keyHash = createHash('sha1').update(responder.publicKey).digest('hex').toUpperCase();
  assert.match(text.stdout, new RegExp(`Responder Id: ${keyHash}`));
  assert.match(text.stdout, /Cert Status: good/);
  assert.match(
    text.stdout,
    /Cert Status: revoked\s+Revocation Time: Jan {2}2 03:04:05 2026 GMT\s+Revocation Reason: keyCompromise/,
  );
  assert.match(text.stdout, /Cert Status: unknown/);
  assert.match(text.stdout, /OCSP Nonce:\s+0410ABABABAB/);
  assert.match(text.stdout, /Signature Algorithm: SM2-with-SM3/);

  const { tbs, sig } = tbsAndSignature(resp);
  const pub = await openssl(['x509', '-in', tmp.file('responder.pem'), '-pubkey', '-noout']);
  const verify = await openssl(
    sm2VerifyArgs(tmp.file('pub.pem', pub.stdout), tmp.file('tbs.der', tbs), tmp.file('sig.der', sig)),
  );
  assert.equal(verify.code, 0, verify.stderr + verify.stdout);
  assert.match(verify.stdout, /Signature Verified Successfully/);

  // And the client-side parser reads back what was written.
  const parsed = parseOcspResponse(resp);
  assert.equal(parsed.status, 'successful');
  assert.ok(parsed.basic!.tbsDer.equals(tbs));
  assert.ok(parsed.basic!.nonceExtnValue!.equals(nonce));
  assert.deepEqual(
    parsed.basic!.responses.map((r) => r.status),
    [{ kind: 'good' }, { kind: 'revoked', revokedAt, reason: 'keyCompromise' }, { kind: 'unknown' }],
  );
  assert.equal(parsed.basic!.responses[2]!.nextUpdate, null);
  assert.ok(parsed.basic!.certs[0]!.equals(responder.der));
});

test('error responses are the bare status, readable by OpenSSL', async () => {
  const der = ocspErrorResponse('malformedRequest');
  assert.equal(der.toString('hex'), '30030a0101');
  const text = await openssl(['ocsp', '-respin', tmp.file('err.der', der), '-resp_text', '-noverify']);
  assert.match(text.stdout + text.stderr, /malformedrequest/i);
  assert.deepEqual(parseOcspResponse(der), { status: 'malformedRequest', basic: null });
});

const certId = () =>
  buildCertId('sha1', certificateSubjectDer(ca.der), ca.publicKey, Buffer.from([0x01, 0x02]));

function requestWithExtension(ext: Buffer): Buffer {
  // TBSRequest { requestList, [2] { ext } }, written out by hand.
  const tlv = (tag: number, ...c: Buffer[]) => {
    const body = Buffer.concat(c);
    assert.ok(body.length < 128);
    return Buffer.concat([Buffer.from([tag, body.length]), body]);
  };
  return tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x30, certId())), tlv(0xa2, tlv(0x30, tlv(0x30, ext)))));
}

test('nonces of 1 to 32 octets are accepted, empty or longer ones are malformedRequest (RFC 8954)', () => {
  for (const n of [1, 16, 32]) {
    const req = parseOcspRequest(buildOcspRequest([certId()], Buffer.alloc(n, 7)));
    assert.equal(req.nonceExtnValue!.length, n + 2);
  }
  for (const n of [0, 33, 64]) {
    assert.throws(
      () => parseOcspRequest(buildOcspRequest([certId()], Buffer.alloc(n, 7))),
      (e: unknown) => e instanceof OcspRequestError && e.status === 'malformedRequest',
      `nonce of ${n}`,
    );
  }
  // A nonce extnValue that is not an OCTET STRING at all.
  const nonceOid = Buffer.from('06092b0601050507300102', 'hex');
  assert.throws(
    () => parseOcspRequest(requestWithExtension(Buffer.concat([nonceOid, Buffer.from('0403020101', 'hex')]))),
    OcspRequestError,
  );
});

test('unknown critical request extensions are malformedRequest; non-critical ones are ignored', () => {
  const oid = Buffer.from('06032a0304', 'hex'); // 1.2.3.4
  const value = Buffer.from('04020500', 'hex');
  assert.throws(
    () => parseOcspRequest(requestWithExtension(Buffer.concat([oid, Buffer.from('0101ff', 'hex'), value]))),
    (e: unknown) => e instanceof OcspRequestError && /critical extension 1.2.3.4/.test(e.message),
  );
  const req = parseOcspRequest(requestWithExtension(Buffer.concat([oid, value])));
  assert.equal(req.certIds.length, 1);
  assert.equal(req.nonceExtnValue, null);
});

test('empty and over-long request lists are malformedRequest', () => {
  assert.throws(() => parseOcspRequest(buildOcspRequest([])), OcspRequestError);
  assert.throws(
    () => parseOcspRequest(buildOcspRequest(Array.from({ length: 21 }, certId))),
    OcspRequestError,
  );
  assert.equal(parseOcspRequest(buildOcspRequest(Array.from({ length: 20 }, certId))).certIds.length, 20);
});

test('property: the request parser throws nothing but OcspRequestError on any input', async () => {
  const valid = [
    await opensslRequest([]),
    await opensslRequest(['-sha256', '-no_nonce']),
    buildOcspRequest([certId(), certId()], Buffer.alloc(32, 1)),
  ];
  const check = (bytes: Uint8Array) => {
    try {
      parseOcspRequest(bytes);
    } catch (err) {
      if (!(err instanceof OcspRequestError)) throw err;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 3000 });
  const mutation = fc.record({
    base: fc.constantFrom(...valid),
    edits: fc.array(
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')),
      {
        minLength: 1,
        maxLength: 6,
      },
    ),
    cut: fc.option(fc.nat()),
  });
  fc.assert(
    fc.property(mutation, ({ base, edits, cut }) => {
      const bytes = [...base];
      for (const [pos, value, op] of edits) {
        const i = pos % (bytes.length + 1);
        if (op === 'set' && i < bytes.length) bytes[i] = value;
        else if (op === 'insert') bytes.splice(i, 0, value);
        else bytes.splice(i, 1);
      }
      check(Uint8Array.from(cut === null ? bytes : bytes.slice(0, cut % (bytes.length + 1))));
    }),
    { numRuns: 5000 },
  );
});

test('the response parser throws only CryptoInputError on mutated responses', () => {
  const resp = buildOcspResponse(spec({ nonceExtnValue: Buffer.from('0401aa', 'hex') }), responderKey);
  fc.assert(
    fc.property(fc.nat(resp.length - 1), fc.integer({ min: 0, max: 255 }), (pos, value) => {
      const bytes = Buffer.from(resp);
      bytes[pos] = value;
      try {
        parseOcspResponse(bytes);
      } catch (err) {
        if (!(err instanceof CryptoInputError)) throw err;
      }
    }),
    { numRuns: 1000 },
  );
});
