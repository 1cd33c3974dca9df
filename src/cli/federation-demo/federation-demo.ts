// `sealtrust demo --federation` (issue 15): a hub and two provinces (33 浙江, 44 广东) as separate `sealtrust serve`
// processes on embedded PGlite databases under one directory, wired as the multi-node harness wires them, with
// the hub's trust list followed by the provinces, an agency and a few licences per province. Once the hub has
// witnessed and mirrored both provinces, it prints where everything is (Chinese first) and runs until Ctrl-C.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chinaDate } from '../../licence/china-date.js';
import { CONSTRUCTION_ENGINEER_2, SAFETY_MANAGER } from '../../licence/demo-licence-types.js';
import { DEMO_PROVINCES, HUB_NODE_ID, nodeProvinceName } from './federation-nodes.js';
import { prepareLocalFederation, startLocalFederation, type LocalFederation } from './local-federation.js';
import { defineDemoTypes, issueLicence, provinceAgency, waitFor, type ProvinceAgency } from './node-api.js';
import type { NodeProcess } from './node-process.js';
import { awaitTrustList, localTrustListDraft, publishTrustList } from './trust-list-bootstrap.js';

/** What the demo's certificates and names are marked with. */
export const DEMO_LABEL = '演示';
/** The province whose licence is verified, and the province it is verified at. */
export const DEMO_ISSUING_PROVINCE = '44';
export const DEMO_VERIFYING_PROVINCE = '33';
/** The file the demo writes its nodes, tokens and licences to, in its directory. */
export const DEMO_STATE_FILE = 'federation-demo.json';

export interface FederationDemoOptions {
  /** The demo directory (created; must be empty); default a fresh temporary directory. */
  dir?: string | undefined;
  /** Licences issued in each province (1–20). */
  licencesPerProvince: number;
  /** Stop every node and return once the demo is ready (tests, smoke checks). */
  exitAfterReady: boolean;
  /** How long witnessing and mirroring may take, ms. */
  readyTimeoutMs?: number;
  write?: (text: string) => void;
}

export interface FederationDemoState {
  dir: string;
  nodes: {
    nodeId: string;
    role: string;
    name: string;
    url: string;
    adminToken: string;
    pid: number | undefined;
    dataDir: string;
    logFile: string;
  }[];
  /** Identifiers issued, by province. */
  licences: Record<string, string[]>;
  example: { nodeId: string; identifier: string; pdf: string; verifyPage: string; verifyApi: string };
}

class DemoInterrupted extends Error {}

function demoDir(dir: string | undefined): string {
  if (dir === undefined) return mkdtempSync(join(tmpdir(), 'sealtrust-federation-demo-'));
  const abs = resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0)
    throw new Error(`${abs} 不是空目录 / is not empty: give a new or empty --dir`);
  mkdirSync(abs, { recursive: true });
  return abs;
}

/** The licence types issued in turn (both individual, three-year types). */
const ISSUED_TYPES = [CONSTRUCTION_ENGINEER_2.code, SAFETY_MANAGER.code];

const AGENCY_NAMES: Record<string, string> = {
  '33': `浙江省住房和城乡建设厅（${DEMO_LABEL}）`,
  '44': `广东省住房和城乡建设厅（${DEMO_LABEL}）`,
};

/** Runs the demo; resolves with the exit code once it has stopped (Ctrl-C, SIGTERM, --exit-after-ready). */
export async function runFederationDemo(o: FederationDemoOptions): Promise<number> {
  const write = o.write ?? ((t: string) => void process.stdout.write(t));
  const say = (line: string) => write(line + '\n');
  const dir = demoDir(o.dir);
  say(`联邦演示目录 / federation demo directory: ${dir}`);

  let fed: LocalFederation<NodeProcess> | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      if (!fed) return;
      await Promise.all(fed.nodes.map((n) => n.stop()));
      await Promise.all(fed.nodes.map((n) => n.closeLog()));
    })());
  let interrupt: (signal: string) => void = () => undefined;
  const interrupted = new Promise<string>((r) => (interrupt = r));
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second Ctrl-C: do not wait for clean shutdowns.
      say(`\n再次收到 ${signal}，强制结束 / ${signal} again: killing every node`);
      void Promise.all(fed?.nodes.map((n) => n.kill9()) ?? []).then(() => process.exit(130));
      return;
    }
    signalled = true;
    say(`\n收到 ${signal}，正在停止所有节点 / ${signal}: stopping every node…`);
    interrupt(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  /** Awaits `p` unless a signal comes first. */
  const orInterrupt = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([
      p,
      interrupted.then((s) => {
        throw new DemoInterrupted(s);
      }),
    ]);

  try {
    const passphrase = randomBytes(18).toString('base64url');
    writeFileSync(join(dir, 'ca-passphrase.txt'), passphrase + '\n', { mode: 0o600 });
    say('密钥仪式（每个节点一套 CA 密钥）/ key ceremonies (CA keys for every node)…');
    fed = await orInterrupt(
      prepareLocalFederation({
        dir,
        provinces: DEMO_PROVINCES,
        passphrase,
        label: DEMO_LABEL,
        trustListPollMs: 5_000,
        env: { SEALTRUST_TLOG_CHECKPOINT_MS: '500' },
      }),
    );
    say('启动枢纽与省级节点（嵌入式 PGlite 数据库）/ starting the hub and provinces (embedded PGlite)…');
    await orInterrupt(startLocalFederation(fed, 'federation demo'));

    say('枢纽发布信任列表 / the hub publishes the trust list…');
    const started = fed;
    const seq = await orInterrupt(
      localTrustListDraft(started, DEMO_LABEL).then((d) => publishTrustList(started.hub, d)),
    );
    await orInterrupt(Promise.all(fed.provinces.map((p) => awaitTrustList(p, seq))));

    say('注册发证机构并签发证照 / registering agencies and issuing licences…');
    const agencies = new Map<string, ProvinceAgency>();
    const licences: Record<string, string[]> = {};
    const year = Number(chinaDate().slice(0, 4));
    for (const p of fed.provinces) {
      const a = await orInterrupt(provinceAgency(p, 1, AGENCY_NAMES[p.nodeId]));
      agencies.set(p.nodeId, a);
      await orInterrupt(defineDemoTypes(p, [a.agencyId]));
      const ids: string[] = [];
      for (let i = 0; i < o.licencesPerProvince; i++) {
        ids.push(
          await orInterrupt(
            issueLicence(p, a, {
              typeCode: ISSUED_TYPES[i % ISSUED_TYPES.length]!,
              validFrom: `${year}-01-01`,
              validTo: `${year + 2}-12-31`,
            }),
          ),
        );
      }
      licences[p.nodeId] = ids;
    }

    say('等待枢纽见证并镜像两省目录日志 / waiting for the hub to witness and mirror both provinces…');
    await orInterrupt(federationCaughtUp(fed, licences, o.readyTimeoutMs ?? 180_000));

    const issuing = fed.provinces.find((p) => p.nodeId === DEMO_ISSUING_PROVINCE)!;
    const verifying = fed.provinces.find((p) => p.nodeId === DEMO_VERIFYING_PROVINCE)!;
    const identifier = licences[DEMO_ISSUING_PROVINCE]![0]!;
    const pdf = join(dir, `${identifier}.pdf`);
    const res = await issuing.request(`/v1/licences/${encodeURIComponent(identifier)}/pdf`, {
      token: agencies.get(DEMO_ISSUING_PROVINCE)!.issuer,
    });
    if (res.status !== 200) throw new Error(`PDF of ${identifier}: HTTP ${res.status} ${await res.text()}`);
    writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));

    const state: FederationDemoState = {
      dir,
      nodes: fed.nodes.map((n) => ({
        nodeId: n.nodeId,
        role: n.spec.role,
        name: nodeProvinceName(n.nodeId),
        url: n.url,
        adminToken: n.adminToken,
        pid: n.pid,
        dataDir: n.spec.dataDir,
        logFile: n.spec.logFile,
      })),
      licences,
      example: {
        nodeId: DEMO_ISSUING_PROVINCE,
        identifier,
        pdf,
        verifyPage: `${verifying.url}/verify`,
        verifyApi: `${verifying.url}/v1/verify`,
      },
    };
    writeFileSync(join(dir, DEMO_STATE_FILE), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    write(describeFederationDemo(state, o.exitAfterReady));

    if (!o.exitAfterReady) {
      // Ctrl-C in a terminal signals the children too (one process group): an exit just before our own
      // handler runs is the same interruption, not a crash.
      const crashed = fed.nodes.map((n) =>
        n.exited!.then(async (code) => {
          await new Promise((r) => setTimeout(r, 1_000));
          if (signalled) return;
          throw new Error(
            `节点 ${n.nodeId} 意外退出 / node ${n.nodeId} exited (${code}); see ${n.spec.logFile}`,
          );
        }),
      );
      await Promise.race([interrupted, ...crashed]);
    }
    await stopAll();
    say('所有节点已停止 / every node stopped');
    return 0;
  } catch (err) {
    await stopAll();
    if (err instanceof DemoInterrupted) {
      say('所有节点已停止 / every node stopped');
      return 130;
    }
    process.stderr.write(
      `sealtrust demo --federation: 失败 / failed: ${(err as Error).message}\n` +
        `  日志 / logs: ${dir}/<节点 node>.log\n`,
    );
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Resolves once the hub's national index holds every licence issued and, for every province, the hub has mirrored
 * all it witnessed (GET /v1/federation/nodes: mirroredSize == witnessedSize).
 */
async function federationCaughtUp(
  fed: LocalFederation<NodeProcess>,
  licences: Record<string, string[]>,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    'the hub to witness and mirror every province',
    async () => {
      for (const [nodeId, ids] of Object.entries(licences)) {
        for (const id of ids) {
          const r = await fed.hub.admin(`/v1/federation/nodes/${nodeId}/licences/${encodeURIComponent(id)}`);
          await r.arrayBuffer();
          if (r.status !== 200)
            throw new Error(`${id} of ${nodeId} not in the national index yet (${r.status})`);
        }
      }
      const res = await fed.hub.admin('/v1/federation/nodes');
      const { items } = (await res.json()) as {
        items: { nodeId: string; witnessedSize: number; mirroredSize: number }[];
      };
      for (const p of fed.provinces) {
        const n = items.find((i) => i.nodeId === p.nodeId);
        if (!n || n.witnessedSize === 0 || n.mirroredSize !== n.witnessedSize)
          throw new Error(`${p.nodeId}: ${JSON.stringify(n)}`);
      }
      return true;
    },
    timeoutMs,
    500,
  );
}

/** The ready message: every node's address and admin token, a licence of 44 and how to verify it at 33. */
export function describeFederationDemo(s: FederationDemoState, exiting: boolean): string {
  const node = (id: string) => s.nodes.find((n) => n.nodeId === id)!;
  const hub = node(HUB_NODE_ID);
  const lines = [
    '',
    '联邦演示已就绪 / Federation demo ready',
    `  目录 / directory: ${s.dir}`,
    '',
    '  节点 / nodes:',
  ];
  for (const n of s.nodes) {
    const what = n.role === 'hub' ? '国家枢纽 / national hub' : `${n.name} / province ${n.nodeId}`;
    lines.push(
      `    ${n.nodeId}  ${what}`,
      `        地址 / URL: ${n.url}`,
      `        管理员令牌 / admin token: ${n.adminToken}`,
    );
  }
  const issuing = node(s.example.nodeId);
  lines.push(
    '',
    `  各省签发的证照 / licences issued: ${Object.entries(s.licences)
      .map(([id, l]) => `${id}: ${l.length}`)
      .join(', ')}（枢纽已见证并镜像 / witnessed and mirrored by the hub）`,
    '',
    `  ${issuing.name}（${issuing.nodeId}）签发的证照 / a licence issued in province ${issuing.nodeId}:`,
    `    证照标识 / licence identifier: ${s.example.identifier}`,
    `    PDF 文件 / PDF file: ${s.example.pdf}`,
    '',
    `  在${node(DEMO_VERIFYING_PROVINCE).name}（${DEMO_VERIFYING_PROVINCE}）验证 / verify it at province ${DEMO_VERIFYING_PROVINCE}:`,
    `    网页 / web page: ${s.example.verifyPage}`,
    `    命令行 / command line: curl -F file=@${s.example.pdf} ${s.example.verifyApi}`,
    '',
    '  全国目录中的记录 / its record in the national index:',
    `    curl -H 'authorization: Bearer ${hub.adminToken}' ${hub.url}/v1/federation/nodes/${s.example.nodeId}/licences/${s.example.identifier}`,
    '',
    `  以上信息另存于 / all of this is also in: ${join(s.dir, DEMO_STATE_FILE)}`,
    exiting
      ? '  --exit-after-ready：现在停止所有节点 / stopping every node now'
      : '  按 Ctrl-C 停止所有节点 / press Ctrl-C to stop every node',
    '',
  );
  return lines.join('\n') + '\n';
}
