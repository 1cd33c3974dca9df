// A federation on this machine (federation.md §5.1): the hub (00) and provinces as separate `sealtrust serve`
// processes on free 127.0.0.1 ports, each with its own key ceremony, database, admin token, and the wiring its
// operator would configure from the vkeys `sealtrust ca vkeys` prints: SEALTRUST_FED_NODES and a `hub`-role token
// per province at the hub, SEALTRUST_HUB_URL and SEALTRUST_HUB_WITNESS_KEY at each province and, when asked, the
// hub's trust list (SEALTRUST_TRUST_LIST_URL, SEALTRUST_TRUST_LIST_SIGNERS). The federation demo and the
// multi-node test harness both start theirs here.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KnownNode } from '../../config.js';
import { fromPem, toPem } from '../../crypto/pem.js';
import { caManifestSchema } from '../../pki/ca-manifest.js';
import { HUB_NODE_ID, nodeRole } from './federation-nodes.js';
import { keyCeremony, readVkeys, type NodeVkeys } from './node-keys.js';
import { freePort, NodeProcess, type NodeProcessSpec } from './node-process.js';

export interface LocalFederationOptions<N extends NodeProcess> {
  /** Where keys, configs, data directories, logs (`<id>.log`) and fed-nodes.json go. */
  dir: string;
  provinces: readonly string[];
  /** Every node's CA passphrase (SEALTRUST_CA_PASSPHRASE). */
  passphrase: string;
  /** What the keys are for, in every certificate subject (测试, 演示). */
  label?: string;
  /** A node's PostgreSQL URL; undefined (or no function): the embedded PGlite database in its data directory. */
  databaseUrl?: (nodeId: string) => string | undefined;
  /** Variables for every node. */
  env?: Record<string, string>;
  /** Variables for one node, by node id. */
  nodeEnv?: Record<string, Record<string, string>>;
  /** Provinces follow the hub's trust list, polling its digest this often (ms); undefined: no trust list. */
  trustListPollMs?: number;
  logLevel?: string;
  startTimeoutMs?: number;
  /** Builds each node (the test harness adds database access to its own). */
  makeNode?: (spec: NodeProcessSpec) => N;
}

export interface LocalFederation<N extends NodeProcess> {
  hub: N;
  provinces: N[];
  /** Hub first, then the provinces in order. */
  nodes: N[];
  /** What `sealtrust ca vkeys --json` prints for each node. */
  vkeys: Map<string, NodeVkeys>;
  /** The SEALTRUST_FED_NODES file the hub reads. */
  fedNodesFile: string;
  /** SEALTRUST_TRUST_LIST_SIGNERS of the provinces (the hub's trust-list signer certificate), if they follow it. */
  trustListSignersFile: string | undefined;
  dir: string;
}

/** A fresh admin token (`st_…`), as SEALTRUST_ADMIN_TOKEN takes it. */
export function newAdminToken(): string {
  return 'st_' + randomBytes(32).toString('base64url');
}

/** The certificate (DER) of an issuing-CA key a keys directory holds: the hub's trust-list signer, say. */
export function nodeKeyCertificate(
  keysDir: string,
  kind: 'logSigner' | 'witness' | 'trustListSigner',
): Buffer | undefined {
  const manifest = caManifestSchema.parse(JSON.parse(readFileSync(join(keysDir, 'node.json'), 'utf8')));
  const entry = manifest.issuingCas.find((ic) => ic[kind])?.[kind];
  return entry && fromPem(readFileSync(join(keysDir, entry.certificate), 'utf8')).der;
}

/**
 * Ports, key ceremonies (in parallel, as separate CLI processes), vkeys, fed-nodes.json and each node's
 * environment; nothing is started (see startLocalFederation).
 */
export async function prepareLocalFederation<N extends NodeProcess = NodeProcess>(
  opts: LocalFederationOptions<N>,
): Promise<LocalFederation<N>> {
  const { dir, passphrase } = opts;
  const ids = [HUB_NODE_ID, ...opts.provinces];
  const ports = new Map<string, number>();
  for (const id of ids) ports.set(id, await freePort());
  const url = (id: string) => `http://127.0.0.1:${ports.get(id)}`;

  const keysDirs = new Map<string, string>();
  await Promise.all(
    ids.map(async (id) =>
      keysDirs.set(
        id,
        await keyCeremony(dir, id, {
          publicUrl: url(id),
          passphrase,
          ...(opts.label ? { label: opts.label } : {}),
        }),
      ),
    ),
  );
  const vkeys = new Map<string, NodeVkeys>();
  for (const id of ids) vkeys.set(id, readVkeys(keysDirs.get(id)!, id));
  const hubWitnessKey = vkeys.get(HUB_NODE_ID)!.witnessVkey;
  if (!hubWitnessKey) throw new Error('the hub key ceremony made no witness key');

  const known: KnownNode[] = opts.provinces.map((id) => ({
    nodeId: id,
    origin: vkeys.get(id)!.origin,
    vkey: vkeys.get(id)!.logVkey,
    url: url(id),
  }));
  const fedNodesFile = join(dir, 'fed-nodes.json');
  writeFileSync(fedNodesFile, JSON.stringify(known, null, 2));

  let trustListSignersFile: string | undefined;
  const trustList: Record<string, string> = {};
  if (opts.trustListPollMs !== undefined) {
    const signer = nodeKeyCertificate(keysDirs.get(HUB_NODE_ID)!, 'trustListSigner');
    if (!signer) throw new Error('the hub key ceremony made no trust-list signer key');
    trustListSignersFile = join(dir, 'trust-list-signers.pem');
    writeFileSync(trustListSignersFile, toPem('CERTIFICATE', signer));
    Object.assign(trustList, {
      SEALTRUST_TRUST_LIST_URL: `${url(HUB_NODE_ID)}/trust/list.json`,
      SEALTRUST_TRUST_LIST_SIGNERS: trustListSignersFile,
      SEALTRUST_TRUST_LIST_POLL_MS: String(opts.trustListPollMs),
    });
  }

  const make = opts.makeNode ?? ((spec: NodeProcessSpec) => new NodeProcess(spec) as N);
  const nodes = ids.map((id) => {
    const dataDir = join(dir, `data-${id}`);
    mkdirSync(dataDir, { recursive: true });
    const federation: Record<string, string> =
      nodeRole(id) === 'hub'
        ? { SEALTRUST_FED_NODES: fedNodesFile }
        : { SEALTRUST_HUB_URL: url(HUB_NODE_ID), SEALTRUST_HUB_WITNESS_KEY: hubWitnessKey, ...trustList };
    return make({
      nodeId: id,
      role: nodeRole(id),
      port: ports.get(id)!,
      keysDir: keysDirs.get(id)!,
      databaseUrl: opts.databaseUrl?.(id),
      dataDir,
      adminToken: newAdminToken(),
      caPassphrase: passphrase,
      kek: randomBytes(32).toString('hex'),
      logFile: join(dir, `${id}.log`),
      logLevel: opts.logLevel,
      startTimeoutMs: opts.startTimeoutMs,
      env: { ...opts.env, ...federation, ...opts.nodeEnv?.[id] },
    });
  });
  return {
    hub: nodes[0]!,
    provinces: nodes.slice(1),
    nodes,
    vkeys,
    fedNodesFile,
    trustListSignersFile,
    dir,
  };
}

/**
 * Starts the provinces, mints at each the hub's `hub`-role token for its side channel (federation.md §3.4),
 * which the hub reads as SEALTRUST_FED_TOKEN_<node id>, then starts the hub.
 */
export async function startLocalFederation(
  fed: LocalFederation<NodeProcess>,
  label = 'local',
): Promise<void> {
  await Promise.all(fed.provinces.map((n) => n.start()));
  for (const p of fed.provinces) {
    const res = await p.admin('/v1/tokens', {
      method: 'POST',
      json: { role: 'hub', label: `national hub side channel (${label})` },
    });
    const body = (await res.json()) as { token?: string };
    if (res.status !== 201 || !body.token) throw new Error(`hub token at ${p.nodeId}: ${res.status}`);
    fed.hub.setEnv({ [`SEALTRUST_FED_TOKEN_${p.nodeId}`]: body.token });
  }
  await fed.hub.start();
}
