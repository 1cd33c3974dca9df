// OCSP responder throughput: `sealtrust serve` in its own process, this process as the load generator
// (keep-alive HTTP, BENCH_CONCURRENCY loops), nonce-less (pre-produced answers) and with nonces (a signature
// per request). Run: node --import tsx bench/ocsp-load.ts   (ends with one line of JSON)
// Env: BENCH_SECONDS (10), BENCH_CONCURRENCY (32), DATABASE_URL (else a throwaway PGlite directory),
// BENCH_LOG_LEVEL (the server's LOG_LEVEL, default info: the access log is part of the real cost).
import { randomBytes } from 'node:crypto';
import { fromPem } from '../src/crypto/pem.js';
import { parseCertificate } from '../src/pki/certificate.js';
import {
  buildCertId,
  buildOcspRequest,
  certificateSerialOctets,
  certificateSubjectDer,
  parseOcspResponse,
} from '../src/pki/ocsp.js';
import { keepAliveAgent, rawRequest, runLoad, type LoadResult } from './lib/load.js';
import { startServiceProcess } from './lib/service-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const agent = keepAliveAgent(CONCURRENCY);

async function json<T>(url: string, token: string, body: unknown): Promise<T> {
  const res = await rawRequest(agent, url, {
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

function drive(url: string, body: () => Buffer, seconds: number): Promise<LoadResult> {
  return runLoad({
    concurrency: CONCURRENCY,
    durationMs: seconds * 1000,
    fire: async () => {
      const res = await rawRequest(agent, url, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body: body(),
      });
      return res.status === 200 && successful(res.body);
    },
  });
}

const svc = await startServiceProcess({ LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' });
const base = svc.url;
try {
  const agency = await json<{ id: string }>(`${base}/v1/agencies`, svc.adminToken, {
    name: '杭州市市场监督管理局',
    uscc: '113301000024902776',
    regionCode: '330100',
    province: '33',
  });
  const issued = await json<{ certificate: string }>(`${base}/v1/certificates`, svc.adminToken, {
    profile: 'seal-signer',
    agencyId: agency.id,
    passphrase: 'benchmark passphrase only',
  });
  const leaf = parseCertificate(fromPem(issued.certificate).der);
  const caPem = (await rawRequest(agent, `${base}/ca/dev-ca.pem`, {})).body.toString();
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
    (await rawRequest(agent, `${base}/ocsp`, { method: 'POST', body: withNonce() })).body,
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
      `${name}: ${r.perSecond} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms ` +
        `(${r.requests} requests, ${r.errors} errors, concurrency ${CONCURRENCY}, ${SECONDS} s)`,
    );
  }
  if (cached.errors || nonced.errors) process.exitCode = 1;
  console.log(
    JSON.stringify({
      ocsp_per_s: cached.perSecond,
      ocsp_nonce_per_s: nonced.perSecond,
      ocsp_p50_ms: cached.p50Ms,
      ocsp_p99_ms: cached.p99Ms,
      ocsp_nonce_p50_ms: nonced.p50Ms,
      ocsp_nonce_p99_ms: nonced.p99Ms,
    }),
  );
} finally {
  agent.destroy();
  await svc.stop();
}
