import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  BUSINESS_LICENCE,
  CONSTRUCTION_ENGINEER_2,
  DEMO_FACE_DATA,
  DEMO_HOLDERS,
  DEMO_LICENCE_TYPES,
  REAL_ESTATE_TITLE,
} from '../../src/licence/demo-licence-types.js';
import { validateLicenceIdentifier } from '../../src/licence/licence-identifier.js';
import {
  LICENCE_EVENT_OPERATIONS,
  transition,
  type LicenceStatus,
} from '../../src/licence/licence-lifecycle.js';
import { decodeSesSignature } from '../../src/seal/ses-decoder.js';
import { toPem } from '../../src/crypto/pem.js';
import { validatePdf } from '../../src/verify/pdf-validation.js';
import { nodeSealMakers } from '../../src/service/ca/ca-node.js';
import { caRevocationView, sealRegistryView } from '../../src/service/verification/validation-views.js';
import { drawAfter } from '../verify/pdf-verify-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { opensslSyncOk, scratchDir, sm2VerifyArgs, opensslSync } from '../helpers/openssl.js';
import {
  defineDemoTypes,
  expectJson,
  lastSignature,
  setupIssuingAgency,
  type IssuingAgency,
} from '../helpers/licence-fixtures.js';

let srv: TestServer;
const USAGE = new URLSearchParams({
  organization: '杭州市住房公积金管理中心',
  user: '李四',
  itemName: '住房公积金贷款',
  itemCode: '330100-000-XK-001',
  businessNumber: 'YW20261126001',
}).toString();
let a: IssuingAgency;
let b: IssuingAgency;

interface Issued {
  identifier: string;
  version: string;
  status: LicenceStatus;
  pdfUrl: string;
  sm3: string;
}
interface LicenceJson {
  identifier: string;
  status: LicenceStatus;
  version: string;
  predecessor: string | null;
  successor: string | null;
  holder: { code: string; masked: boolean };
  history: {
    operation: string;
    fromStatus: string | null;
    toStatus: string;
    relatedIdentifier: string | null;
  }[];
  versions: { identifier: string; version: number; status: string }[];
}

function requestFor(typeCode: string, overrides: Record<string, unknown> = {}) {
  const holder = DEMO_HOLDERS[typeCode]!;
  return {
    typeCode,
    holder: { name: holder.name, code: holder.code, codeType: holder.codeType },
    validFrom: '2025-01-01',
    validTo: '2027-12-31',
    fields: { ...DEMO_FACE_DATA[typeCode] },
    ...overrides,
  };
}

async function issue(token: string, body: unknown, headers: Record<string, string> = {}) {
  return srv.request('/v1/licences', { method: 'POST', token, json: body, headers });
}

async function issueOk(typeCode = CONSTRUCTION_ENGINEER_2.code, overrides: Record<string, unknown> = {}) {
  return expectJson<Issued>(await issue(a.issuer, requestFor(typeCode, overrides)), 201);
}

async function event(identifier: string, body: Record<string, unknown>, token = a.issuer) {
  return srv.request(`/v1/licences/${identifier}/events`, { method: 'POST', token, json: body });
}

async function getLicence(identifier: string, token = a.issuer) {
  return expectJson<LicenceJson>(await srv.request(`/v1/licences/${identifier}`, { token }), 200);
}

async function pdfOf(identifier: string, token = a.issuer): Promise<Buffer> {
  const res = await srv.request(`/v1/licences/${identifier}/pdf`, { token });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  return Buffer.from(await res.arrayBuffer());
}

before(async () => {
  srv = await startTestServer({ bodyLimitBytes: 4 * 1024 * 1024 });
  a = await setupIssuingAgency(srv, {
    name: '江苏省住房和城乡建设厅',
    uscc: '11320100014000714D',
    regionCode: '320000',
  });
  b = await setupIssuingAgency(srv, {
    name: '南京市不动产登记中心',
    uscc: '12110000400777687U',
    regionCode: '320100',
  });
  await defineDemoTypes(srv, [a.agencyId]);
});

after(async () => {
  await srv?.stop();
});

describe('licence catalogue', () => {
  it('lists the demo types publicly and filters by issuer', async () => {
    const all = await expectJson<{ items: { code: string }[] }>(await srv.request('/v1/licence-types'), 200);
    assert.deepEqual(all.items.map((t) => t.code).sort(), DEMO_LICENCE_TYPES.map((t) => t.code).sort());
    const forB = await expectJson<{ items: unknown[] }>(
      await srv.request(`/v1/licence-types?issuerAgencyId=${b.agencyId}`),
      200,
    );
    assert.equal(forB.items.length, 0);
  });

  it('rejects a type code whose authority USCC fails its check, naming the field', async () => {
    const bad = { ...CONSTRUCTION_ENGINEER_2, code: '11100000000013338X001', issuerAgencyIds: [] };
    const res = await srv.request('/v1/licence-types', { method: 'POST', token: srv.adminToken, json: bad });
    const body = await expectJson<{ field: string }>(res, 422);
    assert.equal(body.field, 'code');
  });

  it('rejects a type whose template lays out a field it does not define', async () => {
    const { fields, ...rest } = REAL_ESTATE_TITLE;
    const res = await srv.request('/v1/licence-types', {
      method: 'POST',
      token: srv.adminToken,
      json: { ...rest, fields: fields.slice(1), issuerAgencyIds: [] },
    });
    assert.equal((await expectJson<{ field: string }>(res, 422)).field, 'fields');
  });

  it('is admin-only to define', async () => {
    const res = await srv.request('/v1/licence-types', {
      method: 'POST',
      token: a.issuer,
      json: { ...CONSTRUCTION_ENGINEER_2, issuerAgencyIds: [a.agencyId] },
    });
    assert.equal(res.status, 403);
  });
});

describe('issuance', () => {
  it('issues every demo type as a sealed PDF whose signature verifies independently (SM3 + OpenSSL)', async () => {
    const dir = scratchDir('licence-');
    try {
      for (const t of DEMO_LICENCE_TYPES) {
        const issued = await issueOk(t.code);
        assert.equal(issued.status, 'valid');
        assert.equal(issued.version, '001');
        const v = validateLicenceIdentifier(issued.identifier);
        assert.ok(v.valid, JSON.stringify(v));
        assert.ok(issued.identifier.includes(`.${t.code}.11320100014000714D.`));
        const pdf = await pdfOf(issued.identifier);
        assert.equal(createHash('sm3').update(pdf).digest('hex'), issued.sm3);
        assert.ok(pdf.length <= 100 * 1024, `${t.name}: ${pdf.length} bytes`);
        // qpdf's structural check.
        const qpdf = execFileSync('qpdf', ['--check', dir.file(`${t.templateId}.pdf`, pdf)], {
          encoding: 'utf8',
        });
        assert.match(qpdf, /No syntax or stream encoding errors found/);
        // Rendered and sealed as one revision: written once, one cross-reference section, one %%EOF.
        assert.equal(pdf.toString('latin1').match(/%%EOF/g)?.length, 1, `${t.name}: revisions`);
        assert.equal(pdf.toString('latin1').match(/startxref/g)?.length, 1, `${t.name}: xref sections`);
        // Our own ByteRange reading, SM3 over it, and OpenSSL over the TBS_Sign with the signer's key.
        const sig = lastSignature(pdf);
        const ses = decodeSesSignature(sig.contents);
        assert.deepEqual(Buffer.from(ses.dataHash), sig.digest);
        assert.match(ses.propertyInfo, /^\/ByteRange \[0 \d+ \d+ \d+\]$/);
        assert.equal(ses.seal.esID, a.esID);
        dir.file('signer.pem', toPem('CERTIFICATE', ses.signerCert));
        opensslSyncOk([
          'x509',
          '-in',
          dir.file('signer.pem'),
          '-pubkey',
          '-noout',
          '-out',
          dir.file('pub.pem'),
        ]);
        dir.file('tbs.der', ses.tbsSignDer);
        dir.file('sig.der', ses.signature);
        opensslSyncOk(sm2VerifyArgs(dir.file('pub.pem'), dir.file('tbs.der'), dir.file('sig.der')));
        // A flipped byte in the TBS must fail, or the check above proves nothing.
        const bad = Buffer.from(ses.tbsSignDer);
        bad[bad.length - 1]! ^= 1;
        dir.file('tbs-bad.der', bad);
        assert.notEqual(
          opensslSync(sm2VerifyArgs(dir.file('pub.pem'), dir.file('tbs-bad.der'), dir.file('sig.der')))
            .status,
          0,
        );
      }
    } finally {
      dir.cleanup();
    }
  });

  it('signs as CMS SignedData with SM2 when asked (GB/T 35275 and RFC 5652 OIDs)', async () => {
    const dir = scratchDir('licence-cms-');
    try {
      for (const [format, oid] of [
        ['cms-gbt35275', '1.2.156.10197.6.1.4.2.2'],
        ['cms-rfc5652', ':pkcs7-signedData'],
      ] as const) {
        const issued = await issueOk(CONSTRUCTION_ENGINEER_2.code, { signatureFormat: format });
        const pdf = await pdfOf(issued.identifier);
        assert.match(pdf.toString('latin1'), /\/SubFilter \/adbe\.pkcs7\.detached/);
        const sig = lastSignature(pdf);
        // OpenSSL's ASN.1 parser reads the CMS independently: its messageDigest is SM3 over our own ByteRange reading.
        const printed = opensslSyncOk([
          'asn1parse',
          '-inform',
          'DER',
          '-in',
          dir.file(`${format}.der`, sig.contents),
        ]).toString();
        assert.ok(printed.includes(oid), `${format}: content type ${oid}`);
        const md = /:messageDigest\s*\n.*\n.*\[HEX DUMP\]:([0-9A-F]+)/.exec(printed);
        assert.equal(md?.[1]?.toLowerCase(), sig.digest.toString('hex'));
        const report = await validatePdf(pdf, {
          anchors: [srv.node.root.cert],
          revocation: caRevocationView(srv.database.knex, srv.node),
          licences: srv.services.licenceDirectory,
        });
        assert.equal(report.indication, 'TOTAL_PASSED', JSON.stringify(report.signatures[0]?.checks));
        assert.equal(
          report.signatures[0]?.format.startsWith('CMS') || report.signatures[0]?.format.includes('CMS'),
          true,
        );
      }
    } finally {
      dir.cleanup();
    }
  });

  it('is idempotent with an Idempotency-Key, and refuses the key for a different request', async () => {
    const body = requestFor(BUSINESS_LICENCE.code);
    const first = await expectJson<Issued>(
      await issue(a.issuer, body, { 'Idempotency-Key': 'order-42' }),
      201,
    );
    const againRes = await issue(a.issuer, body, { 'Idempotency-Key': 'order-42' });
    const again = await expectJson<Issued>(againRes, 201);
    assert.equal(againRes.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.identifier, first.identifier);
    const other = await issue(a.issuer, { ...body, number: 'X-1' }, { 'Idempotency-Key': 'order-42' });
    assert.equal(other.status, 409);
  });

  it('answers 422 naming the field for missing, unknown, malformed and oversized face data', async () => {
    const t = CONSTRUCTION_ENGINEER_2.code;
    const required = CONSTRUCTION_ENGINEER_2.fields.find((f) => f.required)!;
    const { [required.key]: _omit, ...missing } = DEMO_FACE_DATA[t]!;
    const cases: [Record<string, unknown>, string][] = [
      [{ fields: missing }, `fields.${required.key}`],
      [{ fields: { ...DEMO_FACE_DATA[t], bogus: 'x' } }, 'fields.bogus'],
      [
        { fields: { ...DEMO_FACE_DATA[t], [required.key]: '字'.repeat(required.maxLength + 1) } },
        `fields.${required.key}`,
      ],
      [{ holder: { name: '王建国', code: '110101197608056896', codeType: '111' } }, 'holder.code'],
      [{ holder: { name: '某公司', code: '91350100M000100Y43', codeType: '001' } }, 'holder.codeType'],
      [{ validTo: '2024-01-01' }, 'validTo'],
      [{ typeCode: '11100000000013338W999' }, 'typeCode'],
    ];
    for (const [override, field] of cases) {
      const res = await issue(a.issuer, requestFor(t, override));
      const body = await expectJson<{ field: string; type: string }>(res, 422);
      assert.equal(body.field, field, JSON.stringify(body));
    }
  });

  it('refuses a value too long for its template box even within maxLength', async () => {
    const t = BUSINESS_LICENCE.code;
    const scope = BUSINESS_LICENCE.fields.find((f) => f.type === 'multiline')!;
    const res = await issue(
      a.issuer,
      requestFor(t, {
        fields: { ...DEMO_FACE_DATA[t], [scope.key]: '经营范围'.repeat(scope.maxLength / 4) },
      }),
    );
    if (res.status === 201) return; // the box holds maxLength by design: nothing to refuse
    assert.equal((await expectJson<{ field: string }>(res, 422)).field, `fields.${scope.key}`);
  });

  it('200 concurrent issuances get 200 distinct identifiers and the audit chain stays whole', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, () => issue(a.issuer, requestFor(CONSTRUCTION_ENGINEER_2.code))),
    );
    const ids = await Promise.all(results.map((r) => expectJson<Issued>(r, 201)));
    assert.equal(new Set(ids.map((i) => i.identifier)).size, 200);
    const audit = await srv.services.audit.verifyChain();
    assert.equal(audit.ok, true, JSON.stringify(audit));
  });
});

describe('authorization', () => {
  it("an issuer cannot issue another agency's type or use another agency's seal", async () => {
    const res = await issue(b.issuer, requestFor(CONSTRUCTION_ENGINEER_2.code));
    assert.equal(res.status, 403);
    const withSeal = await issue(a.issuer, requestFor(CONSTRUCTION_ENGINEER_2.code, { sealEsID: b.esID }));
    assert.equal(withSeal.status, 403);
    assert.equal((await issue(srv.adminToken, requestFor(CONSTRUCTION_ENGINEER_2.code))).status, 403);
  });

  it('masks the holder code for other agencies, asks them for the five usage elements, refuses them changes and holder search', async () => {
    const issued = await issueOk();
    const own = await getLicence(issued.identifier);
    assert.equal(own.holder.masked, false);
    assert.equal(own.holder.code, DEMO_HOLDERS[CONSTRUCTION_ENGINEER_2.code]!.code);
    const bare = await srv.request(`/v1/licences/${issued.identifier}`, { token: b.issuer });
    // 用证机构 is the caller's own agency: the first element asked for is the user.
    assert.equal((await expectJson<{ field: string }>(bare, 422)).field, 'user');
    const partial = await srv.request(`/v1/licences/${issued.identifier}/pdf?organization=x&user=y`, {
      token: b.issuer,
    });
    assert.equal((await expectJson<{ field: string }>(partial, 422)).field, 'itemName');
    const other = await getLicence(`${issued.identifier}?${USAGE}`, b.issuer);
    assert.equal(other.holder.masked, true);
    assert.notEqual(other.holder.code, own.holder.code);
    assert.match(other.holder.code, /\*/);
    const file = await srv.request(`/v1/licences/${issued.identifier}/pdf?${USAGE}`, { token: b.issuer });
    assert.equal(file.status, 200);
    assert.equal(
      (await event(issued.identifier, { operation: 'suspend', reason: '测试暂扣' }, b.issuer)).status,
      403,
    );
    const search = await srv.request(`/v1/licences?holderCode=${own.holder.code}`, { token: b.issuer });
    const found = await expectJson<{ items: unknown[] }>(search, 200);
    assert.equal(found.items.length, 0, 'holder search is confined to the searching agency');
    assert.equal(
      (await srv.request(`/v1/licences?holderCode=${own.holder.code}`, { token: srv.adminToken })).status,
      403,
    );
    const mine = await expectJson<{ items: { identifier: string }[] }>(
      await srv.request(`/v1/licences?holderCode=${own.holder.code.toLowerCase()}&limit=500`, {
        token: a.issuer,
      }),
      200,
    );
    assert.ok(mine.items.some((l) => l.identifier === issued.identifier));
    // The issuing agency sees both uses; the user agency cannot list them.
    const uses = await expectJson<{ items: { action: string; itemCode: string; businessNumber: string }[] }>(
      await srv.request(`/v1/licence-usages?identifier=${issued.identifier}`, { token: a.issuer }),
      200,
    );
    assert.deepEqual(
      uses.items.map((u) => [u.action, u.itemCode, u.businessNumber]),
      [
        ['record', '330100-000-XK-001', 'YW20261126001'],
        ['file', '330100-000-XK-001', 'YW20261126001'],
      ],
    );
    assert.equal(
      (await srv.request(`/v1/licence-usages?agencyId=${a.agencyId}`, { token: b.issuer })).status,
      403,
    );
    const bUses = await expectJson<{ items: unknown[] }>(
      await srv.request(`/v1/licence-usages`, { token: b.issuer }),
      200,
    );
    assert.equal(bUses.items.length, 0);
  });

  it('keeps holder codes and PDFs encrypted in the database', async () => {
    const issued = await issueOk(REAL_ESTATE_TITLE.code);
    const row = (await srv.database
      .knex('licences')
      .where({ identifier: issued.identifier })
      .first()) as Record<string, unknown>;
    const code = DEMO_HOLDERS[REAL_ESTATE_TITLE.code]!.code;
    const raw = JSON.stringify(row) + Buffer.from(row.holder_code_enc as Uint8Array).toString('latin1');
    assert.ok(!raw.includes(code));
    const files = (await srv.database.knex('licence_files').where({ identifier: issued.identifier })) as {
      format: string;
      enc: Uint8Array;
    }[];
    assert.ok(files.length > 0);
    for (const f of files) {
      const enc = Buffer.from(f.enc);
      assert.ok(!enc.includes(Buffer.from('%PDF-')) && !enc.includes(Buffer.from('OFD.xml')), f.format);
    }
  });
});

describe('lifecycle', () => {
  it('allows every allowed transition and answers 409 with the current status for every other', async () => {
    const simple = LICENCE_EVENT_OPERATIONS.filter((op) => op !== 'renew' && op !== 'replace');
    // Reach each status, then try each operation from it.
    const paths: Record<string, string[]> = {
      valid: [],
      suspended: ['suspend'],
      annulled: ['annul'],
      cancelled: ['cancel'],
      revoked: ['revoke'],
      'transferred-out': ['transfer-out'],
      expired: ['expire'],
    };
    for (const [status, path] of Object.entries(paths)) {
      for (const op of simple) {
        const { identifier } = await issueOk();
        for (const step of path)
          assert.equal((await event(identifier, { operation: step, reason: '前置操作' })).status, 200);
        const res = await event(identifier, { operation: op, reason: '测试操作' });
        const expected = transition(status as LicenceStatus, op);
        if (expected.ok) {
          const body = await expectJson<{ licence: LicenceJson }>(res, 200);
          assert.equal(body.licence.status, expected.to, `${status} --${op}-->`);
          assert.equal(body.licence.history.at(-1)?.operation, op);
        } else {
          const body = await expectJson<{ currentStatus: string; type: string }>(res, 409);
          assert.equal(body.currentStatus, status, `${status} --${op}--> must be refused`);
          assert.match(body.type, /invalid-transition$/);
        }
      }
    }
  });

  it('stores a reason exactly as given, whatever quotes, question marks or placeholders it holds', async () => {
    // The status write travels as literals with the audit record and the COMMIT (one message).
    const { identifier } = await issueOk();
    const reason = "为什么? 'x' \"y\" \\ $1 ?? E'\\x00' -- ;COMMIT";
    const res = await event(identifier, { operation: 'suspend', reason });
    const body = await expectJson<{ licence: { history: { reason: string | null }[] } }>(res, 200);
    assert.equal(body.licence.history.at(-1)?.reason, reason);
    const row = (await srv.database.knex('licences').where({ identifier }).first()) as {
      status_reason: string;
    };
    assert.equal(row.status_reason, reason);
    const ev = (await srv.database
      .knex('licence_events')
      .where({ identifier, operation: 'suspend' })
      .first()) as { reason: string; actor_token_id: string | null };
    assert.equal(ev.reason, reason);
    assert.match(String(ev.actor_token_id), /^[0-9a-f-]{36}$/);
    assert.equal((await getLicence(identifier)).status, 'suspended');
  });

  it('answers with the latest 50 events and pages the whole history at …/events', async () => {
    const { identifier } = await issueOk();
    for (let i = 0; i < 26; i++) {
      const op = i % 2 === 0 ? 'suspend' : 'resume';
      assert.equal((await event(identifier, { operation: op, reason: `第 ${i} 次` })).status, 200);
    }
    const stored = (await srv.database.knex('licence_events').where({ identifier }).orderBy('seq')) as {
      operation: string;
      reason: string | null;
    }[];
    assert.equal(stored.length, 27); // issue + 26
    const view = (await getLicence(identifier)) as LicenceJson & { historyTruncated: boolean };
    assert.equal(view.history.length, 27);
    assert.equal(view.historyTruncated, false);
    for (let i = 0; i < 24; i++) {
      const op = i % 2 === 0 ? 'suspend' : 'resume';
      assert.equal((await event(identifier, { operation: op, reason: `再 ${i} 次` })).status, 200);
    }
    const after = (await getLicence(identifier)) as LicenceJson & { historyTruncated: boolean };
    assert.equal(after.historyTruncated, true);
    assert.equal(after.history.length, 50);
    assert.equal(after.history[0]!.operation, 'suspend', 'the oldest shown is the 2nd event, not the issue');
    // The pages together are every stored event, in order, each once.
    const all = [
      ...stored,
      ...(
        (await srv.database.knex('licence_events').where({ identifier }).orderBy('seq')) as {
          operation: string;
          reason: string | null;
        }[]
      ).slice(27),
    ];
    const paged: { operation: string; reason: string | null }[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const q: URLSearchParams = new URLSearchParams({ limit: '20', ...(cursor ? { cursor } : {}) });
      const page: { items: { operation: string; reason: string | null }[]; next: string | null } =
        await expectJson<{
          items: { operation: string; reason: string | null }[];
          next: string | null;
        }>(await srv.request(`/v1/licences/${identifier}/events?${q}`, { token: a.issuer }), 200);
      paged.push(...page.items);
      cursor = page.next;
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(
      paged.map((e) => [e.operation, e.reason]),
      all.map((e) => [e.operation, e.reason]),
    );
    // Another agency reads the events only with the usage elements, like the record itself.
    const bare = await srv.request(`/v1/licences/${identifier}/events`, { token: b.issuer });
    assert.equal((await expectJson<{ field: string }>(bare, 422)).field, 'user');
    const other = await expectJson<{ items: unknown[] }>(
      await srv.request(`/v1/licences/${identifier}/events?limit=5&${USAGE}`, { token: b.issuer }),
      200,
    );
    assert.equal(other.items.length, 5);
    const unknown = await srv.request(
      '/v1/licences/1.2.156.3005.2.11100000000013338W001.11320100014000714D.20260000999.001.F/events',
      {
        token: a.issuer,
      },
    );
    assert.equal(unknown.status, 404);
  });

  it('renews as version +1 of the same identifier and supersedes the old file', async () => {
    const first = await issueOk();
    const res = await event(first.identifier, {
      operation: 'renew',
      reason: '延续注册',
      validFrom: '2028-01-01',
      validTo: '2030-12-31',
    });
    const body = await expectJson<{ licence: LicenceJson; created: Issued }>(res, 200);
    assert.equal(body.licence.status, 'superseded');
    assert.equal(body.created.version, '002');
    assert.equal(body.licence.successor, body.created.identifier);
    const stem = (id: string) => id.split('.').slice(0, -2).join('.');
    assert.equal(stem(body.created.identifier), stem(first.identifier));
    const next = await getLicence(body.created.identifier);
    assert.equal(next.predecessor, first.identifier);
    assert.deepEqual(
      next.versions.map((v) => [v.version, v.status]),
      [
        [1, 'superseded'],
        [2, 'valid'],
      ],
    );
    assert.ok(validateLicenceIdentifier(body.created.identifier).valid);
    const pdf = await pdfOf(body.created.identifier);
    assert.equal(createHash('sm3').update(pdf).digest('hex'), body.created.sm3);
    // A superseded file cannot be renewed again.
    assert.equal((await event(first.identifier, { operation: 'renew', reason: '再次延续' })).status, 409);
  });

  it('replaces with a new identifier linked to its predecessor, which lapses', async () => {
    const first = await issueOk();
    const res = await event(first.identifier, {
      operation: 'replace',
      reason: '换发新证',
      number: '苏2326000001',
    });
    const body = await expectJson<{ licence: LicenceJson; created: Issued }>(res, 200);
    assert.equal(body.licence.status, 'lapsed');
    assert.equal(body.created.version, '001');
    assert.notEqual(body.created.identifier.split('.')[7], first.identifier.split('.')[7]);
    const next = await getLicence(body.created.identifier);
    assert.equal(next.predecessor, first.identifier);
    assert.equal(body.licence.successor, body.created.identifier);
    assert.equal(body.licence.history.at(-1)?.relatedIdentifier, body.created.identifier);
  });

  it('the scheduler expires licences whose validity has ended', async () => {
    const past = await issueOk(CONSTRUCTION_ENGINEER_2.code, {
      validFrom: '2020-01-01',
      validTo: '2021-01-01',
    });
    const current = await issueOk();
    assert.equal((await getLicence(past.identifier)).status, 'valid');
    const n = await srv.services.licenceExpiry.tick();
    assert.ok(n >= 1);
    const expired = await getLicence(past.identifier);
    assert.equal(expired.status, 'expired');
    assert.equal(expired.history.at(-1)?.operation, 'expire');
    assert.equal((await getLicence(current.identifier)).status, 'valid');
  });
});

describe('annotated copies', () => {
  const copyBody = (extra: Record<string, unknown> = {}) => ({
    purpose: '办理公积金贷款',
    expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    maker: '江苏省住房和城乡建设厅政务服务窗口',
    ...extra,
  });

  it('makes a sealed, watermarked copy registered under the same identifier', async () => {
    const issued = await issueOk();
    const res = await srv.request(`/v1/licences/${issued.identifier}/copies`, {
      method: 'POST',
      token: a.issuer,
      json: copyBody(),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const pdf = Buffer.from(await res.arrayBuffer());
    const sm3 = createHash('sm3').update(pdf).digest('hex');
    assert.equal(res.headers.get('x-content-sm3'), sm3);
    assert.notEqual(sm3, issued.sm3);
    const sig = lastSignature(pdf);
    assert.deepEqual(Buffer.from(decodeSesSignature(sig.contents).dataHash), sig.digest);
    const record = await srv.services.licenceDirectory.lookup(issued.identifier, { fileSm3: sm3 });
    assert.equal(record?.copy?.purpose, '办理公积金贷款');
    assert.equal(record?.pdfSm3, issued.sm3, 'a copy is not a new version');
    const list = await expectJson<{ items: { sm3: string }[] }>(
      await srv.request(`/v1/licences/${issued.identifier}/copies`, { token: a.issuer }),
      200,
    );
    assert.deepEqual(
      list.items.map((c) => c.sm3),
      [sm3],
    );
  });

  it('the verifier passes a fresh copy, fails it after its expiry, and fails an altered watermark page', async () => {
    const issued = await issueOk();
    const res = await srv.request(`/v1/licences/${issued.identifier}/copies`, {
      method: 'POST',
      token: a.issuer,
      json: copyBody(),
    });
    const pdf = Buffer.from(await res.arrayBuffer());
    const ctx = {
      anchors: [srv.node.root.cert],
      intermediates: [...srv.node.issuingCas.values()].map((ca) => ca.ca.cert),
      revocation: caRevocationView(srv.database.knex, srv.node),
      sealRegistry: sealRegistryView(srv.services.seals),
      sealMakers: { certificates: nodeSealMakers(srv.node), registeredHere: nodeSealMakers(srv.node) },
      licences: srv.services.licenceDirectory,
    };
    const fresh = await validatePdf(pdf, ctx);
    assert.equal(
      fresh.indication,
      'TOTAL_PASSED',
      JSON.stringify(fresh.signatures.map((s) => s.checks.filter((c) => c.status !== 'passed'))),
    );
    const copyCheck = fresh.licence?.checks.find((c) => c.id === 'licence-copy');
    assert.equal(copyCheck?.status, 'passed');
    const later = await validatePdf(pdf, { ...ctx, now: new Date(Date.now() + 31 * 86_400_000) });
    assert.equal(later.indication, 'TOTAL_FAILED');
    assert.equal(later.licence?.checks.find((c) => c.id === 'licence-copy')?.status, 'failed');
    const altered = await validatePdf(await drawAfter(pdf, '仅供任意用途使用'), ctx);
    assert.equal(altered.indication, 'TOTAL_FAILED');
    assert.equal(altered.signatures[0]?.checks.find((c) => c.id === 'modifications')?.status, 'failed');
  });

  it('refuses copies of a licence that is not valid, with a past expiry, or outliving the licence', async () => {
    const issued = await issueOk();
    const copy = (token: string, body: unknown) =>
      srv.request(`/v1/licences/${issued.identifier}/copies`, { method: 'POST', token, json: body });
    assert.equal((await copy(a.issuer, copyBody({ expiresAt: '2020-01-01T00:00:00Z' }))).status, 422);
    assert.equal((await copy(a.issuer, copyBody({ expiresAt: '2035-01-01T00:00:00Z' }))).status, 422);
    assert.equal((await event(issued.identifier, { operation: 'revoke', reason: '违法吊销' })).status, 200);
    const refused = await copy(a.issuer, copyBody());
    assert.equal((await expectJson<{ currentStatus: string }>(refused, 409)).currentStatus, 'revoked');
  });

  it("another agency's copy needs the five usage elements and is recorded as a use", async () => {
    const issued = await issueOk();
    const copy = (body: unknown) =>
      srv.request(`/v1/licences/${issued.identifier}/copies`, {
        method: 'POST',
        token: b.issuer,
        json: body,
      });
    assert.equal((await expectJson<{ field: string }>(await copy(copyBody()), 422)).field, 'user');
    const usage = Object.fromEntries(new URLSearchParams(USAGE));
    assert.equal((await copy(copyBody({ usage }))).status, 201);
    const uses = await expectJson<{ items: { action: string }[] }>(
      await srv.request(`/v1/licence-usages?identifier=${issued.identifier}`, { token: a.issuer }),
      200,
    );
    assert.deepEqual(
      uses.items.map((u) => u.action),
      ['copy'],
    );
  });
});

describe('batch issuance', () => {
  it('issues NDJSON lines in the background and reports per-line errors', async () => {
    const good = JSON.stringify(requestFor(CONSTRUCTION_ENGINEER_2.code));
    const bad = JSON.stringify(requestFor(CONSTRUCTION_ENGINEER_2.code, { fields: {} }));
    const ndjson = [good, bad, 'not json', good].join('\n') + '\n';
    const res = await srv.request('/v1/licences:batch', {
      method: 'POST',
      token: a.issuer,
      headers: { 'content-type': 'application/x-ndjson' },
      body: ndjson,
    });
    const job = await expectJson<{ id: string; total: number }>(res, 202);
    assert.equal(job.total, 4);
    await srv.services.licenceBatches.settled(job.id);
    const done = await expectJson<{
      status: string;
      succeeded: number;
      failed: number;
      errors: { line: number; type: string; field?: string }[];
      results: { line: number; identifier: string }[];
    }>(await srv.request(`/v1/jobs/${job.id}`, { token: a.issuer }), 200);
    assert.equal(done.status, 'completed-with-errors');
    assert.equal(done.succeeded, 2);
    assert.equal(done.failed, 2);
    assert.deepEqual(
      done.errors.map((e) => e.line),
      [2, 3],
    );
    assert.equal(done.results.length, 2);
    assert.equal((await srv.request(`/v1/jobs/${job.id}`, { token: b.issuer })).status, 404);
  });
});
