import { generateSm2KeyPair, type Sm2KeyPair } from '../../src/crypto/sm2.js';
import { buildCertificate, randomSerial } from '../../src/pki/certificate-builder.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  extKeyUsageExtension,
  keyIdentifier,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
  type KeyUsageName,
} from '../../src/pki/certificate-extensions.js';
import { parseCertificate, type CertificateInfo } from '../../src/pki/certificate.js';
import { encodeName } from '../../src/pki/distinguished-name.js';

const DAY = 86_400_000;

/** A throwaway SM2 certificate and its key, for tests and benchmarks that need a hierarchy of their own. */
export interface TestCertificate {
  key: Sm2KeyPair;
  name: Buffer;
  der: Buffer;
  info: CertificateInfo;
}

export interface TestCertificateOptions {
  ca?: boolean;
  pathLen?: number;
  usage?: KeyUsageName[];
  /** A critical EKU (e.g. timeStamping). */
  eku?: string;
  notBefore?: Date;
  notAfter?: Date;
  organization?: string;
  /** certificatePolicies (e.g. SEALTRUST_POLICY.sealMaker: a SealTrust profile). */
  policies?: string[];
}

/** Issues `cn` under `issuer` (self-signed when null), SM2 with SM3, with SKI/AKI and key usage. */
export function issueTestCertificate(
  cn: string,
  issuer: TestCertificate | null,
  o: TestCertificateOptions = {},
): TestCertificate {
  const key = generateSm2KeyPair();
  const name = encodeName({ C: 'CN', O: o.organization ?? 'SealTrust 测试', CN: cn });
  const ca = o.ca ?? false;
  const der = buildCertificate(
    {
      serial: randomSerial(),
      subject: name,
      issuer: issuer ? issuer.name : name,
      publicKey: key.publicKey,
      notBefore: o.notBefore ?? new Date(Date.now() - 30 * DAY),
      notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
      extensions: [
        basicConstraintsExtension(ca, o.pathLen),
        keyUsageExtension(
          o.usage ??
            (ca ? ['digitalSignature', 'keyCertSign', 'cRLSign'] : ['digitalSignature', 'nonRepudiation']),
        ),
        ...(o.eku ? [extKeyUsageExtension([o.eku], true)] : []),
        ...(o.policies?.length ? [certificatePoliciesExtension(o.policies)] : []),
        subjectKeyIdentifierExtension(key.publicKey),
        ...(issuer ? [authorityKeyIdentifierExtension(keyIdentifier(issuer.key.publicKey))] : []),
      ],
    },
    (issuer ?? { key }).key.privateKey,
  );
  return { key, name, der, info: parseCertificate(der) };
}
