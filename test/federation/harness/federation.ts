// The multi-node harness (federation.md §5.1): the hub (00) and provinces (33 浙江, 44 广东, 51 四川) as separate
// `sealtrust serve` processes on 127.0.0.1, each with its own PostgreSQL database, its own key ceremony
// (`sealtrust ca init`), its own admin token, and the federation wiring its operator would configure from
// the vkeys `sealtrust ca vkeys` prints: SEALTRUST_FED_NODES at the hub, SEALTRUST_HUB_URL and SEALTRUST_HUB_WITNESS_KEY at each
// province.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KnownNode } from '../../../src/config.js';
import { freePort } from '../../helpers/free-port.js';
import { runCli } from '../../helpers/run-cli.js';
import { readNodeLogCertificates } from '../../../src/service/ca/ca-node.js';
import {
  logVerifierKeyOf,
  witnessName,
  witnessVerifierKeyOf,
  statusSignerName,
  statusVerifierKeyOf,
} from '../../../src/service/federation/node-log-keys.js';
import { caConfigFor } from './fed-ca-config.js';
import { FedNode } from './fed-node.js';
import { createDatabase, dropDatabase, postgresUnavailable } from './fed-postgres.js';

export interface NodeVkeys {
  nodeId: string;
  origin: string;
  logVkey: string;
  witnessName: string;
  witnessVkey: string | null;
  /** The hub's status-statement vkey (its witness key under `<origin>/status`, federation.md §2.7). */
  statusName: string;
  statusVkey: string | null;
}

export interface FederationOptions {
  /** Province node ids (default 33, 44, 51). */
  provinces?: string[];
  /** SEALTRUST_TLOG_TILE_HEIGHT for every node (default 2, so small trees cross tiles). */
  tileHeight?: number;
  /** Variables for every node. */
  env?: Record<string, string>;
  /** Variables for one node, by node id. */
  nodeEnv?: Record<string, Record<string, string>>;
  /** Start the processes (default true); false only prepares keys, databases and configuration. */
  start?: boolean;
  /**
   * Every province follows the hub's trust list (SEALTRUST_TRUST_LIST_URL, _SIGNERS = the hub's trust-list signer
   * certificate, polled every 500 ms); publish one with `publishTrustList` (fed-api.ts).
   */
  trustList?: boolean;
}

export interface Federation {
  hub: FedNode;
  provinces: FedNode[];
  /** Hub first, then the provinces in order. */
  nodes: FedNode[];
  node(nodeId: string): FedNode;
  /** What `sealtrust ca vkeys --json` printed for each node. */
  vkeys: Map<string, NodeVkeys>;
  /** The SEALTRUST_FED_NODES file the hub reads. */
  fedNodesFile: string;
  /** Scratch directory: keys, logs (`<node>.log`), data directories. */
  dir: string;
  /** Kills every process, drops every database, removes the scratch directory (kept with FED_KEEP=1). */
  stop(): Promise<void>;
}

/** Why the harness cannot run here, for `test(..., { skip })`; undefined when it can. */
export const federationUnavailable = postgresUnavailable;

const CA_PASSPHRASE = 'federation harness passphrase';

/**
 * What `sealtrust ca vkeys --json` prints for a node, computed by the functions it runs (public keys from the
 * certificates; node-log-keys.test.ts runs the command itself). In-process because each CLI start costs seconds
 * of CPU on two shared cores.
 */
function readVkeys(keysDir: string, nodeId: string): NodeVkeys {
  const certs = readNodeLogCertificates(keysDir);
  const origin = `sealtrust.org.cn/${nodeId}`;
  const name = witnessName(origin);
  if (!certs.logSigner) throw new Error(`${keysDir} has no log signer`);
  return {
    nodeId,
    origin,
    logVkey: logVerifierKeyOf(certs.logSigner.publicKey, origin),
    witnessName: name,
    witnessVkey: certs.witness ? witnessVerifierKeyOf(certs.witness.publicKey, name) : null,
    statusName: statusSignerName(origin),
    statusVkey: certs.witness ? statusVerifierKeyOf(certs.witness.publicKey, origin) : null,
  };
}

/** `sealtrust ca init --config <file> --out <dir>`, non-interactive (passphrase from SEALTRUST_CA_PASSPHRASE). */
async function keyCeremony(
  dir: string,
  nodeId: string,
  role: 'node' | 'hub',
  publicUrl: string,
): Promise<string> {
  const config = join(dir, `ca-${nodeId}.json`);
  writeFileSync(config, JSON.stringify(caConfigFor(nodeId, role), null, 2));
  const out = join(dir, `keys-${nodeId}`);
  const r = await runCli(['ca', 'init', '--config', config, '--out', out, '--public-url', publicUrl], {
    env: { SEALTRUST_CA_PASSPHRASE: CA_PASSPHRASE },
  });
  if (r.code !== 0) throw new Error(`ca init for ${nodeId}: ${r.stderr}`);
  return out;
}

/** FED_TIMING=1 prints how long each phase took (start-up dominates on two shared cores). */
function phase(what: string, since: number): number {
  if (process.env.FED_TIMING === '1') process.stderr.write(`federation: ${what} ${Date.now() - since} ms\n`);
  return Date.now();
}

/** A province's trust-list variables: the hub's list, bootstrapped from the hub's signer certificate. */
function trustListEnv(hubKeysDir: string, hubUrl: string): Record<string, string> {
  const signer = readdirSync(hubKeysDir).find((f) => f.endsWith('-trust-list-signer.crt.pem'));
  if (!signer) throw new Error(`${hubKeysDir} has no trust-list signer certificate`);
  return {
    SEALTRUST_TRUST_LIST_URL: `${hubUrl}/trust/list.json`,
    SEALTRUST_TRUST_LIST_SIGNERS: join(hubKeysDir, signer),
    SEALTRUST_TRUST_LIST_POLL_MS: '500',
  };
}

export async function startFederation(opts: FederationOptions = {}): Promise<Federation> {
  let t = Date.now();
  const why = await postgresUnavailable();
  if (why) throw new Error(why);
  const provinceIds = opts.provinces ?? ['33', '44', '51'];
  const ids = ['00', ...provinceIds];
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-fed-'));
  const run = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const ports = new Map<string, number>();
  for (const id of ids) ports.set(id, await freePort());
  const url = (id: string) => `http://127.0.0.1:${ports.get(id)}`;
  const role = (id: string): 'node' | 'hub' => (id === '00' ? 'hub' : 'node');

  // Ceremonies and vkeys run as separate CLI processes, in parallel (about 2 s each, mostly start-up).
  const keysDirs = new Map<string, string>();
  await Promise.all(ids.map(async (id) => keysDirs.set(id, await keyCeremony(dir, id, role(id), url(id)))));
  t = phase('key ceremonies', t);
  const vkeys = new Map<string, NodeVkeys>();
  for (const id of ids) vkeys.set(id, readVkeys(keysDirs.get(id)!, id));
  t = phase('vkeys', t);
  const hubWitnessKey = vkeys.get('00')!.witnessVkey;
  if (!hubWitnessKey) throw new Error('the hub key ceremony made no witness key');

  const known: KnownNode[] = provinceIds.map((id) => ({
    nodeId: id,
    origin: vkeys.get(id)!.origin,
    vkey: vkeys.get(id)!.logVkey,
    url: url(id),
  }));
  const fedNodesFile = join(dir, 'fed-nodes.json');
  writeFileSync(fedNodesFile, JSON.stringify(known, null, 2));

  const common: Record<string, string> = {
    SEALTRUST_TLOG_TILE_HEIGHT: String(opts.tileHeight ?? 2),
    ...opts.env,
  };
  const nodes = ids.map((id) => {
    const dataDir = join(dir, `data-${id}`);
    mkdirSync(dataDir, { recursive: true });
    const federation: Record<string, string> =
      role(id) === 'hub'
        ? { SEALTRUST_FED_NODES: fedNodesFile }
        : {
            SEALTRUST_HUB_URL: url('00'),
            SEALTRUST_HUB_WITNESS_KEY: hubWitnessKey,
            ...(opts.trustList ? trustListEnv(keysDirs.get('00')!, url('00')) : {}),
          };
    return new FedNode({
      nodeId: id,
      role: role(id),
      port: ports.get(id)!,
      keysDir: keysDirs.get(id)!,
      database: `sealtrust_fed_${run}_${id}`,
      adminToken: 'st_' + randomBytes(32).toString('base64url'),
      caPassphrase: CA_PASSPHRASE,
      kek: randomBytes(32).toString('hex'),
      dataDir,
      logFile: join(dir, `${id}.log`),
      env: { ...common, ...federation, ...opts.nodeEnv?.[id] },
    });
  });
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await Promise.all(nodes.map((n) => dropDatabase(n.spec.database)));
    if (process.env.FED_KEEP === '1') process.stderr.write(`federation scratch kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((n) => createDatabase(n.spec.database)));
    t = phase('databases', t);
    if (opts.start !== false) {
      // Provinces first: each mints the hub's `hub`-role token for its side channel (federation.md §3.4),
      // which the hub reads as SEALTRUST_FED_TOKEN_<node id> when it starts.
      const provinces = nodes.slice(1);
      await Promise.all(provinces.map((n) => n.start()));
      for (const p of provinces) {
        const res = await p.admin('/v1/tokens', {
          method: 'POST',
          json: { role: 'hub', label: 'national hub side channel (harness)' },
        });
        const body = (await res.json()) as { token?: string };
        if (res.status !== 201 || !body.token) throw new Error(`hub token at ${p.nodeId}: ${res.status}`);
        nodes[0]!.setEnv({ [`SEALTRUST_FED_TOKEN_${p.nodeId}`]: body.token });
      }
      await nodes[0]!.start();
    }
    phase('node start-up', t);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  return {
    hub: nodes[0]!,
    provinces: nodes.slice(1),
    nodes,
    node: (id) => {
      const n = byId.get(id);
      if (!n) throw new Error(`no node ${id} in this federation`);
      return n;
    },
    vkeys,
    fedNodesFile,
    dir,
    stop,
  };
}
