// Cross-province verification under load (issue 15, federation.md §3.5): cross_verify_per_s, cross_verify_p50_ms,
// cross_verify_p99_ms and cross_verify_errors. The hub (00) and provinces A (33) and B (44) run as separate
// `sealtrust serve` processes (compiled dist/), wired by the federation demo's code (src/cli/federation-demo/:
// key ceremonies, fed-nodes.json, hub tokens, the trust list), each on a fresh PostgreSQL database next to
// DATABASE_URL, as test/federation/harness does. The hub publishes the trust list, B issues BENCH_CROSS_LICENCES
// (default 44) licences, the hub mirrors them (their evidence answers with a statement), their PDFs are fetched
// from B; then this process, as the load generator, runs 8 keep-alive clients POSTing them round-robin to A's
// /v1/verify for BENCH_SECONDS. A request counts as an error unless it answers 200 with TOTAL_PASSED. Every
// verification at A asks the hub for the licence's evidence (GET /v1/federation/licences/{id}) and judges it;
// the trust list and the checkpoint timeline are warm (a warm-up pass precedes the measurement) and B's CRL is
// reused for 2 s. NB A reuses a foreign licence's directory answer for up to FOREIGN_VIEW_CACHE_MS (1 s, the
// freshness bound of a revocation at home), in the main thread's cache and in each worker's: with 44 licences in
// rotation most verifications reuse an answer and the hub is asked about each licence about once per second;
// BENCH_CROSS_LICENCES larger than a second's worth of verifications makes every answer fresh from the hub.
// A runs SEALTRUST_VERIFY_WORKERS (default 2, the service default) verification workers; the nodes log at warn (no
// access log). Beside the figures: CPU ms per verification of each node process (/proc; PostgreSQL backends not
// counted) and of this load process, A's split by thread (stderr), the hub's evidence answer alone
// (cross_verify_hub_evidence_*: 8 clients, GET …?old=<size> as A asks it), and the host's load average, since on
// a shared machine the figures move with it. BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
// is given to every node. `run()` is imported by bench/federation.ts (part `cross-verify`); alone:
// node --import tsx <this file>.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  prepareLocalFederation,
  startLocalFederation,
  type LocalFederation,
} from '../src/cli/federation-demo/local-federation.js';
import {
  defineDemoTypes,
  issueLicence,
  provinceAgency,
  waitFor,
} from '../src/cli/federation-demo/node-api.js';
import { NodeProcess, SEALTRUST_BIN } from '../src/cli/federation-demo/node-process.js';
import { processCpuSeconds, threadCpuSeconds } from './lib/process-cpu.js';
import {
  awaitTrustList,
  localTrustListDraft,
  publishTrustList,
} from '../src/cli/federation-demo/trust-list-bootstrap.js';
import { freshDatabase } from './lib/fresh-database.js';
import { keepAliveAgent, rawRequest, runLoad } from './lib/load.js';
import { buildOnce } from './lib/service-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = 8;
const LICENCES = Number(process.env.BENCH_CROSS_LICENCES ?? 44);
const A = '33';
const B = '44';

/**
 * A federation node for measurement: the demo's NodeProcess (same environment, same CLI), but compiled and logging
 * at warn, so no access-log line per request costs the nodes' CPU; it is ready when /healthz answers.
 */
class QuietNode extends NodeProcess {
  #child: ChildProcess | undefined;
  #exit: Promise<void> | undefined;

  override async start(): Promise<void> {
    const log = openSync(this.spec.logFile, 'a');
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, SEALTRUST_BIN, 'serve'], {
      env: {
        ...this.environment(),
        LOG_LEVEL: 'warn',
        SEALTRUST_COMPILED: process.env.BENCH_FROM_SOURCE === '1' ? '0' : '1',
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    let exited: number | null | undefined;
    this.#child = child;
    this.#exit = new Promise((resolve) =>
      child.once('exit', (code) => {
        exited = code;
        resolve();
      }),
    );
    for (let i = 0; ; i++) {
      if (exited !== undefined)
        throw new Error(`node ${this.nodeId} exited with ${exited}; see ${this.spec.logFile}`);
      if (i > 1200) throw new Error(`node ${this.nodeId} did not become healthy within 120 s`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** CPU seconds (user + system, every thread) the running process has used (Linux /proc). */
  cpuSeconds(): number {
    return processCpuSeconds(this.#child?.pid);
  }

  /** CPU seconds per thread kind (main, worker threads, libuv pool, V8 helpers). */
  threadCpuSeconds(): Map<string, number> {
    return threadCpuSeconds(this.#child?.pid);
  }

  override async stop(): Promise<void> {
    if (!this.#child) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), 15_000);
    await this.#exit;
    clearTimeout(timer);
    this.#child = undefined;
  }

  override async kill9(): Promise<void> {
    if (!this.#child) return;
    this.#child.kill('SIGKILL');
    await this.#exit;
    this.#child = undefined;
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

interface Report {
  indication: string;
  subIndication: string | null;
}

/** Hub, A and B started, the trust list published and held by both provinces. */
async function startNodes(dir: string, databases: Map<string, string>): Promise<LocalFederation<QuietNode>> {
  const fed = await prepareLocalFederation<QuietNode>({
    dir,
    provinces: [A, B],
    passphrase: 'bench federation passphrase',
    label: '基准',
    databaseUrl: (id) => databases.get(id),
    // The evidence of a new licence is at the hub sooner; nothing changes while the load runs.
    env: { SEALTRUST_TLOG_CHECKPOINT_MS: '250' },
    nodeEnv: {
      // One load process is one client address: the per-client limiter would measure refusals, not capacity.
      [A]: {
        SEALTRUST_VERIFY_WORKERS: process.env.SEALTRUST_VERIFY_WORKERS ?? '2',
        SEALTRUST_VERIFY_RATE: '0',
      },
    },
    trustListPollMs: 5_000,
    makeNode: (spec) => new QuietNode(spec),
  });
  await startLocalFederation(fed, 'bench');
  const seq = await publishTrustList(fed.hub, await localTrustListDraft(fed, '基准'));
  for (const p of fed.provinces) await awaitTrustList(p, seq);
  return fed;
}

/** `f` over `items`, `n` at a time, results in order. */
async function inParallel<T, R>(items: T[], n: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const loop = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: n }, loop));
  return out;
}

/** B's licences, issued, mirrored at the hub with a status statement, and their PDFs. */
async function licencesOfB(b: NodeProcess, hub: NodeProcess): Promise<{ ids: string[]; pdfs: Buffer[] }> {
  const agency = await provinceAgency(b);
  await defineDemoTypes(b, [agency.agencyId]);
  const ids = await inParallel(
    Array.from({ length: LICENCES }, (_, i) => i),
    4,
    () => issueLicence(b, agency),
  );
  await inParallel(ids, 4, (id) =>
    waitFor(
      `hub evidence for ${id}`,
      async () => {
        const res = await hub.request(`/v1/federation/licences/${encodeURIComponent(id)}`);
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as { events: unknown[]; statement: string | null };
        return body.events.length > 0 && body.statement ? true : undefined;
      },
      120_000,
      250,
    ),
  );
  const pdfs = await inParallel(ids, 4, async (id) => {
    const res = await b.request(`/v1/licences/${encodeURIComponent(id)}/pdf`, { token: agency.issuer });
    if (res.status !== 200) throw new Error(`PDF of ${id}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  });
  return { ids, pdfs };
}

/** GET /v1/federation/licences/{id}?old=<size> at the hub, as A asks it, from 8 keep-alive clients. */
async function hubEvidenceLoad(hub: QuietNode, ids: string[]) {
  const hubUrl = hub.url;
  const agent = keepAliveAgent(CLIENTS);
  try {
    const first = await rawRequest(
      agent,
      `${hubUrl}/v1/federation/licences/${encodeURIComponent(ids[0]!)}`,
      {},
    );
    const size = (JSON.parse(first.body.toString()) as { treeSize?: number }).treeSize;
    const urls = ids.map(
      (id) => `${hubUrl}/v1/federation/licences/${encodeURIComponent(id)}${size ? `?old=${size}` : ''}`,
    );
    const fire = async (i: number) => (await rawRequest(agent, urls[i % urls.length]!, {})).status === 200;
    await runLoad({ concurrency: CLIENTS, total: 100, fire });
    const cpu0 = hub.cpuSeconds();
    const r = await runLoad({ concurrency: CLIENTS, durationMs: Math.min(SECONDS, 5) * 1000, fire });
    if (r.errors > 0) throw new Error(`${r.errors} hub evidence requests failed`);
    return { ...r, cpuMs: ((hub.cpuSeconds() - cpu0) * 1000) / r.requests };
  } finally {
    agent.destroy();
  }
}

interface Check {
  id: string;
  status: string;
  code: string;
  message?: string;
}

export async function run(): Promise<Record<string, number>> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('bench federation-cross-verify needs DATABASE_URL (PostgreSQL)');
  buildOnce();
  const dir = mkdtempSync(join(tmpdir(), 'sealtrust-bench-fed-'));
  const fresh = new Map<string, Awaited<ReturnType<typeof freshDatabase>>>();
  for (const id of ['00', A, B]) fresh.set(id, await freshDatabase(base));
  let fed: LocalFederation<QuietNode> | undefined;
  const agent = keepAliveAgent(CLIENTS);
  try {
    fed = await startNodes(dir, new Map([...fresh].map(([id, d]) => [id, d.url])));
    const a = fed.provinces.find((p) => p.nodeId === A)!;
    const { ids, pdfs } = await licencesOfB(
      fed.provinces.find((p) => p.nodeId === B)!,
      fed.hub,
    );

    let failure: string | undefined;
    // What kept a report from passing: its checks that neither passed nor were skipped.
    const notPassed = (body: string) => {
      const rep = JSON.parse(body) as { signatures: { checks: Check[] }[]; licence?: { checks: Check[] } };
      const all = [...rep.signatures.flatMap((x) => x.checks), ...(rep.licence?.checks ?? [])];
      return JSON.stringify(all.filter((c) => c.status !== 'passed' && c.status !== 'skipped'));
    };
    const url = `${a.url}/v1/verify`;
    const headers = { 'content-type': 'application/pdf' };
    const fire = async (i: number) => {
      const res = await rawRequest(agent, url, { method: 'POST', headers, body: pdfs[i % pdfs.length]! });
      if (res.status === 200) {
        const r = JSON.parse(res.body.toString()) as Report;
        if (r.indication === 'TOTAL_PASSED') return true;
        failure ??= `${r.indication} ${r.subIndication}: ${notPassed(res.body.toString())}`;
      } else failure ??= `HTTP ${res.status} ${res.body.toString().slice(0, 300)}`;
      return false;
    };
    // Warm-up: every licence once, at least 200 files (A's checkpoint timeline, B's CRL, anchors, JIT).
    const warm = await runLoad({ concurrency: CLIENTS, total: Math.max(pdfs.length, 200), fire });
    if (warm.errors > 0) throw new Error(`${warm.errors} warm-up verifications failed, e.g. ${failure}`);
    const load1m = loadavg()[0]!;
    const cpu0 = fed.nodes.map((n) => n.cpuSeconds());
    const self0 = process.cpuUsage();
    const threads0 = a.threadCpuSeconds();
    const r = await runLoad({ concurrency: CLIENTS, durationMs: SECONDS * 1000, fire });
    // CPU per verification of each node process (PostgreSQL's backends are not counted).
    const cpuMs = fed.nodes.map((n, i) => round2(((n.cpuSeconds() - cpu0[i]!) * 1000) / r.requests));
    const self = process.cpuUsage(self0);
    const loadCpuMs = round2((self.user + self.system) / 1000 / r.requests);
    const threads = [...a.threadCpuSeconds()]
      .map(([name, sec]) => [name, ((sec - (threads0.get(name) ?? 0)) * 1000) / r.requests] as const)
      .filter(([, ms]) => ms >= 0.01)
      .sort((x, y) => y[1] - x[1]);
    process.stderr.write(
      `cross-verify: CPU ms per verification at ${A} by thread: ${threads.map(([n, ms]) => `${n} ${ms.toFixed(2)}`).join(', ')}\n`,
    );

    // The path A's view cache spares: the hub's evidence answer for a licence (what every verification of a
    // licence not verified at A in the last 5 s costs the hub), 8 clients for a few seconds.
    const evidence = await hubEvidenceLoad(fed.hub, ids);
    if (r.errors > 0) process.stderr.write(`cross-verify: ${r.errors} errors, e.g. ${failure}\n`);
    process.stderr.write(
      `cross-verify: ${r.requests} verifications of ${pdfs.length} licences of ${B} at ${A} ` +
        `(${pdfs[0]!.length} bytes each), load average before ${load1m.toFixed(2)}\n`,
    );
    return {
      cross_verify_per_s: r.perSecond,
      cross_verify_p50_ms: r.p50Ms,
      cross_verify_p99_ms: r.p99Ms,
      cross_verify_errors: r.errors,
      cross_verify_cpu_ms_at_a: cpuMs[1]!,
      cross_verify_cpu_ms_at_hub: cpuMs[0]!,
      cross_verify_cpu_ms_at_b: cpuMs[2]!,
      cross_verify_cpu_ms_load: loadCpuMs,
      cross_verify_hub_evidence_per_s: evidence.perSecond,
      cross_verify_hub_evidence_p99_ms: evidence.p99Ms,
      cross_verify_hub_evidence_cpu_ms: round2(evidence.cpuMs),
      cross_verify_host_load_1m: round2(load1m),
    };
  } finally {
    agent.destroy();
    if (fed) {
      await Promise.all(fed.nodes.map((n) => n.stop()));
      await Promise.all(fed.nodes.map((n) => n.closeLog()));
    }
    for (const d of fresh.values()) await d.drop();
    if (process.env.BENCH_KEEP === '1') process.stderr.write(`cross-verify: scratch kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
}
