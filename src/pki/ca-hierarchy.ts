import { generateSm2KeyPair, type Sm2KeyPair } from '../crypto/sm2.js';
import {
  caUrls,
  fillSubject,
  type CaName,
  type CaNodeConfig,
  type CaOperator,
  type CertificateProfile,
} from './ca-config.js';
import { buildCertificate, randomSerial } from './certificate-builder.js';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  keyIdentifier,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
} from './certificate-extensions.js';
import { buildCrl } from './crl-builder.js';
import { leafExtensions, type LeafExtensionSpec } from './leaf-extensions.js';
import { encodeName } from './distinguished-name.js';
import { PKI_OID } from './pki-oids.js';
import { SEALTRUST_POLICY } from './sealtrust-policies.js';

export interface IssuedKey {
  keyPair: Sm2KeyPair;
  certificate: Buffer;
}

export interface GeneratedHierarchy {
  root: IssuedKey & { crl: Buffer };
  issuingCas: {
    id: string;
    ca: IssuedKey;
    ocspResponder: IssuedKey;
    tsa?: IssuedKey;
    sealMaker?: IssuedKey;
    logSigner?: IssuedKey;
    witness?: IssuedKey;
    trustListSigner?: IssuedKey;
  }[];
}

/**
 * The node's own profile-based keys and their ca/profiles ids, which are also their key files' suffix
 * (`<caId>-<id>.crt.pem`).
 */
export const NODE_KEY_PROFILE_IDS = {
  logSigner: 'log-signer',
  witness: 'witness',
  trustListSigner: 'trust-list-signer',
} as const;
export type NodeKeyKind = keyof typeof NODE_KEY_PROFILE_IDS;

/** The profiles of the node's own profile-based keys (ca/profiles/log-signer.json, witness.json, …). */
export type NodeKeyProfiles = { [K in NodeKeyKind]?: CertificateProfile | undefined };

/** An issuing CA that certifies a node key: its name, key identifier, key, expiry and URLs. */
export interface NodeKeyIssuer {
  name: Buffer;
  keyId: Uint8Array;
  privateKey: Uint8Array;
  notAfter: Date;
  urls: { crl: string; ocsp: string; caIssuers: string };
}

const DAY = 86_400_000;
/** Backdating absorbs clock skew between this node and relying parties. */
const BACKDATE_MS = 5 * 60_000;

function addYears(d: Date, years: number): Date {
  const r = new Date(d);
  r.setUTCFullYear(r.getUTCFullYear() + years);
  return r;
}

function nameDer(n: CaName): Buffer {
  return encodeName(n);
}

/**
 * The key ceremony: a self-signed root, one issuing CA per entry (signed by the root), and for each
 * issuing CA its delegated OCSP responder and, when configured, its TSA. All SM2 with SM3.
 */
export function generateHierarchy(
  config: CaNodeConfig,
  publicUrl: string,
  now = new Date(),
  profiles: NodeKeyProfiles = {},
): GeneratedHierarchy {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const rootKey = generateSm2KeyPair();
  const rootName = nameDer(config.root.subject);
  const rootKid = keyIdentifier(rootKey.publicKey);
  const rootCert = buildCertificate(
    {
      serial: randomSerial(),
      subject: rootName,
      issuer: rootName,
      publicKey: rootKey.publicKey,
      notBefore,
      notAfter: addYears(now, config.root.validityYears),
      extensions: [
        basicConstraintsExtension(true, config.root.pathLen),
        keyUsageExtension(['digitalSignature', 'keyCertSign', 'cRLSign']),
        subjectKeyIdentifierExtension(rootKey.publicKey),
      ],
    },
    rootKey.privateKey,
  );
  const rootUrls = caUrls(config, publicUrl, config.root.id);
  const rootCrl = buildCrl(
    {
      issuerName: rootName,
      issuerPublicKey: rootKey.publicKey,
      crlNumber: 1n,
      thisUpdate: notBefore,
      nextUpdate: new Date(now.getTime() + config.root.crlValidityDays * DAY),
      entries: [],
    },
    rootKey.privateKey,
  );

  const issuingCas = config.issuingCas.map((ic) => {
    const caKey = generateSm2KeyPair();
    const caName = nameDer(ic.subject);
    const caCert = buildCertificate(
      {
        serial: randomSerial(),
        subject: caName,
        issuer: rootName,
        publicKey: caKey.publicKey,
        notBefore,
        notAfter: addYears(now, ic.validityYears),
        extensions: [
          basicConstraintsExtension(true, ic.pathLen),
          keyUsageExtension(['digitalSignature', 'keyCertSign', 'cRLSign']),
          subjectKeyIdentifierExtension(caKey.publicKey),
          authorityKeyIdentifierExtension(rootKid),
          crlDistributionPointsExtension(rootUrls.crl),
          authorityInfoAccessExtension({ caIssuers: rootUrls.caIssuers }),
          ...(ic.policies.length ? [certificatePoliciesExtension(ic.policies)] : []),
        ],
      },
      rootKey.privateKey,
    );
    const caKid = keyIdentifier(caKey.publicKey);
    const urls = caUrls(config, publicUrl, ic.id);
    const leaf = (
      name: CaName,
      validityDays: number,
      spec: Omit<LeafExtensionSpec, 'publicKey' | 'issuerKeyId'>,
    ) => {
      const key = generateSm2KeyPair();
      const certificate = buildCertificate(
        {
          serial: randomSerial(),
          subject: nameDer(name),
          issuer: caName,
          publicKey: key.publicKey,
          notBefore,
          notAfter: new Date(now.getTime() + validityDays * DAY),
          extensions: leafExtensions({ ...spec, publicKey: key.publicKey, issuerKeyId: caKid }),
        },
        caKey.privateKey,
      );
      return { keyPair: key, certificate };
    };
    // A delegated responder carries ocsp-nocheck instead of pointers to its own status.
    // Each carries its profile's certificate policy (ca/profiles): verifiers tell what a certificate is for
    // by it (only a seal-maker certificate makes seals).
    const ocspResponder = leaf(ic.ocspResponder.subject, ic.ocspResponder.validityDays, {
      keyUsage: ['digitalSignature'],
      extKeyUsage: { purposes: [PKI_OID.kpOcspSigning], critical: false },
      ocspNoCheck: true,
      policies: [SEALTRUST_POLICY.ocspResponder],
    });
    // RFC 3161 §2.3: the TSA's EKU is critical and timeStamping only.
    const tsa = ic.tsa
      ? leaf(ic.tsa.subject, ic.tsa.validityDays, {
          keyUsage: ['digitalSignature', 'nonRepudiation'],
          extKeyUsage: { purposes: [PKI_OID.kpTimeStamping], critical: true },
          urls,
          policies: [SEALTRUST_POLICY.tsa],
        })
      : undefined;
    // The seal maker (制章者) has the seal-maker profile: digitalSignature only, no EKU.
    const sealMaker = ic.sealMaker
      ? leaf(ic.sealMaker.subject, ic.sealMaker.validityDays, {
          keyUsage: ['digitalSignature'],
          urls,
          policies: [SEALTRUST_POLICY.sealMaker],
        })
      : undefined;
    const issuer: NodeKeyIssuer = {
      name: caName,
      keyId: caKid,
      privateKey: caKey.privateKey,
      notAfter: addYears(now, ic.validityYears),
      urls,
    };
    const own = (key: NodeKeyKind) => {
      const conf = ic[key];
      if (!conf) return undefined;
      return issueNodeKey(issuer, requireProfile(profiles, key), config.operator, now, conf.validityDays);
    };
    const logSigner = own('logSigner');
    const witness = own('witness');
    const trustListSigner = own('trustListSigner');
    return {
      id: ic.id,
      ca: { keyPair: caKey, certificate: caCert },
      ocspResponder,
      ...(tsa ? { tsa } : {}),
      ...(sealMaker ? { sealMaker } : {}),
      ...(logSigner ? { logSigner } : {}),
      ...(witness ? { witness } : {}),
      ...(trustListSigner ? { trustListSigner } : {}),
    };
  });

  return { root: { keyPair: rootKey, certificate: rootCert, crl: rootCrl }, issuingCas };
}

export function requireProfile(profiles: NodeKeyProfiles, key: keyof NodeKeyProfiles): CertificateProfile {
  const p = profiles[key];
  if (!p) throw new Error(`${key} is configured but its certificate profile was not given (ca/profiles)`);
  return p;
}

/**
 * A node-wide key (log signer, witness, trust-list signer) certified from its profile, the operator standing in
 * for the agency: for a node-wide log the "agency" the profile names is the node's trust-service centre
 * (federation.md §4.3).
 * The certificate never outlives its CA.
 */
export function issueNodeKey(
  issuer: NodeKeyIssuer,
  profile: CertificateProfile,
  operator: CaOperator | undefined,
  now = new Date(),
  validityDays = profile.validityDays,
): IssuedKey {
  if (!operator) throw new Error(`the ${profile.id} certificate needs "operator" in the CA config`);
  const subject = fillSubject(profile.subject, {
    agencyName: operator.name,
    uscc: operator.uscc,
    provinceName: operator.provinceName,
    regionCode: operator.regionCode ?? '',
    commonName: operator.name,
  });
  const key = generateSm2KeyPair();
  const certificate = buildCertificate(
    {
      serial: randomSerial(),
      subject: nameDer(subject),
      issuer: issuer.name,
      publicKey: key.publicKey,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(Math.min(now.getTime() + validityDays * DAY, issuer.notAfter.getTime())),
      extensions: leafExtensions({
        publicKey: key.publicKey,
        issuerKeyId: issuer.keyId,
        keyUsage: profile.keyUsage,
        extKeyUsage: profile.extKeyUsage,
        urls: issuer.urls,
        policies: profile.policies,
        uscc: profile.usccExtension ? operator.uscc : undefined,
        ocspNoCheck: profile.ocspNoCheck,
      }),
    },
    issuer.privateKey,
  );
  return { keyPair: key, certificate };
}
