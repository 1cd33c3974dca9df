import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import * as asn1js from 'asn1js';
import { encodeSm2Spki } from '../../src/crypto/sm2-keys.js';
import { sm2PointToPublicKey, sm2PublicKeyToPoint } from '../../src/crypto/sm2-public-key-point.js';
import {
  encodeTbsCertificate,
  randomSerial,
  type CertificateSpec,
} from '../../src/pki/certificate-builder.js';
import { encodeExtension, keyIdentifier } from '../../src/pki/certificate-extensions.js';
import {
  encodeName,
  encodeNameCached,
  nameToString,
  pkijsName,
  type NameAttributes,
} from '../../src/pki/distinguished-name.js';
import {
  encodedLeafExtensions,
  leafExtensions,
  type LeafExtensionSpec,
} from '../../src/pki/leaf-extensions.js';
import { PKI_OID } from '../../src/pki/pki-oids.js';
import { findAgencyCached, insertAgency } from '../../src/store/agency-repository.js';
import type { Agency } from '../../src/access/agency.js';
import { createTestDatabase } from '../helpers/test-database.js';

// Issuance keeps encoded names and extensions between certificates: the bytes must be those of the uncached
// path, on a miss and on every hit after it.

const issuerKeyId = keyIdentifier(generateSm2KeyPair().publicKey);
const urls = {
  crl: 'http://localhost:8080/crl/dev-ca.crl',
  ocsp: 'http://localhost:8080/ocsp',
  caIssuers: 'http://localhost:8080/ca/dev-ca.crt',
};

const specs: Omit<LeafExtensionSpec, 'publicKey'>[] = [
  { issuerKeyId, keyUsage: ['digitalSignature', 'nonRepudiation'], urls, uscc: '113301000024902776' },
  {
    issuerKeyId,
    keyUsage: ['digitalSignature'],
    extKeyUsage: { purposes: [PKI_OID.kpTimeStamping], critical: true },
    urls,
    policies: ['2.25.331378933073741540232787376587029394141.1.1'],
  },
  {
    issuerKeyId,
    keyUsage: ['digitalSignature'],
    extKeyUsage: { purposes: [PKI_OID.kpOcspSigning], critical: false },
    ocspNoCheck: true,
  },
  { issuerKeyId, keyUsage: ['keyEncipherment', 'dataEncipherment', 'keyAgreement'], urls, policies: [] },
  {
    issuerKeyId: Buffer.alloc(20, 7),
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    urls,
    uscc: '91350100M000100Y43',
  },
];

test('encoded leaf extensions are the bytes of leafExtensions, on a miss and on later hits', () => {
  for (const rest of specs) {
    for (let i = 0; i < 3; i++) {
      const spec = { ...rest, publicKey: generateSm2KeyPair().publicKey };
      const expected = leafExtensions(spec).map(encodeExtension);
      assert.deepEqual(encodedLeafExtensions(spec), expected, JSON.stringify(rest));
    }
  }
});

test('a caller changing the returned list does not change the cache', () => {
  const spec = { ...specs[0]!, publicKey: generateSm2KeyPair().publicKey };
  const first = encodedLeafExtensions(spec);
  first.pop();
  first[0] = Buffer.alloc(1);
  assert.deepEqual(encodedLeafExtensions(spec), leafExtensions(spec).map(encodeExtension));
});

test('a TBSCertificate is the same with pkijs extensions and with encoded ones', () => {
  const key = generateSm2KeyPair().publicKey;
  const base = {
    serial: randomSerial(),
    subject: encodeName({ C: 'CN', O: '某局', CN: '张三' }),
    issuer: encodeName({ C: 'CN', O: '测试根', CN: 'Test CA' }),
    publicKey: key,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2051-01-01T00:00:00Z'),
  };
  for (const rest of specs) {
    const spec = { ...rest, publicKey: key };
    const withPkijs: CertificateSpec = { ...base, extensions: leafExtensions(spec) };
    const withEncoded: CertificateSpec = { ...base, extensions: encodedLeafExtensions(spec) };
    assert.deepEqual(encodeTbsCertificate(withEncoded), encodeTbsCertificate(withPkijs));
  }
});

// What encodeSm2Spki wrote before its prefix was encoded once: the whole structure built with asn1js.
function asn1jsSpki(publicKey: Uint8Array): Buffer {
  const point = sm2PointToPublicKey(sm2PublicKeyToPoint(publicKey));
  const algorithm = new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: PKI_OID.ecPublicKey }),
      new asn1js.ObjectIdentifier({ value: PKI_OID.sm2Curve }),
    ],
  });
  return Buffer.from(
    new asn1js.Sequence({ value: [algorithm, new asn1js.BitString({ valueHex: point })] }).toBER(),
  );
}

test('the SM2 SubjectPublicKeyInfo from its encoded-once prefix is the asn1js encoding, errors included', () => {
  for (let i = 0; i < 20; i++) {
    const key = generateSm2KeyPair().publicKey;
    assert.deepEqual(encodeSm2Spki(key), asn1jsSpki(key));
    const compressed = Buffer.concat([Buffer.from([2 + (key[64]! & 1)]), key.subarray(1, 33)]);
    assert.deepEqual(encodeSm2Spki(compressed), asn1jsSpki(compressed));
  }
  const offCurve = Buffer.from(generateSm2KeyPair().publicKey);
  offCurve[64]! ^= 1;
  for (const bad of [offCurve, Buffer.alloc(65), Buffer.alloc(64, 4)]) {
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as { code?: string }).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    assert.equal(
      error(() => encodeSm2Spki(bad)),
      error(() => asn1jsSpki(bad)),
    );
    assert.notEqual(
      error(() => encodeSm2Spki(bad)),
      'no error',
    );
  }
});

test('cached subject names: encodeName bytes and the text a parsed certificate shows', () => {
  const names: NameAttributes[] = [
    {
      C: 'CN',
      ST: '浙江省',
      O: '杭州市某局',
      organizationIdentifier: '113301000024902776',
      CN: '杭州市某局',
    },
    { C: 'CN', O: 'a,b+c"d\\e<f>g;h', CN: ' x ' },
    { C: 'CN', O: '', CN: 'seal signer', OU: undefined },
    { C: '中国', serialNumber: 'é', CN: 'Latin-1 in a PrintableString' },
  ];
  for (const attrs of names) {
    const first = encodeNameCached(attrs);
    const der = encodeName(attrs);
    assert.deepEqual(first.der, der);
    assert.equal(first.text, nameToString(pkijsName(der)));
    assert.equal(encodeNameCached({ ...attrs }), first, 'a hit');
  }
  assert.notEqual(encodeNameCached({ C: 'CN', CN: 'a' }).text, encodeNameCached({ C: 'CN', CN: 'b' }).text);
});

test('agency lookups: cached after a hit, never for a miss, always read inside a transaction', async () => {
  const db = await createTestDatabase();
  try {
    const agency: Agency = {
      id: randomUUID(),
      name: '缓存测试局',
      uscc: '113301000024902776',
      regionCode: '330100',
      province: '33',
      createdAt: new Date(Math.floor(Date.now() / 1000) * 1000),
    };
    assert.equal(await findAgencyCached(db.knex, agency.id), undefined);
    await insertAgency(db.knex, agency);
    const found = await findAgencyCached(db.knex, agency.id);
    assert.equal(found?.name, agency.name, 'a miss is not remembered');
    // Behind the application's back (agencies are never updated by SealTrust): memory answers outside
    // transactions, a transaction reads the row.
    await db.knex('agencies').where({ id: agency.id }).update({ name: '改名局' });
    assert.equal(await findAgencyCached(db.knex, agency.id), found);
    await db.knex.transaction(async (trx) => {
      assert.equal((await findAgencyCached(trx, agency.id))?.name, '改名局');
    });
  } finally {
    await db.drop();
  }
});
