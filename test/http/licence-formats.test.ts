// Issue 17 / ofd.md §4.3, §4.6, T7: a licence is issued in every format of SEALTRUST_LICENCE_FORMATS, each file
// stored encrypted with its SM3 and size, served at /pdf and /ofd with the same roles and usage recording, and
// either file's SM3 found by the directory. Real HTTP, real database, real crypto.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
} from '../../src/licence/demo-licence-types.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { fromPem } from '../../src/crypto/pem.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { verifyTimestampToken } from '../../src/pki/timestamp.js';
import { decodeSesSignature } from '../../src/seal/ses-decoder.js';
import { withExternalTools } from '../ofd/ofd-stamping-support.js';
import { seedDemo } from '../../src/cli/demo-seed.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  defineDemoTypes,
  expectJson,
  setupIssuingAgency,
  type IssuingAgency,
} from '../helpers/licence-fixtures.js';

const USAGE = new URLSearchParams({
  user: '李四',
  itemName: '住房公积金贷款',
  itemCode: '330100-000-XK-001',
  businessNumber: 'YW-OFD-1',
}).toString();

interface FileJson {
  format: 'pdf' | 'ofd';
  url: string;
  sm3: string;
  bytes: number;
}
interface Issued {
  identifier: string;
  sm3: string;
  files: FileJson[];
}
interface LicenceJson {
  identifier: string;
  pdf: { url: string; sm3: string; bytes: number } | null;
  files: FileJson[];
}

let ipSeq = 0;
const nextIp = () => `203.0.113.${++ipSeq}`;
const sm3Hex = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

interface World {
  srv: TestServer;
  a: IssuingAgency;
  b: IssuingAgency;
}

async function world(formats: ('pdf' | 'ofd')[]): Promise<World> {
  const srv = await startTestServer({
    trustProxyHops: 1,
    services: { licenceFormats: formats, productionWorkers: 0 },
  });
  const a = await setupIssuingAgency(srv, {
    name: '江苏省住房和城乡建设厅',
    uscc: '11320100014000714D',
    regionCode: '320000',
  });
  const b = await setupIssuingAgency(srv, {
    name: '南京市不动产登记中心',
    uscc: '12110000400777687U',
    regionCode: '320100',
  });
  await defineDemoTypes(srv, [a.agencyId]);
  return { srv, a, b };
}

async function issue(w: World, extra: Record<string, unknown> = {}): Promise<Issued> {
  const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
  return expectJson<Issued>(
    await w.srv.request('/v1/licences', {
      method: 'POST',
      token: w.a.issuer,
      json: {
        typeCode: CONSTRUCTION_ENGINEER_2.code,
        holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
        validFrom: '2025-01-01',
        validTo: '2027-12-31',
        fields: { ...DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code] },
        ...extra,
      },
    }),
    201,
  );
}

async function download(w: World, path: string, token: string, type: string): Promise<Buffer> {
  const res = await w.srv.request(path, { token });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), type);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.headers.get('x-content-sm3'), sm3Hex(body));
  return body;
}

async function uses(w: World, identifier: string) {
  return (
    await expectJson<{ items: { action: string; businessNumber: string }[] }>(
      await w.srv.request(`/v1/licence-usages?identifier=${identifier}`, { token: w.a.issuer }),
      200,
    )
  ).items;
}

const lookup = (w: World, identifier: string, sm3?: string) =>
  w.srv.request(`/v1/verify/licences/${identifier}${sm3 ? `?sm3=${sm3}` : ''}`, {
    headers: { 'x-forwarded-for': nextIp() },
  });

describe('SEALTRUST_LICENCE_FORMATS=pdf', () => {
  let w: World;
  before(async () => {
    w = await world(['pdf']);
  });
  after(async () => {
    await w?.srv.stop();
  });

  it('makes one file; /ofd is 404 format-not-available, with no use recorded', async () => {
    const issued = await issue(w);
    assert.deepEqual(
      issued.files.map((f) => f.format),
      ['pdf'],
    );
    const rows = await w.srv.database.knex('licence_files').where({ identifier: issued.identifier });
    assert.equal(rows.length, 1);
    const got = await expectJson<LicenceJson>(
      await w.srv.request(`/v1/licences/${issued.identifier}`, { token: w.a.issuer }),
      200,
    );
    assert.deepEqual(
      got.files.map((f) => f.format),
      ['pdf'],
    );
    assert.equal(got.pdf?.sm3, issued.sm3);

    const pdf = await download(w, `/v1/licences/${issued.identifier}/pdf`, w.a.issuer, 'application/pdf');
    assert.equal(sm3Hex(pdf), issued.sm3);
    assert.equal(pdf.length, got.files[0]!.bytes);

    for (const token of [w.a.issuer, w.b.issuer]) {
      const res = await w.srv.request(`/v1/licences/${issued.identifier}/ofd?${USAGE}`, { token });
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      const p = await expectJson<{ type: string; field: string }>(res, 404);
      assert.match(p.type, /format-not-available$/);
    }
    assert.deepEqual(await uses(w, issued.identifier), [], 'nothing handed over, nothing recorded');
    const none = await w.srv.request(`/v1/licences/1.2.156.3005.2.${'1'.repeat(21)}.X/ofd`, {
      token: w.a.issuer,
    });
    assert.ok([404, 422].includes(none.status));
  });

  it('a copy asked for in a format the node does not make is refused, naming formats', async () => {
    const issued = await issue(w);
    const res = await w.srv.request(`/v1/licences/${issued.identifier}/copies`, {
      method: 'POST',
      token: w.a.issuer,
      json: {
        purpose: '办理公积金贷款',
        maker: '江苏省住房和城乡建设厅',
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        formats: ['ofd'],
      },
    });
    const p = await expectJson<{ type: string; field: string }>(res, 422);
    assert.match(p.type, /format-not-enabled$/);
    assert.equal(p.field, 'formats');
  });

  it('the OpenAPI document has /ofd, copies’ files and the format problems', async () => {
    type Op = {
      responses: Record<string, { description: string; content?: Record<string, unknown> }>;
      requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
    };
    const doc = await expectJson<{ paths: Record<string, { get?: Op; post?: Op }> }>(
      await w.srv.request('/openapi.json'),
      200,
    );
    const ofd = doc.paths['/v1/licences/{identifier}/ofd']!.get!;
    assert.deepEqual(Object.keys(ofd.responses['200']!.content!), ['application/ofd']);
    assert.match(ofd.responses['404']!.description, /format-not-available/);
    const copyFile = doc.paths['/v1/licences/{identifier}/copies/{copyId}/{format}']!.get!;
    assert.deepEqual(Object.keys(copyFile.responses['200']!.content!), [
      'application/pdf',
      'application/ofd',
    ]);
    const make = doc.paths['/v1/licences/{identifier}/copies']!.post!;
    assert.ok(make.requestBody!.content['application/json']!.schema.properties.formats);
    assert.match(make.responses['422']!.description, /format-not-enabled/);
  });

  it('migration 014 moves existing PDFs into licence_files unchanged (down and up again)', async () => {
    const issued = await issue(w);
    const knex = w.srv.database.knex;
    const before = await download(w, `/v1/licences/${issued.identifier}/pdf`, w.a.issuer, 'application/pdf');
    const m014 = await import('../../migrations/014_licence_files.js');
    await m014.down(knex);
    const old = (await knex('licences').where({ identifier: issued.identifier }).first()) as {
      pdf_enc: Uint8Array;
      pdf_sm3: string;
      pdf_bytes: number;
    };
    assert.equal(old.pdf_sm3, issued.sm3);
    assert.equal(old.pdf_bytes, before.length);
    await m014.up(knex);
    const after = await download(w, `/v1/licences/${issued.identifier}/pdf`, w.a.issuer, 'application/pdf');
    assert.ok(after.equals(before));
    const row = (await knex('licence_files').where({ identifier: issued.identifier }).first()) as {
      enc: Uint8Array;
    };
    assert.ok(Buffer.from(row.enc).equals(Buffer.from(old.pdf_enc)), 'the ciphertext moved as it was');
  });
});

describe('SEALTRUST_LICENCE_FORMATS=pdf,ofd', () => {
  let w: World;
  let issued: Issued;
  let pdf: Buffer;
  let ofd: Buffer;
  before(async () => {
    w = await world(['pdf', 'ofd']);
    issued = await issue(w);
    pdf = await download(w, `/v1/licences/${issued.identifier}/pdf`, w.a.issuer, 'application/pdf');
    ofd = await download(w, `/v1/licences/${issued.identifier}/ofd`, w.a.issuer, 'application/ofd');
  });
  after(async () => {
    await w?.srv.stop();
  });

  it('serves /pdf and /ofd whose SM3 and size are the record’s', async () => {
    assert.deepEqual(
      issued.files.map((f) => f.format),
      ['pdf', 'ofd'],
    );
    const got = await expectJson<LicenceJson>(
      await w.srv.request(`/v1/licences/${issued.identifier}`, { token: w.a.issuer }),
      200,
    );
    assert.deepEqual(
      got.files.map((f) => [f.format, f.sm3, f.bytes]),
      [
        ['pdf', sm3Hex(pdf), pdf.length],
        ['ofd', sm3Hex(ofd), ofd.length],
      ],
    );
    assert.ok(got.files[1]!.url.endsWith(`/v1/licences/${issued.identifier}/ofd`));
    assert.equal(issued.sm3, sm3Hex(pdf));
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(ofd.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
    const res = await w.srv.request(`/v1/licences/${issued.identifier}/ofd`, { token: w.a.issuer });
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="${issued.identifier}.ofd"`);
    assert.equal(res.headers.get('cache-control'), 'private, no-store');
  });

  it('keeps both files encrypted at rest: the stored bytes are not the files', async () => {
    const rows = (await w.srv.database
      .knex('licence_files')
      .where({ identifier: issued.identifier })
      .orderBy('format', 'desc')) as { format: string; enc: Uint8Array; sm3: string; size: number }[];
    assert.deepEqual(
      rows.map((r) => [r.format, r.sm3, r.size]),
      [
        ['pdf', sm3Hex(pdf), pdf.length],
        ['ofd', sm3Hex(ofd), ofd.length],
      ],
    );
    const holderCode = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!.code;
    for (const r of rows) {
      const enc = Buffer.from(r.enc);
      assert.ok(!enc.equals(r.format === 'pdf' ? pdf : ofd));
      for (const marker of ['%PDF-', 'PK\x03\x04', 'OFD.xml', 'licence.json', holderCode])
        assert.ok(!enc.includes(Buffer.from(marker, 'latin1')), `${r.format}: ${marker}`);
    }
  });

  it('the OFD verifies TOTAL_PASSED through POST /v1/verify, with its licence layer', async () => {
    const res = await w.srv.request('/v1/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/ofd', 'x-forwarded-for': nextIp() },
      body: new Uint8Array(ofd),
    });
    const r = await expectJson<ValidationReport>(res, 200);
    assert.equal(r.indication, 'TOTAL_PASSED', JSON.stringify(r, null, 1));
    // The licence layer ran and took the OFD's SM3 as the directory's file.
    assert.equal(r.licence?.identifier, issued.identifier);
    const hash = r.licence?.checks.find((c) => c.id === 'licence-file-hash');
    assert.equal(hash?.status, 'passed', JSON.stringify(r.licence, null, 1));
    assert.equal(hash?.code, 'FILE_HASH_MATCH');
  });

  it('timestamp: true puts the node TSA’s token over each file’s signature value; both verify with it', async () => {
    const stamped = await issue(w, { timestamp: true });
    const tsa = [parseCertificate(fromPem(w.srv.node.defaultCa.tsa!.pem).der)];
    const ofdFile = await download(
      w,
      `/v1/licences/${stamped.identifier}/ofd`,
      w.a.issuer,
      'application/ofd',
    );
    const pdfFile = await download(
      w,
      `/v1/licences/${stamped.identifier}/pdf`,
      w.a.issuer,
      'application/pdf',
    );
    // The OFD's SES, read by unzip (not our reader): a token whose imprint is SM3 of the signature value.
    const ses = withExternalTools(ofdFile, (read) =>
      decodeSesSignature(read('Doc_0/Signs/Sign_0/SignedValue.dat')),
    );
    assert.ok(ses.timeStamp, 'the OFD signature carries a timestamp');
    const ts = verifyTimestampToken(ses.timeStamp, {
      expectedImprint: createHash('sm3').update(ses.signature).digest(),
      trustedTsaCerts: tsa,
    });
    assert.deepEqual([ts.signatureValid, ts.imprintMatches], [true, true]);
    for (const [type, body] of [
      ['application/ofd', ofdFile],
      ['application/pdf', pdfFile],
    ] as const) {
      const r = await expectJson<ValidationReport>(
        await w.srv.request('/v1/verify', {
          method: 'POST',
          headers: { 'content-type': type, 'x-forwarded-for': nextIp() },
          body: new Uint8Array(body),
        }),
        200,
      );
      assert.equal(r.indication, 'TOTAL_PASSED', `${type}: ${JSON.stringify(r.signatures[0]?.checks)}`);
      const check = r.signatures[0]!.checks.find((c) => c.id === 'timestamp');
      assert.equal(check?.status, 'passed', `${type}: ${JSON.stringify(check)}`);
    }
    // A licence issued without one has none (the option is not on by default).
    const plain = withExternalTools(ofd, (read) =>
      decodeSesSignature(read('Doc_0/Signs/Sign_0/SignedValue.dat')),
    );
    assert.equal(plain.timeStamp, undefined);
  });

  it('?sm3= of either file finds the licence and names both files; another hash does not', async () => {
    for (const file of [pdf, ofd]) {
      const r = await expectJson<{ holder?: unknown; pdfSm3: string | null; files: FileJson[] | null }>(
        await lookup(w, issued.identifier, sm3Hex(file)),
        200,
      );
      assert.ok(r.holder, 'the holder is shown to whoever holds the file');
      assert.equal(r.pdfSm3, sm3Hex(pdf));
      assert.deepEqual(
        r.files?.map((f) => f.sm3),
        [sm3Hex(pdf), sm3Hex(ofd)],
      );
    }
    const other = await expectJson<{ holder?: unknown; files: unknown }>(
      await lookup(w, issued.identifier, 'ab'.repeat(32)),
      200,
    );
    assert.equal(other.holder, undefined);
    assert.equal(other.files, null, 'the hashes would be the proof');
    const record = await w.srv.services.licenceDirectory.lookup(issued.identifier);
    assert.deepEqual(
      record?.files?.map((f) => f.format),
      ['pdf', 'ofd'],
    );
  });

  it('/ofd has the roles and usage recording of /pdf', async () => {
    for (const format of ['pdf', 'ofd'] as const) {
      const path = `/v1/licences/${issued.identifier}/${format}`;
      assert.equal((await w.srv.request(path)).status, 401, `${format} anonymous`);
      const sealMaker = await w.srv.token('seal-maker');
      assert.equal((await w.srv.request(path, { token: sealMaker })).status, 403, `${format} seal-maker`);
      const bare = await w.srv.request(path, { token: w.b.issuer });
      assert.equal((await expectJson<{ field: string }>(bare, 422)).field, 'user', `${format} elements`);
      const own = await w.srv.request(path, { token: w.srv.adminToken });
      assert.equal(own.status, 200, `${format} admin`);
      const res = await w.srv.request(`${path}?${USAGE.replace('YW-OFD-1', `YW-${format}`)}`, {
        token: w.b.issuer,
      });
      assert.equal(res.status, 200, `${format} other agency with the elements`);
    }
    const recorded = (await uses(w, issued.identifier)).filter((u) => u.businessNumber.startsWith('YW-'));
    assert.deepEqual(
      recorded.map((u) => [u.action, u.businessNumber]),
      [
        ['file', 'YW-pdf'],
        ['file', 'YW-ofd'],
      ],
    );
  });

  it('renew and replace produce both formats, each in the directory log leaf', async () => {
    const fresh = await issue(w);
    const renewed = await expectJson<{ created: Issued }>(
      await w.srv.request(`/v1/licences/${fresh.identifier}/events`, {
        method: 'POST',
        token: w.a.issuer,
        json: { operation: 'renew', reason: '有效期延续', validFrom: '2026-01-01', validTo: '2028-12-31' },
      }),
      200,
    );
    const replaced = await expectJson<{ created: Issued }>(
      await w.srv.request(`/v1/licences/${renewed.created.identifier}/events`, {
        method: 'POST',
        token: w.a.issuer,
        json: { operation: 'replace', reason: '证照遗失补发' },
      }),
      200,
    );
    for (const created of [renewed.created, replaced.created]) {
      assert.deepEqual(
        created.files.map((f) => f.format),
        ['pdf', 'ofd'],
      );
      const o = await download(w, `/v1/licences/${created.identifier}/ofd`, w.a.issuer, 'application/ofd');
      assert.equal(sm3Hex(o), created.files[1]!.sm3);
      const r = await expectJson<{ holder?: unknown }>(await lookup(w, created.identifier, sm3Hex(o)), 200);
      assert.ok(r.holder);
      const leaves = (await w.srv.database
        .knex('tlog_entries')
        .where({ subject: created.identifier })
        .orderBy('idx')) as { leaf: Uint8Array }[];
      const leaf = JSON.parse(Buffer.from(leaves[0]!.leaf).toString('utf8')) as {
        licence: { files: { format: string; sm3: string; bytes: number }[] };
      };
      assert.deepEqual(
        leaf.licence.files,
        created.files.map((f) => ({ format: f.format, sm3: f.sm3, bytes: f.bytes })),
      );
    }
  });

  it('a copy is made in both formats by default, or the ones asked for, each served and registered', async () => {
    const make = (formats?: string[]) =>
      w.srv.request(`/v1/licences/${issued.identifier}/copies`, {
        method: 'POST',
        token: w.a.issuer,
        json: {
          purpose: '办理公积金贷款',
          maker: '江苏省住房和城乡建设厅',
          expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          ...(formats ? { formats } : {}),
        },
      });
    const res = await make();
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const copyId = res.headers.get('x-copy-id')!;
    assert.match(res.headers.get('link') ?? '', /\/ofd>; rel="alternate"; type="application\/ofd"/);
    const copyPdf = Buffer.from(await res.arrayBuffer());
    const copyOfd = await download(
      w,
      `/v1/licences/${issued.identifier}/copies/${copyId}/ofd`,
      w.a.issuer,
      'application/ofd',
    );
    const list = await expectJson<{ items: { id: string; files: FileJson[] }[] }>(
      await w.srv.request(`/v1/licences/${issued.identifier}/copies`, { token: w.a.issuer }),
      200,
    );
    assert.deepEqual(
      list.items.find((c) => c.id === copyId)?.files.map((f) => [f.format, f.sm3]),
      [
        ['pdf', sm3Hex(copyPdf)],
        ['ofd', sm3Hex(copyOfd)],
      ],
    );
    const r = await expectJson<{ copy: { purpose: string } | null }>(
      await lookup(w, issued.identifier, sm3Hex(copyOfd)),
      200,
    );
    assert.equal(r.copy?.purpose, '办理公积金贷款');
    const verified = await expectJson<ValidationReport>(
      await w.srv.request('/v1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/ofd', 'x-forwarded-for': nextIp() },
        body: new Uint8Array(copyOfd),
      }),
      200,
    );
    assert.equal(verified.indication, 'TOTAL_PASSED', JSON.stringify(verified, null, 1));
    assert.equal(verified.licence?.checks.find((c) => c.id === 'licence-file-hash')?.code, 'COPY_HASH_MATCH');
    // Another agency's issuer may not fetch it; an OFD-only copy has no PDF.
    assert.equal(
      (await w.srv.request(`/v1/licences/${issued.identifier}/copies/${copyId}/ofd`, { token: w.b.issuer }))
        .status,
      404,
    );
    const ofdOnly = await make(['ofd']);
    assert.equal(ofdOnly.status, 201);
    assert.equal(ofdOnly.headers.get('content-type'), 'application/ofd');
    const onlyId = ofdOnly.headers.get('x-copy-id')!;
    const noPdf = await w.srv.request(`/v1/licences/${issued.identifier}/copies/${onlyId}/pdf`, {
      token: w.a.issuer,
    });
    assert.match((await expectJson<{ type: string }>(noPdf, 404)).type, /format-not-available$/);
  });
  it('batch issuance makes both files for every line', async () => {
    const holder = DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!;
    const line = JSON.stringify({
      typeCode: CONSTRUCTION_ENGINEER_2.code,
      holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
      validFrom: '2025-01-01',
      validTo: '2027-12-31',
      fields: { ...DEMO_FACE_DATA[CONSTRUCTION_ENGINEER_2.code] },
    });
    const job = await expectJson<{ id: string }>(
      await w.srv.request('/v1/licences:batch', {
        method: 'POST',
        token: w.a.issuer,
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${line}\n${line}\n`,
      }),
      202,
    );
    await w.srv.services.licenceBatches.settled(job.id);
    const done = await expectJson<{ succeeded: number; results: { identifier: string }[] }>(
      await w.srv.request(`/v1/jobs/${job.id}`, { token: w.a.issuer }),
      200,
    );
    assert.equal(done.succeeded, 2);
    for (const { identifier } of done.results) {
      const l = await w.srv.services.licences.find(identifier);
      assert.deepEqual(
        l?.files.map((f) => f.format),
        ['pdf', 'ofd'],
      );
    }
  });
});

describe('demo data (default SEALTRUST_LICENCE_FORMATS)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({
      trustProxyHops: 1,
      services: { licenceFormats: ['pdf', 'ofd'], productionWorkers: 0 },
    });
  });
  after(async () => {
    await srv?.stop();
  });

  it('every demo licence type is issued in both formats, and its OFD verifies TOTAL_PASSED via the API', async () => {
    const seed = await seedDemo(srv.services, 1);
    assert.ok(seed.licences.length >= 4);
    for (const l of seed.licences) {
      assert.deepEqual(l.formats, ['pdf', 'ofd'], l.typeName);
      const { file } = await srv.services.licences.file(l.identifier, 'ofd');
      const r = await expectJson<ValidationReport>(
        await srv.request('/v1/verify', {
          method: 'POST',
          headers: { 'content-type': 'application/ofd', 'x-forwarded-for': nextIp() },
          body: new Uint8Array(file.data),
        }),
        200,
      );
      assert.equal(r.indication, 'TOTAL_PASSED', `${l.typeName}: ${JSON.stringify(r, null, 1)}`);
      assert.equal(r.licence?.identifier, l.identifier);
      assert.equal(sm3Hex(file.data), file.sm3);
    }
  });
});
