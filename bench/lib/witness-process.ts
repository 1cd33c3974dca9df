// A hub witness as its own process for bench/federation-witness.ts: the SealTrust app (routes, middleware,
// database) with a WitnessService for the logs in WITNESS_CONFIG. Until `sealtrust serve` loads the hub's witness
// key (node-log-keys), the benchmark hands the key over this way. Prints "listening <port>" when ready.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { DEV_KEYS_PASSPHRASE, PROJECT_ROOT } from '../../src/config.js';
import { startServer } from '../../src/http/server.js';
import { loadCaNode } from '../../src/service/ca/ca-node.js';
import { createServices } from '../../src/service/services.js';
import { openDatabase } from '../../src/store/database.js';
import { cosignatureSigner } from '../../src/tlog/cosignature.js';

interface WitnessConfig {
  name: string;
  privateKeyHex: string;
  logs: { nodeId: string; origin: string; vkey: string }[];
}

const cfg = JSON.parse(readFileSync(process.env.WITNESS_CONFIG as string, 'utf8')) as WitnessConfig;
const port = Number(process.env.PORT);
const logger = pino({ level: 'warn' });
const database = await openDatabase(
  process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: null },
);
const publicUrl = `http://127.0.0.1:${port}`;
const node = loadCaNode(
  join(PROJECT_ROOT, 'keys-dev'),
  DEV_KEYS_PASSPHRASE,
  join(PROJECT_ROOT, 'ca', 'profiles'),
  publicUrl,
);
const services = createServices(database.knex, node, logger, {
  publicUrl,
  productionWorkers: 0,
  witness: {
    logs: cfg.logs.map((l) => ({ nodeId: l.nodeId, origin: l.origin, vkeys: [l.vkey] })),
    cosigner: cosignatureSigner(cfg.name, Buffer.from(cfg.privateKeyHex, 'hex'), () =>
      Math.floor(Date.now() / 1000),
    ),
  },
});
const running = await startServer({
  database,
  services,
  logger,
  port,
  host: '127.0.0.1',
  publicUrl,
  bodyLimitBytes: 1024 * 1024,
});
process.on('SIGTERM', () => void running.shutdown().then(() => process.exit(0)));
process.stdout.write(`listening ${running.port}\n`);
