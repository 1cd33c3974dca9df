import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase } from '../store/database.js';
import { AuditService } from '../service/audit/audit-service.js';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('审计链 / audit trail');
  audit
    .command('verify')
    .description(
      '重新计算审计哈希链并指出第一条被篡改的记录 / recompute the audit hash chain; exit 1 at the first broken record',
    )
    .option('--database-url <url>', 'PostgreSQL URL (default: DATABASE_URL, else the embedded database)')
    .option('--schema <name>', 'PostgreSQL schema to read')
    .action(async (opts: { databaseUrl?: string; schema?: string }) => {
      const config = loadConfig();
      const databaseUrl = opts.databaseUrl ?? config.databaseUrl;
      const database = await openDatabase(
        databaseUrl
          ? { databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) }
          : { dataDir: config.dataDir },
      );
      try {
        const result = await new AuditService(database.knex).verifyChain();
        if (result.ok) {
          const pending = result.pending ? `; ${result.pending} committed meanwhile, not yet chained` : '';
          process.stdout.write(`审计链完整 / audit chain intact: ${result.records} records${pending}\n`);
        } else {
          const b = result.firstBreak!;
          process.stderr.write(
            `审计链断裂 / audit chain broken at record seq=${b.seq} (${b.reason}); ${result.records} records before it verify\n`,
          );
          process.exitCode = 1;
        }
      } finally {
        await database.close();
      }
    });
}
