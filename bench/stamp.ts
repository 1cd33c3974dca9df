// npm run bench:stamp — time to stamp a PDF in one process (the domain path of POST /v1/documents/seal):
// read and check the document, resolve the placements (text extraction for a keyword), write the incremental
// update with the seal's vector appearance, SM3 over the ByteRange and a GB/T 38540 v4 SES_Signature (SM2).
// Making the test documents is setup and not timed. Medians and p99 over BENCH_ITERATIONS runs after warm-up.
// The OFD case is what a stamping worker runs for an OFD (ofd-stamping-task.ts): open the package strictly,
// resolve the placement, write Signature.xml, SES v4 over its SM3 (here in-process), write the new package.
import { percentile } from './lib/load.js';
import type { PlacementRequest } from '../src/pdf/pdf-placement.js';
import { contentsBytesForSeal } from '../src/pdf/pdf-seal-signing.js';
import { stampPdf } from '../src/pdf/pdf-stamping.js';
import { warmUpTextExtraction } from '../src/pdf/pdf-text-positions.js';
import { drawOfficialSeal, renderSealPng } from '../src/seal/seal-picture.js';
import { makeSeal, signSesV4 } from '../src/seal/ses-encoder.js';
import { runOfdStampTask, type OfdStampTask } from '../src/service/seals/ofd-stamping-task.js';
import { issueTestCertificate } from '../test/helpers/test-pki.js';
import { unsignedOfd } from '../test/ofd/ofd-stamping-support.js';
import { chineseDocument } from '../test/pdf/stamp-fixtures.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 60);
const WARM_UP = 10;
const DAY = 86_400_000;

const root = issueTestCertificate('基准根CA', null, { ca: true, pathLen: 0 });
const maker = issueTestCertificate('制章者', root);
const signer = issueTestCertificate('签章人', root);
const picture = drawOfficialSeal({ agencyName: '杭州市市场监督管理局', code: '33010000000001' });
const seal = makeSeal(
  {
    version: 4,
    vid: 'SealTrust',
    esID: '33010000000001',
    type: 1,
    name: '杭州市市场监督管理局',
    certs: [signer.der],
    createDate: new Date(),
    validStart: new Date(Date.now() - DAY),
    validEnd: new Date(Date.now() + 300 * DAY),
    picture: { type: 'PNG', data: renderSealPng(picture.svg), width: 42, height: 42 },
  },
  { cert: maker.der, privateKey: maker.key.privateKey },
);
const signerKey = { cert: signer.der, privateKey: signer.key.privateKey };
const sign = async (digest: Buffer) =>
  signSesV4({ seal, timeInfo: new Date(), dataHash: digest, propertyInfo: 'PDF /ByteRange' }, signerKey).der;
const contentsBytes = contentsBytesForSeal(seal.length, { signerCertLength: signer.der.length });

const mark = { text: '甲方（盖章处）', x: 330, y: 160, size: 14 };
const onePage = (await chineseDocument({ extra: [{ page: 0, ...mark }] })).pdf;
const fiftyPages = (await chineseDocument({ pages: 50, extra: [{ page: 49, ...mark }] })).pdf;
await warmUpTextExtraction();

async function time(
  label: string,
  pdf: Uint8Array,
  placements: PlacementRequest[],
  stamp: () => Promise<unknown> = () =>
    stampPdf(pdf, { placements, appearance: picture, sign, contentsBytes }),
) {
  const run = stamp;
  for (let i = 0; i < WARM_UP; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const start = performance.now();
    await run();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const median = Math.round(percentile(ms, 50) * 10) / 10;
  const p99 = Math.round(percentile(ms, 99) * 10) / 10;
  console.log(`${label}: median ${median} ms, p99 ${p99} ms (${pdf.length} bytes in)`);
  return { median, p99 };
}

const absolute: PlacementRequest[] = [{ type: 'absolute', page: 'last', xMm: 140, yMm: 220 }];
const keyword: PlacementRequest[] = [{ type: 'keyword', text: '盖章处' }];
const crossPage: PlacementRequest[] = [{ type: 'cross-page', pages: 'all' }];

const p1 = await time('1 page, absolute', onePage, absolute);
const p50 = await time('50 pages, absolute', fiftyPages, absolute);
const kw = await time('1 page, keyword', onePage, keyword);
const kw50 = await time('50 pages, keyword (on the last page)', fiftyPages, keyword);
const cross = await time('50 pages, cross-page seal over all 50', fiftyPages, crossPage);

const oneOfd = unsignedOfd();
const ofdTask = (): OfdStampTask => ({
  format: 'ofd',
  ofd: oneOfd,
  placements: [{ type: 'absolute', page: 1, xMm: 140, yMm: 220 }],
  seal: { der: seal, widthMm: 42, heightMm: 42 },
  lock: false,
  maxPages: 500,
  signingTime: Math.floor(Date.now() / 1000) * 1000,
  provider: { name: 'SealTrust', company: 'SealTrust' },
});
const ofd = await time('OFD, 1 page, absolute', oneOfd, [], () =>
  runOfdStampTask(ofdTask(), {
    ask: async (q) =>
      signSesV4(
        {
          seal,
          timeInfo: new Date(q.signingTime),
          dataHash: Buffer.from(q.digest),
          propertyInfo: q.propertyInfo,
        },
        signerKey,
      ).der,
  }),
);

console.log(
  JSON.stringify({
    stamp_1p_ms: p1.median,
    stamp_1p_p99_ms: p1.p99,
    stamp_50p_ms: p50.median,
    stamp_50p_p99_ms: p50.p99,
    stamp_keyword_ms: kw.median,
    stamp_keyword_p99_ms: kw.p99,
    stamp_keyword_50p_ms: kw50.median,
    stamp_keyword_50p_p99_ms: kw50.p99,
    stamp_cross_page_ms: cross.median,
    stamp_cross_page_p99_ms: cross.p99,
    ofd_stamp_1p_ms: ofd.median,
    ofd_stamp_1p_p99_ms: ofd.p99,
  }),
);
