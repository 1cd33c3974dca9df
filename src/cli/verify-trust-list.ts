import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCertificate, type CertificateInfo } from '../pki/certificate.js';
import { readCertificateBundle } from '../service/federation/certificate-bundle.js';
import { httpHubSealEvidence, httpHubEvidence } from '../service/federation/hub-evidence-source.js';
import {
  FederatedDirectoryView,
  type HubEvidenceSource,
} from '../service/verification/federated-directory-view.js';
import { federatedSealRegistry } from '../service/verification/federated-seal-registry.js';
import type { SealRegistryView } from '../verify/validation-context.js';
import { FederatedTrust, type TrustSnapshot } from '../service/verification/federated-trust.js';
import { foreignRevocationView } from '../service/verification/foreign-revocation-view.js';
import { formatProofBundle } from '../tlog/proof-bundle.js';
import { decodeStrictBase64 } from '../tlog/strict-base64.js';
import type { AcceptedTrustList } from '../trust-list/trust-list-acceptance.js';
import { TrustListError } from '../trust-list/trust-list-error.js';
import { verifyTrustListSignature } from '../trust-list/trust-list-signature.js';
import type { LicenceEvidenceAnswer } from '../verify/licence-log-evidence.js';
import type { LicenceDirectoryView } from '../verify/licence-validation.js';
import type { RevocationView } from '../verify/revocation/revocation-source.js';
import type { KnownSealMakers } from '../verify/validation-context.js';
import { FileTimelineStore } from './checkpoint-timeline-file.js';
import {
  defaultTrustListCache,
  fetchTrustListInto,
  readTrustListCache,
  readTrustListFile,
  signatureTime,
  TRUST_LIST_FILE,
} from './trust-list-cache.js';

// `sealtrust verify --trust-list` (federation.md §4.3 "CLI"): a verifier outside every node, trusting only the
// national trust list. The chain comes from the list (its roots are the anchors, its issuing CAs the
// intermediates, its seal makers the known makers, none registered here), so it works offline; the licence layer
// is the service's FederatedDirectoryView over no local directory, judging the hub's log evidence exactly as a
// node does (`licence-in-log`, `trust-list`); revocation is each listed node's own CRL (foreignRevocationView).

/** The trust list could not be had (or does not verify): the verification's input is unusable (exit 3). */
export class TrustListInputError extends Error {}

export interface TrustListVerifyOptions {
  /** The hub's …/trust/list.json URL, a cache directory, or a cached list.json (its .p7s beside it). */
  trustList: string;
  /** PEM: bootstrap signers for a URL (as `trust-list fetch --signers`); for a local list, the signers it must verify with. */
  signers?: string | undefined;
  /** Cache directory a URL is fetched into (default: `trust-list fetch`'s). */
  cache?: string | undefined;
  /** The hub asked for log evidence (default: the list's operator URL). */
  hub?: string | undefined;
  /** Notes to the operator (stderr). */
  warn: (line: string) => void;
}

export interface TrustListVerification {
  snapshot: TrustSnapshot;
  anchors: CertificateInfo[];
  intermediates: CertificateInfo[];
  sealMakers: KnownSealMakers;
  licences: LicenceDirectoryView;
  revocation: RevocationView;
  /** Other nodes' seals, from their logs through the hub. */
  sealRegistry: SealRegistryView;
  /**
   * The tlog-proof-sm3 bundle (§2.7) of leaf `index` of `identifier` from the hub's answer the directory view
   * judged, or undefined when that answer holds no such leaf. Only meaningful once `licence-in-log` passed.
   */
  logProof(identifier: string, index: number): string | undefined;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Where the list is kept: a URL's cache directory, a named directory, or the directory of a named list.json. */
function listDirectory(o: TrustListVerifyOptions): string {
  if (isUrl(o.trustList)) return o.cache ?? defaultTrustListCache();
  try {
    return statSync(o.trustList).isDirectory() ? o.trustList : dirname(o.trustList);
  } catch {
    return dirname(o.trustList);
  }
}

async function acceptedList(o: TrustListVerifyOptions, now: Date): Promise<AcceptedTrustList> {
  if (isUrl(o.trustList)) {
    const dir = o.cache ?? defaultTrustListCache();
    try {
      await fetchTrustListInto(o.trustList, dir, o.signers, now);
    } catch (err) {
      // As a node does: a refused or unreachable list leaves the cached one in force (§2.8 rule 3).
      const code = err instanceof TrustListError ? ` (${err.code})` : '';
      o.warn(
        `信任列表被拒绝或不可用，使用缓存 / trust list refused or unavailable, using the cache${code}: ${(err as Error).message}`,
      );
    }
    const cached = readTrustListCache(dir, now);
    if (!cached)
      throw new TrustListInputError(
        `no trust list in ${dir} / 缓存中没有信任列表: ${o.trustList} not accepted`,
      );
    return cached;
  }
  let file = o.trustList;
  try {
    if (statSync(file).isDirectory()) file = join(file, TRUST_LIST_FILE);
  } catch (err) {
    throw new TrustListInputError(`cannot read trust list ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const accepted = readTrustListFile(file, now);
  if (o.signers)
    verifyTrustListSignature(
      accepted.bytes,
      accepted.p7s,
      readCertificateBundle(o.signers),
      signatureTime(accepted.list.nextUpdate, now),
    );
  return accepted;
}

/** The trust, directory and revocation of a verification by the trust list alone. */
export async function trustListVerification(
  o: TrustListVerifyOptions,
  now: Date,
): Promise<TrustListVerification> {
  let accepted: AcceptedTrustList;
  try {
    accepted = await acceptedList(o, now);
  } catch (err) {
    if (err instanceof TrustListInputError) throw err;
    const code = err instanceof TrustListError ? ` (${err.code})` : '';
    throw new TrustListInputError(
      `信任列表无效 / the trust list is not usable${code}: ${(err as Error).message}`,
    );
  }
  const trust = new FederatedTrust({
    current: () => Promise.resolve({ bytes: accepted.bytes, sm3: accepted.sm3 }),
    now: () => now,
  });
  const snapshot = (await trust.snapshot())!;
  // An expired list vouches for no node (§2.8 rule 5): nothing chains through it, and the licence layer says
  // TRUST_LIST_EXPIRED. INDETERMINATE, never FAILED.
  const valid = snapshot.state === 'valid';
  if (!valid)
    o.warn(
      `信任列表 #${snapshot.anchors.sequenceNumber} 已于 ${snapshot.anchors.nextUpdate} 过期 / trust list expired: it vouches for no node`,
    );
  const parse = (ders: Buffer[]) => (valid ? ders.map((d) => parseCertificate(d)) : []);

  const hubUrl = o.hub ?? accepted.list.operator.url;
  const ask = httpHubEvidence(hubUrl);
  // The answers the view judged, kept so the verified leaf can be written out as a proof bundle.
  const answers = new Map<string, LicenceEvidenceAnswer>();
  const hub: HubEvidenceSource = async (identifier, old) => {
    const a = await ask(identifier, old);
    if (!('missing' in a)) answers.set(identifier, a);
    return a;
  };
  // The timeline beside the list, kept between runs: never backwards, as at a node.
  const timelineStore = new FileTimelineStore(join(listDirectory(o), 'checkpoints'), o.warn);
  const view = new FederatedDirectoryView({
    local: { lookup: () => Promise.resolve(null) },
    trust,
    hub,
    timelineStore,
  });
  const noLocalRevocation: RevocationView = {
    statusAt: () => Promise.resolve({ status: 'no-source', source: 'none' }),
  };
  return {
    snapshot,
    anchors: parse(snapshot.anchors.roots),
    intermediates: parse(snapshot.anchors.intermediates),
    // Other nodes' makers: known, but their seals live in their own registries (none is registered here).
    sealMakers: { certificates: parse(snapshot.anchors.sealMakers), registeredHere: [] },
    licences: view,
    // Other nodes' seals from their logs through the hub, judged on the same timeline as the directory.
    sealRegistry: federatedSealRegistry({
      local: { sealStatusAt: () => Promise.resolve({ known: false }) },
      trust,
      hub: httpHubSealEvidence(hubUrl),
      timeline: view.timeline,
    }),
    revocation: foreignRevocationView(noLocalRevocation, trust),
    logProof(identifier, index) {
      const a = answers.get(identifier);
      const e = Array.isArray(a?.events) ? a.events.find((x) => x.index === index) : undefined;
      if (!a?.checkpoint || !e) return undefined;
      const proof = e.inclusion.map((h) => decodeStrictBase64(h));
      if (proof.some((h) => !h)) return undefined;
      return formatProofBundle({
        leaf: Buffer.from(String(e.leaf), 'utf8'),
        index,
        proof: proof as Uint8Array[],
        checkpoint: a.checkpoint,
      });
    },
  };
}
