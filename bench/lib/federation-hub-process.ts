// The hub's replication as its own process, for replicate_resume_s (federation.md §6.3): pulls the node described
// by BENCH_FED_SOURCE (the source process's JSON line) into DATABASE_URL until caught up, then exits. The
// benchmark kills it with SIGKILL mid-way and starts it again.
import { DataProtector } from '../../src/crypto/data-protection.js';
import { loadKek } from '../../src/service/ca/key-encryption-key.js';
import { HttpLogSource } from '../../src/service/federation/http-log-source.js';
import { NodeReplicator } from '../../src/service/federation/replicator.js';
import { openDatabase } from '../../src/store/database.js';
import { openCheckpoint } from '../../src/tlog/signed-checkpoint.js';
import { sm2NoteVerifier } from '../../src/tlog/sm2-note-key.js';

const src = JSON.parse(process.env.BENCH_FED_SOURCE as string) as {
  url: string;
  origin: string;
  publicKey: string;
  checkpoint: string;
};
const height = Number(process.env.BENCH_FED_TILE_HEIGHT ?? 8);
const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL });
const opened = openCheckpoint(src.checkpoint, src.origin, [
  sm2NoteVerifier(src.origin, Buffer.from(src.publicKey, 'hex')),
]);
const target = { size: opened.checkpoint.size, root: opened.checkpoint.rootHash, checkpoint: src.checkpoint };
const node = { nodeId: process.env.BENCH_FED_NODE ?? '44', origin: src.origin, vkey: 'bench', url: src.url };
const replicator = new NodeReplicator(
  db.knex,
  node,
  new HttpLogSource(node, { tileHeight: height, hubToken: 'hub-token' }),
  async () => target,
  new DataProtector(loadKek({ production: false })),
  { tileHeight: height, pullBatch: Number(process.env.BENCH_FED_PULL_BATCH ?? 1024), pullDelayMs: 0 },
);
await replicator.register();
process.stdout.write('started\n');
for (;;) {
  const r = await replicator.pull();
  if (r.status !== 'stopped') {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    break;
  }
}
await db.close();
