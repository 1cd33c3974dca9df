// The multi-node harness (federation.md §5.1): the hub (00) and provinces (33 浙江, 44 广东, 51 四川) as separate
// `sealtrust serve` processes on 127.0.0.1, each with its own PostgreSQL database, its own key ceremony
// (`sealtrust ca init`), its own admin token, and the federation wiring its operator would configure from
// the vkeys `sealtrust ca vkeys` prints: SEALTRUST_FED_NODES at the hub, SEALTRUST_HUB_URL and SEALTRUST_HUB_WITNESS_KEY at each
// province. The wiring is the federation demo's (src/cli/federation-demo/local-federation.ts); the harness adds
// the PostgreSQL databases and the scratch directory's life.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HARNESS_PROVINCES } from '../../../src/cli/federation-demo/federation-nodes.js';
import {
  prepareLocalFederation,
  startLocalFederation,
} from '../../../src/cli/federation-demo/local-federation.js';
import type { NodeVkeys } from '../../../src/cli/federation-demo/node-keys.js';
import { FedNode } from './fed-node.js';
import { createDatabase, dropDatabase, postgresUnavailable } from './fed-postgres.js';

export type { NodeVkeys };

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
   * Every province follows the hub's trust list, polling it every 500 ms; publish one with `publishTrustList`
   * (fed-api.ts).
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

/** FED_TIMING=1 prints how long each phase took (start-up dominates on two shared cores). */
function phase(what: string, since: number): number {
  if (process.env.FED_TIMING === '1') process.stderr.write(`federation: ${what} ${Date.now() - since} ms\n`);
  return Date.now();
}

export async function startFederation(opts: FederationOptions = {}): Promise<Federation> {
  let t = Date.now();
  const why = await postgresUnavailable();
  if (why) throw new Error(why);
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-fed-'));
  const run = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const database = (id: string) => `sealtrust_fed_${run}_${id}`;

  // Ceremonies run as separate CLI processes, in parallel (about 2 s each, mostly start-up).
  const fed = await prepareLocalFederation<FedNode>({
    dir,
    provinces: opts.provinces ?? HARNESS_PROVINCES,
    passphrase: CA_PASSPHRASE,
    label: '测试',
    env: { SEALTRUST_TLOG_TILE_HEIGHT: String(opts.tileHeight ?? 2), ...opts.env },
    ...(opts.nodeEnv ? { nodeEnv: opts.nodeEnv } : {}),
    ...(opts.trustList ? { trustListPollMs: 500 } : {}),
    makeNode: ({ databaseUrl: _url, ...spec }) => new FedNode({ ...spec, database: database(spec.nodeId) }),
  });
  t = phase('key ceremonies and vkeys', t);
  const { nodes } = fed;
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await Promise.all(nodes.map((n) => dropDatabase(n.spec.database)));
    if (process.env.FED_KEEP === '1') process.stderr.write(`federation scratch kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((n) => createDatabase(n.spec.database)));
    t = phase('databases', t);
    if (opts.start !== false) await startLocalFederation(fed, 'harness');
    phase('node start-up', t);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  return {
    hub: fed.hub,
    provinces: fed.provinces,
    nodes,
    node: (id) => {
      const n = byId.get(id);
      if (!n) throw new Error(`no node ${id} in this federation`);
      return n;
    },
    vkeys: fed.vkeys,
    fedNodesFile: fed.fedNodesFile,
    dir,
    stop,
  };
}
