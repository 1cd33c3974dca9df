import type { Command } from 'commander';
import type { TrustList } from '../trust-list/trust-list.js';
import type { AcceptedTrustList } from '../trust-list/trust-list-acceptance.js';
import { TrustListError } from '../trust-list/trust-list-error.js';
import { trustListFreshness } from '../trust-list/trust-list-status.js';
import { defaultTrustListCache, fetchTrustListInto, readTrustListCache } from './trust-list-cache.js';

// `sealtrust trust-list`: follow the national trust list from the command line (federation.md §2.8), into a cache
// directory that offline verification reads (trust-list-cache.ts; `sealtrust verify --trust-list DIR`).

function summary(list: TrustList, now: Date): string {
  const fresh = trustListFreshness(list, now) === 'valid' ? '有效 / valid' : '已过期 / EXPIRED';
  return (
    `信任列表 / trust list #${list.sequenceNumber} (${fresh})\n` +
    `  签发 / issued ${list.issuedAt}, 下次更新 / next update ${list.nextUpdate}\n` +
    list.nodes.map((n) => `  ${n.nodeId} ${n.name} [${n.status}] ${n.log.origin}\n`).join('')
  );
}

export function registerTrustListCommands(program: Command): void {
  const cmd = program.command('trust-list').description('全国信任列表 / the national trust list');
  cmd
    .command('fetch')
    .description(
      '取得并验证信任列表，存入缓存目录（只进不退）/ fetch, verify and cache the trust list (never goes back)',
    )
    .requiredOption('--url <url>', "the hub's …/trust/list.json")
    .option('--cache <dir>', 'cache directory (list.json, list.json.p7s)', defaultTrustListCache())
    .option('--signers <pem>', 'PEM certificates the first list may be signed with (bootstrap)')
    .action(async (o: { url: string; cache: string; signers?: string }) => {
      const now = new Date();
      try {
        const r = await fetchTrustListInto(o.url, o.cache, o.signers, now);
        process.stdout.write(
          (r.outcome === 'unchanged' ? '未变化 / unchanged\n' : '已接受 / accepted\n') +
            summary(r.current.list, now),
        );
        for (const w of r.warnings)
          process.stderr.write(`警告 / warning: ${w.kind} ${JSON.stringify(w.detail)}\n`);
      } catch (err) {
        const code = err instanceof TrustListError ? ` (${err.code})` : '';
        process.stderr.write(
          `信任列表被拒绝或不可用 / trust list refused or unavailable${code}: ${(err as Error).message}\n`,
        );
        process.exitCode = err instanceof TrustListError ? 1 : 2;
      }
    });
  cmd
    .command('show')
    .description('显示缓存的信任列表；过期时退出码 1 / show the cached list; exit 1 when expired')
    .option('--cache <dir>', 'cache directory', defaultTrustListCache())
    .action((o: { cache: string }) => {
      const now = new Date();
      let cached: AcceptedTrustList | undefined;
      try {
        cached = readTrustListCache(o.cache, now);
      } catch (err) {
        process.stderr.write(
          `缓存的信任列表无效 / the cached trust list is invalid: ${(err as Error).message}\n`,
        );
        process.exitCode = 1;
        return;
      }
      if (!cached) {
        process.stderr.write('缓存中没有信任列表 / no trust list in the cache\n');
        process.exitCode = 2;
        return;
      }
      process.stdout.write(summary(cached.list, now));
      if (trustListFreshness(cached.list, now) === 'expired') process.exitCode = 1;
    });
}
