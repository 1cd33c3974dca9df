// npm run bench:verify — public verification over HTTP. `sealtrust serve` runs in its own process (fresh
// database, no rate limit); this process only generates load: keep-alive POST /v1/verify of a one-page sealed
// licence from BENCH_CONCURRENCY loops for BENCH_SECONDS (rate, p50, p99), the same for a one-page OFD
// sealed by this server through POST /v1/documents/seal, then one 20 MB many-page sealed
// document (time, and the server's peak RSS from /proc/<pid>/status VmHWM, reset just before it).
// Then, on the same server, healthz_p99_ms_under_attack: 8 keep-alive loops of a separate process
// (bench/lib/attack-load.ts) post pathological PDFs to stamping and verification for BENCH_SECONDS while this
// process polls /healthz every 50 ms (p50, p99 of those polls).
// Env: BENCH_SECONDS (10), BENCH_CONCURRENCY (8), BENCH_LARGE_PAGES (400), DATABASE_URL (else PGlite).
// Concurrency 8 keeps the two verification workers and the main thread busy on 2 cores (16 measured the same
// rate within noise); more clients only lengthen the queue, and in a closed loop latency is queue ÷ rate.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';
import { processCpuSeconds } from './lib/process-cpu.js';
import {
  drawObject,
  PDFDocument,
  popGraphicsState,
  pushGraphicsState,
  concatTransformationMatrix,
} from '@cantoo/pdf-lib';
import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
  DEMO_LICENCE_TYPES,
} from '../src/licence/demo-licence-types.js';
import { keepAliveAgent, percentile, rawRequest, runLoad } from './lib/load.js';
import { startServiceProcess } from './lib/service-process.js';
import { freshDatabase } from './lib/fresh-database.js';
import { unsignedOfd } from '../test/ofd/ofd-stamping-support.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LARGE_PAGES = Number(process.env.BENCH_LARGE_PAGES ?? 400);
const LARGE_BYTES = 20_000_000;
const agent = keepAliveAgent(CONCURRENCY);

// One database for two server processes: the first is set up and loaded; the large document is verified by
// a second one started on the same data, so its peak RSS is not that of the setup (stamping 20 MB).
const db = process.env.DATABASE_URL ? await freshDatabase(process.env.DATABASE_URL) : undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'sealtrust-bench-verify-'));
const serverEnv = {
  SEALTRUST_VERIFY_RATE: '0',
  SEALTRUST_DEMO: '0',
  SEALTRUST_DATA_DIR: dataDir,
  ...(db ? { DATABASE_URL: db.url } : {}),
};
let svc = await startServiceProcess(serverEnv);
let base = svc.url;

async function call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await rawRequest(agent, base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body.toString()}`);
  return JSON.parse(res.body.toString()) as T;
}

/** VmHWM (peak RSS) of the server in MiB; writing 5 to clear_refs resets it to the current RSS. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
function currentRssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not Linux, or not allowed: the peak then covers the whole run
  }
}

/**
 * /healthz polled every 50 ms while bench/lib/attack-load.ts (its own process) posts bombs to stamping and
 * verification; the poll latencies' p50 and p99, and what the attack's requests were answered.
 */
async function healthUnderAttack(
  url: string,
  issuerToken: string,
  esID: string,
): Promise<{ p50: number; p99: number; polls: number; failed: number; attack: Record<string, number> }> {
  const script = fileURLToPath(new URL('./lib/attack-load.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      ATTACK_BASE: url,
      ATTACK_TOKEN: issuerToken,
      ATTACK_ESID: esID,
      ATTACK_SECONDS: String(SECONDS),
      ATTACK_CONCURRENCY: '8',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await Promise.race([ready, exited]);
  const pollAgent = keepAliveAgent(4);
  const latencies: number[] = [];
  let failed = 0;
  // Polled while the attack's loops send (the loops then wait for their last answers: not measured).
  const stopAt = performance.now() + SECONDS * 1000;
  let running = true;
  void exited.then(() => (running = false));
  const polls: Promise<void>[] = [];
  while (running && performance.now() < stopAt) {
    const t = performance.now();
    polls.push(
      rawRequest(pollAgent, `${url}/healthz`, {}).then(
        (r) => {
          latencies.push(performance.now() - t);
          if (r.status !== 200) failed++;
        },
        () => {
          latencies.push(performance.now() - t);
          failed++;
        },
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(polls);
  await exited;
  pollAgent.destroy();
  const last = out.trim().split('\n').pop() ?? '{}';
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    polls: latencies.length,
    failed,
    attack: last.startsWith('{') ? (JSON.parse(last) as Record<string, number>) : {},
  };
}

/** `pages` pages, each drawing its own incompressible image, about `bytes` in all. */
async function largeDocument(pages: number, bytes: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const perPage = Math.floor(bytes / pages) - 400;
  const width = 128;
  const height = Math.floor(perPage / (width * 3));
  for (let i = 0; i < pages; i++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`Page ${i + 1} / ${pages}`, { x: 50, y: 800, size: 14 });
    const image = doc.context.stream(randomBytes(width * height * 3), {
      Type: 'XObject',
      Subtype: 'Image',
      Width: width,
      Height: height,
      ColorSpace: 'DeviceRGB',
      BitsPerComponent: 8,
    });
    const name = page.node.newXObject('Im', doc.context.register(image));
    page.pushOperators(
      pushGraphicsState(),
      concatTransformationMatrix(400, 0, 0, 600, 90, 120),
      drawObject(name),
      popGraphicsState(),
    );
  }
  return doc.save({ useObjectStreams: false });
}

try {
  // Setup: an agency with a vault key and a seal, the demo catalogue, one licence, one large sealed document.
  const admin = svc.adminToken;
  const agency = await call<{ id: string }>('POST', '/v1/agencies', admin, {
    name: '江苏省住房和城乡建设厅',
    uscc: '11320100014000714D',
    regionCode: '320000',
    province: '32',
  });
  const key = await call<{ certificateSerial: string }>(
    'POST',
    `/v1/agencies/${agency.id}/signer-keys`,
    admin,
  );
  const seal = await call<{ esID: string }>('POST', '/v1/seals', admin, {
    agencyId: agency.id,
    name: '江苏省住房和城乡建设厅',
    type: 'official',
    signerCertSerials: [key.certificateSerial],
    validFrom: new Date(Date.now() - 60_000).toISOString(),
    validTo: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString(),
  });
  for (const t of DEMO_LICENCE_TYPES)
    await call('POST', '/v1/licence-types', admin, { ...t, issuerAgencyIds: [agency.id] });
  const issuer = (
    await call<{ token: string }>('POST', '/v1/tokens', admin, { role: 'issuer', agencyId: agency.id })
  ).token;
  const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
  const year = 365 * 86_400_000;
  const issued = await call<{ identifier: string }>('POST', '/v1/licences', issuer, {
    typeCode: CONSTRUCTION_ENGINEER_2.code,
    holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
    validFrom: new Date(Date.now() - year).toISOString().slice(0, 10),
    validTo: new Date(Date.now() + year).toISOString().slice(0, 10),
    fields: { ...DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code] },
  });
  const licencePdf = (
    await rawRequest(agent, `${base}/v1/licences/${issued.identifier}/pdf`, {
      headers: { authorization: `Bearer ${issuer}` },
    })
  ).body;

  /** POST /v1/documents/seal of `file` with one absolute placement; the stamped bytes. */
  const stampDocument = async (file: Uint8Array, name: string, type: string, page: number | 'last') => {
    const boundary = `----bench${randomBytes(8).toString('hex')}`;
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
      ),
      Buffer.from(file),
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n${JSON.stringify({
          esID: seal.esID,
          placements: [{ type: 'absolute', page, xMm: 140, yMm: 220 }],
        })}\r\n--${boundary}--\r\n`,
      ),
    ]);
    const stamped = await rawRequest(agent, `${base}/v1/documents/seal`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issuer}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: form,
    });
    if (stamped.status !== 200)
      throw new Error(`stamping ${name}: ${stamped.status} ${stamped.body.toString().slice(0, 500)}`);
    return stamped.body;
  };
  const largePdf = await stampDocument(
    await largeDocument(LARGE_PAGES, LARGE_BYTES - 40_000),
    'large.pdf',
    'application/pdf',
    'last',
  );
  // A one-page OFD sealed by this server (its own CA and seal), so it verifies TOTAL_PASSED.
  const sealedOfd = await stampDocument(unsignedOfd(), 'contract.ofd', 'application/ofd', 1);

  const verify = (doc: Buffer, type = 'application/pdf') =>
    rawRequest(agent, `${base}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: doc,
    });
  const first = await verify(licencePdf);
  const report = JSON.parse(first.body.toString()) as { indication: string; subIndication: string | null };
  if (first.status !== 200 || report.indication !== 'TOTAL_PASSED')
    throw new Error(`the licence does not verify: ${first.status} ${first.body.toString().slice(0, 500)}`);
  const passed = (body: Buffer) => body.subarray(0, 40).includes('"TOTAL_PASSED"');

  // Warm-up (worker start, key tables, JIT), then the measured run.
  await runLoad({
    concurrency: CONCURRENCY,
    total: 300,
    fire: async () => passed((await verify(licencePdf)).body),
  });
  const pid = svc.child.pid!;
  const cpuBefore = processCpuSeconds(pid);
  const load = await runLoad({
    concurrency: CONCURRENCY,
    durationMs: SECONDS * 1000,
    fire: async () => {
      const r = await verify(licencePdf);
      return r.status === 200 && passed(r.body);
    },
  });
  const cpuMs = Math.round(((processCpuSeconds(pid) - cpuBefore) / load.requests) * 1e5) / 100;
  console.log(
    `one-page licence (${licencePdf.length} bytes): ${load.perSecond} verifications/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms, errors ${load.errors} (concurrency ${CONCURRENCY}); server CPU ${cpuMs} ms per verification`,
  );

  // The same closed loop for the one-page sealed OFD: ZIP and XML parsing, Signature.xml references, SES.
  const verifyOfd = () => verify(sealedOfd, 'application/ofd');
  const ofdFirst = await verifyOfd();
  if (ofdFirst.status !== 200 || !passed(ofdFirst.body))
    throw new Error(`the OFD does not verify: ${ofdFirst.status} ${ofdFirst.body.toString().slice(0, 500)}`);
  await runLoad({ concurrency: CONCURRENCY, total: 300, fire: async () => passed((await verifyOfd()).body) });
  const ofdCpuBefore = processCpuSeconds(pid);
  const ofdLoad = await runLoad({
    concurrency: CONCURRENCY,
    durationMs: SECONDS * 1000,
    fire: async () => {
      const r = await verifyOfd();
      return r.status === 200 && passed(r.body);
    },
  });
  const ofdCpuMs = Math.round(((processCpuSeconds(pid) - ofdCpuBefore) / ofdLoad.requests) * 1e5) / 100;
  console.log(
    `one-page sealed OFD (${sealedOfd.length} bytes): ${ofdLoad.perSecond} verifications/s, p50 ${ofdLoad.p50Ms} ms, p99 ${ofdLoad.p99Ms} ms, errors ${ofdLoad.errors} (concurrency ${CONCURRENCY}); server CPU ${ofdCpuMs} ms per verification`,
  );

  const attacked = await healthUnderAttack(base, issuer, seal.esID);
  console.log(
    `/healthz under attack (8 loops of bombs to stamping and verification, ${SECONDS} s): p50 ${attacked.p50} ms, p99 ${attacked.p99} ms over ${attacked.polls} polls (${attacked.failed} failed); attack answers ${JSON.stringify(attacked.attack)}`,
  );

  agent.destroy();
  await svc.stop();
  svc = await startServiceProcess(serverEnv);
  base = svc.url;
  const pidB = svc.child.pid!;
  if ((await verify(licencePdf)).status !== 200) throw new Error('the second server does not verify');
  const rssBefore = currentRssMb(pidB);
  resetPeakRss(pidB);
  const times: number[] = [];
  let largeIndication = '';
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await verify(largePdf);
    times.push((performance.now() - t) / 1000);
    if (r.status !== 200) throw new Error(`large document: ${r.status} ${r.body.toString().slice(0, 500)}`);
    largeIndication = (JSON.parse(r.body.toString()) as { indication: string }).indication;
  }
  times.sort((a, b) => a - b);
  const largeSeconds = Math.round(times[1]! * 1000) / 1000;
  const rss = peakRssMb(pidB);
  console.log(
    `${LARGE_PAGES}-page sealed document (${(largePdf.length / 1e6).toFixed(1)} MB): ${largeSeconds} s (median of 3, ${largeIndication}), server peak RSS ${rss} MiB (RSS before it ${rssBefore} MiB)`,
  );
  console.log(
    JSON.stringify({
      verify_per_s: load.perSecond,
      verify_p50_ms: load.p50Ms,
      verify_p99_ms: load.p99Ms,
      ofd_verify_per_s: ofdLoad.perSecond,
      ofd_verify_p50_ms: ofdLoad.p50Ms,
      ofd_verify_p99_ms: ofdLoad.p99Ms,
      large_verify_s: largeSeconds,
      large_verify_rss_mb: rss,
      healthz_p50_ms_under_attack: attacked.p50,
      healthz_p99_ms_under_attack: attacked.p99,
    }),
  );
} finally {
  agent.destroy();
  await svc.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await db?.drop();
}
