import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sm3Hex } from '../crypto/sm3.js';
import { fetchBounded } from '../service/federation/bounded-fetch.js';
import { readCertificateBundle } from '../service/federation/certificate-bundle.js';
import { MAX_TRUST_LIST_BYTES } from '../service/federation/trust-list-consumer.js';
import { parseTrustList } from '../trust-list/trust-list.js';
import {
  acceptTrustListChain,
  type AcceptedTrustList,
  type TrustListWarning,
} from '../trust-list/trust-list-acceptance.js';
import { verifyTrustListSignature } from '../trust-list/trust-list-signature.js';

// The command line's copy of the national trust list (federation.md §2.8): a directory holding list.json and
// list.json.p7s exactly as accepted, and `checkpoints/`, the verifier's timeline (checkpoint-timeline-file.ts). `sealtrust trust-list fetch` fills it and `sealtrust verify
// --trust-list` reads it (or fills it first from a URL), under the same acceptance rules as a node: forward only,
// signers announced by the previous list, rotations walked.

export const TRUST_LIST_FILE = 'list.json';
export const TRUST_LIST_P7S = 'list.json.p7s';

/** The cache directory when none is named: $SEALTRUST_TRUST_LIST_CACHE, else ~/.cache/sealtrust/trust-list. */
export function defaultTrustListCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SEALTRUST_TRUST_LIST_CACHE) return env.SEALTRUST_TRUST_LIST_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'sealtrust', 'trust-list');
}

/** The cached list, checked again (its signature by its own current signers), or undefined when there is none. */
export function readTrustListCache(dir: string, now: Date): AcceptedTrustList | undefined {
  if (!existsSync(join(dir, TRUST_LIST_FILE))) return undefined;
  return readTrustListFile(join(dir, TRUST_LIST_FILE), now);
}

/**
 * A list.json kept by `trust-list fetch` (its signature in `<file>.p7s` beside it), checked again as the cache is.
 * @throws TrustListError when it does not parse or its signature does not verify; a file system error when
 * either file cannot be read
 */
export function readTrustListFile(file: string, now: Date): AcceptedTrustList {
  const bytes = readFileSync(file);
  const p7s = readFileSync(`${file}.p7s`);
  const list = parseTrustList(bytes);
  const signers = list.signers.current.map((c) => Buffer.from(c, 'base64'));
  // The cache is local but not beyond tampering: its signature must still hold (whatever the time now).
  verifyTrustListSignature(bytes, p7s, signers, signatureTime(list.nextUpdate, now));
  return {
    bytes,
    p7s,
    list,
    sm3: sm3Hex(bytes),
    signers: [...list.signers.current, ...list.signers.next].map((c) => Buffer.from(c, 'base64')),
  };
}

/** A cached list's signature is checked at `now`, or just before it expired (an expired list still reads). */
export function signatureTime(nextUpdate: string, now: Date): Date {
  return new Date(Math.min(now.getTime(), Date.parse(nextUpdate) - 1));
}

/** Both files replaced by rename, so a reader never sees a list with another list's signature. */
function writeTrustListCache(dir: string, a: AcceptedTrustList): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${TRUST_LIST_P7S}.tmp`), a.p7s);
  writeFileSync(join(dir, `${TRUST_LIST_FILE}.tmp`), a.bytes);
  renameSync(join(dir, `${TRUST_LIST_P7S}.tmp`), join(dir, TRUST_LIST_P7S));
  renameSync(join(dir, `${TRUST_LIST_FILE}.tmp`), join(dir, TRUST_LIST_FILE));
}

export interface FetchedTrustList {
  outcome: 'accepted' | 'unchanged';
  /** The list now in the cache. */
  current: AcceptedTrustList;
  warnings: TrustListWarning[];
}

/**
 * Fetches `<url>` and `<url>.p7s` (and the pivots under `…/lists/`), accepts them after the cached list (or,
 * for the first one, with the PEM bootstrap signers) and writes the cache.
 * @throws TrustListError when the list is refused (the cache is left as it was); any other error when the hub
 * cannot be reached or there is neither a cached list nor bootstrap signers
 */
export async function fetchTrustListInto(
  url: string,
  dir: string,
  signersPem: string | undefined,
  now: Date,
): Promise<FetchedTrustList> {
  const get = (u: string) => fetchBounded(u, { maxBytes: MAX_TRUST_LIST_BYTES });
  const cached = readTrustListCache(dir, now);
  if (!cached && !signersPem)
    throw new Error('no cached list: --signers is needed for the first one / 首次需要 --signers');
  const [bytes, p7s] = await Promise.all([get(url), get(`${url}.p7s`)]);
  const base = url.replace(/list\.json$/, 'lists/');
  const r = await acceptTrustListChain(
    cached,
    bytes,
    p7s,
    async (seq) => ({
      bytes: await get(`${base}${seq}.json`),
      p7s: await get(`${base}${seq}.json.p7s`),
    }),
    { bootstrapSigners: signersPem ? readCertificateBundle(signersPem) : [], now },
  );
  if (r.outcome === 'accepted') {
    writeTrustListCache(dir, r.accepted);
    return { outcome: 'accepted', current: r.accepted, warnings: r.warnings };
  }
  return { outcome: 'unchanged', current: cached!, warnings: [] };
}
