// npm run bench:seal — GB/T 38540 seal signatures made and verified per second on one core.
// Verification is the full report (signature, seal, signer-in-seal, data hash, validity, chain) with the
// chain and seal checks warm in their caches, as on a verifier that sees the same seals again and again.
import { sm3 } from '../src/crypto/sm3.js';
import { parseCertificate } from '../src/pki/certificate.js';
import { issueTestCertificate } from '../test/helpers/test-pki.js';
import { makeSeal, signSesV4 } from '../src/seal/ses-encoder.js';
import { validateSesSignature } from '../src/verify/ses-validation.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const DAY = 86_400_000;

function rate(label: string, fn: () => unknown): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up: JIT, base-point table, key caches
  let n = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  const perSecond = Math.round(n / ((performance.now() - start) / 1000));
  console.log(`${label}: ${perSecond}/s`);
  return perSecond;
}

async function rateAsync(label: string, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  let n = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
  }
  const perSecond = Math.round(n / ((performance.now() - start) / 1000));
  console.log(`${label}: ${perSecond}/s`);
  return perSecond;
}

const root = issueTestCertificate('基准根CA', null, { ca: true, pathLen: 0 });
const maker = issueTestCertificate('制章者', root);
const signer = issueTestCertificate('签章人', root);
const seal = makeSeal(
  {
    version: 4,
    vid: 'SealTrust',
    esID: '33010000000001',
    type: 1,
    name: '基准测试专用章',
    certs: [signer.der],
    createDate: new Date(),
    validStart: new Date(Date.now() - DAY),
    validEnd: new Date(Date.now() + 300 * DAY),
    picture: { type: 'PNG', data: Buffer.alloc(30_000, 7), width: 42, height: 42 },
  },
  { cert: maker.der, privateKey: maker.key.privateKey },
);
const digest = sm3(Buffer.from('protected document bytes'));
const signerKey = { cert: signer.der, privateKey: signer.key.privateKey };

const sesSign = rate('SES_Signature sign (v4, SM2)', () =>
  signSesV4({ seal, timeInfo: new Date(), dataHash: digest, propertyInfo: 'bench' }, signerKey),
);

const sample = signSesV4(
  { seal, timeInfo: new Date(), dataHash: digest, propertyInfo: 'bench' },
  signerKey,
).der;
const anchors = [parseCertificate(root.der)];
let lastIndication = '';
const sesVerify = await rateAsync('SES_Signature verify (full report, caches warm)', async () => {
  const r = await validateSesSignature(sample, { anchors, data: { expectedHash: digest } });
  lastIndication = r.indication;
});
if (lastIndication !== 'TOTAL_PASSED') throw new Error(`bench signature did not validate: ${lastIndication}`);

console.log(JSON.stringify({ ses_sign_per_s: sesSign, ses_verify_per_s: sesVerify }));
