// trust_list_verify_ms (federation.md §6.3): what a node spends accepting a national trust list of 70 nodes × 6
// services, in this process (no server): the canonical-bytes parse and schema, the detached SM2 CMS signature and
// the acceptance rules (acceptTrustList), then the verifier's anchors (trustListAnchors). The list is realistic:
// every node's certificates come from its own key ceremony (generateHierarchy, the code `sealtrust ca init` runs,
// on the CA config the federation demo gives each node: root CA, issuing CA, OCSP responder, TSA, seal maker and
// a log signer, 420 real SM2 certificates and 70 log vkeys), and the hub's own ceremony provides the trust-list
// signer, witness and status keys; the list is encoded and signed as the hub publishes it (nextTrustList,
// encodeTrustList, signTrustList). Reports the median and p99 of BENCH_TRUST_LIST_RUNS (default 200) runs and the
// medians of the parts. `run()` is imported by bench/federation.ts; alone: node --import tsx <this file>.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sm2SignDigest } from '../src/crypto/sm2.js';
import { sm3Hex } from '../src/crypto/sm3.js';
import { caConfigFor, exampleUscc } from '../src/cli/federation-demo/federation-nodes.js';
import { PROJECT_ROOT } from '../src/config.js';
import { caNodeConfigSchema } from '../src/pki/ca-config.js';
import { generateHierarchy, NODE_KEY_PROFILE_IDS, type NodeKeyProfiles } from '../src/pki/ca-hierarchy.js';
import { loadProfiles } from '../src/service/ca/ca-node.js';
import { COSIG_SIGTYPE, formatVerifierKey, NOTE_SIGTYPE } from '../src/tlog/sm2-note-key.js';
import { acceptTrustList } from '../src/trust-list/trust-list-acceptance.js';
import { trustListAnchors } from '../src/trust-list/trust-list-anchors.js';
import { nextTrustList } from '../src/trust-list/trust-list-draft.js';
import {
  encodeTrustList,
  parseTrustList,
  type ServiceType,
  type TrustListNode,
} from '../src/trust-list/trust-list.js';
import { signTrustList, verifyTrustListSignature } from '../src/trust-list/trust-list-signature.js';
import { percentile } from './lib/load.js';

const NODES = 70;
const RUNS = Number(process.env.BENCH_TRUST_LIST_RUNS ?? 200);
/**
 * The 31 provincial-level codes (GB/T 2260); the other 39 nodes stand for ministries' nodes, under two-digit ids
 * no province uses (the demo's CA config and example USCCs are built from a two-digit id).
 */
const PROVINCES = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41',
  '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
]; // prettier-ignore
const MINISTRIES = [
  ...Array.from({ length: 34 }, (_, i) => String(66 + i)),
  ...Array.from({ length: 5 }, (_, i) => String(i + 1).padStart(2, '0')),
];

let loaded: NodeKeyProfiles | undefined;
function profiles(): NodeKeyProfiles {
  if (loaded) return loaded;
  const p = loadProfiles(join(PROJECT_ROOT, 'ca', 'profiles'));
  return (loaded = {
    logSigner: p.get(NODE_KEY_PROFILE_IDS.logSigner),
    witness: p.get(NODE_KEY_PROFILE_IDS.witness),
    trustListSigner: p.get(NODE_KEY_PROFILE_IDS.trustListSigner),
  });
}

/** A node's key ceremony, as `sealtrust ca init` runs it on the federation demo's CA config. */
function ceremony(nodeId: string, base: string) {
  const config = caNodeConfigSchema.parse(caConfigFor(nodeId, '基准'));
  const h = generateHierarchy(config, base, new Date(), profiles());
  return { root: h.root, ca: h.issuingCas[0]! };
}

const b64 = (der: Buffer) => der.toString('base64');

/** The node's entry as node-trust-entry.ts builds it from its own keys. */
function nodeEntry(i: number, since: string): TrustListNode {
  const province = i < PROVINCES.length ? PROVINCES[i]! : undefined;
  const nodeId = province ?? MINISTRIES[i - PROVINCES.length]!;
  const base = `https://n${nodeId}.sealtrust.example`;
  const origin = `sealtrust.org.cn/${nodeId}`;
  const { root, ca } = ceremony(nodeId, base);
  const service = (type: ServiceType, der: Buffer) => ({
    type,
    certificate: b64(der),
    sm3: sm3Hex(der),
    status: 'granted' as const,
    history: [{ status: 'granted' as const, since }],
  });
  const log = ca.logSigner!;
  return {
    nodeId,
    kind: province ? 'province' : 'ministry',
    name: province ? `${nodeId} 省级节点` : `部委节点 ${nodeId}`,
    regionCode: `${nodeId}0000`,
    status: 'active',
    statusHistory: [{ status: 'active', since }],
    endpoints: { base, tlog: `${base}/tlog/`, ocsp: `${base}/ocsp`, tsa: `${base}/tsa` },
    log: {
      origin,
      hash: 'SM3',
      keys: [
        {
          vkey: formatVerifierKey(origin, NOTE_SIGTYPE, log.keyPair.publicKey),
          certificate: b64(log.certificate),
          status: 'active',
          since,
        },
      ],
    },
    services: [
      service('root-ca', root.certificate),
      service('issuing-ca', ca.ca.certificate),
      service('ocsp-responder', ca.ocspResponder.certificate),
      service('tsa', ca.tsa!.certificate),
      service('seal-maker', ca.sealMaker!.certificate),
    ],
  };
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const round2 = (x: number) => Math.round(x * 100) / 100;

export async function run(): Promise<Record<string, number>> {
  const t0 = performance.now();
  const now = new Date();
  const since = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const hub = ceremony('00', 'https://hub.sealtrust.example');
  const nodes = Array.from({ length: NODES }, (_, i) => nodeEntry(i, since));
  const keysSeconds = (performance.now() - t0) / 1000;
  const signer = hub.ca.trustListSigner!;
  const witnessName = 'hub.sealtrust.example/witness';
  const statusName = 'hub.sealtrust.example/status';
  const list = nextTrustList(
    undefined,
    {
      historicalPeriodDays: 3650,
      operator: {
        nodeId: '00',
        name: '国家枢纽信任服务中心（基准）',
        uscc: exampleUscc('12', '100000', 1),
        url: 'https://hub.sealtrust.example',
      },
      witnessPolicy: {
        witnesses: [
          {
            name: witnessName,
            vkey: formatVerifierKey(witnessName, COSIG_SIGTYPE, hub.ca.witness!.keyPair.publicKey),
            url: 'https://hub.sealtrust.example/witness',
          },
        ],
        quorum: witnessName,
      },
      statusSigner: {
        name: statusName,
        vkey: formatVerifierKey(statusName, NOTE_SIGTYPE, hub.ca.witness!.keyPair.publicKey),
      },
      nodes,
    },
    { now, nextUpdate: new Date(now.getTime() + 86_400_000), signers: [b64(signer.certificate)] },
  );
  // As the hub publishes (trust-list-service.ts): the canonical bytes, then the detached CMS over them.
  const bytes = encodeTrustList(list);
  const p7s = await signTrustList(
    bytes,
    { certificateDer: signer.certificate, signDigest: (e) => sm2SignDigest(signer.keyPair.privateKey, e) },
    { signingTime: now },
  );
  const ctx = { bootstrapSigners: [signer.certificate], now: new Date() };

  // The whole acceptance, then its parts, each timed over the same bytes.
  const accept = () => {
    const r = acceptTrustList(undefined, bytes, p7s, ctx);
    if (r.outcome !== 'accepted') throw new Error('trust list not accepted');
    const a = trustListAnchors(r.accepted.list);
    if (a.nodes.length !== NODES || a.roots.length !== NODES || a.sealMakers.length !== NODES)
      throw new Error('anchors incomplete');
    if (a.nodes.some((n) => n.logKeys.length !== 1) || a.witnesses.length !== 1 || !a.statusVerifier)
      throw new Error('keys missing from the anchors');
  };
  const time = (f: () => unknown) => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  for (let i = 0; i < 10; i++) accept(); // warm-up (JIT)
  const total: number[] = [];
  for (let i = 0; i < RUNS; i++) total.push(time(accept));
  const parsed = parseTrustList(bytes);
  const parse: number[] = [];
  const signature: number[] = [];
  const anchors: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 50); i++) {
    parse.push(time(() => parseTrustList(bytes)));
    signature.push(time(() => verifyTrustListSignature(bytes, p7s, [signer.certificate], ctx.now)));
    anchors.push(time(() => trustListAnchors(parsed)));
  }
  total.sort((a, b) => a - b);
  process.stderr.write(
    `trust list: ${NODES} nodes, ${bytes.length} bytes, ${NODES * 6} certificates from ${NODES + 1} key ceremonies in ${keysSeconds.toFixed(1)} s\n`,
  );
  return {
    trust_list_verify_ms: round2(percentile(total, 50)),
    trust_list_verify_p99_ms: round2(percentile(total, 99)),
    trust_list_bytes: bytes.length,
    trust_list_parse_ms: round2(median(parse)),
    trust_list_signature_ms: round2(median(signature)),
    trust_list_anchors_ms: round2(median(anchors)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
}
