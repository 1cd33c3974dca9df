// npm run bench:federation — the directory log's figures (federation.md §6.3), one JSON line. Every part runs on
// its own fresh PostgreSQL database next to DATABASE_URL (required: PGlite would measure neither fsync nor
// concurrency):
// - pg_fsync_per_s: pg_test_fsync's fdatasync rate (one 8 kB write) on this machine's disk (the PostgreSQL data
//   directory's filesystem), or, without pg_test_fsync, 8 kB write + fdatasync measured here (then
//   pg_fsync_measured_here = 1);
// - tlog_append_tx_per_s / _p50_ms / _p99_ms (§6.3's definition): single-event status changes through the
//   service layer, 16 concurrent callers each alternating suspend / resume of its own licence, in this process
//   (LicenceService.applyEvent; one status change, one leaf and one audit record each, committed in groups by
//   LicenceStatusCommitter as they arrive; part `append`);
// - tlog_append_http_tx_per_s / _p50_ms / _p99_ms: the same changes as 16 keep-alive HTTP clients of this separate
//   load process against `sealtrust serve` (auth, routing, the answer's reads and JSON added; part `append-http`);
// - tlog_append_in_process_tx_per_s / _p50_ms / _p99_ms: the append alone, in this process: withAudit with one
//   statement, one directory event and its audit record per transaction, 16 concurrent (part `append-in-process`);
// - tlog_append_batched_events_per_s: withAudit transactions carrying 100 directory events each (the log and
//   audit append of a batch, without PDF rendering), 4 concurrent, in this process;
// - tlog_integrate_entries_per_s: TlogIntegrator over a 200,000-entry backlog of synthetic 100-byte leaves;
// - inclusion_proof_p50_us (warm tile cache) / inclusion_proof_p99_us (cold) and consistency_proof_p50_us
//   (warm) at 2^20 entries, through TlogReadService (tile reads and the leaf look-up included).
// Other federation parts plug in as bench/federation-witness.ts and bench/federation-replicate.ts, each
// exporting `run(): Promise<Record<string, number>>`; their keys are merged into the line (the replication part
// also gives share_search_p99_ms, the hub's holder search over the index it just mirrored).
// - trust_list_verify_ms (median; also _p99_ms and the parts' medians): a node accepting a signed list of
//   70 nodes × 6 services, in this process (bench/federation-trust-list.ts, part `trust-list`);
// - cross_verify_per_s, cross_verify_p50_ms / _p99_ms, cross_verify_errors: licences of province 44 verified at
//   province 33 over HTTP, hub and both provinces as `sealtrust serve` processes, 8 keep-alive clients in this
//   process (bench/federation-cross-verify.ts, part `cross-verify`).
// - pg_bare_events_per_s: the same rows a status change writes, batched 16 per transaction, by pgbench with no
//   application (the database's own ceiling for them on this machine; part `pg-bare`);
// BENCH_PARTS=<comma-separated part names> runs only those parts (fsync, pg-bare, append, append-http, append-in-process,
// batched, integrate, plug-ins, trust-list, cross-verify).
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import knexFactory from 'knex';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSTRUCTION_ENGINEER_2, DEMO_FACE_DATA, DEMO_HOLDERS } from '../src/licence/demo-licence-types.js';
import { withAudit } from '../src/service/audit/audit-service.js';
import { TlogIntegrator } from '../src/service/federation/tlog-integrator.js';
import { TlogReadService } from '../src/service/federation/tlog-read-service.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { SM3_MERKLE_HASHER } from '../src/tlog/merkle-hasher.js';
import type { DirectoryEvent } from '../src/tlog/directory-leaf.js';
import { freshDatabase } from './lib/fresh-database.js';
import { keepAliveAgent, percentile, rawRequest, runLoad } from './lib/load.js';
import { startServiceProcess } from './lib/service-process.js';
import { issuingAgency, type BenchApi } from './lib/issuing-agency.js';
import { startTestServer } from '../test/helpers/test-server.js';

const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) throw new Error('bench:federation needs DATABASE_URL (PostgreSQL)');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = 16;
const BACKLOG = 200_000;
const PROOF_SIZE = 2 ** 20;
const SAMPLES = 1000;

const out: Record<string, number> = {};
const notes: string[] = [];
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

async function withFreshDatabase<T>(run: (db: Database) => Promise<T>): Promise<T> {
  const fresh = await freshDatabase(DATABASE_URL!);
  const db = await openDatabase({ databaseUrl: fresh.url });
  try {
    return await run(db);
  } finally {
    await db.close();
    await fresh.drop();
  }
}

// ---- pg_fsync_per_s ------------------------------------------------------------------------------------------
function pgTestFsync(): string | undefined {
  const bins = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  for (const v of bins.sort().reverse()) {
    const p = `/usr/lib/postgresql/${v}/bin/pg_test_fsync`;
    if (existsSync(p)) return p;
  }
  try {
    return execFileSync('which', ['pg_test_fsync']).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

function fsyncRate(): void {
  const file = join(tmpdir(), `sealtrust-fsync-${process.pid}`);
  const tool = pgTestFsync();
  try {
    if (tool) {
      const text = execFileSync(tool, ['-s', '2', '-f', file]).toString();
      // The first section is "one 8kB write"; its fdatasync line is PostgreSQL's wal_sync_method here.
      const m = /fdatasync\s+([0-9.]+) ops\/sec/.exec(text);
      if (m) {
        out.pg_fsync_per_s = round(Number(m[1]));
        notes.push(`pg_fsync_per_s: ${tool} fdatasync, one 8 kB write, file in ${tmpdir()}`);
        return;
      }
    }
    const fd = openSync(file, 'w');
    const block = Buffer.alloc(8192, 1);
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < 2000) {
      writeSync(fd, block, 0, block.length, 0);
      fdatasyncSync(fd);
      n++;
    }
    closeSync(fd);
    out.pg_fsync_per_s = round(n / ((performance.now() - start) / 1000));
    out.pg_fsync_measured_here = 1;
    notes.push('pg_fsync_per_s: pg_test_fsync not found; 8 kB write + fdatasync measured by this script');
  } finally {
    rmSync(file, { force: true });
  }
}

// ---- pg_bare_events_per_s -----------------------------------------------------------------------------------
// PostgreSQL's own rate for the rows one status change writes (the licence's status, its event, its leaf, its
// audit record, the head row that numbers leaf and record), with no application at all: pgbench, batches of
// 16 changes per transaction as LicenceStatusCommitter groups them, 2 clients. On a fast disk fsync is not what
// bounds the append (§6.3 states its target as a share of the fsync rate); this says how close to the
// database's own ceiling for the same writes the service comes.
const BARE_SCHEMA = `
CREATE TABLE head (id int PRIMARY KEY, seq bigint NOT NULL);
INSERT INTO head VALUES (1, 0);
CREATE TABLE lic (id int PRIMARY KEY, status text NOT NULL, updated_at timestamptz);
INSERT INTO lic SELECT g, 'valid', now() FROM generate_series(1, 10000) g;
CREATE TABLE ev (seq bigserial PRIMARY KEY, lic int NOT NULL, op text NOT NULL, at timestamptz NOT NULL DEFAULT now(), details jsonb);
CREATE TABLE lg (idx bigint PRIMARY KEY, leaf bytea NOT NULL, leaf_hash bytea NOT NULL);
CREATE TABLE au (seq bigint PRIMARY KEY, action text NOT NULL, at timestamptz NOT NULL DEFAULT now(), details jsonb);`;
const BARE_BATCH = 16;
const BARE_SCRIPT = `\\set l random(1, ${10_000 - BARE_BATCH})
BEGIN;
UPDATE lic SET status = 'suspended', updated_at = now() WHERE id BETWEEN :l AND :l + ${BARE_BATCH - 1};
INSERT INTO ev (lic, op, details) SELECT g, 'suspend', '{"reason":"bench"}' FROM generate_series(:l, :l + ${BARE_BATCH - 1}) g;
UPDATE head SET seq = seq + ${BARE_BATCH} WHERE id = 1 RETURNING seq \\gset
INSERT INTO lg (idx, leaf, leaf_hash) SELECT :seq - g, decode(md5(g::text) || md5(:l::text), 'hex'), decode(md5(g::text), 'hex') FROM generate_series(0, ${BARE_BATCH - 1}) g;
INSERT INTO au (seq, action, details) SELECT :seq - g, 'licence.suspend', '{"id":1}' FROM generate_series(0, ${BARE_BATCH - 1}) g;
COMMIT;
`;

async function bareEvents(): Promise<void> {
  let pgbench: string;
  try {
    pgbench = execFileSync('which', ['pgbench']).toString().trim();
  } catch {
    notes.push('pg_bare_events_per_s: pgbench not found (Debian: postgresql-client), not measured');
    return;
  }
  const fresh = await freshDatabase(DATABASE_URL!);
  const script = join(tmpdir(), `sealtrust-bare-${process.pid}.sql`);
  try {
    const k = knexFactory({ client: 'pg', connection: fresh.url, pool: { min: 0, max: 1 } });
    await k.raw(BARE_SCHEMA);
    await k.destroy();
    writeFileSync(script, BARE_SCRIPT);
    const text = execFileSync(pgbench, [
      '-n',
      '-c',
      '2',
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-f',
      script,
      fresh.url,
    ]).toString();
    const m = /tps = ([0-9.]+)/.exec(text);
    if (!m) throw new Error(`pgbench printed no tps: ${text.slice(-300)}`);
    out.pg_bare_events_per_s = round(Number(m[1]) * BARE_BATCH);
    notes.push(`pg_bare_events_per_s: ${pgbench}, ${BARE_BATCH} status changes per transaction, 2 clients`);
  } finally {
    rmSync(script, { force: true });
    await fresh.drop();
  }
}

// ---- tlog_append_tx_per_s ------------------------------------------------------------------------------------
/** An issuing agency set up through the API and one licence of it per client, each free to be suspended. */
async function licencesToChange(api: BenchApi, admin: string): Promise<{ issuer: string; ids: string[] }> {
  const { issuer } = await issuingAgency(api, admin);
  const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
  const ids: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const l = await api<{ identifier: string }>('/v1/licences', issuer, {
      typeCode: CONSTRUCTION_ENGINEER_2.code,
      holder,
      validFrom: '2026-01-01',
      validTo: '2028-12-31',
      fields: DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code],
    });
    ids.push(l.identifier);
  }
  return { issuer, ids };
}

/** A status-change load's figures under `<prefix>_tx_per_s`, `_p50_ms` and `_p99_ms`. */
function reportLoad(prefix: string, r: Awaited<ReturnType<typeof runLoad>>): void {
  out[`${prefix}_tx_per_s`] = r.perSecond;
  out[`${prefix}_p50_ms`] = round(r.p50Ms, 1);
  out[`${prefix}_p99_ms`] = round(r.p99Ms, 1);
}

/**
 * 16 loops over 16 licences: each call takes a free licence and applies its next legal transition (suspend, then
 * resume) with `change`, which answers whether it was applied. A warm-up first; any failed change fails the part.
 */
async function alternateStatusChanges(
  ids: string[],
  change: (id: string, operation: 'suspend' | 'resume') => Promise<boolean>,
): Promise<Awaited<ReturnType<typeof runLoad>>> {
  const free = ids.map((id) => ({ id, next: 'suspend' as 'suspend' | 'resume' }));
  const fire = async () => {
    const l = free.pop()!;
    try {
      const ok = await change(l.id, l.next);
      if (ok) l.next = l.next === 'suspend' ? 'resume' : 'suspend';
      return ok;
    } finally {
      free.push(l);
    }
  };
  await runLoad({ concurrency: CLIENTS, total: 200, fire }); // warm-up
  const r = await runLoad({ concurrency: CLIENTS, durationMs: SECONDS * 1000, fire });
  if (r.errors > 0) throw new Error(`${r.errors} status changes failed`);
  return r;
}

/**
 * federation.md §6.3's own definition: single-event status changes through the service layer, 16 concurrent
 * callers, in this process (LicenceService.applyEvent: the locked read and transition check, the status and event
 * statement, the leaf and audit record with COMMIT). The service runs here with its background integrator and
 * chainer; set-up goes through its HTTP API. No HTTP per change: that is tlog_append_http_tx_per_s.
 */
async function appendThroughService(): Promise<void> {
  const server = await startTestServer();
  try {
    const api: BenchApi = async <T>(path: string, token: string, json?: unknown) => {
      const res = await server.request(path, {
        method: json === undefined ? 'GET' : 'POST',
        token,
        ...(json === undefined ? {} : { json }),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${text}`);
      return JSON.parse(text) as T;
    };
    const { issuer, ids } = await licencesToChange(api, server.adminToken);
    const principal = await server.services.tokens.authenticate(issuer);
    if (!principal) throw new Error('issuer token not accepted');
    const ctx = { principal, requestId: 'bench' };
    const r = await alternateStatusChanges(ids, async (id, operation) => {
      await server.services.licences.applyEvent(ctx, id, { operation, reason: 'bench' });
      return true;
    });
    reportLoad('tlog_append', r);
  } finally {
    await server.stop();
  }
}

/** The same status changes over HTTP against `sealtrust serve` in its own process (the whole request's cost). */
async function appendSingle(): Promise<void> {
  const service = await startServiceProcess({ SEALTRUST_DEMO: '0' });
  const agent = keepAliveAgent(CLIENTS + 2);
  try {
    const api = async <T>(path: string, token: string, json?: unknown): Promise<T> => {
      const res = await rawRequest(agent, service.url + path, {
        method: json === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${res.body.toString()}`);
      return JSON.parse(res.body.toString()) as T;
    };
    const { issuer, ids } = await licencesToChange(api, service.adminToken);
    let failure: string | undefined;
    const headers = { authorization: `Bearer ${issuer}`, 'content-type': 'application/json' };
    const r = await alternateStatusChanges(ids, async (id, operation) => {
      const res = await rawRequest(agent, `${service.url}/v1/licences/${id}/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ operation, reason: 'bench' }),
      });
      const ok = res.status === 200 || res.status === 201;
      if (!ok) failure ??= `HTTP ${res.status} ${res.body.toString().slice(0, 300)}`;
      return ok;
    }).catch((err: Error) => {
      throw new Error(`${err.message}, e.g. ${failure}`);
    });
    reportLoad('tlog_append_http', r);
  } finally {
    agent.destroy();
    await service.stop();
  }
}

// ---- tlog_append_batched_events_per_s --------------------------------------------------------------------------
let serial = 0;
/** A fresh licence identifier of the demo type and issuer for the synthetic events. */
function nextIdentifier(): string {
  return `1.2.156.3005.2.11100000000013338W001.11320100014000714D.2026${String(serial++).padStart(7, '0')}.001.F`;
}

/** A licence's suspension as its directory event (federation.md §2.2), the leaf every append part writes. */
function suspendEvent(id = nextIdentifier()): DirectoryEvent {
  return {
    kind: 'licence',
    op: 'suspend',
    subject: id,
    at: new Date(),
    body: {
      licence: {
        id,
        type: '11100000000013338W001',
        issuer: '11320100014000714D',
        version: 1,
        status: 'suspended',
        prev: 'valid',
        related: null,
      },
    },
  };
}

async function appendBatched(): Promise<void> {
  await withFreshDatabase(async ({ knex }) => {
    const system = { principal: { kind: 'system' as const }, requestId: 'bench' };
    const events = (): DirectoryEvent[] => Array.from({ length: 100 }, () => suspendEvent());
    const fire = async () => {
      await withAudit(knex, system, 'bench.batch', async () => ({
        result: null,
        target: { type: 'licence', id: null },
        directory: events(),
      }));
      return true;
    };
    await runLoad({ concurrency: 4, total: 20, fire });
    const r = await runLoad({ concurrency: 4, durationMs: Math.min(SECONDS, 8) * 1000, fire });
    out.tlog_append_batched_events_per_s = r.perSecond * 100;
  });
}

/**
 * The append itself, in process: one directory event, its audit record and the change's own statement per
 * transaction (withAudit), 16 concurrent callers, no HTTP and no licence row. Beside tlog_append_tx_per_s (the whole
 * status change over HTTP), it shows how much of the per-change cost is the log and audit append.
 */
async function appendInProcess(): Promise<void> {
  await withFreshDatabase(async ({ knex }) => {
    const system = { principal: { kind: 'system' as const }, requestId: 'bench' };
    const fire = async () => {
      const id = nextIdentifier();
      await withAudit(knex, system, 'licence.suspend', async (trx) => {
        await trx.raw('SELECT 1');
        return {
          result: null,
          target: { type: 'licence', id },
          details: { operation: 'suspend', from: 'valid', to: 'suspended' },
          directory: [suspendEvent(id)],
        };
      });
      return true;
    };
    await runLoad({ concurrency: CLIENTS, total: 200, fire });
    const r = await runLoad({ concurrency: CLIENTS, durationMs: SECONDS * 1000, fire });
    reportLoad('tlog_append_in_process', r);
  });
}

// ---- integration and proofs ------------------------------------------------------------------------------------
/** Appends synthetic 100-byte leaves [from, to) straight into tlog_entries (what the integrator reads). */
async function fillEntries(db: Database, from: number, to: number): Promise<void> {
  const CHUNK = 20_000;
  for (let at = from; at < to; at += CHUNK) {
    const n = Math.min(CHUNK, to - at);
    const idx: number[] = [];
    const leaves: Buffer[] = [];
    const hashes: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const leaf = Buffer.from(`{"i":${at + i},"t":"sealtrust.directory.v1"}`.padEnd(100, ' '));
      idx.push(at + i);
      leaves.push(leaf);
      hashes.push(Buffer.from(SM3_MERKLE_HASHER.hashLeaf(leaf)));
    }
    await db.knex.raw(
      `INSERT INTO tlog_entries (idx, leaf, leaf_hash, kind, subject, audit_seq, at)
       SELECT i, l, h, 'licence', 'bench', 0, now() FROM unnest(?::bigint[], ?::bytea[], ?::bytea[]) AS u(i, l, h)`,
      [idx, leaves, hashes],
    );
  }
}

function micros(samples: number[]): { p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50) * 1000), p99: round(percentile(s, 99) * 1000) };
}

async function integrateAndProve(): Promise<void> {
  await withFreshDatabase(async (db) => {
    await fillEntries(db, 0, BACKLOG);
    const integrator = new TlogIntegrator(db.knex, { tileHeight: 8 });
    const t0 = performance.now();
    if ((await integrator.catchUp()) !== BACKLOG) throw new Error('integration stopped early');
    out.tlog_integrate_entries_per_s = round(BACKLOG / ((performance.now() - t0) / 1000));

    await fillEntries(db, BACKLOG, PROOF_SIZE);
    if ((await integrator.catchUp()) !== PROOF_SIZE) throw new Error('integration stopped early');
    const service = () =>
      new TlogReadService({
        db: db.knex,
        origin: 'bench.sealtrust.example/directory',
        tileHeight: 8,
        publishedSize: async () => PROOF_SIZE,
      });
    const indices = Array.from({ length: SAMPLES }, () => Math.floor(Math.random() * PROOF_SIZE));
    const log = service();
    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    const cold: number[] = [];
    for (const i of indices) cold.push(await time(() => log.inclusionProof({ index: i, size: PROOF_SIZE })));
    const warm: number[] = [];
    for (const i of indices) warm.push(await time(() => log.inclusionProof({ index: i, size: PROOF_SIZE })));
    const c = micros(cold);
    const w = micros(warm);
    out.inclusion_proof_p50_us = w.p50;
    out.inclusion_proof_p99_us = c.p99;
    out.inclusion_proof_cold_p50_us = c.p50;
    out.inclusion_proof_warm_p99_us = w.p99;
    const froms = indices.map((i) => i + 1);
    for (const m of froms) await log.consistencyProof(m, PROOF_SIZE); // warm the tiles these need
    const cons: number[] = [];
    for (const m of froms) cons.push(await time(() => log.consistencyProof(m, PROOF_SIZE)));
    out.consistency_proof_p50_us = micros(cons).p50;
    out.consistency_proof_p99_us = micros(cons).p99;
  });
}

// ---- the other helpers' parts ----------------------------------------------------------------------------------
async function plugIns(): Promise<void> {
  for (const name of ['federation-witness', 'federation-replicate']) {
    const file = new URL(`./${name}.ts`, import.meta.url);
    if (!existsSync(file)) continue;
    const mod = (await import(file.href)) as { run(): Promise<Record<string, number>> };
    Object.assign(out, await mod.run());
  }
}

async function part(name: string): Promise<void> {
  const mod = (await import(new URL(`./${name}.ts`, import.meta.url).href)) as {
    run(): Promise<Record<string, number>>;
  };
  Object.assign(out, await mod.run());
}

const parts: [string, () => Promise<void> | void][] = [
  ['fsync', fsyncRate],
  ['pg-bare', bareEvents],
  ['append', appendThroughService],
  ['append-http', appendSingle],
  ['append-in-process', appendInProcess],
  ['batched', appendBatched],
  ['integrate', integrateAndProve],
  ['plug-ins', plugIns],
  ['trust-list', () => part('federation-trust-list')],
  ['cross-verify', () => part('federation-cross-verify')],
];
const only = process.env.BENCH_PARTS?.split(',');
for (const [name, run] of parts) {
  if (only && !only.includes(name)) continue;
  const t = performance.now();
  await run();
  console.error(`bench:federation ${name} done in ${round((performance.now() - t) / 1000, 1)} s`);
}
for (const n of notes) console.error(n);
console.log(JSON.stringify(out));
