import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { CryptoInputError } from '../../src/crypto/crypto-input-error.js';
import { toPem } from '../../src/crypto/pem.js';
import {
  buildCsr,
  decodeCanonicalCsr,
  decodeCsr,
  decodeCsrWithPkijs,
  parseCsr,
  type DecodedCsr,
} from '../../src/pki/csr.js';
import { encodeName } from '../../src/pki/distinguished-name.js';
import { derOid } from '../../src/pki/der-writer.js';
import { PKI_OID } from '../../src/pki/pki-oids.js';
import { openssl, scratchDir } from '../helpers/openssl.js';

// The fast CSR reader must agree with the pkijs decoder on everything it takes, and leave the rest to it.

type Outcome = { ok: Record<string, unknown> } | { error: string };

function outcome(decode: () => DecodedCsr): Outcome {
  try {
    const d = decode();
    return {
      ok: {
        publicKey: d.publicKey.toString('hex'),
        publicKeyIsBuffer: Buffer.isBuffer(d.publicKey),
        subject: d.subject,
        tbs: Buffer.from(d.tbs).toString('hex'),
        signature: Buffer.from(d.signature).toString('hex'),
        sm2WithSm3: d.sm2WithSm3,
      },
    };
  } catch (err) {
    const e = err as Error;
    return { error: `${e instanceof CryptoInputError ? e.code : e.name}: ${e.message}` };
  }
}

function assertSameAnswer(der: Uint8Array): void {
  assert.deepEqual(
    outcome(() => decodeCsr(der)),
    outcome(() => decodeCsrWithPkijs(der)),
    Buffer.from(der).toString('hex'),
  );
}

/** DER length octets; `longForm` writes even short lengths in the (BER-only) long form. */
function lengthOctets(n: number, longForm: boolean): Buffer {
  if (n < 0x80 && !longForm) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0) bytes.push(0);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function el(tag: number, content: Uint8Array, longForm = false): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOctets(content.length, longForm), content]);
}

const KEY = generateSm2KeyPair();

const oidArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      PKI_OID.commonName,
      PKI_OID.organization,
      PKI_OID.country,
      PKI_OID.organizationIdentifier,
      PKI_OID.serialNumber,
      '1.2.840.113549.1.9.1',
      '0.9.2342.19200300.100.1.25',
      '0.39',
      '1.0',
      '1.39',
      '2.0',
      '2.999.1',
      '2.25.331378933073741540232787376587029394141',
    ),
  },
  fc
    .tuple(
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 39 }),
      fc.array(
        fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 0, max: 300 }) },
          { weight: 2, arbitrary: fc.integer({ min: (1 << 21) - 2, max: (1 << 28) + 2 }) },
          fc.nat(),
        ),
        { maxLength: 5 },
      ),
    )
    .map(([a, b, rest]) => [a, b, ...rest].join('.')),
);

const stringValueArb = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .map((s) => el(0x0c, Buffer.from(s))),
  },
  {
    weight: 4,
    arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map((s) => el(0x0c, Buffer.from(s, 'utf8'))),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((s) => el(0x0c, Buffer.from(s))) },
  fc.uint8Array({ maxLength: 12 }).map((b) => el(0x0c, b)), // often not UTF-8
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => el(0x13, b)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => el(0x16, b)) },
  fc.uint8Array({ maxLength: 12 }).map((b) => el(0x1e, b)), // BMPString
  fc.uint8Array({ maxLength: 12 }).map((b) => el(0x14, b)), // TeletexString
  fc.string({ maxLength: 8 }).map((s) => el(0x2c, el(0x04, Buffer.from(s)))), // constructed UTF8String
  fc.constant(Buffer.from([0x05, 0x00])),
  fc.constantFrom(
    el(0x0c, Buffer.from('\ufeffBOM')),
    el(0x0c, Buffer.from('a\ufeff')),
    el(0x0c, Buffer.from([0xed, 0xa0, 0x80])), // an encoded lone surrogate
    el(0x0c, Buffer.from('\u0000,+"\\<>;=')),
    el(0x13, Buffer.from([0xe4, 0xb8, 0xad])),
  ),
);

const atvArb = fc
  .tuple(oidArb, stringValueArb, fc.nat(20))
  .map(([oid, value, longForm]) => el(0x30, Buffer.concat([derOid(oid), value]), longForm === 0));

const rdnArb = fc.oneof(
  { weight: 12, arbitrary: atvArb.map((atv) => [atv]) },
  fc.array(atvArb, { minLength: 0, maxLength: 2 }),
);
const nameArb = fc
  .oneof({ weight: 10, arbitrary: fc.array(rdnArb, { minLength: 1, maxLength: 4 }) }, fc.array(rdnArb))
  .map((rdns) => el(0x30, Buffer.concat(rdns.map((atvs) => el(0x31, Buffer.concat(atvs))))));

const SM2_ALG = el(0x30, Buffer.concat([derOid(PKI_OID.ecPublicKey), derOid(PKI_OID.sm2Curve)]));
const spkiArb = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.constant(
      el(0x30, Buffer.concat([SM2_ALG, el(0x03, Buffer.concat([Buffer.from([0]), KEY.publicKey]))])),
    ),
  },
  fc.constant(
    el(
      0x30,
      Buffer.concat([SM2_ALG, el(0x03, Buffer.concat([Buffer.from([0]), KEY.publicKey.subarray(0, 33)]))]),
    ),
  ),
  fc.constant(
    el(
      0x30,
      Buffer.concat([
        el(0x30, Buffer.concat([derOid(PKI_OID.ecPublicKey), derOid('1.2.840.10045.3.1.7')])),
        el(0x03, Buffer.concat([Buffer.from([0]), KEY.publicKey])),
      ]),
    ),
  ),
  fc.constant(el(0x30, Buffer.concat([SM2_ALG, el(0x03, Buffer.concat([Buffer.from([1]), KEY.publicKey]))]))),
  fc.constant(
    el(0x30, Buffer.concat([SM2_ALG, el(0x03, Buffer.concat([Buffer.from([0]), KEY.publicKey]), true)])),
  ),
);

const attributesArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 10, arbitrary: fc.constant(Buffer.from([0xa0, 0x00])) },
  fc.constant(
    el(
      0xa0,
      el(0x30, Buffer.concat([derOid('1.2.840.113549.1.9.7'), el(0x31, el(0x0c, Buffer.from('password')))])),
    ),
  ),
  fc.uint8Array({ maxLength: 6 }).map((b) => el(0xa0, b)),
);

const signatureAlgorithmArb = fc.oneof(
  { weight: 14, arbitrary: fc.constant(el(0x30, derOid(PKI_OID.sm2WithSm3))) },
  {
    weight: 3,
    arbitrary: fc.constant(el(0x30, Buffer.concat([derOid(PKI_OID.sm2WithSm3), Buffer.from([0x05, 0x00])]))),
  },
  fc.constant(el(0x30, derOid('1.2.840.10045.4.3.2'))),
  fc.constant(el(0x30, Buffer.concat([derOid(PKI_OID.sm2WithSm3), el(0x04, Buffer.from([1]))]))),
);

const signatureArb = fc.oneof(
  {
    weight: 20,
    arbitrary: fc
      .uint8Array({ minLength: 0, maxLength: 80 })
      .map((b) => el(0x03, Buffer.concat([Buffer.from([0]), b]))),
  },
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => el(0x03, Buffer.concat([Buffer.from([3]), b]))),
  fc.constant(Buffer.from([0x03, 0x00])),
);

const versionArb = fc.oneof(
  { weight: 20, arbitrary: fc.constant(Buffer.from([0x02, 0x01, 0x00])) },
  fc.constant(Buffer.from([0x02, 0x01, 0x01])),
  fc.constant(Buffer.from([0x02, 0x02, 0x00, 0x00])),
);

const csrArb = fc
  .record({
    version: versionArb,
    name: nameArb,
    spki: spkiArb,
    attributes: attributesArb,
    algorithm: signatureAlgorithmArb,
    signature: signatureArb,
    longOuter: fc.nat(10).map((n) => n === 0),
    trailing: fc.nat(10).map((n) => (n === 0 ? Buffer.from([0]) : Buffer.alloc(0))),
  })
  .map((c) => {
    const info = el(0x30, Buffer.concat([c.version, c.name, c.spki, c.attributes]));
    return Buffer.concat([
      el(0x30, Buffer.concat([info, c.algorithm, c.signature]), c.longOuter),
      c.trailing,
    ]);
  });

test('the fast reader takes the requests buildCsr and OpenSSL write', async () => {
  const ours = buildCsr(
    generateSm2KeyPair(),
    encodeName({ C: 'CN', O: '测试局, "甲"', organizationIdentifier: '113301000024902776', CN: 'a+b' }),
  );
  assert.ok(decodeCanonicalCsr(ours));
  assertSameAnswer(ours);

  const s = scratchDir();
  try {
    const key = s.file('key.pem');
    let r = await openssl(['genpkey', '-algorithm', 'SM2', '-out', key]);
    assert.equal(r.code, 0, r.stderr);
    r = await openssl([
      'req',
      '-new',
      '-key',
      key,
      '-sm3',
      '-sigopt',
      'distid:1234567812345678',
      '-subj',
      '/C=CN/ST=浙江省/O=某局/CN=张三',
      '-utf8',
      '-outform',
      'DER',
      '-out',
      s.file('req.der'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { readFileSync } = await import('node:fs');
    const fromOpenssl = readFileSync(s.file('req.der'));
    assert.ok(decodeCanonicalCsr(fromOpenssl), 'OpenSSL request takes the fast path');
    assertSameAnswer(fromOpenssl);
    assert.equal(parseCsr(toPem('CERTIFICATE REQUEST', fromOpenssl)).signatureValid, true);
    assert.equal(decodeCsr(fromOpenssl).subject, 'CN=张三,O=某局,ST=浙江省,C=CN');
  } finally {
    s.cleanup();
  }
});

test('property: the fast reader and pkijs give the same answer on generated requests', () => {
  let fast = 0;
  fc.assert(
    fc.property(csrArb, (der) => {
      if (decodeCanonicalCsr(der)) fast++;
      assertSameAnswer(der);
    }),
    { numRuns: 3000 },
  );
  // The generator must exercise the fast path, not only the fallback.
  assert.ok(fast > 300, `fast path taken ${fast} times`);
});

test('property: mutated requests get the same answer (or the same error) both ways', () => {
  const base = buildCsr(
    generateSm2KeyPair(),
    encodeName({ C: 'CN', ST: '浙江省', O: '杭州市某局', CN: 'seal signer' }),
  );
  const mutation = fc.oneof(
    fc.record({ at: fc.nat(base.length - 1), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => {
      const b = Buffer.from(base);
      b[at]! ^= xor;
      return b;
    }),
    fc
      .record({ at: fc.nat(base.length - 1), value: fc.integer({ min: 0, max: 255 }) })
      .map(({ at, value }) => {
        const b = Buffer.from(base);
        b[at] = value;
        return b;
      }),
    fc.nat(base.length - 1).map((n) => base.subarray(0, n)),
    fc
      .record({ at: fc.nat(base.length), bytes: fc.uint8Array({ minLength: 1, maxLength: 3 }) })
      .map(({ at, bytes }) => Buffer.concat([base.subarray(0, at), bytes, base.subarray(at)])),
  );
  fc.assert(
    fc.property(mutation, (der) => assertSameAnswer(der)),
    { numRuns: 4000 },
  );
});

test('refusals keep their codes and messages', () => {
  assert.throws(
    () => decodeCsr(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])),
    (e: unknown) => {
      return e instanceof CryptoInputError && e.code === 'MALFORMED_DER';
    },
  );
  assert.throws(() => decodeCsr(Buffer.from('3000', 'hex')), { code: 'MALFORMED_DER' });
  assert.throws(() => decodeCsr('not pem'));
});
