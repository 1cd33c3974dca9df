// SM2 throughput on this machine, next to OpenSSL's own `openssl speed sm2` in the same run.
// Run: node --import tsx bench/crypto.ts   (ends with one line of JSON for CI/trend tracking)
import { spawnSync } from 'node:child_process';
import {
  generateSm2KeyPair,
  sm2PrecomputePublicKey,
  sm2Sign,
  sm2Verify,
  sm2WarmUp,
} from '../src/crypto/sm2.js';
import { Sm2VerifyPool, type Sm2VerifyJob } from '../src/runtime/sm2-verify-pool.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

/** Operations per second of `op`, run in rounds for about SECONDS after a short warm-up. */
function rate(op: (i: number) => void): number {
  for (let i = 0; i < 50; i++) op(i);
  let done = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  while (performance.now() < deadline) {
    for (let j = 0; j < 50; j++) op(done++);
  }
  return (done / (performance.now() - start)) * 1000;
}

function opensslSpeed(): { sign: number; verify: number } {
  const r = spawnSync('openssl', ['speed', '-seconds', '3', 'sm2'], { encoding: 'utf8' });
  // e.g. " 256 bits SM2 (CurveSM2)   0.0003s   0.0003s   3334.4   3718.6"
  const line = r.stdout.split('\n').find((l) => /SM2 \(CurveSM2\)/.test(l));
  const nums = line?.trim().split(/\s+/).slice(-2).map(Number);
  if (r.status !== 0 || !nums || nums.some((x) => !Number.isFinite(x))) {
    throw new Error(`could not parse openssl speed output: ${r.stderr || r.stdout}`);
  }
  return { sign: nums[0]!, verify: nums[1]! };
}

sm2WarmUp();
const { privateKey, publicKey } = generateSm2KeyPair();
const messages = Array.from({ length: 512 }, (_, i) => Buffer.from(`benchmark document ${i} `.repeat(8)));
const signatures = messages.map((m) => sm2Sign(privateKey, m));

const signPerS = rate((i) => sm2Sign(privateKey, messages[i & 511]!));

sm2PrecomputePublicKey(publicKey);
const verifyCachedPerS = rate((i) => {
  if (!sm2Verify(publicKey, messages[i & 511]!, signatures[i & 511]!)) throw new Error('verify failed');
});

// A new key every time (first-sight path: decode, validate, no table). Keys are made up front,
// all distinct, so none is ever seen twice and promoted to a table.
const fresh = Array.from({ length: 1500 }, (_, i) => {
  const kp = generateSm2KeyPair();
  return {
    publicKey: kp.publicKey,
    message: messages[i & 511]!,
    signature: sm2Sign(kp.privateKey, messages[i & 511]!),
  };
});
const uncachedStart = performance.now();
for (const f of fresh) {
  if (!sm2Verify(f.publicKey, f.message, f.signature)) throw new Error('verify failed');
}
const verifyUncachedPerS = (fresh.length / (performance.now() - uncachedStart)) * 1000;

const pool = new Sm2VerifyPool();
const jobs: Sm2VerifyJob[] = Array.from({ length: 4096 }, (_, i) => ({
  publicKey,
  message: messages[i & 511]!,
  signature: signatures[i & 511]!,
}));
await pool.verifyMany(jobs.slice(0, 512)); // workers build their tables
let poolDone = 0;
const poolStart = performance.now();
while (performance.now() - poolStart < SECONDS * 1000) {
  const results = await pool.verifyMany(jobs);
  if (results.some((ok) => !ok)) throw new Error('pool verify failed');
  poolDone += jobs.length;
}
const poolPerS = (poolDone / (performance.now() - poolStart)) * 1000;
await pool.close();

const ossl = opensslSpeed();

const rows: [string, number][] = [
  ['SM2 sign', signPerS],
  ['SM2 verify, cached key', verifyCachedPerS],
  ['SM2 verify, first sight of key', verifyUncachedPerS],
  [`SM2 verify, pool of ${pool.size} workers`, poolPerS],
  ['openssl speed sm2: sign', ossl.sign],
  ['openssl speed sm2: verify', ossl.verify],
];
console.log('\nSM2 throughput (ops/s, one core unless stated)');
for (const [name, value] of rows) console.log(`  ${name.padEnd(36)} ${value.toFixed(0).padStart(8)}`);
console.log(`  ${'sign vs openssl'.padEnd(36)} ${(signPerS / ossl.sign).toFixed(2).padStart(8)}`);
console.log(
  `  ${'cached verify vs openssl'.padEnd(36)} ${(verifyCachedPerS / ossl.verify).toFixed(2).padStart(8)}\n`,
);

const round = (x: number, digits = 0) => Number(x.toFixed(digits));
console.log(
  JSON.stringify({
    sm2_sign_per_s: round(signPerS),
    sm2_verify_cached_per_s: round(verifyCachedPerS),
    sm2_verify_uncached_per_s: round(verifyUncachedPerS),
    sm2_pool_verify_per_s: round(poolPerS),
    openssl_sm2_sign_per_s: round(ossl.sign, 1),
    openssl_sm2_verify_per_s: round(ossl.verify, 1),
    sign_ratio_vs_openssl: round(signPerS / ossl.sign, 3),
    verify_ratio_vs_openssl: round(verifyCachedPerS / ossl.verify, 3),
  }),
);
