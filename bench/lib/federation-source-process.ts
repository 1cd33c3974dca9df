// A province's log for bench:federation's replication part, as its own process (federation.md §6.3: "200,000
// entries from a province process"): real leaves, SM3, an SM2-signed checkpoint, served over HTTP. Prints one
// JSON line {url, origin, publicKey, checkpoint, size} and serves until killed.
import { seedDirectory, SourceLog } from '../../test/federation/source-log.js';

const entries = Number(process.env.BENCH_FED_ENTRIES ?? 200_000);
const height = Number(process.env.BENCH_FED_TILE_HEIGHT ?? 8);
const log = new SourceLog(process.env.BENCH_FED_NODE ?? '44', height);
// seedDirectory emits about 1.6 leaves per licence; add licences until the log holds `entries` leaves.
while (log.leaves.length < entries)
  seedDirectory(log, Math.max(1, Math.ceil((entries - log.leaves.length) / 1.7)));
log.truncate(entries);
const url = await log.listen();
const checkpoint = log.checkpoint();
process.stdout.write(
  `${JSON.stringify({ url, origin: log.origin, publicKey: Buffer.from(log.publicKeyBytes).toString('hex'), checkpoint, size: entries })}\n`,
);
