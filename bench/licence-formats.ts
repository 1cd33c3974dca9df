// Time to render and seal a licence in the production pool, PDF only vs PDF + OFD (issue 17 target: making the
// OFD adds ≤ 25 % per licence). Workers render and prepare (as in production); the main thread signs with SES v4
// (signSesV4, the same encoder SealSignatureService uses, without its database checks) and finishes the files.
// Usage: node --import tsx bench/licence-formats.ts [licences per run, default 200]
import { availableParallelism, loadavg } from 'node:os';
import { DEMO_LICENCE_TYPES } from '../src/licence/demo-licence-types.js';
import { finishOfdSeal } from '../src/ofd/ofd-stamping.js';
import { finishPdfSeal } from '../src/pdf/pdf-seal-signing.js';
import { signSesV4 } from '../src/seal/ses-encoder.js';
import { LicenceProductionPool } from '../src/service/licences/licence-production-pool.js';
import { licenceJob } from '../test/licence/licence-ofd-support.js';
import { SEAL_1, signer } from '../test/verify/ofd-sealed-fixtures.js';

const N = Number(process.argv[2] ?? 200);
const pool = new LicenceProductionPool(Math.max(1, Math.min(2, availableParallelism())));
const type = DEMO_LICENCE_TYPES[2]!; // 营业执照: the largest demo page

const ses = (digest: Buffer, propertyInfo: string, timeInfo: Date) =>
  signSesV4(
    { seal: SEAL_1, timeInfo, dataHash: digest, propertyInfo },
    { cert: signer.der, privateKey: signer.key.privateKey },
  ).der;

async function one(formats: ('pdf' | 'ofd')[]): Promise<{ ms: number; pdf: number; ofd: number }> {
  const t0 = performance.now();
  const job = {
    ...licenceJob(type, { formats }),
    signingTime: new Date(Math.floor(Date.now() / 1000) * 1000),
  };
  const p = await pool.produce(job);
  let pdf = 0;
  let ofd = 0;
  if (p.pdf)
    pdf = finishPdfSeal(
      p.pdf,
      ses(p.pdf.digest, `/ByteRange [${p.pdf.byteRange.join(' ')}]`, job.signingTime),
    ).length;
  if (p.ofd)
    ofd = finishOfdSeal(p.ofd.parts, ses(p.ofd.digest, p.ofd.propertyInfo, p.ofd.signingTime)).length;
  return { ms: performance.now() - t0, pdf, ofd };
}

async function run(formats: ('pdf' | 'ofd')[]) {
  const t0 = performance.now();
  const results: { ms: number; pdf: number; ofd: number }[] = [];
  // Two in flight per worker, as a busy node would have.
  let next = 0;
  await Promise.all(
    Array.from({ length: pool.size * 2 }, async () => {
      while (next++ < N) results.push(await one(formats));
    }),
  );
  const wall = performance.now() - t0;
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    formats: formats.join('+'),
    per_s: Number(((N / wall) * 1000).toFixed(1)),
    ms_per_licence: Number((wall / N).toFixed(2)),
    p99_ms: Number(sorted[Math.floor(sorted.length * 0.99)]!.toFixed(1)),
    pdf_bytes: results[0]!.pdf,
    ofd_bytes: results[0]!.ofd,
  };
}

console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (2 cores shared)`,
);
await run(['pdf', 'ofd']); // warm-up: fonts, templates, JIT
const rows: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 0; i < 2; i++) rows.push(await run(['pdf']), await run(['pdf', 'ofd']));
console.table(rows);
const avg = (f: string) => {
  const r = rows.filter((x) => x.formats === f);
  return r.reduce((s, x) => s + x.ms_per_licence, 0) / r.length;
};
console.log(`OFD adds ${(((avg('pdf+ofd') - avg('pdf')) / avg('pdf')) * 100).toFixed(1)} % per licence`);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await pool.close();
