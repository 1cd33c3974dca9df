// One SealTrust node as a separate `sealtrust serve` process (the CLI path an operator runs) on its own port, keys
// and database: started and awaited until it listens, stopped with SIGTERM (its own clean shutdown) or SIGKILL.
// The federation demo runs its nodes with this; the multi-node test harness builds on it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../../config.js';
import { LISTENING_MESSAGE } from '../serve-command.js';
import type { NodeRole } from './federation-nodes.js';

/** The `sealtrust` executable of this checkout (tsx in development, dist/ when compiled). */
export const SEALTRUST_BIN = join(PROJECT_ROOT, 'bin', 'sealtrust.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sealtrust <args>` as a separate process with `env` added to this one's, quiet unless it fails. */
export function runSealtrust(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SEALTRUST_BIN, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A TCP port free on the loopback right now, for a server whose public URL must be known before it starts. It is
 * drawn below the kernel's ephemeral range: a port from that range (what `listen(0)` gives) can be taken as the
 * local end of any outgoing connection (a database client, an HTTP keep-alive) before the server binds it, which
 * made a node's start fail now and then with EADDRINUSE. Below the range only another listener can hold it.
 */
export async function freePort(): Promise<number> {
  const low = 10_000;
  const high = Math.min(ephemeralRangeStart(), 32_768);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canListen(port)) return port;
  }
  return listenAnywhere();
}

function ephemeralRangeStart(): number {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > 10_100 ? first : 32_768;
  } catch {
    return 32_768; // Linux's default start; elsewhere a guess that is still below most systems' ranges
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function listenAnywhere(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface NodeProcessSpec {
  /** SEALTRUST_NODE_ID: `00` for the hub, a GB/T 2260 province code otherwise. */
  nodeId: string;
  role: NodeRole;
  port: number;
  keysDir: string;
  /** PostgreSQL connection string; undefined: the embedded PGlite database in `dataDir`. */
  databaseUrl?: string | undefined;
  /** SEALTRUST_DATA_DIR (PGlite's files when there is no databaseUrl). */
  dataDir: string;
  /** Registered at start as SEALTRUST_ADMIN_TOKEN (the same on every restart). */
  adminToken: string;
  caPassphrase: string;
  /** SEALTRUST_KEK, fixed for the node's life so vault keys survive restarts. */
  kek: string;
  /** The process's stdout and stderr go here. */
  logFile: string;
  /** LOG_LEVEL (default info: the start is recognised by its info line). */
  logLevel?: string | undefined;
  /** How long a start may take before it is given up (default 120 s: two shared cores, keys to decrypt). */
  startTimeoutMs?: number | undefined;
  /** Federation and tuning variables (SEALTRUST_HUB_URL, SEALTRUST_FED_NODES, …), applied last. */
  env: Record<string, string>;
}

export type RequestInitJson = RequestInit & { token?: string; json?: unknown };

export class NodeProcess {
  readonly spec: NodeProcessSpec;
  #child: ChildProcess | undefined;
  #exit: Promise<number | null> | undefined;
  #log: WriteStream;
  #tail: string[] = [];

  constructor(spec: NodeProcessSpec) {
    this.spec = spec;
    this.#log = createWriteStream(spec.logFile, { flags: 'a' });
  }

  get nodeId(): string {
    return this.spec.nodeId;
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  get adminToken(): string {
    return this.spec.adminToken;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The running process's id, if it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Settles with the exit code when the running process ends (undefined when none runs). */
  get exited(): Promise<number | null> | undefined {
    return this.#child ? this.#exit : undefined;
  }

  /** The environment `sealtrust serve` runs with: every variable set for a node, in one place. */
  environment(): NodeJS.ProcessEnv {
    const s = this.spec;
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Without a URL the node must not pick up the caller's DATABASE_URL: it runs on its own PGlite files.
    delete env.DATABASE_URL;
    return {
      ...env,
      NODE_ENV: 'development',
      ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}),
      HOST: '127.0.0.1',
      PORT: String(s.port),
      SEALTRUST_PUBLIC_URL: this.url,
      SEALTRUST_DATA_DIR: s.dataDir,
      SEALTRUST_KEYS_DIR: s.keysDir,
      SEALTRUST_CA_PASSPHRASE: s.caPassphrase,
      SEALTRUST_KEK: s.kek,
      SEALTRUST_KEK_FILE: '',
      SEALTRUST_ADMIN_TOKEN: s.adminToken,
      SEALTRUST_DEMO: '0',
      SEALTRUST_NODE_ID: s.nodeId,
      SEALTRUST_ROLE: s.role,
      // Two cores shared by every node (federation.md §5.1).
      SEALTRUST_RENDER_WORKERS: '1',
      SEALTRUST_VERIFY_WORKERS: '1',
      SEALTRUST_STAMP_WORKERS: '1',
      LOG_LEVEL: s.logLevel ?? 'info',
      ...s.env,
    };
  }

  /** Starts the process and resolves once it listens; rejects with its last output if it exits first. */
  async start(): Promise<void> {
    if (this.#child) throw new Error(`node ${this.nodeId} is already running`);
    const timeoutMs = this.spec.startTimeoutMs ?? 120_000;
    this.#log.write(`\n==== start ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, [SEALTRUST_BIN, 'serve'], {
      env: this.environment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exit = new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
    );
    const keep = (line: string) => {
      this.#log.write(line + '\n');
      this.#tail.push(line);
      if (this.#tail.length > 40) this.#tail.shift();
    };
    createInterface({ input: child.stderr! }).on('line', keep);
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`node ${this.nodeId} did not listen in ${timeoutMs} ms:\n${this.tail()}`)),
        timeoutMs,
      );
      lines.on('line', (line) => {
        keep(line);
        if (line.includes(LISTENING_MESSAGE)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void this.#exit!.then((code) => {
        clearTimeout(timer);
        this.#child = undefined;
        reject(new Error(`node ${this.nodeId} exited (${code}) before listening:\n${this.tail()}`));
      });
    });
    void this.#exit.then(() => {
      if (this.#child === child) this.#child = undefined;
    });
  }

  /** The last lines the process wrote (for failure messages). */
  tail(): string {
    return this.#tail.join('\n');
  }

  /** SIGKILL: no shutdown hook runs, as after a power cut or an OOM kill. */
  async kill9(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.#exit;
    this.#child = undefined;
  }

  /** SIGTERM and wait: the node's own clean shutdown (SIGKILL after `graceMs`). */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exit;
    clearTimeout(timer);
    this.#child = undefined;
  }

  /** Changes variables for the next start (a fault flag, a slower pull, a token minted elsewhere). */
  setEnv(vars: Record<string, string>): void {
    Object.assign(this.spec.env, vars);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  request(path: string, init: RequestInitJson = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(this.url + path, { ...init, headers, body: body ?? null });
  }

  /** The same request with the node's admin token. */
  admin(path: string, init: RequestInitJson = {}): Promise<Response> {
    return this.request(path, { ...init, token: init.token ?? this.adminToken });
  }

  /** Closes the log file (after the process is gone). */
  closeLog(): Promise<void> {
    return new Promise<void>((resolve) => this.#log.end(resolve));
  }
}
