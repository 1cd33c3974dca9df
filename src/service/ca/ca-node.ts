import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fromPem, toPem } from '../../crypto/pem.js';
import { parseSm2PrivateKey } from '../../crypto/sm2-keys.js';
import { sm2PrecomputePublicKey } from '../../crypto/sm2.js';
import { caManifestSchema, type CaManifest } from '../../pki/ca-manifest.js';
import { caUrls, certificateProfileSchema, type CertificateProfile } from '../../pki/ca-config.js';
import { parseCertificate, type CertificateInfo } from '../../pki/certificate.js';

export interface KeyedCertificate {
  cert: CertificateInfo;
  pem: string;
  privateKey: Uint8Array;
}

/** One issuing CA as the running service holds it: keys decrypted in memory, never logged. */
export interface IssuingCa {
  id: string;
  ca: KeyedCertificate;
  ocspResponder: KeyedCertificate;
  tsa?: KeyedCertificate & { policy: string };
  /** The node's seal-making system (制章者). */
  sealMaker?: KeyedCertificate;
  /** The node's directory-log signer (federation.md §4.3); see node-log-keys.ts. */
  logSigner?: KeyedCertificate;
  /** Log signers this one replaced (`sealtrust ca rotate-log-key`): certificates only, their keys never loaded. */
  retiredLogSigners?: { cert: CertificateInfo; retiredAt: Date }[];
  /** The hub's witness cosigner (loaded wherever configured, used only by a hub). */
  witness?: KeyedCertificate;
  /** The hub's national trust-list signer (federation.md §2.8; loaded wherever configured, used only by a hub). */
  trustListSigner?: KeyedCertificate;
  crlValidityHours: number;
  urls: { crl: string; ocsp: string; caIssuers: string };
  /** Issuing CA then root, as PEM: what a certificate response's `chain` holds. */
  chainPem: string[];
}

export interface CaNode {
  node: string;
  /** Province codes this node serves; undefined means all (development). */
  provinces?: string[] | undefined;
  root: { id: string; cert: CertificateInfo; pem: string; crl: Buffer };
  issuingCas: Map<string, IssuingCa>;
  /** The CA that issues by default (the first configured). */
  defaultCa: IssuingCa;
  profiles: Map<string, CertificateProfile>;
}

/** This node's seal-making systems (each issuing CA's `{caId}-seal-maker` certificate). */
export function nodeSealMakers(node: CaNode): CertificateInfo[] {
  return [...node.issuingCas.values()].flatMap((ca) => (ca.sealMaker ? [ca.sealMaker.cert] : []));
}

export class CaLoadError extends Error {
  override name = 'CaLoadError';
}

function readCert(dir: string, file: string): { cert: CertificateInfo; pem: string } {
  const pem = readFileSync(join(dir, file), 'utf8');
  const cert = parseCertificate(fromPem(pem, ['CERTIFICATE']).der);
  return { cert, pem: toPem('CERTIFICATE', cert.der) };
}

function readKeyed(dir: string, certFile: string, keyFile: string, passphrase: string): KeyedCertificate {
  const { cert, pem } = readCert(dir, certFile);
  let material: ReturnType<typeof parseSm2PrivateKey>;
  try {
    material = parseSm2PrivateKey(readFileSync(join(dir, keyFile), 'utf8'), passphrase);
  } catch (err) {
    throw new CaLoadError(
      `cannot decrypt ${keyFile}: ${(err as Error).message} (check SEALTRUST_CA_PASSPHRASE)`,
    );
  }
  if (!Buffer.from(material.publicKey).equals(cert.publicKey)) {
    throw new CaLoadError(`${keyFile} does not belong to ${certFile}`);
  }
  const privateKey = material.privateKey;
  // Keys that sign or are verified over and over get their precomputation table now, not on first use.
  sm2PrecomputePublicKey(cert.publicKey);
  return { cert, pem, privateKey };
}

export function loadProfiles(dir: string): Map<string, CertificateProfile> {
  const profiles = new Map<string, CertificateProfile>();
  if (!existsSync(dir)) throw new CaLoadError(`certificate profiles directory ${dir} is missing`);
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const parsed = certificateProfileSchema.safeParse(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    if (!parsed.success)
      throw new CaLoadError(
        `profile ${f}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    profiles.set(parsed.data.id, parsed.data);
  }
  return profiles;
}

/**
 * The certificates of the node's log signer and witness from a keys directory, without decrypting any key
 * (`sealtrust ca vkeys` needs public keys only): the default (first) issuing CA's, else the first that has one.
 */
export function readNodeLogCertificates(keysDir: string): {
  logSigner?: CertificateInfo;
  witness?: CertificateInfo;
} {
  const manifestPath = join(keysDir, 'node.json');
  if (!existsSync(manifestPath))
    throw new CaLoadError(`${manifestPath} is missing: run \`sealtrust ca init\``);
  const manifest: CaManifest = caManifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  const first = (kind: 'logSigner' | 'witness') => {
    const entry = manifest.issuingCas.find((ic) => ic[kind])?.[kind];
    return entry ? readCert(keysDir, entry.certificate).cert : undefined;
  };
  const logSigner = first('logSigner');
  const witness = first('witness');
  return { ...(logSigner ? { logSigner } : {}), ...(witness ? { witness } : {}) };
}

/** Loads the node's CA material from a keys directory written by `sealtrust ca init`. */
export function loadCaNode(
  keysDir: string,
  passphrase: string,
  profilesDir: string,
  publicUrl: string,
): CaNode {
  const manifestPath = join(keysDir, 'node.json');
  if (!existsSync(manifestPath))
    throw new CaLoadError(`${manifestPath} is missing: run \`sealtrust ca init\``);
  const manifest: CaManifest = caManifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  const root = readCert(keysDir, manifest.root.certificate);
  const rootCrl = readFileSync(join(keysDir, manifest.root.crl));
  const issuingCas = new Map<string, IssuingCa>();
  for (const ic of manifest.issuingCas) {
    const ca = readKeyed(keysDir, ic.certificate, ic.key, passphrase);
    const ocspResponder = readKeyed(keysDir, ic.ocspResponder.certificate, ic.ocspResponder.key, passphrase);
    const tsa = ic.tsa
      ? { ...readKeyed(keysDir, ic.tsa.certificate, ic.tsa.key, passphrase), policy: ic.tsa.policy }
      : undefined;
    const sealMaker = ic.sealMaker
      ? readKeyed(keysDir, ic.sealMaker.certificate, ic.sealMaker.key, passphrase)
      : undefined;
    const logSigner = ic.logSigner
      ? readKeyed(keysDir, ic.logSigner.certificate, ic.logSigner.key, passphrase)
      : undefined;
    const witness = ic.witness
      ? readKeyed(keysDir, ic.witness.certificate, ic.witness.key, passphrase)
      : undefined;
    const trustListSigner = ic.trustListSigner
      ? readKeyed(keysDir, ic.trustListSigner.certificate, ic.trustListSigner.key, passphrase)
      : undefined;
    issuingCas.set(ic.id, {
      id: ic.id,
      ca,
      ocspResponder,
      ...(tsa ? { tsa } : {}),
      ...(sealMaker ? { sealMaker } : {}),
      ...(logSigner ? { logSigner } : {}),
      ...(ic.retiredLogSigners?.length
        ? {
            retiredLogSigners: ic.retiredLogSigners.map((r) => ({
              cert: readCert(keysDir, r.certificate).cert,
              retiredAt: new Date(r.retiredAt),
            })),
          }
        : {}),
      ...(witness ? { witness } : {}),
      ...(trustListSigner ? { trustListSigner } : {}),
      crlValidityHours: ic.crlValidityHours,
      urls: caUrls({ urls: manifest.urls }, publicUrl, ic.id),
      chainPem: [ca.pem, root.pem],
    });
  }
  const defaultCa = issuingCas.values().next().value;
  if (!defaultCa) throw new CaLoadError('node.json names no issuing CA');
  return {
    node: manifest.node,
    provinces: manifest.provinces,
    root: { id: manifest.root.id, cert: root.cert, pem: root.pem, crl: rootCrl },
    issuingCas,
    defaultCa,
    profiles: loadProfiles(profilesDir),
  };
}
