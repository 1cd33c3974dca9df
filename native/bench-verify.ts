// µs per SM2 verify through the public API, pure JS (SEALTRUST_SM2_NATIVE=0) against the native addon,
// for keys seen for the first time and for one recurring key. Each side runs in its own process.
//   node --import tsx native/bench-verify.ts
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FRESH_KEYS = 600;
const CACHED_VERIFIES = 4000;

async function measure(): Promise<void> {
  const { nativeSm2Status } = await import('../src/crypto/sm2-native.js');
  const { generateSm2KeyPair, sm2PrecomputePublicKey, sm2Sign, sm2Verify, sm2WarmUp } =
    await import('../src/crypto/sm2.js');
  sm2WarmUp();
  const messages = Array.from({ length: 256 }, (_, i) => Buffer.from(`benchmark document ${i} `.repeat(8)));
  const fresh = Array.from({ length: FRESH_KEYS }, (_, i) => {
    const kp = generateSm2KeyPair();
    return {
      publicKey: kp.publicKey,
      message: messages[i & 255]!,
      signature: sm2Sign(kp.privateKey, messages[i & 255]!),
    };
  });
  let start = performance.now();
  for (const f of fresh)
    if (!sm2Verify(f.publicKey, f.message, f.signature)) throw new Error('verify failed');
  const freshUs = ((performance.now() - start) / FRESH_KEYS) * 1000;

  const { privateKey, publicKey } = generateSm2KeyPair();
  const signatures = messages.map((m) => sm2Sign(privateKey, m));
  sm2PrecomputePublicKey(publicKey);
  for (let i = 0; i < 200; i++) sm2Verify(publicKey, messages[i & 255]!, signatures[i & 255]!);
  start = performance.now();
  for (let i = 0; i < CACHED_VERIFIES; i++) {
    if (!sm2Verify(publicKey, messages[i & 255]!, signatures[i & 255]!)) throw new Error('verify failed');
  }
  const cachedUs = ((performance.now() - start) / CACHED_VERIFIES) * 1000;
  console.log(JSON.stringify({ native: nativeSm2Status.loaded, freshUs, cachedUs }));
}

if (process.env.BENCH_VERIFY_CHILD === '1') {
  await measure();
} else {
  const self = fileURLToPath(import.meta.url);
  const rows: { native: boolean; freshUs: number; cachedUs: number }[] = [];
  for (const native of ['0', '1']) {
    const run = spawnSync(process.execPath, [...process.execArgv, self], {
      env: { ...process.env, BENCH_VERIFY_CHILD: '1', SEALTRUST_SM2_NATIVE: native },
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(run.stderr);
    rows.push(JSON.parse(run.stdout.trim().split('\n').pop()!));
  }
  console.log('SM2 verify, µs per call (sm2Verify, one core)');
  for (const r of rows) {
    const name = r.native ? 'native (OpenSSL)' : 'pure JS (noble)';
    console.log(
      `  ${name.padEnd(18)} first sight of key ${r.freshUs.toFixed(0).padStart(6)}   recurring key ${r.cachedUs.toFixed(0).padStart(6)}`,
    );
  }
  if (!rows[1]!.native) console.log('  (the addon is not built: both rows are pure JS)');
}
