// The attack of `npm run bench:verify` (healthz_p99_ms_under_attack), in its own process so that building
// and sending the bombs never delays the /healthz poller of the benchmark: ATTACK_CONCURRENCY keep-alive loops
// (default 8) post pathological PDFs for ATTACK_SECONDS, even loops to stamping, odd ones to verification,
// each loop cycling through the bombs of test/pdf/pdf-bombs.ts (xref bomb, one 256 MB object stream,
// 8 × 60 MB object streams, and for stamping keyword search over a 200 MB page content: once within the
// budget's reach, once behind a filter chain that only the deadline stops).
// Env: ATTACK_BASE, ATTACK_TOKEN (an issuer), ATTACK_ESID. Prints "ready" once the bombs are built, then one
// JSON line: requests per endpoint and status.
import { randomBytes } from 'node:crypto';
import { contentBomb, manyObjectStreamsBomb, objectStreamBomb, xrefBomb } from '../../test/pdf/pdf-bombs.js';
import { keepAliveAgent, rawRequest } from './load.js';

const base = process.env.ATTACK_BASE!;
const token = process.env.ATTACK_TOKEN!;
const esID = process.env.ATTACK_ESID!;
const seconds = Number(process.env.ATTACK_SECONDS ?? 10);
const concurrency = Number(process.env.ATTACK_CONCURRENCY ?? 8);
const agent = keepAliveAgent(concurrency);

const files = [await xrefBomb(), await objectStreamBomb(), await manyObjectStreamsBomb()];
const content = await contentBomb(1);
const unbudgeted = await contentBomb(2);

function stampForm(pdf: Buffer, placements: unknown[]): { body: Buffer; type: string } {
  const boundary = `----attack${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bomb.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    ),
    pdf,
    Buffer.from(
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n${JSON.stringify({ esID, placements })}\r\n--${boundary}--\r\n`,
    ),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

const absolute = [{ type: 'absolute', page: 1, xMm: 20, yMm: 20 }];
const stampings = [
  ...files.map((f) => stampForm(f, absolute)),
  stampForm(content, [{ type: 'keyword', text: '盖章处' }]),
  stampForm(unbudgeted, [{ type: 'keyword', text: '盖章处' }]),
];

const counts: Record<string, number> = {};
const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);

process.stdout.write('ready\n');
const end = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async (_, loop) => {
    for (let i = 0; performance.now() < end; i++) {
      try {
        if (loop % 2 === 0) {
          const s = stampings[(i + loop / 2) % stampings.length]!;
          const r = await rawRequest(agent, `${base}/v1/documents/seal`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': s.type },
            body: s.body,
          });
          count(`seal ${r.status}`);
        } else {
          const r = await rawRequest(agent, `${base}/v1/verify`, {
            method: 'POST',
            headers: { 'content-type': 'application/pdf' },
            body: files[(i + loop) % files.length]!,
          });
          count(`verify ${r.status}`);
        }
      } catch {
        count('error');
      }
    }
  }),
);
agent.destroy();
process.stdout.write(JSON.stringify(counts) + '\n');
