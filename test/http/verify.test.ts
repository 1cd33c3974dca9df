import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from '@cantoo/pdf-lib';
import fc from 'fast-check';
import { RateLimiter } from '../../src/http/rate-limit.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { CONSTRUCTION_ENGINEER_2 } from '../../src/licence/demo-licence-types.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { VerificationService } from '../../src/service/verification/verification-service.js';
import { licenceDirectoryView } from '../../src/service/licences/licence-directory-view.js';
import { expectJson } from '../helpers/licence-fixtures.js';
import { basePdf, seal } from '../verify/pdf-verify-fixtures.js';
import { issueFromProfile, nodeKey, pdfSigner, sealBy, type Holder } from '../verify/node-artefacts.js';
import {
  issueLicence,
  startVerifyWorld,
  tamper,
  VALID_FROM,
  type VerifyWorld,
} from '../web/verify-fixtures.js';

// POST /v1/verify and GET /v1/verify/licences/{identifier}: real server, real database, real licences.
// The server allows bursts of 3 per client, one more per second; each test speaks from its own address
// (X-Forwarded-For, honoured because this server trusts one proxy hop) so the limit only bites where it is
// tested.

let w: VerifyWorld;
let licence: { identifier: string; pdf: Buffer; holderCode: string };
let ipSeq = 0;
const nextIp = () => `198.51.100.${++ipSeq}`;

const MAX_BYTES = 2 * 1024 * 1024;

before(async () => {
  w = await startVerifyWorld({
    SEALTRUST_VERIFY_RATE: '1',
    SEALTRUST_VERIFY_BURST: '3',
    SEALTRUST_VERIFY_MAX_BYTES: String(MAX_BYTES),
    SEALTRUST_TRUST_PROXY: '1',
  });
  licence = await issueLicence(w);
});

after(async () => {
  await w?.srv.stop();
});

function post(body: Uint8Array | string, type = 'application/pdf', ip = nextIp()) {
  return w.srv.request('/v1/verify', {
    method: 'POST',
    headers: { 'content-type': type, 'x-forwarded-for': ip },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

async function verify(pdf: Uint8Array): Promise<ValidationReport> {
  return expectJson<ValidationReport>(await post(pdf), 200);
}

const failedIds = (r: ValidationReport) =>
  [...r.signatures.flatMap((s) => s.checks), ...(r.licence?.checks ?? [])]
    .filter((c) => c.status === 'failed')
    .map((c) => c.id);

describe('POST /v1/verify', () => {
  it('a licence as issued is TOTAL_PASSED, with its seal, signer, chain and licence section', async () => {
    const r = await verify(licence.pdf);
    assert.equal(r.indication, 'TOTAL_PASSED', JSON.stringify(r, null, 1));
    assert.equal(r.signatures.length, 1);
    const s = r.signatures[0]!;
    assert.equal(s.seal?.esID, w.agency.esID);
    assert.equal(s.signer?.serial.toUpperCase(), w.agency.signerSerial.toUpperCase());
    assert.ok(s.chain.length >= 2, 'leaf → anchor');
    for (const id of ['data-hash', 'signature', 'chain', 'revocation', 'seal-status'])
      assert.equal(s.checks.find((c) => c.id === id)?.status, 'passed', id);
    assert.equal(r.licence?.identifier, licence.identifier);
    assert.equal(r.licence?.status, 'valid');
    assert.equal(r.licence?.indication, 'TOTAL_PASSED');
    // Messages in both languages.
    assert.ok(s.checks.every((c) => c.message && c.messageEn));
  });

  it('takes multipart/form-data with a file field too', async () => {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(licence.pdf)], { type: 'application/pdf' }), 'licence.pdf');
    const res = await w.srv.request('/v1/verify', {
      method: 'POST',
      body: form,
      headers: { 'x-forwarded-for': nextIp() },
    });
    assert.equal((await expectJson<ValidationReport>(res, 200)).indication, 'TOTAL_PASSED');
  });

  it('a byte changed inside the signed range is TOTAL_FAILED / HASH_FAILURE, naming data-hash', async () => {
    const r = await verify(tamper(licence.pdf));
    assert.equal(r.indication, 'TOTAL_FAILED');
    assert.equal(r.subIndication, 'HASH_FAILURE');
    assert.ok(failedIds(r).includes('data-hash'), failedIds(r).join());
  });

  it('a revoked licence fails on licence-status', async () => {
    const revoked = await issueLicence(w);
    assert.equal((await verify(revoked.pdf)).indication, 'TOTAL_PASSED');
    const ev = await w.srv.request(`/v1/licences/${revoked.identifier}/events`, {
      method: 'POST',
      token: w.agency.issuer,
      json: { operation: 'revoke', reason: '违法违规，依法吊销' },
    });
    assert.ok(ev.status < 300, await ev.text());
    const r = await verify(revoked.pdf);
    assert.equal(r.indication, 'TOTAL_FAILED');
    assert.equal(r.licence?.status, 'revoked');
    const status = r.licence?.checks.find((c) => c.id === 'licence-status');
    assert.equal(status?.status, 'failed');
    // The signatures themselves are still good: only the licence layer fails.
    assert.equal(r.signatures[0]?.indication, 'TOTAL_PASSED');
  });

  it('a PDF without signatures is INDETERMINATE / NO_SIGNATURE_FOUND', async () => {
    const doc = await PDFDocument.create();
    doc.addPage([200, 200]).drawText('no seal here');
    const r = await verify(await doc.save());
    assert.equal(r.indication, 'INDETERMINATE');
    assert.equal(r.subIndication, 'NO_SIGNATURE_FOUND');
    assert.equal(r.signatures.length, 0);
  });

  it('refuses a file over the limit with 413 naming the limit', async () => {
    const big = Buffer.alloc(MAX_BYTES + 1, 0x20);
    big.write('%PDF-1.7\n');
    const res = await post(big);
    const body = await expectJson<{ type: string; detail: string }>(res, 413);
    assert.match(body.type, /payload-too-large$/);
    assert.ok(body.detail.includes(String(MAX_BYTES)), body.detail);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('415 for a body that is not a PDF by its type, 422 not-a-pdf for bytes without %PDF-', async () => {
    const wrongType = await post('{"pdf": true}', 'application/json');
    assert.match((await expectJson<{ type: string }>(wrongType, 415)).type, /unsupported-media-type$/);
    const notPdf = await post(Buffer.from('GIF89a not a pdf at all'));
    const body = await expectJson<{ type: string; field: string }>(notPdf, 422);
    assert.match(body.type, /not-a-pdf$/);
    assert.equal(body.field, 'file');
    const empty = await post(Buffer.alloc(0));
    assert.match((await expectJson<{ type: string }>(empty, 422)).type, /not-a-pdf$/);
  });

  it('422 malformed-pdf for random bytes after %PDF- (no cross-reference section, no catalog)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 4096 }), async (tail) => {
        const bytes = Buffer.concat([Buffer.from('%PDF-'), Buffer.from(tail)]);
        // Random bytes that happen to hold a trailer naming /Root are not what this property is about.
        fc.pre(!bytes.includes('trailer') && !bytes.includes('/Root'));
        const res = await post(bytes);
        const body = await expectJson<{ type: string; field: string; detail: string }>(res, 422);
        assert.match(body.type, /malformed-pdf$/);
        assert.equal(body.field, 'file');
        assert.match(body.detail, /无法读取该 PDF/);
      }),
      { numRuns: 3 },
    );
  });

  it('429 with Retry-After once a client has used its burst', async () => {
    const ip = nextIp();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    // Burst 3 and one token a second: ten requests in a row cannot all pass unless each took over a second.
    for (let i = 0; i < 10; i++) {
      const res = await post(Buffer.from('not a pdf'), 'application/pdf', ip);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        const body = (await res.json()) as { type: string };
        assert.match(body.type, /rate-limited$/);
        break;
      }
      await res.arrayBuffer();
    }
    assert.ok(statuses.includes(429), statuses.join());
    assert.ok(Number(retryAfter) >= 1, String(retryAfter));
    // Another client is not affected.
    assert.equal((await post(Buffer.from('not a pdf'))).status, 422);
  });
});

describe('seal-maker authority through POST /v1/verify (attack class 1)', () => {
  // The node's own artefacts: an agency's seal-signer certificate and key, the node's OCSP responder key,
  // and the node's real seal maker (keys-dev, which this server runs on).
  const deciding = (r: ValidationReport) => {
    const s = r.signatures[0]!;
    const c =
      s.checks.find((x) => x.status === 'failed') ?? s.checks.find((x) => x.status === 'indeterminate');
    return `${r.indication}/${r.subIndication} ${c?.id}:${c?.code}`;
  };
  const sealed = async (maker: Holder, signer: Holder, o: { name?: string; esID?: string } = {}) =>
    seal(await basePdf(), { sign: pdfSigner(sealBy(maker, [signer], o), signer) });

  it('a "浙江省人民政府" seal made with a seal-signer certificate as maker is not passed', async () => {
    const holder = issueFromProfile('seal-signer', '某某局签章人');
    const r = await verify(await sealed(holder, holder, { name: '浙江省人民政府' }));
    assert.equal(deciding(r), 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE maker-authority:MAKER_WRONG_PROFILE');
  });

  it('a seal made with the node’s OCSP responder key is not passed', async () => {
    const holder = issueFromProfile('seal-signer', '某某局签章人');
    const r = await verify(await sealed(nodeKey('ocspResponder'), holder));
    assert.equal(deciding(r), 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE maker-authority:MAKER_WRONG_PROFILE');
  });

  it('a seal made by the node’s real seal maker that its registry does not hold is TOTAL_FAILED', async () => {
    const holder = issueFromProfile('seal-signer', '某某局签章人');
    const r = await verify(await sealed(nodeKey('sealMaker'), holder, { esID: '33000000000777' }));
    assert.equal(deciding(r), 'TOTAL_FAILED/SEAL_NOT_REGISTERED seal-status:SEAL_NOT_REGISTERED');
    assert.equal(r.signatures[0]!.checks.find((c) => c.id === 'maker-authority')?.code, 'MAKER_KNOWN');
  });

  it('a signature by a certificate that is not a seal-signer is not passed', async () => {
    const ocsp = nodeKey('ocspResponder');
    const r = await verify(await sealed(nodeKey('sealMaker'), ocsp, { esID: '33000000000778' }));
    assert.notEqual(r.indication, 'TOTAL_PASSED');
    assert.equal(
      r.signatures[0]!.checks.find((c) => c.id === 'signer-profile')?.code,
      'SIGNER_WRONG_PROFILE',
    );
  });
});

describe('time budget', () => {
  // A document with a very large number of objects: reading it is one long step of the engine.
  async function heavyPdf(): Promise<Buffer> {
    const parts: string[] = ['%PDF-1.7\n'];
    const offsets: number[] = [];
    let size = parts[0]!.length;
    const n = 45_000; // about 1.8 MB with its xref, under this server's 2 MiB limit
    for (let i = 1; i <= n; i++) {
      offsets.push(size);
      const obj = `${i} 0 obj\n[${i}]\nendobj\n`;
      parts.push(obj);
      size += obj.length;
    }
    parts.push(`xref\n0 ${n + 1}\n0000000000 65535 f \n`);
    for (const o of offsets) parts.push(`${String(o).padStart(10, '0')} 00000 n \n`);
    parts.push(`trailer\n<< /Size ${n + 1} /Root 1 0 R >>\nstartxref\n${size}\n%%EOF\n`);
    return Buffer.from(parts.join(''), 'latin1');
  }

  it('a file that needs more than the budget answers 422 too-complex; the node keeps answering', async () => {
    const s = w.srv.services;
    const original = s.verification;
    const tight = new VerificationService(
      {
        db: w.srv.database.knex,
        node: s.node,
        seals: s.seals,
        licences: s.licences,
        licenceDirectory: licenceDirectoryView(w.srv.database.knex),
      },
      { budgetMs: 1, maxBytes: MAX_BYTES * 8 },
    );
    (s as { verification: VerificationService }).verification = tight;
    try {
      const pdf = await heavyPdf();
      assert.ok(pdf.length < MAX_BYTES, String(pdf.length));
      const pending = post(pdf);
      // Meanwhile the event loop is free: other requests are answered.
      const health = await w.srv.request('/healthz');
      assert.equal(health.status, 200);
      const status = await w.srv.request(`/v1/verify/licences/${licence.identifier}`, {
        headers: { 'x-forwarded-for': nextIp() },
      });
      assert.equal(status.status, 200);
      const res = await pending;
      const body = await expectJson<{ type: string; limit: string }>(res, 422);
      assert.match(body.type, /too-complex$/);
    } finally {
      (s as { verification: VerificationService }).verification = original;
      await tight.stop();
    }
  });
});

describe('GET /v1/verify/licences/{identifier}', () => {
  it('answers status, type, issuer, masked holder, validity and versions, and no holder code in clear', async () => {
    // With the file's SM3 (proof of holding it): without it there is no holder at all (access-fixes.test.ts).
    const fileSm3 = sm3(licence.pdf).toString('hex');
    const res = await w.srv.request(`/v1/verify/licences/${licence.identifier}?sm3=${fileSm3}`, {
      headers: { 'x-forwarded-for': nextIp() },
    });
    const text = await res.clone().text();
    const r = await expectJson<{
      identifier: string;
      status: string;
      statusName: string;
      typeName: string;
      typeCode: string;
      issuer: { name: string };
      holder: { name: string; code: string };
      validFrom: string;
      validTo: string | null;
      versions: { identifier: string }[];
      statusHistory: unknown[];
      pdfSm3: string;
    }>(res, 200);
    assert.equal(r.identifier, licence.identifier);
    assert.equal(r.status, 'valid');
    assert.equal(r.statusName, '有效');
    assert.equal(r.typeCode, CONSTRUCTION_ENGINEER_2.code);
    assert.equal(r.issuer.name, '江苏省住房和城乡建设厅');
    assert.equal(r.holder.name, '王**');
    assert.ok(r.holder.code.includes('*'));
    assert.equal(r.validFrom, VALID_FROM);
    assert.equal(r.versions[0]?.identifier, licence.identifier);
    assert.ok(r.statusHistory.length >= 1);
    assert.ok(!text.includes(licence.holderCode), 'the holder code must not appear in clear');
    assert.ok(!text.includes('王建国'), 'a person holder name must not appear in clear');
  });

  it('404 for an unknown identifier, and the malformed ones', async () => {
    const unknown = licence.identifier.slice(0, -1) + (licence.identifier.endsWith('0') ? '1' : '0');
    assert.equal(
      (await w.srv.request(`/v1/verify/licences/${unknown}`, { headers: { 'x-forwarded-for': nextIp() } }))
        .status,
      404,
    );
    assert.equal(
      (
        await w.srv.request('/v1/verify/licences/not-an-identifier', {
          headers: { 'x-forwarded-for': nextIp() },
        })
      ).status,
      404,
    );
  });

  it('the seal picture of a registered seal is public', async () => {
    const res = await w.srv.request(`/v1/verify/seals/${w.agency.esID}.png`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()).subarray(1, 4), Buffer.from('PNG'));
    assert.equal((await w.srv.request('/v1/verify/seals/0000000000000.png')).status, 404);
  });
});

describe('RateLimiter (token bucket)', () => {
  it('never allows more than burst + rate × elapsed, and refills to the burst', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }),
        (perSecond, burst, gaps) => {
          let now = 0;
          const limiter = new RateLimiter({ perSecond, burst, now: () => now });
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            const wait = limiter.take('client');
            if (wait === 0) allowed++;
            else assert.ok(wait >= 1 && Number.isInteger(wait));
          }
          assert.ok(allowed <= burst + (now / 1000) * perSecond + 1e-9, `${allowed} allowed`);
          now += (burst / perSecond) * 1000 + 1;
          for (let i = 0; i < burst; i++) assert.equal(limiter.take('client'), 0);
          assert.ok(limiter.take('client') > 0);
          assert.equal(limiter.take('other'), 0, 'clients have their own buckets');
        },
      ),
    );
  });
});
