import { availableParallelism } from 'node:os';
import { existsSync, realpathSync } from 'node:fs';
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
    renderWorkers:
      env.SEALTRUST_RENDER_WORKERS === '0'
        ? 0
        : positive(
            env.SEALTRUST_RENDER_WORKERS,
            Math.max(2, availableParallelism() - 1),
            'SEALTRUST_RENDER_WORKERS',
          ),
  };
  if (production) assertProductionSafe(config);
  return config;
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

function assertProductionSafe(config: Config): void {
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
}
