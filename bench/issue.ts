// npm run bench:issue — licences issued per second end to end over HTTP (validate, assign the identifier,
// render the layout files of SEALTRUST_LICENCE_FORMATS (default PDF and OFD), seal and sign each, encrypt and
// store them with the event and audit record), from this separate load process with keep-alive connections,
// with p50/p99 latency and the size of each file of a one-page licence.
import { DEMO_FACE_DATA, DEMO_HOLDERS, CONSTRUCTION_ENGINEER_2 } from '../src/licence/demo-licence-types.js';
import { keepAliveAgent, rawRequest, runLoad } from './lib/load.js';
import { startServiceProcess } from './lib/service-process.js';
import { issuingAgency } from './lib/issuing-agency.js';
import { postgresCpuSeconds, processCpuSeconds, threadCpuSeconds } from './lib/process-cpu.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

// Common surnames and given-name characters: name i is a surname and two given-name characters, stepped so that
// consecutive licences never share a name.
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜';
const GIVEN =
  '伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯晨欣怡子涵梓轩思远雨桐' +
  '佳琪博文俊杰嘉怡一诺欣妍梦瑶浩然宇航若曦天佑紫萱语嫣铭泽晓东海燕春梅立新永红卫东振华德明玉珍淑芬' +
  '丹阳雪松雅琴慧敏家豪成龙少华光明金凤长青瑞祥安琪晋宏';
const holderName = (i: number): string =>
  SURNAMES[i % SURNAMES.length]! + GIVEN[(i * 7) % GIVEN.length]! + GIVEN[(i * 13 + 5) % GIVEN.length]!;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
// Load before the measurement. 100 requests used to be the warm-up, but V8's optimising compiler was then still
// busy for another 20–30 s under full load (its background threads fell from ~45 % to ~27 % of a core over a
// 40-s run, `bench/` sampling of /proc/<pid>/task), so a short run measured the JIT as much as the service.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);

const service = await startServiceProcess({ SEALTRUST_DEMO: '0' });
const agent = keepAliveAgent(CONCURRENCY + 2);
async function api<T>(path: string, token: string, json?: unknown, expect = [200, 201]): Promise<T> {
  const res = await rawRequest(agent, service.url + path, {
    method: json === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  if (!expect.includes(res.status)) throw new Error(`${path}: HTTP ${res.status} ${res.body.toString()}`);
  return (res.body.length && res.body[0] === 0x7b ? JSON.parse(res.body.toString()) : res.body) as T;
}

try {
  const admin = service.adminToken;
  const { issuer } = await issuingAgency(api, admin);

  const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
  // Every licence has its own holder name, as in real issuance: the font subsets differ from one licence to
  // the next, so the per-glyph-set caches of the render (truetype-subset.ts) help within a licence (its PDF
  // and OFD) and not across licences, as they would not in production.
  let n = 0;
  const body = () =>
    JSON.stringify({
      typeCode: CONSTRUCTION_ENGINEER_2.code,
      holder: { ...holder, name: holderName(n++) },
      validFrom: '2026-01-01',
      validTo: '2028-12-31',
      fields: DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code],
    });
  const headers = { authorization: `Bearer ${issuer}`, 'content-type': 'application/json' };
  const fire = async () => {
    const res = await rawRequest(agent, `${service.url}/v1/licences`, {
      method: 'POST',
      headers,
      body: body(),
    });
    if (res.status !== 201 && !failure) failure = `HTTP ${res.status} ${res.body.toString().slice(0, 300)}`;
    return res.status === 201;
  };
  let failure: string | undefined;
  // Warm-up: JIT, fonts, key caches; its rate is reported too (a node just started runs at about that).
  const warm = await runLoad({ concurrency: CONCURRENCY, durationMs: WARMUP_SECONDS * 1000, fire });
  const pid = service.child.pid;
  // With DATABASE_URL the database is PostgreSQL's processes on this machine; the embedded PGlite is in-process.
  const cpuNow = () => ({
    service: processCpuSeconds(pid),
    main: threadCpuSeconds(pid).get('main') ?? NaN,
    pg: process.env.DATABASE_URL ? postgresCpuSeconds() : NaN,
  });
  const cpu0 = cpuNow();
  const result = await runLoad({ concurrency: CONCURRENCY, durationMs: SECONDS * 1000, fire });
  const cpu1 = cpuNow();
  // CPU ms per licence over the measured run, by part (bench/lib/process-cpu.ts).
  const perLicence = (k: keyof typeof cpu0) => {
    const ms = ((cpu1[k] - cpu0[k]) * 1000) / result.requests;
    return Number.isFinite(ms) ? Math.round(ms * 100) / 100 : null;
  };
  if (warm.errors + result.errors > 0)
    throw new Error(`${warm.errors + result.errors} issuances failed, e.g. ${failure}`);

  const one = await api<{ identifier: string }>('/v1/licences', issuer, JSON.parse(body()));
  // A format the node does not make is 404 format-not-available: its size is then null.
  const size = async (format: 'pdf' | 'ofd') => {
    const r = await api<Buffer | { status: number }>(
      `/v1/licences/${one.identifier}/${format}`,
      issuer,
      undefined,
      [200, 404],
    );
    return Buffer.isBuffer(r) ? r.length : null;
  };
  const [pdfBytes, ofdBytes] = [await size('pdf'), await size('ofd')];
  console.log(
    `issued ${result.requests} licences in ${SECONDS} s with ${CONCURRENCY} concurrent clients, ` +
      `after ${warm.requests} in a ${WARMUP_SECONDS}-s warm-up`,
  );
  console.log(
    JSON.stringify({
      issue_per_s: result.perSecond,
      issue_warmup_per_s: warm.perSecond,
      issue_p50_ms: Math.round(result.p50Ms * 10) / 10,
      issue_p99_ms: Math.round(result.p99Ms * 10) / 10,
      pdf_bytes: pdfBytes,
      ofd_bytes: ofdBytes,
      service_cpu_ms: perLicence('service'),
      service_main_cpu_ms: perLicence('main'),
      postgres_cpu_ms: perLicence('pg'),
    }),
  );
} finally {
  agent.destroy();
  await service.stop();
}
