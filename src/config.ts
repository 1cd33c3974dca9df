import { availableParallelism } from 'node:os';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (works from src/ under tsx and from dist/src/ when compiled). */
export const PROJECT_ROOT = findRoot();

function findRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

export interface Config {
  production: boolean;
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  keysDir: string;
  /** Decrypts the CA keys in keysDir; development keys use the published development passphrase. */
  caPassphrase: string | undefined;
  profilesDir: string;
  adminToken: string | undefined;
  /**
   * This node's id in the federation (SEALTRUST_NODE_ID): a GB/T 2260 two-digit province code, `00` for the
   * national hub, `m-<USCC>` for a ministry node. Written into every directory-log leaf, so production needs it
   * set explicitly (a leaf is immutable); development defaults to `00`.
   */
  nodeId: string;
  logLevel: string;
  bodyLimitBytes: number;
  /**
   * Reverse proxies in front of the node whose X-Forwarded-For is believed (SEALTRUST_TRUST_PROXY, default 0:
   * none, the client is the TCP peer). With N, the client is the address the outermost of the N proxies saw.
   */
  trustProxyHops: number;
  /** Large uploads (PDFs, batch files) read and held at once (SEALTRUST_UPLOAD_SLOTS); more are refused with 503. */
  uploadSlots: number;
  /** Seed demo agencies, seals and licences when the database is empty (development only; SEALTRUST_DEMO=0 turns it off). */
  demoSeed: boolean;
  /** Stamping limits: largest PDF and most pages accepted by POST /v1/documents/seal. */
  stampMaxBytes: number;
  stampMaxPages: number;
  /** Stamping workers, the stampings that may wait for one, and each stamping's time budget (ms). */
  stampWorkers: number;
  stampQueue: number;
  stampBudgetMs: number;
  /**
   * Worker threads that render and prepare licence PDFs (SEALTRUST_RENDER_WORKERS): by default one per core but
   * one, which the main thread needs for HTTP, the database and signing, and at least two: the main thread's part
   * of an issuance is about a third of a worker's, so on 2 cores two workers beat one (measured 105–111 vs
   * 86–99 licences/s).
   */
  renderWorkers: number;
  /** How licences are signed: ses (GB/T 38540, default), cms-rfc5652 or cms-gbt35275. */
  licenceSignatureFormat: 'ses' | 'cms-rfc5652' | 'cms-gbt35275';
  /** Public verification limits (POST /v1/verify). */
  verify: VerifyConfig;
  /** Which layout files every licence is issued in (SEALTRUST_LICENCE_FORMATS, default `pdf,ofd`). */
  licenceFormats: LicenceFileFormat[];
  /** The directory log and the federation around it (federation.md §4.3). */
  federation: FederationConfig;
}

export type LicenceFileFormat = 'pdf' | 'ofd';

/** A node this node knows from configuration (the hub's provinces, until the trust list of part 2 names them). */
export interface KnownNode {
  nodeId: string;
  /** The node's log origin, the first line of its checkpoints. */
  origin: string;
  /** The node's log key as a signed-note verifier key (`<name>+<hex id>+<base64>`). */
  vkey: string;
  /** Where the node serves /tlog and /v1 (no trailing slash). */
  url: string;
  /**
   * The hub's `hub`-role token at that node, for its side channel (federation.md §3.4): from the environment
   * variable SEALTRUST_FED_TOKEN_<nodeId> (upper case, `-` as `_`) or else from the file named by `tokenFile`.
   */
  hubToken?: string | undefined;
}

export interface FederationConfig {
  /** `node` (a province or ministry node, the default) or `hub` (the national hub: witness and mirror). */
  role: 'node' | 'hub';
  /** This node's log origin (SEALTRUST_LOG_ORIGIN, default `sealtrust.org.cn/<node id>`). */
  logOrigin: string;
  /** The hub this node sends checkpoints to and is mirrored by (SEALTRUST_HUB_URL); none: a single node. */
  hubUrl: string | undefined;
  /** The hub witness's verifier key (SEALTRUST_HUB_WITNESS_KEY), which cosignatures must verify under. */
  hubWitnessKey: string | undefined;
  /** The nodes the hub witnesses and mirrors (SEALTRUST_FED_NODES: a JSON file of KnownNode). */
  nodes: KnownNode[];
  /** How often the publisher may sign a checkpoint, ms (SEALTRUST_TLOG_CHECKPOINT_MS, default 1000). */
  checkpointMs: number;
  /**
   * How often a province compares the hub's view of its log with its own checkpoints, ms
   * (SEALTRUST_TLOG_HUB_CHECK_MS, default 60000): what catches a hub that rolls back or forges its view.
   */
  hubCheckMs: number;
  /** Tile height (SEALTRUST_TLOG_TILE_HEIGHT, default 8; tests use 2–3 so small trees cross tiles). */
  tileHeight: number;
  /** Development only: publish checkpoints no witness cosigned (SEALTRUST_TLOG_PUBLISH_UNWITNESSED=1). */
  publishUnwitnessed: boolean;
  /** Entries per replication batch (SEALTRUST_FED_PULL_BATCH, default 256, a bundle). */
  pullBatch: number;
  /** Pause between replication batches, ms (SEALTRUST_FED_PULL_DELAY_MS, default 0; tests slow pulls down). */
  pullDelayMs: number;
  /**
   * Where this node fetches the national trust list (SEALTRUST_TRUST_LIST_URL, the hub's `…/trust/list.json`) and
   * the signers it bootstraps from (SEALTRUST_TRUST_LIST_SIGNERS: a PEM file of certificates, federation.md §2.8);
   * undefined on a node that does not consume one (the hub, a single node).
   */
  trustList: { url: string; signersFile: string; pollMs: number } | undefined;
  /**
   * The hub's limit on sharing queries per calling node (SEALTRUST_SHARE_RATE per second, default 10, `0` off;
   * SEALTRUST_SHARE_BURST, default twice the rate): one province's batch job cannot starve the others (§3.6 429).
   */
  shareRate: { perSecond: number; burst: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the environment once; every setting has a development default except where production forbids one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const port = parsePort(env.PORT || '8080');
  const publicUrl = (env.SEALTRUST_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`SEALTRUST_PUBLIC_URL is not a URL: ${publicUrl}`);
  }
  const config: Config = {
    production,
    port,
    host: env.HOST || '0.0.0.0',
    publicUrl,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.SEALTRUST_DATA_DIR || join(process.cwd(), 'data')),
    keysDir: resolve(env.SEALTRUST_KEYS_DIR || join(PROJECT_ROOT, 'keys-dev')),
    caPassphrase: env.SEALTRUST_CA_PASSPHRASE || undefined,
    profilesDir: resolve(env.SEALTRUST_PROFILES_DIR || join(PROJECT_ROOT, 'ca', 'profiles')),
    adminToken: env.SEALTRUST_ADMIN_TOKEN || undefined,
    nodeId: loadNodeId(env),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimitBytes: Number(env.SEALTRUST_BODY_LIMIT_BYTES ?? 1024 * 1024),
    trustProxyHops: loadTrustProxyHops(env),
    uploadSlots: positive(env.SEALTRUST_UPLOAD_SLOTS, DEFAULT_UPLOAD_SLOTS, 'SEALTRUST_UPLOAD_SLOTS'),
    demoSeed: !production && env.SEALTRUST_DEMO !== '0',
    stampMaxBytes: positive(env.SEALTRUST_STAMP_MAX_BYTES, 20 * 1024 * 1024, 'SEALTRUST_STAMP_MAX_BYTES'),
    stampMaxPages: positive(env.SEALTRUST_STAMP_MAX_PAGES, 500, 'SEALTRUST_STAMP_MAX_PAGES'),
    stampWorkers: positive(env.SEALTRUST_STAMP_WORKERS, 2, 'SEALTRUST_STAMP_WORKERS'),
    stampQueue: positive(env.SEALTRUST_STAMP_QUEUE, 16, 'SEALTRUST_STAMP_QUEUE'),
    stampBudgetMs: positive(env.SEALTRUST_STAMP_BUDGET_MS, 30_000, 'SEALTRUST_STAMP_BUDGET_MS'),
    verify: loadVerifyConfig(env),
    licenceSignatureFormat: signatureFormat(env.SEALTRUST_LICENCE_SIGNATURE),
    licenceFormats: loadLicenceFormats(env),
    federation: loadFederationConfig(env, production),
    renderWorkers:
      env.SEALTRUST_RENDER_WORKERS === '0'
        ? 0
        : positive(
            env.SEALTRUST_RENDER_WORKERS,
            Math.max(2, availableParallelism() - 1),
            'SEALTRUST_RENDER_WORKERS',
          ),
  };
  if (production) assertProductionSafe(config, env);
  return config;
}

/** SEALTRUST_LICENCE_FORMATS: a comma-separated subset of `pdf,ofd` (default both), never empty. */
export function loadLicenceFormats(env: NodeJS.ProcessEnv = process.env): LicenceFileFormat[] {
  const raw = env.SEALTRUST_LICENCE_FORMATS;
  if (raw === undefined || raw.trim() === '') return ['pdf', 'ofd'];
  const parts = raw.split(',').map((p) => p.trim().toLowerCase());
  const formats: LicenceFileFormat[] = [];
  for (const p of parts) {
    if (p !== 'pdf' && p !== 'ofd')
      throw new ConfigError(`SEALTRUST_LICENCE_FORMATS: unknown format ${p} (pdf, ofd)`);
    if (!formats.includes(p)) formats.push(p);
  }
  // Keep a stable order whatever the environment says: the PDF first, as the directory lists it.
  return (['pdf', 'ofd'] as const).filter((f) => formats.includes(f));
}

/** SEALTRUST_ROLE, SEALTRUST_LOG_ORIGIN, SEALTRUST_HUB_*, SEALTRUST_FED_*, SEALTRUST_TLOG_* (federation.md §4.3). */
export function loadFederationConfig(
  env: NodeJS.ProcessEnv = process.env,
  production = false,
): FederationConfig {
  const role = env.SEALTRUST_ROLE || 'node';
  if (role !== 'node' && role !== 'hub') throw new ConfigError('SEALTRUST_ROLE must be node or hub');
  const nodeId = loadNodeId(env);
  const logOrigin = env.SEALTRUST_LOG_ORIGIN || defaultLogOrigin(nodeId);
  // C2SP tlog-checkpoint: the origin is a schema-less URL, no spaces or control characters.
  if (!/^[\x21-\x7e]{1,255}$/.test(logOrigin) || logOrigin.includes('+')) {
    throw new ConfigError(`SEALTRUST_LOG_ORIGIN is not a log origin: ${logOrigin}`);
  }
  const hubUrl = env.SEALTRUST_HUB_URL ? env.SEALTRUST_HUB_URL.replace(/\/+$/, '') : undefined;
  if (hubUrl !== undefined) {
    try {
      new URL(hubUrl);
    } catch {
      throw new ConfigError(`SEALTRUST_HUB_URL is not a URL: ${hubUrl}`);
    }
  }
  const publishUnwitnessed = env.SEALTRUST_TLOG_PUBLISH_UNWITNESSED === '1';
  if (publishUnwitnessed && production) {
    throw new ConfigError(
      'SEALTRUST_TLOG_PUBLISH_UNWITNESSED is a development switch; production publishes witnessed checkpoints only',
    );
  }
  const tileHeight = positive(env.SEALTRUST_TLOG_TILE_HEIGHT, 8, 'SEALTRUST_TLOG_TILE_HEIGHT');
  if (tileHeight > 8) throw new ConfigError('SEALTRUST_TLOG_TILE_HEIGHT must be 1–8');
  const pullDelayMs =
    env.SEALTRUST_FED_PULL_DELAY_MS === '0'
      ? 0
      : positive(env.SEALTRUST_FED_PULL_DELAY_MS, 0, 'SEALTRUST_FED_PULL_DELAY_MS');
  return {
    role,
    logOrigin,
    hubUrl,
    hubWitnessKey: env.SEALTRUST_HUB_WITNESS_KEY || undefined,
    nodes: loadKnownNodes(env.SEALTRUST_FED_NODES, env),
    checkpointMs: positive(env.SEALTRUST_TLOG_CHECKPOINT_MS, 1000, 'SEALTRUST_TLOG_CHECKPOINT_MS'),
    hubCheckMs: positive(env.SEALTRUST_TLOG_HUB_CHECK_MS, 60_000, 'SEALTRUST_TLOG_HUB_CHECK_MS'),
    tileHeight,
    publishUnwitnessed,
    pullBatch: positive(env.SEALTRUST_FED_PULL_BATCH, 256, 'SEALTRUST_FED_PULL_BATCH'),
    pullDelayMs,
    trustList: loadTrustListSource(env),
    shareRate: loadShareRate(env),
  };
}

function loadShareRate(env: NodeJS.ProcessEnv): FederationConfig['shareRate'] {
  const perSecond =
    env.SEALTRUST_SHARE_RATE === '0' ? 0 : positive(env.SEALTRUST_SHARE_RATE, 10, 'SEALTRUST_SHARE_RATE');
  return {
    perSecond,
    burst: positive(env.SEALTRUST_SHARE_BURST, 2 * perSecond || 1, 'SEALTRUST_SHARE_BURST'),
  };
}

function loadTrustListSource(env: NodeJS.ProcessEnv): FederationConfig['trustList'] {
  const url = env.SEALTRUST_TRUST_LIST_URL;
  if (!url) return undefined;
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`SEALTRUST_TRUST_LIST_URL is not a URL: ${url}`);
  }
  const signersFile = env.SEALTRUST_TRUST_LIST_SIGNERS;
  if (!signersFile)
    throw new ConfigError('SEALTRUST_TRUST_LIST_URL needs SEALTRUST_TRUST_LIST_SIGNERS (PEM certificates)');
  // §2.8 rule 1: poll the .sm3 every 5 minutes by default.
  const pollMs = positive(env.SEALTRUST_TRUST_LIST_POLL_MS, 300_000, 'SEALTRUST_TRUST_LIST_POLL_MS');
  return { url, signersFile, pollMs };
}

function loadKnownNodes(file: string | undefined, env: NodeJS.ProcessEnv = process.env): KnownNode[] {
  if (file === undefined || file === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`SEALTRUST_FED_NODES: cannot read ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError('SEALTRUST_FED_NODES must hold a JSON array of nodes');
  const seen = new Set<string>();
  return parsed.map((n: unknown, i) => {
    const o = n as Record<string, unknown>;
    const ok =
      typeof o === 'object' &&
      o !== null &&
      typeof o.nodeId === 'string' &&
      isNodeId(o.nodeId) &&
      typeof o.origin === 'string' &&
      typeof o.vkey === 'string' &&
      typeof o.url === 'string';
    if (!ok) throw new ConfigError(`SEALTRUST_FED_NODES[${i}] needs nodeId, origin, vkey and url`);
    if (seen.has(o.nodeId as string))
      throw new ConfigError(`SEALTRUST_FED_NODES: node ${String(o.nodeId)} twice`);
    seen.add(o.nodeId as string);
    if (o.tokenFile !== undefined && typeof o.tokenFile !== 'string')
      throw new ConfigError(`SEALTRUST_FED_NODES[${i}].tokenFile must be a file name`);
    return {
      nodeId: o.nodeId as string,
      origin: o.origin as string,
      vkey: o.vkey as string,
      url: (o.url as string).replace(/\/+$/, ''),
      hubToken: hubTokenFor(o.nodeId as string, o.tokenFile as string | undefined, env),
    };
  });
}

/** The hub's token at a node: SEALTRUST_FED_TOKEN_<ID> first, then the node entry's token file. */
function hubTokenFor(
  nodeId: string,
  tokenFile: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const fromEnv = env[`SEALTRUST_FED_TOKEN_${nodeId.toUpperCase().replace(/-/g, '_')}`];
  if (fromEnv) return fromEnv.trim();
  if (tokenFile === undefined) return undefined;
  try {
    return readFileSync(tokenFile, 'utf8').trim() || undefined;
  } catch (err) {
    throw new ConfigError(
      `SEALTRUST_FED_NODES: cannot read token file of node ${nodeId}: ${(err as Error).message}`,
    );
  }
}

/** Public verification: worker threads, time budget, size limit, queue bound and the per-IP rate limit. */
export interface VerifyConfig {
  workers: number;
  budgetMs: number;
  maxBytes: number;
  maxQueue: number;
  /** Token bucket per client IP for POST /v1/verify; perSecond 0 turns it off. */
  rate: { perSecond: number; burst: number };
}

/** SEALTRUST_VERIFY_* (defaults: 2 workers, 10 s, 20 MB, 64 queued, 20/s with bursts of 40 per IP). */
export function loadVerifyConfig(env: NodeJS.ProcessEnv = process.env): VerifyConfig {
  const rate =
    env.SEALTRUST_VERIFY_RATE === '0' ? 0 : positive(env.SEALTRUST_VERIFY_RATE, 20, 'SEALTRUST_VERIFY_RATE');
  return {
    workers: positive(env.SEALTRUST_VERIFY_WORKERS, 2, 'SEALTRUST_VERIFY_WORKERS'),
    budgetMs: positive(env.SEALTRUST_VERIFY_BUDGET_MS, 10_000, 'SEALTRUST_VERIFY_BUDGET_MS'),
    maxBytes: positive(env.SEALTRUST_VERIFY_MAX_BYTES, 20 * 1024 * 1024, 'SEALTRUST_VERIFY_MAX_BYTES'),
    maxQueue: positive(env.SEALTRUST_VERIFY_QUEUE, 64, 'SEALTRUST_VERIFY_QUEUE'),
    rate: {
      perSecond: rate,
      burst: positive(env.SEALTRUST_VERIFY_BURST, 2 * rate || 1, 'SEALTRUST_VERIFY_BURST'),
    },
  };
}

/** Eight 20 MB PDFs (or batch files up to 64 MB) in memory at once at most, by default. */
export const DEFAULT_UPLOAD_SLOTS = 8;

/** SEALTRUST_TRUST_PROXY: how many reverse proxies' X-Forwarded-For entries to believe (default 0). */
export function loadTrustProxyHops(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SEALTRUST_TRUST_PROXY;
  if (raw === undefined || raw === '' || raw === '0') return 0;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0 || n > 16)
    throw new ConfigError('SEALTRUST_TRUST_PROXY must be the number of trusted proxy hops (0–16)');
  return n;
}

/** GB/T 2260-2007 province-level codes (the first two digits of an administrative division code). */
const PROVINCE_CODES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
]);

/** Whether `id` is a node id: a province code, `00` (the hub) or `m-<USCC>` (a ministry node, GB 32100). */
export function isNodeId(id: string): boolean {
  return id === '00' || PROVINCE_CODES.has(id) || /^m-[0-9A-HJ-NPQRTUWXY]{18}$/.test(id);
}

/** A node's log origin unless SEALTRUST_LOG_ORIGIN names another: `sealtrust.org.cn/<node id>`. */
export function defaultLogOrigin(nodeId: string): string {
  return `sealtrust.org.cn/${nodeId}`;
}

/** SEALTRUST_NODE_ID, default `00` (production refuses the default: see assertProductionSafe). */
export function loadNodeId(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.SEALTRUST_NODE_ID;
  if (raw === undefined || raw === '') return '00';
  if (!isNodeId(raw)) {
    throw new ConfigError(
      `SEALTRUST_NODE_ID must be a GB/T 2260 province code (e.g. 33), 00 for the hub or m-<USCC>: ${raw}`,
    );
  }
  return raw;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT is not a port: ${raw}`);
  return port;
}

function signatureFormat(value: string | undefined): Config['licenceSignatureFormat'] {
  if (value === undefined || value === '') return 'ses';
  if (value === 'ses' || value === 'cms-rfc5652' || value === 'cms-gbt35275') return value;
  throw new ConfigError('SEALTRUST_LICENCE_SIGNATURE must be ses, cms-rfc5652 or cms-gbt35275');
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}

/** The marker file that keys-dev/ carries: keys next to it are published and must never sign in production. */
export const DEV_KEYS_MARKER = 'DEVELOPMENT-ONLY';

export function isDevelopmentKeysDir(dir: string): boolean {
  if (existsSync(join(dir, DEV_KEYS_MARKER))) return true;
  const devDir = join(PROJECT_ROOT, 'keys-dev');
  const real = existsSync(dir) ? realpathSync(dir) : resolve(dir);
  const realDev = existsSync(devDir) ? realpathSync(devDir) : devDir;
  return real === realDev || real.startsWith(realDev + sep);
}

/** The passphrase of the development keys, published in keys-dev/README.md. */
export const DEV_KEYS_PASSPHRASE = 'sealtrust-dev';

export function caPassphraseFor(config: Config): string {
  if (config.caPassphrase) return config.caPassphrase;
  if (!config.production && isDevelopmentKeysDir(config.keysDir)) return DEV_KEYS_PASSPHRASE;
  throw new ConfigError('SEALTRUST_CA_PASSPHRASE is required to unlock the CA keys in ' + config.keysDir);
}

function assertProductionSafe(config: Config, env: NodeJS.ProcessEnv): void {
  if (!config.databaseUrl) {
    throw new ConfigError(
      'production mode needs DATABASE_URL (the embedded database is for development only)',
    );
  }
  if (isDevelopmentKeysDir(config.keysDir)) {
    throw new ConfigError(
      `production mode refuses the development keys in ${config.keysDir}; set SEALTRUST_KEYS_DIR to this node's own keys`,
    );
  }
  if (!env.SEALTRUST_NODE_ID) {
    // Every directory-log leaf names its node and can never be rewritten, so no silent default here.
    throw new ConfigError(
      'production mode needs SEALTRUST_NODE_ID (a province code such as 33, or 00 for the national hub)',
    );
  }
}
