import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { toPem } from '../../src/crypto/pem.js';
import { buildCertificate, randomSerial } from '../../src/pki/certificate-builder.js';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  extKeyUsageExtension,
  keyIdentifier,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
  usccExtension,
} from '../../src/pki/certificate-extensions.js';
import { parseCertificate, verifyCertificateSignature } from '../../src/pki/certificate.js';
import { encodeName } from '../../src/pki/distinguished-name.js';
import { PKI_OID } from '../../src/pki/pki-oids.js';
import { openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';

function build(notBefore: Date, notAfter: Date) {
  const issuer = generateSm2KeyPair();
  const subject = generateSm2KeyPair();
  const issuerName = encodeName({ C: 'CN', O: '测试根', CN: 'Builder Test Root' });
  const der = buildCertificate(
    {
      serial: randomSerial(),
      subject: encodeName({
        C: 'CN',
        ST: '浙江省',
        O: '杭州市某局',
        organizationIdentifier: '113301000024902776',
        CN: '张三',
      }),
      issuer: issuerName,
      publicKey: subject.publicKey,
      notBefore,
      notAfter,
      extensions: [
        basicConstraintsExtension(false),
        keyUsageExtension(['digitalSignature', 'nonRepudiation']),
        extKeyUsageExtension([PKI_OID.kpTimeStamping], true),
        subjectKeyIdentifierExtension(subject.publicKey),
        authorityKeyIdentifierExtension(keyIdentifier(issuer.publicKey)),
        crlDistributionPointsExtension('http://ca.example.cn/crl/x.crl'),
        authorityInfoAccessExtension({
          ocsp: 'http://ca.example.cn/ocsp',
          caIssuers: 'http://ca.example.cn/ca/x.crt',
        }),
        certificatePoliciesExtension(['2.25.331378933073741540232787376587029394141.1.1']),
        usccExtension('113301000024902776'),
      ],
    },
    issuer.privateKey,
  );
  return { der, issuer };
}

test('the hand-assembled TBS is canonical DER: pkijs re-encodes it to the same bytes', () => {
  for (const [nb, na] of [
    [new Date('2026-01-01T00:00:00Z'), new Date('2049-12-31T23:59:59Z')],
    [new Date('2049-06-01T00:00:00Z'), new Date('2050-01-01T00:00:00Z')],
  ] as const) {
    const { der, issuer } = build(nb, na);
    const cert = new pkijs.Certificate({ schema: asn1js.fromBER(der).result });
    assert.deepEqual(Buffer.from(cert.encodeTBS().toBER()), Buffer.from(cert.tbsView));
    assert.deepEqual(Buffer.from(cert.toSchema(true).toBER()), der);
    const info = parseCertificate(der);
    assert.ok(verifyCertificateSignature(info, issuer.publicKey));
    assert.equal(info.notAfter.toISOString(), na.toISOString());
  }
});

test('openssl reads every field and verifies the signature with the standard ID', async () => {
  const tmp = scratchDir('sealtrust-builder-');
  try {
    const { der, issuer } = build(new Date(Date.now() - 60_000), new Date(Date.now() + 86_400_000));
    const certFile = tmp.file('c.pem', toPem('CERTIFICATE', der));
    const text = (await openssl(['x509', '-in', certFile, '-text', '-noout'])).stdout;
    assert.match(text, /Extended Key Usage: critical\s*\n\s*Time Stamping/);
    assert.match(text, /Key Usage: critical\s*\n\s*Digital Signature, Non Repudiation/);
    assert.match(text, /OCSP - URI:http:\/\/ca\.example\.cn\/ocsp/);
    assert.match(text, /Policy: 2\.25\.331378933073741540232787376587029394141\.1\.1/);
    const outer = asn1js.fromBER(der).result as asn1js.Sequence;
    const [tbs, , sig] = outer.valueBlock.value as [asn1js.Sequence, asn1js.Sequence, asn1js.BitString];
    const pub = tmp.file(
      'pub.pem',
      toPem('PUBLIC KEY', (await import('../../src/crypto/sm2-keys.js')).encodeSm2Spki(issuer.publicKey)),
    );
    const v = await openssl(
      sm2VerifyArgs(
        pub,
        tmp.file('tbs.der', Buffer.from(tbs.toBER())),
        tmp.file('sig.der', Buffer.from(sig.valueBlock.valueHexView)),
      ),
    );
    assert.equal(v.code, 0, v.stderr + v.stdout);
  } finally {
    tmp.cleanup();
  }
});
