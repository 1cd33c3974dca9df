// Per-render cost of the OFD in one process (no pool): prepareLicenceFiles PDF only vs PDF + OFD, for
// profiling with `node --cpu-prof --import tsx bench/licence-formats-inline.ts [N]`.
import { loadavg } from 'node:os';
import { DEMO_LICENCE_TYPES } from '../src/licence/demo-licence-types.js';
import { prepareLicenceFiles } from '../src/licence/licence-file-preparation.js';
import { licenceJob } from '../test/licence/licence-ofd-support.js';

const N = Number(process.argv[2] ?? 100);
const only = process.argv[3];
// VARY=1: a different holder name per licence (different glyph sets, as in a real batch), not one repeated.
const vary = process.env.VARY === '1';
const NAMES = '云栖信息科技有限公司南京北京上海广州深圳杭州苏州成都武汉西安天津重庆长沙';
const type = DEMO_LICENCE_TYPES[2]!;

// CPU ms (user + system, this process) as well as wall ms: on a shared, loaded machine CPU time is steadier.
async function run(formats: ('pdf' | 'ofd')[]): Promise<{ ms: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const holderName = vary
      ? `${NAMES[i % 30]}${NAMES[(i * 7) % 30]}${NAMES[(i * 13) % 30]}科技有限公司`
      : undefined;
    await prepareLicenceFiles(
      licenceJob(type, { formats, ...(holderName ? { metadata: { holderName } } : {}) }),
    );
  }
  const c = process.cpuUsage(c0);
  return { ms: (performance.now() - t0) / N, cpu: (c.user + c.system) / 1000 / N };
}

console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await run(['pdf', 'ofd']);
const rows: { formats: string; ms: number; cpu: number }[] = [];
for (let i = 0; i < 3; i++) {
  if (only !== 'ofd') rows.push({ formats: 'pdf', ...(await run(['pdf'])) });
  if (only !== 'pdf') rows.push({ formats: 'pdf+ofd', ...(await run(['pdf', 'ofd'])) });
}
console.table(rows.map((r) => ({ ...r, ms: Number(r.ms.toFixed(2)), cpu: Number(r.cpu.toFixed(2)) })));
const avg = (f: string, k: 'ms' | 'cpu' = 'ms') => {
  const r = rows
    .filter((x) => x.formats === f)
    .map((x) => x[k])
    .sort((a, b) => a - b);
  return r[Math.floor(r.length / 2)]!;
};
if (!only)
  console.log(
    `OFD adds ${(((avg('pdf+ofd') - avg('pdf')) / avg('pdf')) * 100).toFixed(1)} % wall, ` +
      `${(((avg('pdf+ofd', 'cpu') - avg('pdf', 'cpu')) / avg('pdf', 'cpu')) * 100).toFixed(1)} % CPU per render (medians)`,
  );
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
