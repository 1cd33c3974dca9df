import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { licenceDirectoryView } from '../../src/service/licences/licence-directory-view.js';
import { VerificationService } from '../../src/service/verification/verification-service.js';
import type { ValidationReport } from '../../src/verify/report.js';
import { expectJson } from '../helpers/licence-fixtures.js';
import { buildOfd } from '../ofd/ofd-builder.js';
import { buildZip, text } from '../ofd/zip-builder.js';
import { mutate, textOf } from '../verify/ofd-sealed-fixtures.js';
import { agencySigner, sealedOfd, sealedOfdFiles, type AgencySigner } from '../web/ofd-fixtures.js';
import { startVerifyWorld, type VerifyWorld } from '../web/verify-fixtures.js';

// POST /v1/verify with OFDs (GB/T 33190 packages, GM/T 0099 signatures): a real server whose node trusts the
// seal (an agency seal registered through the API), real HTTP, the verification workers. Each request speaks
// from its own address so the per-client rate limit never bites.

let w: VerifyWorld;
let signer: AgencySigner;
let sealed: Buffer;
let ipSeq = 0;
const nextIp = () => `198.51.100.${++ipSeq}`;
const MAX_BYTES = 2 * 1024 * 1024;

before(async () => {
  w = await startVerifyWorld({
    SEALTRUST_VERIFY_MAX_BYTES: String(MAX_BYTES),
    SEALTRUST_TRUST_PROXY: '1',
  });
  signer = await agencySigner(w);
  sealed = sealedOfd(signer);
});

after(async () => {
  await w?.srv.stop();
});

function post(body: Uint8Array, type = 'application/ofd') {
  return w.srv.request('/v1/verify', {
    method: 'POST',
    headers: { 'content-type': type, 'x-forwarded-for': nextIp() },
    body: new Uint8Array(body),
  });
}

const checkOf = (r: ValidationReport, id: string) => r.signatures[0]?.checks.find((c) => c.id === id);
const failedIds = (r: ValidationReport) =>
  r.signatures
    .flatMap((s) => s.checks)
    .filter((c) => c.status === 'failed')
    .map((c) => c.id);

async function problem(res: Response) {
  return expectJson<{ type: string; field?: string; detail: string; reason?: string; limit?: string }>(
    res,
    422,
  );
}

describe('POST /v1/verify with an OFD', () => {
  it('an OFD sealed with a seal of this node is TOTAL_PASSED, every OFD check passed', async () => {
    const r = await expectJson<ValidationReport>(await post(sealed), 200);
    assert.equal(r.indication, 'TOTAL_PASSED', JSON.stringify(r, null, 1));
    assert.equal(r.signatures.length, 1);
    const s = r.signatures[0]!;
    assert.equal(s.seal?.esID, signer.esID);
    assert.deepEqual(s.ofd, { id: 's001', type: 'Seal', signatureXml: '/Doc_0/Signs/Sign_0/Signature.xml' });
    for (const id of ['signature', 'chain', 'revocation', 'seal-status', 'references', 'coverage'])
      assert.equal(checkOf(r, id)?.status, 'passed', id);
    assert.ok(Array.isArray(r.findings), 'document-level findings are reported');
  });

  it('is recognised by its bytes as application/zip, application/octet-stream and a multipart part', async () => {
    for (const type of ['application/zip', 'application/octet-stream'])
      assert.equal(
        (await expectJson<ValidationReport>(await post(sealed, type), 200)).indication,
        'TOTAL_PASSED',
        type,
      );
    const form = new FormData();
    // A part typed as something else: the bytes decide.
    form.set('file', new Blob([new Uint8Array(sealed)], { type: 'application/octet-stream' }), 'licence.ofd');
    const res = await w.srv.request('/v1/verify', {
      method: 'POST',
      body: form,
      headers: { 'x-forwarded-for': nextIp() },
    });
    assert.equal((await expectJson<ValidationReport>(res, 200)).indication, 'TOTAL_PASSED');
  });

  it('a page edited after sealing is not passed, naming references and the page', async () => {
    const page = 'Doc_0/Pages/Page_0/Content.xml';
    const edited = textOf(sealedOfdFiles(signer), page).replace(
      '<ofd:Content/>',
      '<ofd:Content><ofd:Layer ID="90"/></ofd:Content>',
    );
    const r = await expectJson<ValidationReport>(await post(mutate(sealed, { [page]: edited })), 200);
    assert.notEqual(r.indication, 'TOTAL_PASSED');
    assert.ok(failedIds(r).includes('references'), failedIds(r).join());
    assert.match(JSON.stringify(checkOf(r, 'references')), /Page_0\/Content\.xml/);
  });

  it('a page added through Document.xml, not covered by the seal, fails coverage', async () => {
    const files = sealedOfdFiles(signer);
    const doc = textOf(files, 'Doc_0/Document.xml').replace(
      '</ofd:Pages>',
      '<ofd:Page ID="91" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages>',
    );
    const r = await expectJson<ValidationReport>(
      await post(
        mutate(sealed, {
          'Doc_0/Document.xml': doc,
          'Doc_0/Pages/Page_1/Content.xml': textOf(files, 'Doc_0/Pages/Page_0/Content.xml'),
        }),
      ),
      200,
    );
    assert.notEqual(r.indication, 'TOTAL_PASSED');
    const failed = failedIds(r);
    assert.ok(failed.includes('references') && failed.includes('coverage'), failed.join());
  });

  it('422 malformed-ofd for a ZIP with OFD.xml that breaks the rules, with the rule', async () => {
    const notXml = buildOfd({ 'OFD.xml': 'this is not XML <' });
    const body = await problem(await post(notXml, 'application/zip'));
    assert.match(body.type, /malformed-ofd$/);
    assert.equal(body.field, 'file');
    assert.match(body.detail, /无法读取该 OFD/);
    assert.ok(body.reason, 'the rule that refused it');
    // A CRC that does not match the entry (APPNOTE 4.4.7).
    const crc = buildZip([
      { name: 'OFD.xml', data: text('<a/>'), local: { crc: 0x12345678 }, central: { crc: 0x12345678 } },
    ]);
    assert.match((await problem(await post(crc))).type, /malformed-ofd$/);
  });

  it('422 not-an-ofd for a ZIP without OFD.xml, and for application/ofd bytes that are no ZIP', async () => {
    const plain = buildZip([{ name: 'readme.txt', data: text('hello') }]);
    const body = await problem(await post(plain, 'application/zip'));
    assert.match(body.type, /not-an-ofd$/);
    assert.equal(body.field, 'file');
    const gif = await problem(await post(Buffer.from('GIF89a not an ofd'), 'application/ofd'));
    assert.match(gif.type, /not-an-ofd$/);
    // Without a declared OFD type, bytes that are neither stay what they were: not-a-pdf.
    assert.match(
      (await problem(await post(Buffer.from('GIF89a'), 'application/octet-stream'))).type,
      /not-a-pdf$/,
    );
  });

  it('422 too-complex for a zip bomb, naming the limit', async () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    const bomb = buildZip([
      ...[...sealedOfdFiles(signer)].map(([name, data]) => ({ name, data })),
      { name: 'Doc_0/Res/zeros.bin', data: zeros },
    ]);
    assert.ok(bomb.length < MAX_BYTES);
    const body = await problem(await post(bomb));
    assert.match(body.type, /too-complex$/);
    assert.equal(body.limit, 'zip-ratio');
  });

  it('413 over the size limit, 503 verification-busy with Retry-After when the workers refuse', async () => {
    const big = Buffer.concat([sealed, Buffer.alloc(MAX_BYTES)]);
    assert.match((await expectJson<{ type: string }>(await post(big), 413)).type, /payload-too-large$/);

    const s = w.srv.services;
    const original = s.verification;
    const stopped = new VerificationService({
      db: w.srv.database.knex,
      node: s.node,
      seals: s.seals,
      licences: s.licences,
      licenceDirectory: licenceDirectoryView(w.srv.database.knex),
    });
    await stopped.stop();
    (s as { verification: VerificationService }).verification = stopped;
    try {
      const res = await post(sealed);
      assert.match((await expectJson<{ type: string }>(res, 503)).type, /verification-busy$/);
      assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After');
    } finally {
      (s as { verification: VerificationService }).verification = original;
    }
  });

  it('the OpenAPI document lists the OFD media types and the 422 problem types', async () => {
    const doc = (await (await w.srv.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody: { content: Record<string, unknown> };
            responses: Record<string, { description: string }>;
          }
        >
      >;
    };
    const op = doc.paths['/v1/verify']!.post!;
    for (const type of ['application/ofd', 'application/zip', 'application/pdf', 'multipart/form-data'])
      assert.ok(op.requestBody.content[type], type);
    for (const type of ['not-an-ofd', 'malformed-ofd', 'too-complex'])
      assert.ok(op.responses['422']!.description.includes(type), type);
  });
});
