import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PDFDocument } from '@cantoo/pdf-lib';
import { fromPem, toPem } from '../../src/crypto/pem.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { verifyTimestampToken } from '../../src/pki/timestamp.js';
import { checkByteRange, coveredBytes } from '../../src/pdf/pdf-byte-range.js';
import { PT_PER_MM } from '../../src/pdf/pdf-seal-appearance.js';
import { extractPdfSignatures } from '../../src/pdf/pdf-signature-extraction.js';
import { decodeSesSignature, sesDerLength } from '../../src/seal/ses-decoder.js';
import { openssl, scratchDir, sm2VerifyArgs } from '../helpers/openssl.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { countRed, qpdfCheck, qpdfEncrypt, renderPage, type RenderedPage } from '../pdf/page-render.js';
import { A4, certifiedNoChanges } from '../pdf/pdf-test-fixtures.js';
import { chineseDocument } from '../pdf/stamp-fixtures.js';

let srv: TestServer;
const tmp = scratchDir('sealtrust-documents-');

interface Agency {
  id: string;
  name: string;
  issuer: string;
  esID: string;
  signerSerial: string;
}
const agencies: Agency[] = [];
let sealMaker: string;

async function json<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  assert.equal(res.status, status, body);
  return JSON.parse(body) as T;
}

const validity = () => ({
  validFrom: new Date(Date.now() - 60_000).toISOString(),
  validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
});

async function makeSeal(agency: Pick<Agency, 'id' | 'name' | 'signerSerial'>, name = agency.name) {
  return (
    await json<{ esID: string }>(
      await srv.request('/v1/seals', {
        method: 'POST',
        token: sealMaker,
        json: {
          agencyId: agency.id,
          name,
          type: 'official',
          signerCertSerials: [agency.signerSerial],
          ...validity(),
        },
      }),
      201,
    )
  ).esID;
}

before(async () => {
  srv = await startTestServer();
  sealMaker = await srv.token('seal-maker');
  const specs = [
    { name: '杭州市市场监督管理局', uscc: '113301000024902776', regionCode: '330100' },
    { name: '浙江省市场监督管理局', uscc: '113300000024821899', regionCode: '330000' },
    { name: '宁波市数据局', uscc: '12110000400777687U', regionCode: '330200' },
  ];
  for (const spec of specs) {
    const { id } = await json<{ id: string }>(
      await srv.request('/v1/agencies', {
        method: 'POST',
        token: srv.adminToken,
        json: { ...spec, province: '33' },
      }),
      201,
    );
    // A vault key: the service holds the private key, the seal binds its certificate.
    const key = await json<{ certificateSerial: string }>(
      await srv.request(`/v1/agencies/${id}/signer-keys`, {
        method: 'POST',
        token: srv.adminToken,
        json: {},
      }),
      201,
    );
    const partial = { id, name: spec.name, signerSerial: key.certificateSerial };
    agencies.push({
      ...partial,
      esID: await makeSeal(partial),
      issuer: await srv.token('issuer', { agencyId: id }),
    });
  }
});
after(async () => {
  await srv.stop();
  tmp.cleanup();
});

function stampRequest(token: string | undefined, pdf: Uint8Array | null, request: unknown) {
  const form = new FormData();
  if (pdf) form.append('file', new Blob([Buffer.from(pdf)], { type: 'application/pdf' }), 'contract.pdf');
  if (request !== undefined)
    form.append('request', typeof request === 'string' ? request : JSON.stringify(request));
  return srv.request('/v1/documents/seal', { method: 'POST', ...(token ? { token } : {}), body: form });
}

async function stamp(agency: Agency, pdf: Uint8Array, placements: unknown[]): Promise<Buffer> {
  const res = await stampRequest(agency.issuer, pdf, { esID: agency.esID, placements });
  if (res.status !== 200) assert.fail(`stamping answered ${res.status}: ${await res.text()}`);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  return Buffer.from(await res.arrayBuffer());
}

async function problem(res: Response, status: number, slug: string) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
  const body = JSON.parse(text) as {
    type: string;
    detail: string;
    field?: string;
    errors?: { field: string }[];
  };
  assert.equal(body.type, `https://sealtrust.org.cn/problems/${slug}`, text);
  assert.doesNotMatch(text, /at .*\.ts:\d+/, 'no stack trace');
  return body;
}

/**
 * Every signature of the file verified independently of our verifier: its /ByteRange is sound, SM3 of the
 * covered bytes (Node's OpenSSL) is the SES dataHash, and `openssl pkeyutl -verify` with the signer
 * certificate's key accepts the signature over the exact TBS_Sign bytes. Returns the signatures' esIDs.
 */
async function verifyEverySignature(pdf: Buffer): Promise<{ esID: string; coveredEnd: number }[]> {
  const out: { esID: string; coveredEnd: number }[] = [];
  for (const [i, sig] of extractPdfSignatures(pdf).entries()) {
    assert.equal(sig.subFilter, 'GM.sm2seal');
    const br = checkByteRange(pdf, sig);
    assert.equal(br.status, 'passed', br.messageEn);
    const ses = decodeSesSignature(sig.contents!.subarray(0, sesDerLength(sig.contents!)!));
    const digest = createHash('sm3').update(coveredBytes(pdf, sig.byteRange!)).digest();
    assert.deepEqual(ses.dataHash, digest, `signature ${i + 1}: SM3 of the ByteRange is the dataHash`);
    const cert = tmp.file(`cert-${i}.pem`, toPem('CERTIFICATE', ses.signerCert));
    const pub = tmp.file(`pub-${i}.pem`, (await openssl(['x509', '-in', cert, '-pubkey', '-noout'])).stdout);
    const v = await openssl(
      sm2VerifyArgs(pub, tmp.file(`tbs-${i}.der`, ses.tbsSignDer), tmp.file(`sig-${i}.der`, ses.signature)),
    );
    assert.equal(v.code, 0, `signature ${i + 1}: openssl pkeyutl -verify: ${v.stderr}${v.stdout}`);
    out.push({ esID: ses.seal.esID, coveredEnd: br.coveredRevisionEnd! });
  }
  return out;
}

/** Red pixels outside the rectangle (grown by 2 px). */
const redOutside = (img: RenderedPage, x0: number, y0: number, x1: number, y1: number) =>
  countRed(img, 0, 0, img.width, img.height) - countRed(img, x0 - 2, y0 - 2, x1 + 2, y1 + 2);

async function documentSealAudits() {
  const page = await srv.services.audit.list({ limit: 1000 });
  return page.items.filter((r) => r.action === 'document.seal');
}

describe('POST /v1/documents/seal', () => {
  test('absolute: the sealed PDF verifies, shows the seal at the position, and the stamping is audited', async () => {
    const [a] = agencies;
    const { pdf } = await chineseDocument({ pages: 2 });
    const auditsBefore = (await documentSealAudits()).length;
    const out = await stamp(a!, pdf, [{ type: 'absolute', page: 2, xMm: 130, yMm: 210 }]);
    assert.match(qpdfCheck(out), /No syntax or stream encoding errors/);
    assert.ok(out.subarray(0, pdf.length).equals(Buffer.from(pdf)), 'the input is a byte-identical prefix');
    const sigs = await verifyEverySignature(out);
    assert.deepEqual(sigs, [{ esID: a!.esID, coveredEnd: out.length }]);
    const img = renderPage(out, 1);
    const [x0, y0] = [130 * PT_PER_MM, 210 * PT_PER_MM];
    const [x1, y1] = [x0 + 42 * PT_PER_MM, y0 + 42 * PT_PER_MM];
    assert.ok(countRed(img, x0, y0, x1, y1) > 800, 'the seal is drawn there');
    assert.equal(redOutside(img, x0, y0, x1, y1), 0, 'and nowhere else');
    assert.equal(countRed(renderPage(out, 0), 0, 0, A4.width, A4.height), 0);

    const audits = await documentSealAudits();
    assert.equal(audits.length, auditsBefore + 1);
    const d = audits.at(-1)!.details as Record<string, unknown>;
    assert.equal(d.esID, a!.esID);
    assert.deepEqual(d.pages, [2]);
    assert.equal(d.inputSm3, createHash('sm3').update(pdf).digest('hex'));
    assert.equal(d.outputSm3, createHash('sm3').update(out).digest('hex'));
    assert.equal(audits.at(-1)!.actorRole, 'issuer');
  });

  test('keyword: the seal is centred on 盖章处', async () => {
    const [a] = agencies;
    const mark = { page: 0, text: '甲方（盖章处）', x: 330, y: 160, size: 14 };
    const { pdf } = await chineseDocument({ extra: [mark] });
    const out = await stamp(a!, pdf, [{ type: 'keyword', text: '盖章处', offsetYMm: 0 }]);
    await verifyEverySignature(out);
    const img = renderPage(out);
    const cx = mark.x + 3 * mark.size + 1.5 * mark.size;
    const cy = A4.height - (mark.y + 0.38 * mark.size);
    const r = 21 * PT_PER_MM;
    assert.ok(countRed(img, cx - r, cy - r, cx + r, cy + r) > 800);
    assert.equal(redOutside(img, cx - r - 2, cy - r - 2, cx + r + 2, cy + r + 2), 0);
  });

  test('cross-page: each page carries its slice at the right edge; one signature', async () => {
    const [a] = agencies;
    const { pdf } = await chineseDocument({ pages: 3 });
    const out = await stamp(a!, pdf, [{ type: 'cross-page', pages: 'all' }]);
    assert.equal((await verifyEverySignature(out)).length, 1);
    const slice = (42 * PT_PER_MM) / 3;
    const y0 = (A4.height - 42 * PT_PER_MM) / 2;
    for (let i = 0; i < 3; i++) {
      const img = renderPage(out, i);
      assert.ok(
        countRed(img, A4.width - slice, y0, A4.width, y0 + 42 * PT_PER_MM) > 150,
        `slice on page ${i + 1}`,
      );
      assert.equal(redOutside(img, A4.width - slice, y0, A4.width, y0 + 42 * PT_PER_MM), 0);
    }
  });

  test('several placements in one request: one signature, one widget per placement', async () => {
    const [a] = agencies;
    const { pdf } = await chineseDocument({
      pages: 2,
      extra: [{ page: 1, text: '盖章处', x: 200, y: 200, size: 12 }],
    });
    const out = await stamp(a!, pdf, [
      { type: 'absolute', page: 1, xMm: 20, yMm: 200 },
      { type: 'keyword', text: '盖章处' },
      { type: 'cross-page', pages: [1, 2] },
    ]);
    const sigs = extractPdfSignatures(out);
    assert.equal(sigs.length, 1);
    const doc = await PDFDocument.load(out);
    assert.equal(doc.getForm().getSignature(sigs[0]!.fieldName!).acroField.getWidgets().length, 4);
    await verifyEverySignature(out);
  });

  test('timestamp: true adds a token from the node TSA over the signature value', async () => {
    const [a] = agencies;
    const { pdf } = await chineseDocument();
    const res = await stampRequest(a!.issuer, pdf, {
      esID: a!.esID,
      timestamp: true,
      reason: '合同签署',
      placements: [{ type: 'absolute', page: 1, xMm: 20, yMm: 20 }],
    });
    assert.equal(res.status, 200);
    const out = Buffer.from(await res.arrayBuffer());
    await verifyEverySignature(out);
    const [sig] = extractPdfSignatures(out);
    assert.equal(sig!.reason, '合同签署');
    const ses = decodeSesSignature(sig!.contents!.subarray(0, sesDerLength(sig!.contents!)!));
    assert.ok(ses.timeStamp, 'the SES carries a timestamp');
    const ts = verifyTimestampToken(ses.timeStamp, {
      expectedImprint: createHash('sm3').update(ses.signature).digest(),
      trustedTsaCerts: [parseCertificate(fromPem(srv.node.defaultCa.tsa!.pem).der)],
    });
    assert.equal(ts.signatureValid, true);
    assert.equal(ts.imprintMatches, true);
  });

  test('three agencies countersign one after another: every signature verifies, earlier revisions are prefixes', async () => {
    const { pdf } = await chineseDocument({
      pages: 2,
      extra: [{ page: 1, text: '丙方盖章处', x: 380, y: 150, size: 12 }],
    });
    const first = await stamp(agencies[0]!, pdf, [{ type: 'absolute', page: 2, xMm: 20, yMm: 220 }]);
    const second = await stamp(agencies[1]!, first, [{ type: 'absolute', page: 2, xMm: 80, yMm: 220 }]);
    const third = await stamp(agencies[2]!, second, [
      { type: 'keyword', text: '丙方盖章处' },
      { type: 'cross-page', pages: 'all' },
    ]);
    assert.match(qpdfCheck(third), /No syntax or stream encoding errors/);
    const revisions = [pdf, first, second, third].map((b) => Buffer.from(b));
    for (let i = 1; i < revisions.length; i++)
      assert.ok(
        revisions[i]!.subarray(0, revisions[i - 1]!.length).equals(revisions[i - 1]!),
        `revision ${i} kept`,
      );
    const sigs = await verifyEverySignature(third);
    assert.deepEqual(sigs, [
      { esID: agencies[0]!.esID, coveredEnd: first.length },
      { esID: agencies[1]!.esID, coveredEnd: second.length },
      { esID: agencies[2]!.esID, coveredEnd: third.length },
    ]);
    // All three seals are visible on the last page.
    const img = renderPage(third, 1);
    for (const xMm of [20, 80])
      assert.ok(
        countRed(img, xMm * PT_PER_MM, 220 * PT_PER_MM, (xMm + 42) * PT_PER_MM, 262 * PT_PER_MM) > 800,
      );
  });
});

describe('POST /v1/documents/seal refuses, saying why, and writes nothing', () => {
  let auditsBefore: number;
  before(async () => {
    auditsBefore = (await documentSealAudits()).length;
  });
  after(async () => {
    assert.equal((await documentSealAudits()).length, auditsBefore, 'no stamping audited for a refusal');
  });

  test('a DocMDP P=1 certified document is 409', async () => {
    const { pdf } = await chineseDocument();
    const certified = await certifiedNoChanges(pdf);
    const res = await stampRequest(agencies[0]!.issuer, certified, {
      esID: agencies[0]!.esID,
      placements: [{ type: 'absolute', page: 1, xMm: 10, yMm: 10 }],
    });
    const body = await problem(res, 409, 'docmdp-forbids-signing');
    assert.match(body.detail, /DocMDP/);
  });

  test('encrypted, broken and non-PDF files are 422 naming the file', async () => {
    const { pdf } = await chineseDocument();
    const req = { esID: agencies[0]!.esID, placements: [{ type: 'absolute', page: 1, xMm: 10, yMm: 10 }] };
    const enc = await problem(
      await stampRequest(agencies[0]!.issuer, qpdfEncrypt(pdf), req),
      422,
      'encrypted-pdf',
    );
    assert.equal(enc.field, 'file');
    assert.match(enc.detail, /加密.*encrypted/);
    const broken = Buffer.concat([
      Buffer.from('%PDF-1.7\n'),
      Buffer.alloc(2000, 0x41),
      Buffer.from('\n%%EOF\n'),
    ]);
    const b = await problem(await stampRequest(agencies[0]!.issuer, broken, req), 422, 'malformed-pdf');
    assert.equal(b.field, 'file');
    await problem(await stampRequest(agencies[0]!.issuer, Buffer.from('hello'), req), 422, 'not-a-pdf');
  });

  test('a keyword that is not on any page is 422 naming it', async () => {
    const { pdf } = await chineseDocument();
    const res = await stampRequest(agencies[0]!.issuer, pdf, {
      esID: agencies[0]!.esID,
      placements: [
        { type: 'absolute', page: 1, xMm: 10, yMm: 10 },
        { type: 'keyword', text: '乙方盖章处' },
      ],
    });
    const body = await problem(res, 422, 'keyword-not-found');
    assert.equal(body.field, 'request.placements.1.text');
    assert.match(body.detail, /乙方盖章处/);
  });

  test('placements off the page or on a missing page are 422 naming the placement', async () => {
    const { pdf } = await chineseDocument();
    const req = (placements: unknown[]) => ({ esID: agencies[0]!.esID, placements });
    const off = await problem(
      await stampRequest(agencies[0]!.issuer, pdf, req([{ type: 'absolute', page: 1, xMm: 190, yMm: 10 }])),
      422,
      'seal-off-page',
    );
    assert.equal(off.field, 'request.placements.0');
    const missing = await problem(
      await stampRequest(agencies[0]!.issuer, pdf, req([{ type: 'absolute', page: 3, xMm: 10, yMm: 10 }])),
      422,
      'page-out-of-range',
    );
    assert.equal(missing.field, 'request.placements.0.page');
    await problem(
      await stampRequest(agencies[0]!.issuer, pdf, req([{ type: 'cross-page', pages: 'all' }])),
      422,
      'cross-page-too-few-pages',
    );
  });

  test('a file over 20 MB is 413 with the limit, whether the length is declared too large or found so', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024 + 1, 0x20);
    big.write('%PDF-1.7\n');
    const req = { esID: agencies[0]!.esID, placements: [{ type: 'absolute', page: 1, xMm: 10, yMm: 10 }] };
    const body = await problem(await stampRequest(agencies[0]!.issuer, big, req), 413, 'payload-too-large');
    assert.match(body.detail, /20971520/);
    const huge = Buffer.alloc(21 * 1024 * 1024, 0x20);
    await problem(await stampRequest(agencies[0]!.issuer, huge, req), 413, 'payload-too-large');
  });

  test('missing parts, bad JSON, unknown fields and a wrong media type', async () => {
    const { pdf } = await chineseDocument();
    const a = agencies[0]!;
    const req = { esID: a.esID, placements: [{ type: 'absolute', page: 1, xMm: 10, yMm: 10 }] };
    assert.equal(
      (await problem(await stampRequest(a.issuer, null, req), 422, 'missing-field')).field,
      'file',
    );
    assert.equal(
      (await problem(await stampRequest(a.issuer, pdf, undefined), 422, 'missing-field')).field,
      'request',
    );
    assert.equal(
      (await problem(await stampRequest(a.issuer, pdf, '{"esID":'), 422, 'malformed-json')).field,
      'request',
    );
    const invalid = await problem(
      await stampRequest(a.issuer, pdf, {
        ...req,
        placements: [{ type: 'absolute', page: 0, xMm: 1, yMm: 1 }],
      }),
      422,
      'validation-failed',
    );
    assert.equal(invalid.field, 'request.placements.0.page');
    const unknown = await problem(
      await stampRequest(a.issuer, pdf, { ...req, colour: 'blue' }),
      422,
      'validation-failed',
    );
    assert.equal(unknown.field, 'request.colour');
    const json = await srv.request('/v1/documents/seal', { method: 'POST', token: a.issuer, json: req });
    await problem(json, 415, 'unsupported-media-type');
  });

  test("another agency's seal is 403, a suspended seal 409, a non-issuer token 403, no token 401", async () => {
    const { pdf } = await chineseDocument();
    const [a, b] = agencies as [Agency, Agency];
    const placements = [{ type: 'absolute', page: 1, xMm: 10, yMm: 10 }];
    const other = await problem(
      await stampRequest(b.issuer, pdf, { esID: a.esID, placements }),
      403,
      'seal-of-other-agency',
    );
    assert.equal(other.field, 'request.esID');
    const spare = await makeSeal(a, '合同专用章');
    await json(
      await srv.request(`/v1/seals/${spare}/suspend`, {
        method: 'POST',
        token: a.issuer,
        json: { reason: '印章遗失' },
      }),
      200,
    );
    await problem(await stampRequest(a.issuer, pdf, { esID: spare, placements }), 409, 'seal-not-usable');
    await problem(
      await stampRequest(a.issuer, pdf, { esID: '33019999999999', placements }),
      404,
      'seal-not-found',
    );
    await problem(await stampRequest(sealMaker, pdf, { esID: a.esID, placements }), 403, 'role-not-allowed');
    await problem(
      await stampRequest(undefined, pdf, { esID: a.esID, placements }),
      401,
      'authentication-required',
    );
  });
});

test('the OpenAPI document describes the multipart body', async () => {
  const doc = await json<{
    paths: Record<
      string,
      { post?: { requestBody?: { content: Record<string, { schema?: { required?: string[] } }> } } }
    >;
  }>(await srv.request('/openapi.json'), 200);
  const content = doc.paths['/v1/documents/seal']?.post?.requestBody?.content['multipart/form-data'];
  assert.deepEqual(content?.schema?.required, ['file', 'request']);
});
