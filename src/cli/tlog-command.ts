import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../store/database.js';
import { tlogEntryCount } from '../store/tlog-entry-repository.js';
import { readTlogStateRow } from '../store/tlog-state-repository.js';
import { countTiles } from '../store/tlog-tile-repository.js';
import { SM3_MERKLE_HASHER } from '../tlog/merkle-hasher.js';
import { TlogIntegrator } from '../service/federation/tlog-integrator.js';
import { verifyTlogLog } from '../service/federation/tlog-log-verification.js';
import { runTlogGenesis } from '../service/federation/tlog-genesis.js';
import { ServiceError } from '../service/service-error.js';

interface DbOptions {
  databaseUrl?: string;
  schema?: string;
}

/** The `tlog` command group, created once: other parts of the federation add their subcommands to it. */
export function tlogCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'tlog') ??
    program.command('tlog').description('目录日志 / directory log (federation.md §4.3)')
  );
}

async function withDatabase<T>(opts: DbOptions, run: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const databaseUrl = opts.databaseUrl ?? config.databaseUrl;
  const database = await openDatabase(
    databaseUrl
      ? { databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) }
      : { dataDir: config.dataDir },
  );
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

const dbOptions = (c: Command) =>
  c
    .option('--database-url <url>', 'PostgreSQL URL (default: DATABASE_URL, else the embedded database)')
    .option('--schema <name>', 'PostgreSQL schema to use');

export function registerTlogCommands(program: Command): void {
  const tlog = tlogCommand(program);

  dbOptions(
    tlog
      .command('status')
      .description('日志条目、已集成大小与根哈希 / entries, integrated size, root and tiles')
      .option('--json', 'one JSON object'),
  ).action(async (opts: DbOptions & { json?: boolean }) => {
    const config = loadConfig();
    await withDatabase(opts, async ({ knex }) => {
      const [entries, state, tiles] = await Promise.all([
        tlogEntryCount(knex),
        readTlogStateRow(knex),
        countTiles(knex),
      ]);
      const status = {
        origin: config.federation.logOrigin,
        entries,
        integratedSize: state?.size ?? 0,
        backlog: entries - (state?.size ?? 0),
        root: Buffer.from(state?.root ?? SM3_MERKLE_HASHER.emptyRoot()).toString('base64'),
        tileHeight: state?.tileHeight ?? config.federation.tileHeight,
        tiles,
        updatedAt: state?.updatedAt.toISOString() ?? null,
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(status)}\n`);
        return;
      }
      process.stdout.write(
        [
          `origin           ${status.origin}`,
          `entries          ${status.entries}`,
          `integrated size  ${status.integratedSize} (backlog ${status.backlog})`,
          `root             ${status.root}`,
          `tile height      ${status.tileHeight}, ${status.tiles} tiles stored`,
          `updated          ${status.updatedAt ?? '-'}`,
        ].join('\n') + '\n',
      );
    });
  });

  dbOptions(
    tlog
      .command('verify-log')
      .description(
        '由条目重新计算整棵树并与已存状态和瓦片比对 / recompute the tree from the entries and compare it with the stored state and tiles; exit 1 on any difference',
      ),
  ).action(async (opts: DbOptions) => {
    const config = loadConfig();
    await withDatabase(opts, async ({ knex }) => {
      const r = await verifyTlogLog(knex, config.federation.tileHeight);
      if (r.ok) {
        process.stdout.write(
          `目录日志一致 / directory log consistent: ${r.entries} entries, ${r.integratedSize} integrated\n`,
        );
        return;
      }
      process.stderr.write(
        `目录日志不一致 / directory log inconsistent (${r.entries} entries, ${r.integratedSize} integrated):\n` +
          r.problems.map((p) => `  ${p}\n`).join(''),
      );
      process.exitCode = 1;
    });
  });

  dbOptions(
    tlog
      .command('rebuild')
      .description(
        '由条目重建树状态与瓦片（修复工具）/ recompute the tree state and tiles from the entries, in one transaction (repair tool)',
      ),
  ).action(async (opts: DbOptions) => {
    const config = loadConfig();
    await withDatabase(opts, async ({ knex }) => {
      const integrator = new TlogIntegrator(knex, { tileHeight: config.federation.tileHeight });
      const pass = await integrator.rebuild();
      const state = await readTlogStateRow(knex);
      process.stdout.write(
        `已重建 / rebuilt: size ${pass.size}, root ${Buffer.from(state?.root ?? SM3_MERKLE_HASHER.emptyRoot()).toString('base64')}` +
          (pass.outcome === 'gap' ? ` (stopped at a gap in the entries at ${pass.size})` : '') +
          '\n',
      );
      if (pass.outcome === 'gap') process.exitCode = 1;
    });
  });

  dbOptions(
    tlog
      .command('genesis')
      .description(
        '将日志启用前已有的机构、证照类型、证书、印章与证照回填入目录日志（仅一次）/ back-fill the agencies, licence types, certificates, seals and licences that existed before the log (once per node)',
      ),
  ).action(async (opts: DbOptions) => {
    const config = loadConfig();
    await withDatabase(opts, async ({ knex }) => {
      try {
        const r = await runTlogGenesis(knex, { principal: { kind: 'system' }, requestId: 'tlog-genesis' });
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
      }
    });
  });
}
