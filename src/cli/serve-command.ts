import type { Command } from 'commander';
import { caPassphraseFor, loadConfig } from '../config.js';
import { loadCaNode } from '../service/ca/ca-node.js';
import { createServices } from '../service/services.js';
import { createLogger } from '../logger.js';
import { openDatabase } from '../store/database.js';
import { startServer, type RunningServer } from '../http/server.js';
import type { Database } from '../store/database.js';
import type { Services } from '../service/services.js';
import type { Logger } from 'pino';
import { describeDemo, seedDemo } from './demo-seed.js';

/** What a node logs once it accepts connections (process supervisors and the federation demo wait for it). */
export const LISTENING_MESSAGE = 'SealTrust listening';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('运行服务 / run the HTTP service (PORT, DATABASE_URL, SEALTRUST_* from the environment)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      let database: Database | undefined;
      let services: Services | undefined;
      let running: RunningServer;
      try {
        database = await openDatabase(
          config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
        );
        logger.info(
          {
            database: database.kind,
            ...(database.kind === 'pglite' ? { dataDir: config.dataDir } : {}),
            keysDir: config.keysDir,
          },
          'database ready',
        );
        // No SM2 warm-up here: a node that signs a lot builds the base-point table after its first 200
        // signatures (0.2 s, sm2-base-table.ts); a node that mostly verifies never needs its 18 MB.
        const node = loadCaNode(
          config.keysDir,
          caPassphraseFor(config),
          config.profilesDir,
          config.publicUrl,
        );
        services = createServices(database.knex, node, logger, {
          publicUrl: config.publicUrl,
          stampLimits: { maxBytes: config.stampMaxBytes, maxPages: config.stampMaxPages },
          stampingPool: {
            workers: config.stampWorkers,
            maxQueue: config.stampQueue,
            deadlineMs: config.stampBudgetMs,
          },
          licenceSignatureFormat: config.licenceSignatureFormat,
          licenceFormats: config.licenceFormats,
          productionWorkers: config.renderWorkers,
        });
        logger.info({ node: node.node, issuingCas: [...node.issuingCas.keys()] }, 'CA keys loaded');
        const firstAdmin = await services.tokens.bootstrapAdmin(config.adminToken);
        if (firstAdmin) {
          // Printed once, to the terminal only: the service keeps just its hash.
          process.stdout.write(
            `\n首次启动：管理员令牌（仅显示一次，请妥善保存）/ First start: admin token (shown once, keep it safe):\n\n  ${firstAdmin}\n\n`,
          );
        }
        if (config.demoSeed && (await services.agencies.isEmpty())) {
          await services.init();
          logger.info('empty database: seeding demo agencies, seals and licences (SEALTRUST_DEMO=0 to skip)');
          process.stdout.write(describeDemo(await seedDemo(services), config.publicUrl));
        }
        // The text library for keyword placement (pdfjs, ~25 MB, ~0.8 s to load) is loaded by the first stamping
        // that places by keyword, not at start: most nodes mostly verify, and memory is their limit.
        running = await startServer({
          database,
          services,
          logger,
          port: config.port,
          host: config.host,
          publicUrl: config.publicUrl,
          bodyLimitBytes: config.bodyLimitBytes,
          trustProxyHops: config.trustProxyHops,
          uploadSlots: config.uploadSlots,
        });
      } catch (err) {
        return failedStart(err, logger, database, services);
      }
      logger.info({ port: running.port, publicUrl: config.publicUrl }, LISTENING_MESSAGE);
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
        const force = setTimeout(() => {
          logger.error('shutdown took over 25 s; exiting');
          process.exit(1);
        }, 25_000);
        force.unref();
        running.shutdown().then(
          () => {
            logger.info('stopped');
            process.exit(0);
          },
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}

/**
 * A start that failed part-way (a malformed SEALTRUST_ADMIN_TOKEN, an unreachable database, a port in use)
 * leaves handles open (the pool, workers, timers) that would keep a process alive that never listens: say
 * why, release what can be released within a moment, and exit non-zero so a supervisor restarts or alerts.
 */
async function failedStart(
  err: unknown,
  logger: Logger,
  database: Database | undefined,
  services: Services | undefined,
): Promise<never> {
  const message = err instanceof Error ? err.message : String(err);
  logger.error({ error: message }, 'start-up failed');
  process.stderr.write(`sealtrust: 启动失败 / start-up failed: ${message}\n`);
  const give = setTimeout(() => process.exit(1), 500);
  give.unref();
  await Promise.allSettled([services?.stop(), database?.close()]);
  process.exit(1);
}
