// The hub witness under load (federation.md §6.3): `witness_add_checkpoint_per_s`, 70 origins round-robin, each
// request a C2SP add-checkpoint that grows one origin's log with a consistency proof, sent over HTTP keep-alive
// to a witness in its own process (SM2 verify + SM2 cosign + one row-locked transaction each); and
// `checkpoint_publish_p50_ms`/`_p99_ms`: a province as its own `sealtrust serve` process (dev keys, integrator
// and publisher on, that witness as its hub), from an audited change's COMMIT (its 201) to the province's
// GET /tlog/checkpoint publishing a cosigned checkpoint that contains it (BENCH_PUBLISH=loop: the publisher
// alone over an in-memory tree). bench/federation.ts imports `run`; run alone it prints one JSON line.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '../test/helpers/free-port.js';
import { TiledTree } from '../test/tlog/tree-fixture.js';
import { generateSm2KeyPair } from '../src/crypto/sm2.js';
import { openDatabase } from '../src/store/database.js';
import { TlogPublisher } from '../src/service/federation/tlog-publisher.js';
import { formatAddCheckpointRequest } from '../src/tlog/add-checkpoint-request.js';
import { formatCheckpoint } from '../src/tlog/checkpoint.js';
import { generateConsistencyProof } from '../src/tlog/consistency-proof.js';
import { SM3_MERKLE_HASHER } from '../src/tlog/merkle-hasher.js';
import { signNote, type NoteSigner } from '../src/tlog/signed-note.js';
import { COSIG_SIGTYPE, formatVerifierKey, NOTE_SIGTYPE, sm2NoteSigner } from '../src/tlog/sm2-note-key.js';
import { freshDatabase } from './lib/fresh-database.js';
import { startServiceProcess } from './lib/service-process.js';
import { DEV_KEYS_PASSPHRASE, PROJECT_ROOT } from '../src/config.js';
import { loadCaNode } from '../src/service/ca/ca-node.js';
import { logVerifierKey } from '../src/service/federation/node-log-keys.js';
import { organizationCodeCheckCharacter, usccCheckCharacter } from '../src/licence/uscc.js';
import { keepAliveAgent, percentile, rawRequest } from './lib/load.js';

const ORIGINS = 70;
const SECONDS = Number(process.env.BENCH_WITNESS_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_WITNESS_CONCURRENCY ?? 14);
/** Requests prepared per origin (each a signed checkpoint one leaf larger, with its proof). */
const PER_ORIGIN = Number(process.env.BENCH_WITNESS_PER_ORIGIN ?? 160);
const PUBLISH_EVENTS = Number(process.env.BENCH_PUBLISH_EVENTS ?? 40);
const WITNESS_NAME = 'hub.sealtrust.bench/witness';

interface BenchLog {
  nodeId: string;
  origin: string;
  signer: NoteSigner;
  vkey: string;
  tree: TiledTree;
}

function benchLog(i: number): BenchLog {
  const origin = `p${i}.sealtrust.bench/directory`;
  const kp = generateSm2KeyPair();
  return {
    nodeId: String(11 + (i % 60)),
    origin,
    signer: sm2NoteSigner(origin, kp.privateKey),
    vkey: formatVerifierKey(origin, NOTE_SIGTYPE, kp.publicKey),
    tree: new TiledTree(SM3_MERKLE_HASHER, 8),
  };
}

function signedCheckpoint(log: BenchLog): string {
  const size = log.tree.range.end;
  return signNote(
    formatCheckpoint({ origin: log.origin, size, rootHash: log.tree.range.rootHash(), extensions: [] }),
    [log.signer],
  );
}

/** Bodies for old = 0, 1, 2, …: each grows the log by one leaf. */
function prepareBodies(log: BenchLog, count: number): string[] {
  const bodies: string[] = [];
  for (let k = 0; k < count; k++) {
    log.tree.append(Buffer.from(`{"bench":${k},"origin":"${log.origin}"}`));
    const proof =
      k === 0 ? [] : generateConsistencyProof(SM3_MERKLE_HASHER, log.tree.source(k + 1), k, k + 1);
    bodies.push(formatAddCheckpointRequest({ oldSize: k, proof, note: signedCheckpoint(log) }));
  }
  return bodies;
}

async function startWitness(
  logs: Pick<BenchLog, 'nodeId' | 'origin' | 'vkey'>[],
  key: { privateKey: Uint8Array },
): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-witness-bench-'));
  const config = join(dir, 'witness.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: WITNESS_NAME,
      privateKeyHex: Buffer.from(key.privateKey).toString('hex'),
      logs: logs.map((l) => ({ nodeId: l.nodeId, origin: l.origin, vkey: l.vkey })),
    }),
  );
  const db = process.env.DATABASE_URL ? await freshDatabase(process.env.DATABASE_URL) : undefined;
  const port = await freePort();
  const script = fileURLToPath(new URL('./lib/witness-process.ts', import.meta.url));
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    env: {
      ...process.env,
      WITNESS_CONFIG: config,
      PORT: String(port),
      ...(db ? { DATABASE_URL: db.url } : { DATABASE_URL: '' }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`witness process exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      await db?.drop();
    },
  };
}

/** Each worker owns a fixed set of origins and cycles through them, so no origin has two requests in flight. */
async function witnessLoad(url: string, bodies: string[][]): Promise<Record<string, number>> {
  const agent = keepAliveAgent(CONCURRENCY + 2);
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  const worker = async (w: number) => {
    const mine = bodies.map((_, o) => o).filter((o) => o % CONCURRENCY === w);
    const next = new Map(mine.map((o) => [o, 0]));
    for (let turn = 0; performance.now() < deadline; turn++) {
      const o = mine[turn % mine.length] as number;
      const k = next.get(o) as number;
      const body = bodies[o]?.[k];
      if (body === undefined) return;
      const t = performance.now();
      const res = await rawRequest(agent, `${url}/witness/add-checkpoint`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body,
      });
      latencies.push(performance.now() - t);
      if (res.status !== 200) {
        errors++;
        if (errors <= 3)
          process.stderr.write(`witness ${res.status}: ${res.body.toString().slice(0, 200)}\n`);
      }
      next.set(o, k + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    witness_add_checkpoint_per_s: Math.round((latencies.length - errors) / seconds),
    witness_add_checkpoint_p99_ms: Math.round(percentile(latencies, 99) * 100) / 100,
    witness_add_checkpoint_errors: errors,
  };
}

/** Events enter the integrated tree at random moments; each waits for a published, cosigned checkpoint. */
async function publishLatency(
  url: string,
  log: BenchLog,
  witnessVkey: string,
): Promise<Record<string, number>> {
  const db = process.env.DATABASE_URL ? await freshDatabase(process.env.DATABASE_URL) : undefined;
  const database = await openDatabase(db ? { databaseUrl: db.url } : { dataDir: null });
  const publisher = new TlogPublisher(database.knex, {
    origin: log.origin,
    logSigner: log.signer,
    logVerifierKey: log.vkey,
    integratedTree: async () => ({ size: log.tree.range.end, root: log.tree.range.rootHash() }),
    consistencyProof: async (from, to) =>
      generateConsistencyProof(SM3_MERKLE_HASHER, log.tree.source(to), from, to),
    hub: { url, witnessKey: witnessVkey },
    publishUnwitnessed: false,
    checkpointMs: Number(process.env.SEALTRUST_TLOG_CHECKPOINT_MS ?? 1000),
  });
  const pollMs = 200; // the publisher's own default loop period
  const committedAt: number[] = [];
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running || latencies.length < committedAt.length) {
      const step = await publisher.tick();
      if (step.cosigned !== undefined) {
        const t = performance.now();
        while (latencies.length < Math.min(step.cosigned, committedAt.length)) {
          latencies.push(t - (committedAt[latencies.length] as number));
        }
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();
  for (let i = 0; i < PUBLISH_EVENTS; i++) {
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
    log.tree.append(Buffer.from(`{"event":${i}}`));
    committedAt.push(performance.now());
  }
  running = false;
  await loop;
  await database.close();
  await db?.drop();
  latencies.sort((a, b) => a - b);
  return {
    checkpoint_publish_p50_ms: Math.round(percentile(latencies, 50)),
    checkpoint_publish_p99_ms: Math.round(percentile(latencies, 99)),
  };
}

const PROVINCE_ORIGIN = 'sealtrust.org.cn/33';

/** The development keys' log vkey for the province process (`sealtrust serve` runs on keys-dev). */
function devProvinceVkey(): string {
  const node = loadCaNode(
    join(PROJECT_ROOT, 'keys-dev'),
    DEV_KEYS_PASSPHRASE,
    join(PROJECT_ROOT, 'ca', 'profiles'),
    'http://localhost',
  );
  return logVerifierKey(node, PROVINCE_ORIGIN);
}

function benchUscc(i: number): string {
  const body8 = String(20_000_000 + i);
  const first17 = `11330100${body8}${organizationCodeCheckCharacter(body8)}`;
  return first17 + usccCheckCharacter(first17);
}

/**
 * A province as its own `sealtrust serve` process (integrator and publisher on): each event is an audited
 * change (an agency registered, one leaf) whose COMMIT is its 201; the latency runs until the province's
 * GET /tlog/checkpoint (published = cosigned by the witness) covers it.
 */
async function publishLatencyEndToEnd(url: string, witnessVkey: string): Promise<Record<string, number>> {
  const province = await startServiceProcess({
    SEALTRUST_DEMO: '0',
    SEALTRUST_NODE_ID: '33',
    SEALTRUST_LOG_ORIGIN: PROVINCE_ORIGIN,
    SEALTRUST_HUB_URL: url,
    SEALTRUST_HUB_WITNESS_KEY: witnessVkey,
  });
  const agent = keepAliveAgent(4);
  const size = async (state = '') => {
    const res = await rawRequest(agent, `${province.url}/tlog/checkpoint${state}`, {});
    return res.status === 200 ? Number(res.body.toString().split('\n')[1]) : -1;
  };
  try {
    // Start from a quiet log: everything logged at start-up (the node's certificates) published.
    let last = -2;
    for (let stable = 0; stable < 15;) {
      const [p, l] = [await size(), await size('?state=latest')];
      stable = p === l && p === last ? stable + 1 : 0;
      last = p;
      await new Promise((r) => setTimeout(r, 100));
    }
    const latencies: number[] = [];
    for (let i = 0; i < PUBLISH_EVENTS; i++) {
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
      const res = await rawRequest(agent, `${province.url}/v1/agencies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${province.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `基准机构${i}`,
          uscc: benchUscc(i),
          regionCode: '330100',
          province: '33',
        }),
      });
      const committed = performance.now();
      if (res.status !== 201) throw new Error(`agency ${i}: ${res.status} ${res.body.toString()}`);
      const target = last + i + 1;
      while ((await size()) < target) await new Promise((r) => setTimeout(r, 10));
      latencies.push(performance.now() - committed);
    }
    latencies.sort((a, b) => a - b);
    return {
      checkpoint_publish_p50_ms: Math.round(percentile(latencies, 50)),
      checkpoint_publish_p99_ms: Math.round(percentile(latencies, 99)),
    };
  } finally {
    agent.destroy();
    await province.stop();
  }
}

export async function run(): Promise<Record<string, number>> {
  const logs = Array.from({ length: ORIGINS }, (_, i) => benchLog(i));
  const publisherLog = benchLog(ORIGINS);
  const witnessKey = generateSm2KeyPair();
  const witnessVkey = formatVerifierKey(WITNESS_NAME, COSIG_SIGTYPE, witnessKey.publicKey);
  const bodies = logs.map((l) => prepareBodies(l, PER_ORIGIN));
  const province = { nodeId: '33', origin: PROVINCE_ORIGIN, vkey: devProvinceVkey() };
  const witness = await startWitness([...logs, publisherLog, province], witnessKey);
  try {
    const load = await witnessLoad(witness.url, bodies);
    // BENCH_PUBLISH=loop measures the publisher alone over an in-memory tree (no province process).
    const publish =
      process.env.BENCH_PUBLISH === 'loop'
        ? await publishLatency(witness.url, publisherLog, witnessVkey)
        : await publishLatencyEndToEnd(witness.url, witnessVkey);
    return { ...load, ...publish };
  } finally {
    await witness.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
}
