import { freePort } from '../../test/helpers/free-port.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './fresh-database.js';

const CLI = fileURLToPath(new URL('../../bin/sealtrust.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

export interface ServiceProcess {
  url: string;
  adminToken: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `sealtrust serve` as its own process, so a benchmark's load generator never shares its event loop.
 * Uses DATABASE_URL when set (a fresh database is the caller's business), else a throwaway PGlite directory.
 */
let built = false;

/** Builds dist/ once per benchmark run: the service under load runs compiled, as in production. */
export function buildOnce(): void {
  if (built || process.env.BENCH_FROM_SOURCE === '1') return;
  execFileSync(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

export async function startServiceProcess(env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
  buildOnce();
  const dataDir = mkdtempSync(join(tmpdir(), 'sealtrust-bench-'));
  const adminToken = 'st_' + randomBytes(32).toString('base64url');
  const port = await freePort();
  const db =
    process.env.DATABASE_URL && env.DATABASE_URL === undefined
      ? await freshDatabase(process.env.DATABASE_URL)
      : undefined;
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the service under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SEALTRUST_DATA_DIR: dataDir,
      SEALTRUST_ADMIN_TOKEN: adminToken,
      SEALTRUST_COMPILED: process.env.BENCH_FROM_SOURCE === '1' ? '0' : '1',
      // One load process is one client address: the per-client limiter (verify, OCSP nonces, TSA) would
      // measure refusals, not capacity.
      SEALTRUST_VERIFY_RATE: '0',
      ...(db ? { DATABASE_URL: db.url } : {}),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  // Ready when /healthz answers (the service logs at warn here, so there is no "listening" line to wait for).
  for (let i = 0; ; i++) {
    if (exitCode !== undefined) throw new Error(`service exited with ${exitCode}`);
    if (i > 600) throw new Error('service did not become healthy within 60 s');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
      await db?.drop();
    },
  };
}
