import type { CertificateInfo } from '../../pki/certificate.js';
import type { KeyUsageName } from '../../pki/certificate-extensions.js';
import type { ChainResult } from '../../pki/certificate-chain.js';
import { SEALTRUST_POLICY, sealTrustProfileOf } from '../../pki/sealtrust-policies.js';
import type { Check } from '../report.js';
import type { KnownSealMakers } from '../validation-context.js';
import { emit, type Text } from './messages.js';

// Who may make seals and who may sign with them (GB/T 38540 §5: a seal is made by a seal-making system and
// used by the holders its certList names). A chain to a trusted root only says a certificate is genuine, not
// what it is for: the profile does (ca/profiles: its certificate policy and key usage). So
//   'maker-authority': the maker certificate is a seal-maker certificate (seal-maker policy, its key usage,
//     no other profile's policy) and a seal-making system this validation knows (this node's own, later the
//     trust list's). Another profile (seal signer, OCSP, TSA, log signer) → CHAIN_CONSTRAINTS_FAILURE; an
//     unknown maker → NO_CERTIFICATE_CHAIN_FOUND (nobody trusted vouches for the seal).
//   'signer-profile': the signer certificate is a seal-signer certificate (seal-signer policy and key
//     usage, no other profile's policy); anything else → CHAIN_CONSTRAINTS_FAILURE.
// Both run only once the chain holds (an unchained certificate is the chain check's failure, not theirs).

const MAKER_USAGE: KeyUsageName[] = ['digitalSignature'];
const SIGNER_USAGE: KeyUsageName[] = ['digitalSignature', 'nonRepudiation'];

/** What keeps `cert` from being a certificate of the profile with `policy` and `usage`; empty when it is. */
export function profileProblems(
  cert: CertificateInfo,
  policy: string,
  usage: readonly KeyUsageName[],
): Text[] {
  const problems: Text[] = [];
  const own = sealTrustProfileOf(policy)!;
  const others = [...new Set(cert.policies.map(sealTrustProfileOf))].filter(
    (p): p is string => p !== null && p !== own,
  );
  if (others.length)
    problems.push({
      zh: `这是${others.join('、')}证书（证书策略）`,
      en: `it is a ${others.join(', ')} certificate (certificate policy)`,
    });
  if (!cert.policies.includes(policy))
    problems.push({
      zh: `缺少${own}证书策略 ${policy}`,
      en: `it lacks the ${own} certificate policy ${policy}`,
    });
  const missing = usage.filter((u) => !cert.keyUsage.includes(u));
  if (missing.length)
    problems.push({
      zh: `密钥用法缺少 ${missing.join('、')}`,
      en: `its key usage lacks ${missing.join(', ')}`,
    });
  if (cert.isCa) problems.push({ zh: '这是 CA 证书', en: 'it is a CA certificate' });
  return problems;
}

function sameCertificate(a: CertificateInfo, b: CertificateInfo): boolean {
  return a.der.equals(b.der);
}

export function isKnownMaker(maker: CertificateInfo, makers: KnownSealMakers | undefined): boolean {
  return makers?.certificates.some((k) => sameCertificate(k, maker)) ?? false;
}

/** The maker is one of this node's own seal-making systems (its seals must all be in this node's registry). */
export function isOwnMaker(maker: CertificateInfo | null, makers: KnownSealMakers | undefined): boolean {
  return maker !== null && (makers?.registeredHere?.some((k) => sameCertificate(k, maker)) ?? false);
}

export function makerAuthorityCheck(
  maker: CertificateInfo | null,
  chain: ChainResult | null,
  makers: KnownSealMakers | undefined,
): Check {
  if (!maker || chain?.status !== 'passed') return emit('maker-authority', 'skipped', 'NO_CHAIN', undefined);
  const subject = maker.subject;
  const details = { serial: maker.serialHex, policies: maker.policies, keyUsage: maker.keyUsage };
  const problems = profileProblems(maker, SEALTRUST_POLICY.sealMaker, MAKER_USAGE);
  const known = isKnownMaker(maker, makers);
  // A certificate of another SealTrust profile is the attack (a signer or service key making seals): say so,
  // known list or not. A foreign certificate without any SealTrust policy is simply a maker nobody here knows.
  const foreign = maker.policies.every((p) => sealTrustProfileOf(p) === null);
  if (problems.length && (known || !foreign))
    return emit('maker-authority', 'indeterminate', 'MAKER_WRONG_PROFILE', { subject, problems }, details);
  if (!known) return emit('maker-authority', 'indeterminate', 'MAKER_UNKNOWN', { subject }, details);
  return emit('maker-authority', 'passed', 'MAKER_KNOWN', { subject }, details);
}

export function signerProfileCheck(signer: CertificateInfo | null, chain: ChainResult | null): Check {
  if (!signer || chain?.status !== 'passed') return emit('signer-profile', 'skipped', 'NO_CHAIN', undefined);
  const subject = signer.subject;
  const details = { serial: signer.serialHex, policies: signer.policies, keyUsage: signer.keyUsage };
  const problems = profileProblems(signer, SEALTRUST_POLICY.sealSigner, SIGNER_USAGE);
  return problems.length
    ? emit('signer-profile', 'indeterminate', 'SIGNER_WRONG_PROFILE', { subject, problems }, details)
    : emit('signer-profile', 'passed', 'SIGNER_PROFILE_OK', { subject }, details);
}
