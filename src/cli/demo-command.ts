import type { Command } from 'commander';
import { caPassphraseFor, loadConfig } from '../config.js';
import { loadCaNode } from '../service/ca/ca-node.js';
import { createServices } from '../service/services.js';
import { openDatabase } from '../store/database.js';
import { AgencyService } from '../service/access/agency-service.js';
import { describeDemo, seedDemo } from './demo-seed.js';
import { runFederationDemo } from './federation-demo/federation-demo.js';

interface DemoOptions {
  perType: string;
  federation?: boolean;
  dir?: string;
  licences: string;
  exitAfterReady?: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      '在空数据库中生成演示机构、印章与证照 / seed demo agencies, seals and licences into an empty database',
    )
    .option('--per-type <n>', '每类证照数量 / licences per type', '3')
    .option(
      '--federation',
      '启动枢纽与两个省级节点（33、44）的联邦演示 / run a federation: a hub and provinces 33 and 44 as separate processes',
    )
    .option(
      '--dir <dir>',
      '联邦演示目录（默认新建临时目录）/ federation demo directory (default: a new temp dir)',
    )
    .option('--licences <n>', '每省签发证照数量 / licences per province (federation)', '3')
    .option(
      '--exit-after-ready',
      '就绪后停止所有节点并退出 / stop every node and exit once ready (federation)',
    )
    .action(async (opts: DemoOptions) => {
      const config = loadConfig();
      if (config.production) {
        process.stderr.write('sealtrust demo: refused in production mode\n');
        process.exitCode = 2;
        return;
      }
      if (opts.federation) {
        const licences = Number(opts.licences);
        if (!Number.isInteger(licences) || licences < 1 || licences > 20) {
          process.stderr.write('sealtrust demo: --licences must be an integer from 1 to 20\n');
          process.exitCode = 2;
          return;
        }
        process.exitCode = await runFederationDemo({
          dir: opts.dir,
          licencesPerProvince: licences,
          exitAfterReady: opts.exitAfterReady === true,
        });
        return;
      }
      const perType = Number(opts.perType);
      if (!Number.isInteger(perType) || perType < 1 || perType > 1000) {
        process.stderr.write('sealtrust demo: --per-type must be an integer from 1 to 1000\n');
        process.exitCode = 2;
        return;
      }
      const database = await openDatabase(
        config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
      );
      try {
        // Asked before the CA keys are loaded and the services (with their workers) built: a refusal is cheap.
        if (!(await new AgencyService(database.knex).isEmpty())) {
          process.stderr.write(
            `sealtrust demo: the database already has agencies; use a fresh one (SEALTRUST_DATA_DIR=${config.dataDir})\n`,
          );
          process.exitCode = 2;
          return;
        }
        const node = loadCaNode(
          config.keysDir,
          caPassphraseFor(config),
          config.profilesDir,
          config.publicUrl,
        );
        const services = createServices(database.knex, node, undefined, { publicUrl: config.publicUrl });
        await services.init();
        process.stdout.write(describeDemo(await seedDemo(services, perType), config.publicUrl));
        process.stdout.write(
          '启动服务后访问以上地址 / start the node (npm start) and open the addresses above\n',
        );
        await services.stop();
      } finally {
        await database.close();
      }
    });
}
