import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import smCrypto from 'sm-crypto';
import { fromPem } from '../../src/crypto/pem.js';
import { openOfd } from '../../src/ofd/ofd-package.js';
import type { OfdSignatureXml } from '../../src/ofd/ofd-signatures.js';
import { readZip } from '../../src/ofd/zip-reader.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { verifyTimestampToken } from '../../src/pki/timestamp.js';
import { decodeSesSignature } from '../../src/seal/ses-decoder.js';
import { ServiceError } from '../../src/service/service-error.js';
import { nodeSealMakers } from '../../src/service/ca/ca-node.js';
import { caRevocationView, sealRegistryView } from '../../src/service/verification/validation-views.js';
import { validateOfd, type OfdValidationContext } from '../../src/verify/ofd-validation.js';
import type { SignatureReport } from '../../src/verify/report.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  assertOriginalEntriesPreserved,
  assertReferencesMatch,
  fixture,
  fixturesSkip,
  unsignedOfd,
  withExternalTools,
} from '../ofd/ofd-stamping-support.js';
import { buildZip, text } from '../ofd/zip-builder.js';

// POST /v1/documents/seal with an OFD (GM/T 0099-2020 §7, GB/T 33190 §18), through real HTTP: the stamped
// package verifies with this node's trust anchors, keeps every original entry, is signed SES v4 over SM3 of
// its Signature.xml (checked independently with sm-crypto), takes countersignatures, and refuses a locked one.

const { sm2: smc } = smCrypto;
const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';

let srv: TestServer;
interface Agency {
  id: string;
  issuer: string;
  esID: string;
}
const agencies: Agency[] = [];

async function json<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  assert.equal(res.status, status, body);
  return JSON.parse(body) as T;
}

before(async () => {
  srv = await startTestServer();
  const sealMaker = await srv.token('seal-maker');
  const specs = [
    { name: '杭州市市场监督管理局', uscc: '113301000024902776', regionCode: '330100' },
    { name: '浙江省市场监督管理局', uscc: '113300000024821899', regionCode: '330000' },
  ];
  for (const spec of specs) {
    const id = await srv.agency(spec.name, spec.uscc, spec.regionCode);
    const key = await json<{ certificateSerial: string }>(
      await srv.request(`/v1/agencies/${id}/signer-keys`, {
        method: 'POST',
        token: srv.adminToken,
        json: {},
      }),
      201,
    );
    const { esID } = await json<{ esID: string }>(
      await srv.request('/v1/seals', {
        method: 'POST',
        token: sealMaker,
        json: {
          agencyId: id,
          name: spec.name,
          type: 'official',
          signerCertSerials: [key.certificateSerial],
          validFrom: new Date(Date.now() - 60_000).toISOString(),
          validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
        },
      }),
      201,
    );
    agencies.push({ id, esID, issuer: await srv.token('issuer', { agencyId: id }) });
  }
});
after(() => srv.stop());

/** A three-page OFD with 甲方（盖章处） drawn on page 2 and an empty Signatures.xml declared in OFD.xml. */
function threePages(o: { declareSignatures?: boolean } = {}): Buffer {
  const page = (body = '') =>
    `<ofd:Page ${NS}><ofd:Content><ofd:Layer ID="30">${body}</ofd:Layer></ofd:Content></ofd:Page>`;
  const files: Record<string, string | null> = {
    'Doc_0/Document.xml': `<ofd:Document ${NS}><ofd:CommonData><ofd:MaxUnitID>40</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages><ofd:Page ID="2" BaseLoc="Pages/Page_0/Content.xml"/><ofd:Page ID="10" BaseLoc="Pages/Page_1/Content.xml"/><ofd:Page ID="11" BaseLoc="Pages/Page_2/Content.xml"/></ofd:Pages></ofd:Document>`,
    'Doc_0/DocumentRes.xml': null,
    'Doc_0/Res/image_4.png': null,
    'Doc_0/Res/image_5.png': null,
    'Doc_0/Tpls/Tpl_0/Content.xml': null,
    'Doc_0/Annots/Annotations.xml': null,
    'Doc_0/Annots/Page_0/Annotation.xml': null,
    'Doc_0/Tags/CustomTags.xml': null,
    'Doc_0/Tags/Tag_Licence.xml': null,
    'Doc_0/Attachs/Attachments.xml': null,
    'Doc_0/Attachs/licence.json': null,
    'Doc_0/Pages/Page_0/PageRes.xml': null,
    'Doc_0/Pages/Page_0/Content.xml': page(),
    // the keyword's glyphs: x 100…142 (7 × 6 mm), baseline 150, size 6 → box y 145.2…151.2
    'Doc_0/Pages/Page_1/Content.xml': page(
      '<ofd:TextObject ID="31" Boundary="100 140 60 20" Font="3" Size="6"><ofd:TextCode X="0" Y="10" DeltaX="6">甲方（盖章处）</ofd:TextCode></ofd:TextObject>',
    ),
    'Doc_0/Pages/Page_2/Content.xml': page(),
  };
  if (o.declareSignatures !== false) {
    files['OFD.xml'] =
      `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD ${NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>abc</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot><ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>`;
    files['Doc_0/Signs/Signatures.xml'] = `<ofd:Signatures ${NS}></ofd:Signatures>`;
  }
  return unsignedOfd(files);
}

function stampRequest(token: string, file: Uint8Array, request: unknown, type = 'application/ofd') {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(file)], { type }), 'contract.ofd');
  form.append('request', JSON.stringify(request));
  return srv.request('/v1/documents/seal', { method: 'POST', token, body: form });
}

async function stamp(agency: Agency, ofd: Uint8Array, placements: unknown[], extra: object = {}) {
  const res = await stampRequest(agency.issuer, ofd, { esID: agency.esID, placements, ...extra });
  if (res.status !== 200) assert.fail(`stamping answered ${res.status}: ${await res.text()}`);
  assert.equal(res.headers.get('content-type'), 'application/ofd');
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="sealed.ofd"');
  return Buffer.from(await res.arrayBuffer());
}

async function problem(res: Response, status: number, slug: string) {
  const body = await res.text();
  assert.equal(res.status, status, body);
  const p = JSON.parse(body) as { type: string; field?: string; detail: string };
  assert.equal(p.type, `https://sealtrust.org.cn/problems/${slug}`, body);
  return p;
}

/** This node's trust, as its verification service has it: anchors, CAs, makers, revocation, seal registry. */
function nodeTrust(): OfdValidationContext {
  const node = srv.node;
  const makers = nodeSealMakers(node);
  return {
    anchors: [node.root.cert],
    intermediates: [...node.issuingCas.values()].map((c) => c.ca.cert),
    sealMakers: { certificates: makers, registeredHere: makers },
    revocation: caRevocationView(srv.database.knex, node),
    sealRegistry: sealRegistryView(srv.services.seals),
  };
}

async function verify(ofd: Uint8Array): Promise<SignatureReport[]> {
  const report = await validateOfd(ofd, nodeTrust());
  const failing = (s: SignatureReport) =>
    s.checks
      .filter((c) => c.status !== 'passed' && c.status !== 'skipped')
      .map((c) => `${c.id}: ${c.status}`);
  assert.equal(
    report.indication,
    'TOTAL_PASSED',
    JSON.stringify(report.signatures.map(failing).concat([(report.findings ?? []).map((f) => f.code)])),
  );
  return report.signatures;
}

const entry = (ofd: Uint8Array, name: string) => {
  const e = readZip(ofd).files.get(name);
  assert.ok(e, `no entry ${name}`);
  return Buffer.from(e.data);
};

function signatureAt(ofd: Uint8Array, path: string): OfdSignatureXml {
  const s = openOfd(ofd)
    .documents.flatMap((d) => d.signatures)
    .find((r) => r.signature?.path === path)?.signature;
  assert.ok(s, `no signature at ${path}`);
  return s;
}

const sign = (n: number) => `Doc_0/Signs/Sign_${n}`;
const signFiles = (n: number) =>
  ['Seal.esl', 'Signature.xml', 'SignedValue.dat'].map((f) => `${sign(n)}/${f}`);

/** Boundary and Clip of every StampAnnot, as numbers. */
const annots = (s: OfdSignatureXml) =>
  s.stampAnnots.map((a) => ({
    pageRef: a.pageRef,
    boundary: a.boundary!.split(' ').map(Number),
    clip: a.clip?.split(' ').map(Number),
  }));

async function sealPicture(esID: string) {
  const seal = await srv.services.seals.find(esID);
  assert.ok(seal);
  return seal;
}

describe('POST /v1/documents/seal with an OFD', () => {
  test('absolute, keyword and cross-page: TOTAL_PASSED with the node anchors, every original entry kept, audited', async () => {
    const [a] = agencies as [Agency];
    const ofd = threePages();
    const audits = async () =>
      (await srv.services.audit.list({ limit: 1000 })).items.filter((r) => r.action === 'document.seal');
    const before = (await audits()).length;
    const res = await stampRequest(a.issuer, ofd, {
      esID: a.esID,
      placements: [
        { type: 'absolute', page: 1, xMm: 20, yMm: 30 },
        { type: 'keyword', text: '盖章处' },
        { type: 'cross-page', pages: 'all', yMm: 100 },
      ],
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/ofd');
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="sealed.ofd"');
    assert.equal(res.headers.get('x-sealtrust-seal-pages'), '1,2,3');
    const out = Buffer.from(await res.arrayBuffer());

    const [sig] = await verify(out);
    assert.equal(sig!.seal?.esID, a.esID);
    // Signatures.xml is the one file spliced (the record appended): every other entry is byte-identical.
    assertOriginalEntriesPreserved(ofd, out, ['Doc_0/Signs/Signatures.xml'], signFiles(0));
    const signatures = entry(out, 'Doc_0/Signs/Signatures.xml').toString('utf8');
    assert.match(signatures, /^<ofd:Signatures [^>]*><ofd:MaxSignId>[^<]+<\/ofd:MaxSignId><ofd:Signature /);

    const { pictureWidthMm: w, pictureHeightMm: h } = await sealPicture(a.esID);
    const s = signatureAt(out, `${sign(0)}/Signature.xml`);
    withExternalTools(out, (read) => assertReferencesMatch(s, read));
    assert.ok(!s.references.some((r) => r.fileRef === '/Doc_0/Signs/Signatures.xml'), 'continue mode');
    const [abs, kw, ...riding] = annots(s);
    // absolute: the StampAnnot is the seal picture at its real size, at the position asked
    assert.deepEqual(abs, { pageRef: '2', boundary: [20, 30, w, h], clip: undefined });
    // keyword: centred on 盖章处 (x 118…136, y 145.2…151.2 on page 2)
    assert.equal(kw!.pageRef, '10');
    const [kx, ky, kw2, kh] = kw!.boundary;
    assert.ok(Math.abs(kx! + kw2! / 2 - 127) < 0.01 && Math.abs(ky! + kh! / 2 - 148.2) < 0.01);
    // cross-page: a third of the seal at the right edge of each page, the slices adding up to the seal
    assert.deepEqual(
      riding.map((r) => r.pageRef),
      ['2', '10', '11'],
    );
    let width = 0;
    riding.forEach((r, i) => {
      const [bx, by, bw, bh] = r.boundary;
      const [cx, cy, cw, ch] = r.clip!;
      assert.deepEqual([by, bw, bh, cy, ch], [100, w, h, 0, h]);
      assert.ok(Math.abs(cx! - (i * w) / 3) < 0.002);
      assert.ok(Math.abs(bx! + cx! + cw! - 210) < 0.003, 'the slice ends at the right edge');
      width += cw!;
    });
    assert.ok(Math.abs(width - w) < 0.005);

    const records = await audits();
    assert.equal(records.length, before + 1);
    const d = records.at(-1)!.details as Record<string, unknown>;
    assert.equal(d.format, 'ofd');
    assert.equal(d.esID, a.esID);
    assert.deepEqual(d.pages, [1, 2, 3]);
    assert.equal(d.widgets, 5);
    assert.equal(d.pageCount, 3);
    assert.equal(d.locked, false);
    assert.equal(d.inputSm3, createHash('sm3').update(ofd).digest('hex'));
    assert.equal(d.outputSm3, createHash('sm3').update(out).digest('hex'));
  });

  test('the signed value is SES v4 by the seal over SM3(Signature.xml), checked with sm-crypto', async () => {
    const [a] = agencies as [Agency];
    const out = await stamp(a, threePages(), [{ type: 'absolute', page: 'last', xMm: 150, yMm: 230 }], {
      timestamp: true,
    });
    withExternalTools(out, (read) => {
      const signatureXml = read(`${sign(0)}/Signature.xml`);
      const ses = decodeSesSignature(read(`${sign(0)}/SignedValue.dat`));
      assert.equal(ses.version, 4);
      assert.equal(ses.seal.esID, a.esID);
      assert.ok(ses.dataHash.equals(createHash('sm3').update(signatureXml).digest()));
      assert.equal(ses.propertyInfo, `/${sign(0)}/Signature.xml`);
      assert.ok(ses.sealDer.equals(read(`${sign(0)}/Seal.esl`)), 'Seal.esl is the signed seal');
      // SignatureDateTime is TBS_Sign.timeInfo (GM/T 0099 §7)
      const written = /<ofd:SignatureDateTime>(\d{14})Z</.exec(signatureXml.toString('utf8'))![1]!;
      assert.equal(ses.timeInfo!.toISOString().replace(/[-:T]|\.\d+Z$/g, ''), written);
      const publicKey = Buffer.from(parseCertificate(ses.signerCert).publicKey).toString('hex');
      const opts = { hash: true, der: true, userId: '1234567812345678' };
      assert.equal(
        smc.doVerifySignature(ses.tbsSignDer, Buffer.from(ses.signature).toString('hex'), publicKey, opts),
        true,
      );
      // a token from the node's TSA over the signature value
      assert.ok(ses.timeStamp, 'timestamped');
      const ts = verifyTimestampToken(ses.timeStamp, {
        expectedImprint: createHash('sm3').update(ses.signature).digest(),
        trustedTsaCerts: [parseCertificate(fromPem(srv.node.defaultCa.tsa!.pem).der)],
      });
      assert.equal(ts.signatureValid, true);
      assert.equal(ts.imprintMatches, true);
    });
    await verify(out);
  });

  test('countersigned by a second agency: both verify, the second covers the first; OFD.xml gains Signatures once', async () => {
    const [a, b] = agencies as [Agency, Agency];
    // No Signatures element in OFD.xml: the first stamp adds it (and Signatures.xml), the second splices in.
    const ofd = threePages({ declareSignatures: false });
    const first = await stamp(a, ofd, [{ type: 'absolute', page: 1, xMm: 20, yMm: 30 }]);
    const ofdXml = entry(ofd, 'OFD.xml').toString('utf8');
    const added = '<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>';
    assert.equal(entry(first, 'OFD.xml').toString('utf8').replace(added, ''), ofdXml, 'only spliced');
    assertOriginalEntriesPreserved(ofd, first, ['OFD.xml'], ['Doc_0/Signs/Signatures.xml', ...signFiles(0)]);
    const second = await stamp(b, first, [{ type: 'absolute', page: 1, xMm: 100, yMm: 30 }]);
    assertOriginalEntriesPreserved(first, second, ['Doc_0/Signs/Signatures.xml'], signFiles(1));
    const sigs = await verify(second);
    assert.deepEqual(
      sigs.map((s) => s.seal?.esID),
      [a.esID, b.esID],
    );
    const covered = signatureAt(second, `${sign(1)}/Signature.xml`).references.map((r) => r.fileRef);
    for (const f of signFiles(0)) assert.ok(covered.includes('/' + f), `the second covers ${f}`);
  });

  test('lock: true covers Signatures.xml; a further stamp is 409 document-locked', async () => {
    const [a, b] = agencies as [Agency, Agency];
    const locked = await stamp(a, threePages(), [{ type: 'absolute', page: 1, xMm: 20, yMm: 30 }], {
      lock: true,
    });
    await verify(locked);
    const refs = signatureAt(locked, `${sign(0)}/Signature.xml`).references.map((r) => r.fileRef);
    assert.ok(refs.includes('/Doc_0/Signs/Signatures.xml'));
    const req = { esID: b.esID, placements: [{ type: 'absolute', page: 1, xMm: 100, yMm: 30 }] };
    const p = await problem(await stampRequest(b.issuer, locked, req), 409, 'document-locked');
    assert.equal(p.field, 'file');
    assert.match(p.detail, /锁定.*locked/);
  });

  test('a PDF cannot be locked: 422 lock-unsupported', async () => {
    const [a] = agencies as [Agency];
    const pdf = Buffer.from('%PDF-1.7\n%%EOF\n');
    const req = { esID: a.esID, lock: true, placements: [{ type: 'absolute', page: 1, xMm: 1, yMm: 1 }] };
    const p = await problem(
      await stampRequest(a.issuer, pdf, req, 'application/pdf'),
      422,
      'lock-unsupported',
    );
    assert.equal(p.field, 'request.lock');
  });

  test(
    'a real ofdrw file in whole-protection mode is 409; in continue mode its signature stays intact',
    {
      skip: fixturesSkip,
    },
    async () => {
      const [a] = agencies as [Agency];
      const req = { esID: a.esID, placements: [{ type: 'absolute', page: 1, xMm: 20, yMm: 20 }] };
      await problem(await stampRequest(a.issuer, fixture('ofdrw_v4_whole.ofd'), req), 409, 'document-locked');
      const original = fixture('ofdrw_v4_continue.ofd');
      const out = await stamp(a, original, req.placements);
      const report = await validateOfd(out, nodeTrust());
      const [theirs, ours] = report.signatures;
      assert.equal(ours!.indication, 'TOTAL_PASSED');
      // Their seal is not ours to trust, but every file it signed is unchanged.
      for (const id of ['references', 'seal-file', 'property-info', 'signature'])
        assert.equal(theirs!.checks.find((c) => c.id === id)?.status, 'passed', id);
    },
  );

  test('junk, a ZIP without OFD.xml, a broken OFD and an integrity-protected one are 422 naming the file', async () => {
    const [a] = agencies as [Agency];
    const req = { esID: a.esID, placements: [{ type: 'absolute', page: 1, xMm: 20, yMm: 20 }] };
    const refuse = async (file: Uint8Array, slug: string) => {
      const p = await problem(await stampRequest(a.issuer, file, req), 422, slug);
      assert.equal(p.field, 'file');
      return p;
    };
    await refuse(Buffer.from('hello, not a document'), 'not-a-pdf');
    await refuse(buildZip([{ name: 'readme.txt', data: text('hello') }]), 'not-an-ofd');
    await refuse(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]), 'not-an-ofd');
    // one byte of a deflated entry changed: it no longer inflates to data with its CRC
    const broken = Buffer.from(threePages());
    const e = readZip(broken).files.get('Doc_0/Document.xml')!;
    broken[e.dataOffset + (e.compressedSize >> 1)]! ^= 0x55;
    await refuse(broken, 'malformed-ofd');
    if (!fixturesSkip) await refuse(fixture('ofdrw_integrity_protection.ofd'), 'unsupported-package');
  });

  test('a refusal of the signing service reaches the client as itself, and nothing is audited', async () => {
    const [a] = agencies as [Agency];
    const tsa = srv.services.tsa;
    const stampToken = tsa.stamp.bind(tsa);
    const audits = async () =>
      (await srv.services.audit.list({ limit: 1000 })).items.filter((r) => r.action === 'document.seal')
        .length;
    const before = await audits();
    // The signature is made on the main thread while the worker waits: the TSA being down is answered there.
    tsa.stamp = () =>
      Promise.reject(
        new ServiceError(
          'unavailable',
          'tsa-unavailable',
          '时间戳服务不可用 / the TSA is down',
          undefined,
          undefined,
          7,
        ),
      );
    try {
      const res = await stampRequest(a.issuer, threePages(), {
        esID: a.esID,
        timestamp: true,
        placements: [{ type: 'absolute', page: 1, xMm: 20, yMm: 30 }],
      });
      await problem(res, 503, 'tsa-unavailable');
      assert.equal(res.headers.get('retry-after'), '7');
    } finally {
      tsa.stamp = stampToken;
    }
    assert.equal(await audits(), before);
    // and the worker that waited is free for the next document
    await stamp(a, threePages(), [{ type: 'absolute', page: 1, xMm: 20, yMm: 30 }]);
  });

  test('OFD placement refusals are those of PDFs', async () => {
    const [a] = agencies as [Agency];
    const req = (placements: unknown[]) => ({ esID: a.esID, placements });
    const missing = await problem(
      await stampRequest(a.issuer, threePages(), req([{ type: 'keyword', text: '乙方盖章处' }])),
      422,
      'keyword-not-found',
    );
    assert.equal(missing.field, 'request.placements.0.text');
    const off = await problem(
      await stampRequest(a.issuer, threePages(), req([{ type: 'absolute', page: 1, xMm: 190, yMm: 10 }])),
      422,
      'seal-off-page',
    );
    assert.equal(off.field, 'request.placements.0');
    await problem(
      await stampRequest(a.issuer, threePages(), req([{ type: 'absolute', page: 4, xMm: 10, yMm: 10 }])),
      422,
      'page-out-of-range',
    );
  });
});

test('the OpenAPI document lists both formats and the OFD problem types', async () => {
  const doc = await json<{
    paths: Record<
      string,
      {
        post?: {
          requestBody?: { content: Record<string, { encoding?: Record<string, { contentType: string }> }> };
          responses: Record<string, { description: string; content?: Record<string, unknown> }>;
        };
      }
    >;
  }>(await srv.request('/openapi.json'), 200);
  const op = doc.paths['/v1/documents/seal']!.post!;
  assert.match(
    op.requestBody!.content['multipart/form-data']!.encoding!.file!.contentType,
    /application\/ofd/,
  );
  assert.deepEqual(Object.keys(op.responses['200']!.content!), ['application/pdf', 'application/ofd']);
  assert.match(op.responses['409']!.description, /document-locked/);
  for (const slug of ['not-an-ofd', 'malformed-ofd', 'too-complex', 'unsupported-package'])
    assert.match(op.responses['422']!.description, new RegExp(slug));
});
