// Replication at the hub (federation.md §3.4, §6.3): replicate_entries_per_s pulls 200,000 entries from a province
// log served by a separate process (entry bundles over HTTP, a consistency proof per batch verified against the
// SM2-signed checkpoint, leaves parsed and checked, national index and side records written, one transaction per
// batch); replicate_resume_s is the time from restarting a hub process that was killed with SIGKILL mid-way to its
// first newly committed batch; share_search_p99_ms is the hub's holder search (federation.md §3.6) over that
// mirrored index, timed at the service (keyed-hash lookup, national rows, share_usages and audit record written;
// no HTTP), 500 searches for holders with about a dozen licences each. `run()` is imported by bench/federation.ts; alone: node --import tsx <this file>.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { DataProtector } from '../src/crypto/data-protection.js';
import { loadKek } from '../src/service/ca/key-encryption-key.js';
import { HttpLogSource } from '../src/service/federation/http-log-source.js';
import { NodeReplicator } from '../src/service/federation/replicator.js';
import { ShareService } from '../src/service/federation/share-service.js';
import { openDatabase, type Db } from '../src/store/database.js';
import { countMirrorEntries, readMirrorState } from '../src/store/mirror-repository.js';
import { openCheckpoint } from '../src/tlog/signed-checkpoint.js';
import { sm2NoteVerifier } from '../src/tlog/sm2-note-key.js';
import { freshDatabase } from './lib/fresh-database.js';
import { percentile } from './lib/load.js';

const ENTRIES = Number(process.env.BENCH_FED_ENTRIES ?? 200_000);
const HEIGHT = Number(process.env.BENCH_FED_TILE_HEIGHT ?? 8);
const PULL_BATCH = Number(process.env.BENCH_FED_PULL_BATCH ?? 1024);
const script = (name: string) => fileURLToPath(new URL(`./lib/${name}`, import.meta.url));

interface SourceInfo {
  url: string;
  origin: string;
  publicKey: string;
  checkpoint: string;
  size: number;
}

function spawnTs(
  file: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const r = await lines.next();
  if (r.done) throw new Error('child process ended early');
  return r.value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<Record<string, number>> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('bench federation-replicate needs DATABASE_URL (PostgreSQL)');
  const source = spawnTs(script('federation-source-process.ts'), {
    BENCH_FED_ENTRIES: String(ENTRIES),
    BENCH_FED_TILE_HEIGHT: String(HEIGHT),
  });
  try {
    const info = JSON.parse(await nextLine(source.lines)) as SourceInfo;
    const opened = openCheckpoint(info.checkpoint, info.origin, [
      sm2NoteVerifier(info.origin, Buffer.from(info.publicKey, 'hex')),
    ]);
    const target = {
      size: opened.checkpoint.size,
      root: opened.checkpoint.rootHash,
      checkpoint: info.checkpoint,
    };

    // Throughput: this process is the hub, the source process serves the province's log.
    const fresh = await freshDatabase(base);
    let perSecond: number;
    let searchP99: number;
    try {
      const db = await openDatabase({ databaseUrl: fresh.url });
      const node = { nodeId: '44', origin: info.origin, vkey: 'bench', url: info.url };
      const replicatorProtector = new DataProtector(loadKek({ production: false }));
      const replicator = new NodeReplicator(
        db.knex,
        node,
        new HttpLogSource(node, { tileHeight: HEIGHT, hubToken: 'hub-token' }),
        async () => target,
        replicatorProtector,
        { tileHeight: HEIGHT, pullBatch: PULL_BATCH, pullDelayMs: 0 },
      );
      await replicator.register();
      const t0 = performance.now();
      const res = await replicator.pull();
      const seconds = (performance.now() - t0) / 1000;
      const state = await readMirrorState(db.knex, '44');
      if (
        res.status !== 'caught-up' ||
        state?.size !== ENTRIES ||
        !state.root.equals(Buffer.from(target.root))
      )
        throw new Error(`replication ended ${res.status} at ${state?.size}`);
      perSecond = ENTRIES / seconds;
      searchP99 = await timeSearches(db.knex, replicatorProtector);
      await db.close();
    } finally {
      await fresh.drop();
    }

    // Resume: a hub process killed with SIGKILL mid-way, restarted on the same database.
    const fresh2 = await freshDatabase(base);
    let resumeSeconds: number;
    try {
      const env = {
        DATABASE_URL: fresh2.url,
        BENCH_FED_SOURCE: JSON.stringify(info),
        BENCH_FED_TILE_HEIGHT: String(HEIGHT),
        BENCH_FED_PULL_BATCH: String(PULL_BATCH),
      };
      const db = await openDatabase({ databaseUrl: fresh2.url });
      const first = spawnTs(script('federation-hub-process.ts'), env);
      await nextLine(first.lines);
      let killedAt = 0;
      while (killedAt === 0) {
        const size = (await readMirrorState(db.knex, '44'))?.size ?? 0;
        if (size >= ENTRIES / 4) {
          first.child.kill('SIGKILL');
          await new Promise((r) => first.child.once('exit', r));
          killedAt = (await readMirrorState(db.knex, '44'))?.size ?? 0;
        } else await sleep(20);
      }
      if ((await countMirrorEntries(db.knex, '44')) !== killedAt)
        throw new Error('partial batch after SIGKILL');
      const t0 = performance.now();
      const second = spawnTs(script('federation-hub-process.ts'), env);
      for (;;) {
        const size = (await readMirrorState(db.knex, '44'))?.size ?? 0;
        if (size > killedAt) break;
        await sleep(10);
      }
      resumeSeconds = (performance.now() - t0) / 1000;
      const done = JSON.parse(
        (await nextLine(second.lines)) === 'started' ? await nextLine(second.lines) : '{}',
      ) as {
        status?: string;
      };
      await new Promise((r) =>
        second.child.exitCode === null ? second.child.once('exit', r) : r(undefined),
      );
      const state = await readMirrorState(db.knex, '44');
      if (
        done.status !== 'caught-up' ||
        state?.size !== ENTRIES ||
        (await countMirrorEntries(db.knex, '44')) !== ENTRIES
      )
        throw new Error(`resumed replication ended ${done.status} at ${state?.size}`);
      await db.close();
    } finally {
      await fresh2.drop();
    }
    return {
      replicate_entries_per_s: Math.round(perSecond),
      replicate_resume_s: Math.round(resumeSeconds * 1000) / 1000,
      share_search_p99_ms: Math.round(searchP99 * 100) / 100,
    };
  } finally {
    source.child.kill('SIGKILL');
  }
}

/** p99 of 500 holder searches at the hub's service over the mirrored index (seedDirectory's holder codes). */
async function timeSearches(db: Db, protector: DataProtector): Promise<number> {
  const share = new ShareService({
    db,
    rate: { perSecond: 0, burst: 1 }, // the service itself; the HTTP layer enforces the limit
    isHub: true,
    protector,
    hubNodeId: '00',
    nodes: [],
    trustListStatus: async () => undefined,
    evidence: async () => {
      throw new Error('not used');
    },
  });
  const ctx = { principal: { kind: 'system' as const }, requestId: 'bench' };
  const usage = {
    organization: '基准',
    user: '基准',
    itemName: '基准',
    itemCode: 'B-1',
    businessNumber: 'B-1',
  };
  const ms: number[] = [];
  let hits = 0;
  for (let i = 0; i < 500; i++) {
    const code = `33010219900101${1000 + ((i * 7919) % 9000)}`;
    const t = performance.now();
    hits += (await share.search(ctx, { holder: { code, codeType: '111' }, useFor: 'bench', usage })).length;
    ms.push(performance.now() - t);
  }
  if (hits === 0) throw new Error('holder search found nothing in the mirrored index');
  return percentile(
    ms.sort((a, b) => a - b),
    99,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
}
