// OCSP responder throughput: `sealtrust serve` in its own process, this process as the load generator
// (keep-alive HTTP, BENCH_CONCURRENCY loops), nonce-less (pre-produced answers) and with nonces (a signature
// per request). Run: node --import tsx bench/ocsp-load.ts   (ends with one line of JSON)
// Env: BENCH_SECONDS (10), BENCH_CONCURRENCY (32), DATABASE_URL (else a throwaway PGlite directory),
// BENCH_LOG_LEVEL (the server's LOG_LEVEL, default info: the access log is part of the real cost).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromPem } from '../src/crypto/pem.js';
import { parseCertificate } from '../src/pki/certificate.js';
import {
  buildCertId,
  buildOcspRequest,
  certificateSerialOctets,
  certificateSubjectDer,
  parseOcspResponse,
} from '../src/pki/ocsp.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const CLI = fileURLToPath(new URL('../bin/sealtrust.js', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function json<T>(url: string, token: string, body: unknown): Promise<T> {
  const res = await request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`POST ${url}: ${res.status} ${res.body.toString()}`);
  return JSON.parse(res.body.toString()) as T;
}

/** responseStatus successful: the ENUMERATED right after the outer SEQUENCE header. */
function successful(der: Buffer): boolean {
  const header = der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f);
  return der[0] === 0x30 && der[header] === 0x0a && der[header + 1] === 0x01 && der[header + 2] === 0x00;
}

interface Run {
  perSecond: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

async function drive(url: string, body: () => Buffer, seconds: number): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body: body(),
      });
      latencies.push(performance.now() - t0);
      if (res.status !== 200 || !successful(res.body)) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    perSecond: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    requests: latencies.length,
    errors,
  };
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'sealtrust-ocsp-bench-'));
const adminToken = 'st_' + randomBytes(32).toString('base64url');
const server = spawn(process.execPath, [CLI, 'serve'], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    SEALTRUST_PUBLIC_URL: base,
    SEALTRUST_DATA_DIR: dataDir,
    SEALTRUST_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));

try {
  const ready = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`sealtrust serve exited with ${server.exitCode}`);
    const ok = await request(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > ready) throw new Error('sealtrust serve did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }

  const agency = await json<{ id: string }>(`${base}/v1/agencies`, adminToken, {
    name: '杭州市市场监督管理局',
    uscc: '113301000024902776',
    regionCode: '330100',
    province: '33',
  });
  const issued = await json<{ certificate: string }>(`${base}/v1/certificates`, adminToken, {
    profile: 'seal-signer',
    agencyId: agency.id,
    passphrase: 'benchmark passphrase only',
  });
  const leaf = parseCertificate(fromPem(issued.certificate).der);
  const caPem = (await request(`${base}/ca/dev-ca.pem`)).body.toString();
  const ca = parseCertificate(fromPem(caPem).der);
  const certId = buildCertId(
    'sha1',
    certificateSubjectDer(ca.der),
    ca.publicKey,
    certificateSerialOctets(leaf.der),
  );
  const plain = buildOcspRequest([certId]);
  const withNonce = () => buildOcspRequest([certId], randomBytes(32));

  // Sanity: the answers are real (good, nonce echoed) before counting them.
  const check = parseOcspResponse(
    (await request(`${base}/ocsp`, { method: 'POST', body: withNonce() })).body,
  );
  if (check.basic?.responses[0]?.status.kind !== 'good' || !check.basic.nonceExtnValue) {
    throw new Error('the responder did not answer good with a nonce');
  }

  const ocspUrl = `${base}/ocsp`;
  await drive(ocspUrl, () => plain, 1); // warm-up: JIT, connections, pre-production
  const cached = await drive(ocspUrl, () => plain, SECONDS);
  await drive(ocspUrl, withNonce, 1);
  const nonced = await drive(ocspUrl, withNonce, SECONDS);

  for (const [name, r] of [
    ['nonce-less (pre-produced)', cached],
    ['with nonce (signed per request)', nonced],
  ] as const) {
    console.log(
      `${name}: ${round(r.perSecond)} req/s, p50 ${round(r.p50, 2)} ms, p99 ${round(r.p99, 2)} ms ` +
        `(${r.requests} requests, ${r.errors} errors, concurrency ${CONCURRENCY}, ${SECONDS} s)`,
    );
  }
  if (cached.errors || nonced.errors) process.exitCode = 1;
  console.log(
    JSON.stringify({
      ocsp_per_s: round(cached.perSecond),
      ocsp_nonce_per_s: round(nonced.perSecond),
      ocsp_p50_ms: round(cached.p50, 2),
      ocsp_p99_ms: round(cached.p99, 2),
      ocsp_nonce_p50_ms: round(nonced.p50, 2),
      ocsp_nonce_p99_ms: round(nonced.p99, 2),
    }),
  );
} finally {
  agent.destroy();
  server.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
