// One SealTrust node of the multi-node harness: a separate `sealtrust serve` process (the CLI path an operator
// runs, as test/cli/serve.test.ts starts it) on its own port, database and keys, that a test can kill -9 and
// restart on the same database.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Knex } from 'knex';
import { CLI } from '../../helpers/run-cli.js';
import { connect, databaseUrl } from './fed-postgres.js';

export interface FedNodeSpec {
  /** SEALTRUST_NODE_ID: `00` for the hub, a GB/T 2260 province code otherwise. */
  nodeId: string;
  role: 'node' | 'hub';
  port: number;
  keysDir: string;
  /** The node's own database on the local PostgreSQL server. */
  database: string;
  /** Registered at start as SEALTRUST_ADMIN_TOKEN (the same on every restart). */
  adminToken: string;
  caPassphrase: string;
  /** SEALTRUST_KEK, fixed for the node's life so vault keys survive restarts. */
  kek: string;
  dataDir: string;
  /** The process's stdout and stderr go here (read it when a test fails). */
  logFile: string;
  /** Federation and tuning variables (SEALTRUST_HUB_URL, SEALTRUST_FED_NODES, …). */
  env: Record<string, string>;
}

export type RequestInitJson = RequestInit & { token?: string; json?: unknown };

// Generous: two cores shared with PostgreSQL and the other nodes, each decrypting its keys at start.
const START_TIMEOUT_MS = Number(process.env.FED_START_TIMEOUT_MS ?? 120_000);

export class FedNode {
  readonly spec: FedNodeSpec;
  #child: ChildProcess | undefined;
  #exit: Promise<number | null> | undefined;
  #log: WriteStream;
  #db: Knex | undefined;
  #tail: string[] = [];

  constructor(spec: FedNodeSpec) {
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

  /** The environment `sealtrust serve` runs with: every variable the harness sets, in one place. */
  environment(): NodeJS.ProcessEnv {
    const s = this.spec;
    return {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl(s.database),
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
      // Two cores for four nodes and PostgreSQL (federation.md §5.1).
      SEALTRUST_RENDER_WORKERS: '1',
      SEALTRUST_VERIFY_WORKERS: '1',
      SEALTRUST_STAMP_WORKERS: '1',
      LOG_LEVEL: process.env.FED_LOG_LEVEL ?? 'info',
      ...s.env,
    };
  }

  /** Starts the process and resolves once it listens; rejects with its last output if it exits first. */
  async start(): Promise<void> {
    if (this.#child) throw new Error(`node ${this.nodeId} is already running`);
    this.#log.write(`\n==== start ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, [CLI, 'serve'], {
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
        () =>
          reject(new Error(`node ${this.nodeId} did not listen in ${START_TIMEOUT_MS} ms:\n${this.tail()}`)),
        START_TIMEOUT_MS,
      );
      lines.on('line', (line) => {
        keep(line);
        if (line.includes('SealTrust listening')) {
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

  /** SIGTERM and wait: the node's own clean shutdown. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.#exit;
    clearTimeout(timer);
    this.#child = undefined;
  }

  /** Changes variables for the next start (a fault flag, a slower pull). */
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

  /** A direct connection to the node's database (works while the node is down). */
  get db(): Knex {
    return (this.#db ??= connect(this.spec.database));
  }

  async close(): Promise<void> {
    await this.kill9();
    await this.#db?.destroy();
    this.#db = undefined;
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }
}
