import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase } from '../store/database.js';
import { runTlogGenesis } from '../service/federation/tlog-genesis.js';
import { ServiceError } from '../service/service-error.js';

export function registerTlogCommands(program: Command): void {
  const tlog = program.command('tlog').description('证照目录日志 / directory log (federation.md §2, §4)');
  tlog
    .command('genesis')
    .description(
      '将日志启用前已有的机构、证照类型、证书、印章与证照回填入目录日志（仅一次）/ back-fill the agencies, licence types, certificates, seals and licences that existed before the log (once per node)',
    )
    .option('--database-url <url>', 'PostgreSQL URL (default: DATABASE_URL, else the embedded database)')
    .option('--schema <name>', 'PostgreSQL schema')
    .action(async (opts: { databaseUrl?: string; schema?: string }) => {
      const config = loadConfig();
      const databaseUrl = opts.databaseUrl ?? config.databaseUrl;
      const database = await openDatabase(
        databaseUrl
          ? { databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) }
          : { dataDir: config.dataDir },
      );
      try {
        const r = await runTlogGenesis(database.knex, {
          principal: { kind: 'system' },
          requestId: 'tlog-genesis',
        });
        const total = Object.values(r).reduce((a, b) => a + b, 0);
        process.stdout.write(
          `目录日志回填完成 / genesis done for node ${config.nodeId}: ${total} leaves (` +
            Object.entries(r)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ') +
            ')\n',
        );
      } catch (err) {
        if (err instanceof ServiceError && err.code === 'tlog-genesis-done') {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      } finally {
        await database.close();
      }
    });
}
