// SealTrust's own artefacts for the authority attacks: the development node (keys-dev: its root, issuing CA,
// OCSP responder, TSA and seal maker with their keys) and certificates its CA issues from ca/profiles, as
// POST /v1/certificates would. Everything an attacker inside the federation could hold: an agency's
// seal-signer certificate and key, and (worst case) a service key of the node.
import { DEV_KEYS_PASSPHRASE } from '../../src/config.js';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { buildCertificate, randomSerial } from '../../src/pki/certificate-builder.js';
import { keyIdentifier } from '../../src/pki/certificate-extensions.js';
import { parseCertificate, type CertificateInfo } from '../../src/pki/certificate.js';
import { encodeName } from '../../src/pki/distinguished-name.js';
import { leafExtensions } from '../../src/pki/leaf-extensions.js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';
import { loadCaNode, nodeSealMakers, type CaNode } from '../../src/service/ca/ca-node.js';
import type { SealRegistryView, SesValidationContext } from '../../src/verify/ses-validation.js';
import { DEV_KEYS_DIR, PROFILES_DIR } from '../helpers/test-server.js';

const DAY = 86_400_000;

export interface Holder {
  cert: CertificateInfo;
  der: Buffer;
  privateKey: Uint8Array;
}

let node: CaNode | undefined;

/** The development node as the service loads it. */
export function devNode(): CaNode {
  return (node ??= loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, 'http://127.0.0.1:8080'));
}

/** A certificate of `profile` (ca/profiles) from the node's issuing CA, with a fresh key. */
export function issueFromProfile(profileId: string, commonName: string): Holder {
  const n = devNode();
  const ca = n.defaultCa;
  const profile = n.profiles.get(profileId);
  if (!profile) throw new Error(`no profile ${profileId}`);
  const key = generateSm2KeyPair();
  const der = buildCertificate(
    {
      serial: randomSerial(),
      subject: encodeName({ C: 'CN', O: '某某市某某局', CN: commonName }),
      issuer: ca.ca.cert.subjectDer,
      publicKey: key.publicKey,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 300 * DAY),
      extensions: leafExtensions({
        publicKey: key.publicKey,
        issuerKeyId: keyIdentifier(ca.ca.cert.publicKey),
        keyUsage: profile.keyUsage,
        extKeyUsage: profile.extKeyUsage,
        urls: ca.urls,
        policies: profile.policies,
      }),
    },
    ca.ca.privateKey,
  );
  return { cert: parseCertificate(der), der, privateKey: key.privateKey };
}

/** One of the node's own service certificates with its key. */
export function nodeKey(which: 'ocspResponder' | 'sealMaker' | 'tsa'): Holder {
  const k = devNode().defaultCa[which]!;
  return { cert: k.cert, der: k.cert.der, privateKey: k.privateKey };
}

export const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

/** An SESeal named `name` made by `maker`, listing `signers`. */
export function sealBy(
  maker: Holder,
  signers: Holder[],
  o: { name?: string; esID?: string; certDigests?: { type: string; value: Buffer }[] } = {},
): Buffer {
  return makeSeal(
    {
      version: 4,
      vid: 'SealTrust',
      esID: o.esID ?? '33000000000099',
      type: 1,
      name: o.name ?? '浙江省人民政府',
      certs: signers.map((s) => s.der),
      ...(o.certDigests ? { certDigests: o.certDigests } : {}),
      createDate: new Date(Date.now() - DAY),
      validStart: new Date(Date.now() - DAY),
      validEnd: new Date(Date.now() + 100 * DAY),
      picture: { type: 'PNG', data: PNG, width: 40, height: 40 },
    },
    { cert: maker.der, privateKey: maker.privateKey },
  );
}

/** An SES_Signature over `data` with `seal`, by `signer`. */
export function signWith(seal: Buffer, signer: Holder, data: Buffer): Buffer {
  return signSesV4(
    { seal, timeInfo: new Date(Date.now() - 60_000), dataHash: sm3(data), propertyInfo: 'test' },
    { cert: signer.der, privateKey: signer.privateKey },
  ).der;
}

/** A PDF `sign` callback: an SES_Signature over the ByteRange digest with `seal`, by `signer`. */
export function pdfSigner(seal: Buffer, signer: Holder): (digest: Buffer) => Promise<Buffer> {
  return async (digest) =>
    signSesV4(
      { seal, timeInfo: new Date(Date.now() - 60_000), dataHash: digest, propertyInfo: 'PDF ByteRange' },
      { cert: signer.der, privateKey: signer.privateKey },
    ).der;
}

/** A registry that holds exactly `known` (esID → SESeal DER), all active. */
export function registryOf(known: Map<string, Buffer>): SealRegistryView {
  return {
    async sealStatusAt(esID) {
      const der = known.get(esID);
      if (!der) return { known: false };
      return {
        known: true,
        status: 'active',
        changedAt: new Date(Date.now() - 2 * DAY),
        currentStatus: 'active',
        registeredSealSm3: sm3(der).toString('hex'),
      };
    },
  };
}

/** What this node's verifier is given (trust, its makers, registry, a CA view that knows every certificate). */
export function nodeContext(registry: SealRegistryView, data?: Buffer): SesValidationContext {
  const n = devNode();
  const makers = nodeSealMakers(n);
  return {
    anchors: [n.root.cert],
    intermediates: [n.defaultCa.ca.cert],
    sealMakers: { certificates: makers, registeredHere: makers },
    sealRegistry: registry,
    revocation: { statusAt: async () => ({ status: 'good', source: 'test-ca-db' }) },
    ...(data ? { data } : {}),
  };
}
