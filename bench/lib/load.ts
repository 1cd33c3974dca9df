import http from 'node:http';
import { appendFileSync } from 'node:fs';

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A keep-alive agent shared by one load run: connections are reused, as real relying parties do. */
export function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

export interface RawResponse {
  status: number;
  body: Buffer;
}

export function rawRequest(
  agent: http.Agent,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<RawResponse> {
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

/** Runs `fire` from `concurrency` loops for `durationMs` (or `total` calls) and reports rate and latency. */
export async function runLoad(opts: {
  concurrency: number;
  durationMs?: number;
  total?: number;
  fire: (i: number) => Promise<boolean>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  // BENCH_LATENCY_LOG=<file>: one "start_ms latency_ms" line per request, to see whether slow ones cluster.
  const timeline: string[] = [];
  let errors = 0;
  let issued = 0;
  const start = performance.now();
  const deadline = opts.durationMs !== undefined ? start + opts.durationMs : Infinity;
  const limit = opts.total ?? Infinity;
  const worker = async () => {
    while (performance.now() < deadline && issued < limit) {
      const i = issued++;
      const t = performance.now();
      let ok = false;
      try {
        ok = await opts.fire(i);
      } catch {
        ok = false;
      }
      latencies.push(performance.now() - t);
      timeline.push(`${(t - start).toFixed(1)} ${(performance.now() - t).toFixed(2)}`);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  if (process.env.BENCH_LATENCY_LOG)
    appendFileSync(process.env.BENCH_LATENCY_LOG, timeline.join('\n') + '\n');
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: Math.round(percentile(latencies, 50) * 100) / 100,
    p99Ms: Math.round(percentile(latencies, 99) * 100) / 100,
    errors,
  };
}
