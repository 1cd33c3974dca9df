import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sm3Hex } from '../crypto/sm3.js';
import { fetchBounded } from '../service/federation/bounded-fetch.js';
import { readCertificateBundle } from '../service/federation/certificate-bundle.js';
import { MAX_TRUST_LIST_BYTES } from '../service/federation/trust-list-consumer.js';
import { parseTrustList, type TrustList } from '../trust-list/trust-list.js';
import { acceptTrustListChain, type AcceptedTrustList } from '../trust-list/trust-list-acceptance.js';
import { TrustListError } from '../trust-list/trust-list-error.js';
import { verifyTrustListSignature } from '../trust-list/trust-list-signature.js';
import { trustListFreshness } from '../trust-list/trust-list-status.js';

// `sealtrust trust-list`: follow the national trust list from the command line (federation.md §2.8), into a cache
// directory that offline verification reads: list.json and list.json.p7s as accepted, nothing else. The same
// acceptance rules as a node: forward only, signers announced by the previous list, rotations walked.

const LIST = 'list.json';
const P7S = 'list.json.p7s';

/** The cached list, checked again (its signature by its own current signers), or undefined when there is none. */
function readCache(dir: string, now: Date): AcceptedTrustList | undefined {
  if (!existsSync(join(dir, LIST))) return undefined;
  const bytes = readFileSync(join(dir, LIST));
  const p7s = readFileSync(join(dir, P7S));
  const list = parseTrustList(bytes);
  const signers = list.signers.current.map((c) => Buffer.from(c, 'base64'));
  // The cache is local but not beyond tampering: its signature must still hold (whatever the time now).
  verifyTrustListSignature(
    bytes,
    p7s,
    signers,
    new Date(Math.min(now.getTime(), Date.parse(list.nextUpdate) - 1)),
  );
  return {
    bytes,
    p7s,
    list,
    sm3: sm3Hex(bytes),
    signers: [...list.signers.current, ...list.signers.next].map((c) => Buffer.from(c, 'base64')),
  };
}

/** Both files replaced by rename, so a reader never sees a list with another list's signature. */
function writeCache(dir: string, a: AcceptedTrustList): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${P7S}.tmp`), a.p7s);
  writeFileSync(join(dir, `${LIST}.tmp`), a.bytes);
  renameSync(join(dir, `${P7S}.tmp`), join(dir, P7S));
  renameSync(join(dir, `${LIST}.tmp`), join(dir, LIST));
}

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
    .requiredOption('--cache <dir>', 'cache directory (list.json, list.json.p7s)')
    .option('--signers <pem>', 'PEM certificates the first list may be signed with (bootstrap)')
    .action(async (o: { url: string; cache: string; signers?: string }) => {
      const now = new Date();
      const get = (url: string) => fetchBounded(url, { maxBytes: MAX_TRUST_LIST_BYTES });
      try {
        const cached = readCache(o.cache, now);
        if (!cached && !o.signers)
          throw new Error('no cached list: --signers is needed for the first one / 首次需要 --signers');
        const [bytes, p7s] = await Promise.all([get(o.url), get(`${o.url}.p7s`)]);
        const base = o.url.replace(/list\.json$/, 'lists/');
        const r = await acceptTrustListChain(
          cached,
          bytes,
          p7s,
          async (seq) => ({
            bytes: await get(`${base}${seq}.json`),
            p7s: await get(`${base}${seq}.json.p7s`),
          }),
          { bootstrapSigners: o.signers ? readCertificateBundle(o.signers) : [], now },
        );
        if (r.outcome === 'accepted') writeCache(o.cache, r.accepted);
        const list = r.outcome === 'accepted' ? r.accepted.list : cached!.list;
        process.stdout.write(
          (r.outcome === 'unchanged' ? '未变化 / unchanged\n' : '已接受 / accepted\n') + summary(list, now),
        );
        for (const w of r.outcome === 'accepted' ? r.warnings : [])
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
    .requiredOption('--cache <dir>', 'cache directory')
    .action((o: { cache: string }) => {
      const now = new Date();
      let cached: AcceptedTrustList | undefined;
      try {
        cached = readCache(o.cache, now);
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
