// npm run bench:ca — certificate issuance over HTTP, CRL regeneration at 100,000 entries, and (via
// bench/ocsp-load.ts) OCSP throughput. The service runs in its own process; this one only generates load.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import knexFactory from 'knex';
import { buildCsr } from '../src/pki/csr.js';
import { encodeName } from '../src/pki/distinguished-name.js';
import { toPem } from '../src/crypto/pem.js';
import { generateSm2KeyPair } from '../src/crypto/sm2.js';
import { openDatabase } from '../src/store/database.js';
import { loadCaNode } from '../src/service/ca/ca-node.js';
import { CrlService } from '../src/service/ca/crl-service.js';
import { DEV_KEYS_PASSPHRASE, PROJECT_ROOT } from '../src/config.js';
import { keepAliveAgent, rawRequest, runLoad } from './lib/load.js';
import { startServiceProcess } from './lib/service-process.js';

const exec = promisify(execFile);
const CRL_ENTRIES = Number(process.env.BENCH_CRL_ENTRIES ?? 100_000);
const ISSUE_TOTAL = Number(process.env.BENCH_ISSUE_TOTAL ?? 2000);
const WARM_UP = 300;

async function benchCrl(): Promise<{ crl_100k_s: number; crl_bytes: number }> {
  const url = process.env.DATABASE_URL;
  const schema = url ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  const db = await openDatabase(url ? { databaseUrl: url, schema: schema! } : { dataDir: null });
  try {
    const node = loadCaNode(
      join(PROJECT_ROOT, 'keys-dev'),
      DEV_KEYS_PASSPHRASE,
      join(PROJECT_ROOT, 'ca', 'profiles'),
      'http://localhost:8080',
    );
    const now = Date.now();
    const reasons = [
      'keyCompromise',
      'superseded',
      'cessationOfOperation',
      'affiliationChanged',
      'unspecified',
    ];
    for (let i = 0; i < CRL_ENTRIES; i += 5000) {
      const rows = [];
      for (let j = i; j < Math.min(CRL_ENTRIES, i + 5000); j++) {
        const serial = randomBytes(16);
        serial[0] = (serial[0]! & 0x7f) | 0x01;
        rows.push({
          serial: serial.toString('hex').toUpperCase(),
          ca_id: 'dev-ca',
          agency_id: null,
          profile: 'seal-signer',
          subject: `CN=bench ${j}`,
          not_before: new Date(now - 86_400_000),
          not_after: new Date(now + 86_400_000 * 365),
          status: 'revoked',
          revoked_at: new Date(now - j * 1000),
          revocation_reason: reasons[j % reasons.length],
          invalidity_date: j % 3 === 0 ? new Date(now - j * 2000) : null,
          public_key: Buffer.alloc(65, 4),
          der: Buffer.alloc(1),
          created_at: new Date(now - 86_400_000),
        });
      }
      await db.knex.batchInsert('certificates', rows, 1000);
    }
    const crls = new CrlService(db.knex, node);
    await crls.publish('dev-ca', 'warm-up');
    const t = performance.now();
    const crl = await crls.publish('dev-ca', 'bench');
    const seconds = (performance.now() - t) / 1000;
    console.log(
      `CRL with ${crl.entries} entries: ${seconds.toFixed(2)} s, ${(crl.der.length / 1024 / 1024).toFixed(1)} MiB (${db.kind})`,
    );
    return { crl_100k_s: Math.round(seconds * 1000) / 1000, crl_bytes: crl.der.length };
  } finally {
    await db.close();
    if (schema && url) {
      const admin = knexFactory({ client: 'pg', connection: url });
      await admin.raw('DROP SCHEMA ?? CASCADE', [schema]);
      await admin.destroy();
    }
  }
}

async function benchIssuance(): Promise<{
  cert_issue_per_s: number;
  cert_issue_p50_ms: number;
  cert_issue_p99_ms: number;
}> {
  const svc = await startServiceProcess();
  try {
    const agent = keepAliveAgent(32);
    const json = (body: unknown, token: string) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const agency = await rawRequest(
      agent,
      `${svc.url}/v1/agencies`,
      json(
        { name: '基准测试局', uscc: '113301000024902776', regionCode: '330100', province: '33' },
        svc.adminToken,
      ),
    );
    const agencyId = (JSON.parse(agency.body.toString()) as { id: string }).id;
    const tok = await rawRequest(
      agent,
      `${svc.url}/v1/tokens`,
      json({ role: 'ca-operator' }, svc.adminToken),
    );
    const operator = (JSON.parse(tok.body.toString()) as { token: string }).token;
    // Every certificate gets its own fresh key, as in real intake; the first WARM_UP requests (JIT, caches,
    // connection pool) are not measured, as in the other benchmarks.
    const csrs = Array.from({ length: WARM_UP + ISSUE_TOTAL }, (_, i) =>
      toPem('CERTIFICATE REQUEST', buildCsr(generateSm2KeyPair(), encodeName({ CN: `bench ${i}` }))),
    );
    const issue = (offset: number) => async (i: number) => {
      const r = await rawRequest(
        agent,
        `${svc.url}/v1/certificates`,
        json({ csr: csrs[offset + i], profile: 'seal-signer', agencyId }, operator),
      );
      return r.status === 201;
    };
    await runLoad({ concurrency: 16, total: WARM_UP, fire: issue(0) });
    const result = await runLoad({ concurrency: 16, total: ISSUE_TOTAL, fire: issue(WARM_UP) });
    console.log(
      `certificate issuance: ${result.perSecond}/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, errors ${result.errors}`,
    );
    agent.destroy();
    return {
      cert_issue_per_s: result.perSecond,
      cert_issue_p50_ms: result.p50Ms,
      cert_issue_p99_ms: result.p99Ms,
    };
  } finally {
    await svc.stop();
  }
}

async function benchOcsp(): Promise<Record<string, number>> {
  const script = join(PROJECT_ROOT, 'bench', 'ocsp-load.ts');
  if (!existsSync(script)) return {};
  // The OCSP bench starts its own service (on a fresh database when DATABASE_URL is set).
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', script], {
    maxBuffer: 16 * 1024 * 1024,
    cwd: PROJECT_ROOT,
  });
  process.stdout.write(stdout.split('\n').slice(0, -2).join('\n') + '\n');
  const last = stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as Record<string, number>;
}

// BENCH_PARTS=issuance,crl,ocsp (default all) runs a subset.
const parts = new Set((process.env.BENCH_PARTS ?? 'issuance,crl,ocsp').split(','));
const issuance = parts.has('issuance') ? await benchIssuance() : {};
const crl = parts.has('crl') ? await benchCrl() : {};
const ocsp = parts.has('ocsp') ? await benchOcsp() : {};
console.log(JSON.stringify({ ...issuance, ...ocsp, ...crl }));
