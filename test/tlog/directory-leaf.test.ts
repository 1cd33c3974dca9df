import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import type { LicenceCopyRecord } from '../../src/licence/licence-copy-record.js';
import type { LicenceEvent } from '../../src/licence/licence-event.js';
import { LICENCE_STATUSES, type LicenceStatus } from '../../src/licence/licence-lifecycle.js';
import type { LicenceMetadata } from '../../src/licence/licence-metadata.js';
import type { LicenceSummary } from '../../src/licence/licence-record.js';
import type { CertificateRecord } from '../../src/pki/certificate-record.js';
import type { SealRecord } from '../../src/seal/seal-record.js';
import {
  agencyLeaf,
  certificateLeaf,
  DirectoryLeafError,
  directoryLeafHash,
  encodeDirectoryLeaf,
  licenceCopyLeaf,
  licenceLeaf,
  asBackfill,
  MAX_DIRECTORY_LEAF_BYTES,
  sealLeaf,
} from '../../src/tlog/directory-leaf.js';
import { readDirectoryLeaf } from '../../src/tlog/directory-leaf-reader.js';

/** A whole copy record (purpose, maker and all), so the test shows the leaf leaves them out. */
const asCopy = (c: LicenceCopyRecord): LicenceCopyRecord => c;

const ID = '1.2.156.3005.2.11100000000013338W001.11330000002482836X.20260000001.001.F';

function licence(over: Partial<LicenceSummary> = {}): LicenceSummary {
  return {
    identifier: ID,
    typeCode: '11100000000013338W001',
    agencyId: 'agency-1',
    issuerCode: '11330000002482836X',
    serial: '20260000001',
    version: 1,
    number: '浙A2026000123',
    holderName: '张三',
    holderCodeEnc: Buffer.from('enc'),
    holderCodeIndex: Buffer.from('idx'),
    holderCodeMasked: '3301**********0011',
    holderCodeType: '111',
    issueDate: '2026-12-01',
    validFrom: '2026-12-01',
    validTo: '2031-11-30',
    regionCode: '330100',
    metadata: { holder: { name: '张三', code: '330102199001010011' } } as unknown as LicenceMetadata,
    files: [
      {
        format: 'pdf',
        sm3: '9f2c6d0e7a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5',
        bytes: 48213,
      },
      {
        format: 'ofd',
        sm3: '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
        bytes: 39120,
      },
    ],
    esID: '3301000000123',
    signerSerial: '5A1F0C2D9E7B',
    signatureFormat: 'ses',
    status: 'valid',
    statusReason: null,
    predecessor: null,
    successor: null,
    signedAt: new Date('2026-12-01T02:15:07.431Z'),
    createdAt: new Date('2026-12-01T02:15:07.431Z'),
    updatedAt: new Date('2026-12-01T02:15:07.431Z'),
    ...over,
  };
}

function event(over: Partial<LicenceEvent>): LicenceEvent {
  return {
    seq: 1,
    identifier: ID,
    operation: 'issue',
    fromStatus: null,
    toStatus: 'valid',
    reason: null,
    relatedIdentifier: null,
    actorRole: 'issuer',
    actorTokenId: 'tok-secret',
    at: new Date('2026-12-01T02:15:07.431Z'),
    ...over,
  };
}

/** Independent canonical check: keys sorted at every level, no whitespace (RFC 8785 §3.2.3 for ASCII keys). */
function sortedStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedStringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function assertCanonical(bytes: Buffer): void {
  const text = bytes.toString('utf8');
  assert.equal(sortedStringify(JSON.parse(text)), text);
}

// Computed outside the code under test: `printf '\0%s' "$leaf" | openssl dgst -sm3 -binary | base64`.
const LEAF_BYTES = 679;
const LEAF_HASH = 'nXQ/hod4LjD7QWDMyIUYgwrGHGqeiyiMyGNgGieQnQQ=';

// The file-bearing leaf lists every layout file (ofd.md §4.3, issue 17): `files` replaces the spec's single
// `file` object (federation.md §2.2 example), and the signature format moves into `seal`.
test('the issue leaf lists both files (PDF first) and the signature format with the seal, byte for byte', () => {
  const leaf = encodeDirectoryLeaf('33', licenceLeaf(licence(), event({})));
  assert.equal(
    leaf.bytes.toString('utf8'),
    '{"at":"2026-12-01T02:15:07.431Z","kind":"licence","licence":{"files":[{"bytes":48213,"format":"pdf","sm3":"9f2c6d0e7a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5"},{"bytes":39120,"format":"ofd","sm3":"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"}],"id":"1.2.156.3005.2.11100000000013338W001.11330000002482836X.20260000001.001.F","issueDate":"2026-12-01","issuer":"11330000002482836X","prev":null,"related":null,"seal":{"esID":"3301000000123","signature":"ses","signer":"5A1F0C2D9E7B"},"status":"valid","type":"11100000000013338W001","validFrom":"2026-12-01","validTo":"2031-11-30","version":1},"node":"33","op":"issue","t":"sealtrust.directory.v1"}',
  );
  assert.equal(leaf.bytes.length, LEAF_BYTES);
  assert.equal(directoryLeafHash(leaf).toString('base64'), LEAF_HASH);
  assert.equal(leaf.subject, ID);
  assert.equal(leaf.kind, 'licence');
});

test('the files are listed PDF first whatever order the record holds them in, and one file alone', () => {
  const rec = licence();
  const swapped = licence({ files: [...rec.files].reverse() });
  assert.deepEqual(
    encodeDirectoryLeaf('33', licenceLeaf(swapped, event({}))).bytes,
    encodeDirectoryLeaf('33', licenceLeaf(rec, event({}))).bytes,
  );
  const ofdOnly = licence({ files: rec.files.filter((f) => f.format === 'ofd') });
  const parsed = JSON.parse(
    encodeDirectoryLeaf('33', licenceLeaf(ofdOnly, event({}))).bytes.toString('utf8'),
  );
  assert.deepEqual(parsed.licence.files, [{ format: 'ofd', sm3: rec.files[1]!.sm3, bytes: 39120 }]);
  assert.equal(parsed.licence.file, undefined);
});

test('the largest file-bearing leaf (longest identifier, ids and both files) stays under 4,096 bytes', () => {
  const longId = `1.2.156.3005.2.${'9'.repeat(21)}.${'9'.repeat(18)}.${'9'.repeat(64)}.999.X`;
  const rec = licence({
    identifier: longId,
    predecessor: longId,
    esID: 'E'.repeat(64),
    signerSerial: 'F'.repeat(40),
    version: 999,
    files: [
      { format: 'pdf', sm3: 'f'.repeat(64), bytes: 2 ** 31 - 1 },
      { format: 'ofd', sm3: 'e'.repeat(64), bytes: 2 ** 31 - 1 },
    ],
  });
  const leaf = encodeDirectoryLeaf(
    'm-' + '9'.repeat(18),
    licenceLeaf(rec, event({ operation: 'cancel-transfer-out', relatedIdentifier: longId })),
  );
  assert.ok(leaf.bytes.length < MAX_DIRECTORY_LEAF_BYTES / 4, String(leaf.bytes.length));
});

test('the revoke example leaf of the spec reproduces byte for byte with its SM3 leaf hash', () => {
  const leaf = encodeDirectoryLeaf(
    '33',
    licenceLeaf(
      licence({ status: 'revoked', statusReason: '严重违法' }),
      event({
        operation: 'revoke',
        fromStatus: 'valid',
        toStatus: 'revoked',
        reason: '严重违法',
        at: new Date('2027-03-02T08:00:00Z'),
      }),
    ),
  );
  assert.equal(
    leaf.bytes.toString('utf8'),
    '{"at":"2027-03-02T08:00:00.000Z","kind":"licence","licence":{"id":"1.2.156.3005.2.11100000000013338W001.11330000002482836X.20260000001.001.F","issuer":"11330000002482836X","prev":"valid","related":null,"status":"revoked","type":"11100000000013338W001","version":1},"node":"33","op":"revoke","t":"sealtrust.directory.v1"}',
  );
  assert.equal(directoryLeafHash(leaf).toString('base64'), 'nCuknmRLlxiu+UR/UK8gJZhp9r2ii3cCyo5PYxSwvpY=');
});

test('a back-filled leaf is the live leaf plus "backfill": true, and nothing else differs', () => {
  const live = licenceLeaf(licence(), event({}));
  const back = encodeDirectoryLeaf('33', asBackfill(live));
  const parsed = JSON.parse(back.bytes.toString('utf8')) as Record<string, unknown>;
  assert.equal(parsed.backfill, true);
  delete parsed.backfill;
  assert.deepEqual(parsed, JSON.parse(encodeDirectoryLeaf('33', live).bytes.toString('utf8')));
  assert.equal(live.body.backfill, undefined, 'the live event is not changed');
  assertCanonical(back.bytes);
});

test('no licence leaf ever contains the holder name, holder code, code type, number, reason or token', () => {
  const statuses = Object.keys(LICENCE_STATUSES) as LicenceStatus[];
  fc.assert(
    fc.property(
      fc.stringMatching(/^[\u4e00-\u9fa5]{2,4}$/u),
      fc.stringMatching(/^[1-6]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d)\d{3}[\dX]$/),
      fc.stringMatching(/^NO-[A-Z0-9]{8}$/),
      fc.constantFrom(...statuses),
      fc.constantFrom('issue', 'renew', 'replace', 'suspend', 'revoke', 'expire'),
      fc.boolean(),
      (name, code, number, to, op, creating) => {
        const rec = licence({
          holderName: name,
          holderCodeMasked: code.slice(0, 4) + '*'.repeat(10) + code.slice(-4),
          holderCodeType: 'ZZ-CODE-TYPE',
          number,
          metadata: { holder: { name, code } } as unknown as LicenceMetadata,
        });
        const ev = event({
          operation: op,
          fromStatus: creating ? null : 'valid',
          toStatus: to,
          reason: `理由 ${name} ${code}`,
        });
        const text = encodeDirectoryLeaf('33', licenceLeaf(rec, ev)).bytes.toString('utf8');
        assert.ok(!text.includes(name), 'holder name');
        assert.ok(!text.includes(code), 'holder code');
        assert.ok(!text.includes(code.slice(-8)), 'holder code tail');
        assert.ok(!text.includes('ZZ-CODE-TYPE'), 'holder code type');
        assert.ok(!text.includes(number), 'licence number');
        assert.ok(!text.includes('tok-secret'), 'token id');
        assertCanonical(Buffer.from(text, 'utf8'));
      },
    ),
    { numRuns: 300 },
  );
});

test('the other kinds carry exactly their members, in canonical form, without purpose or maker', () => {
  const at = new Date('2026-12-02T00:00:00.000Z');
  const copy = encodeDirectoryLeaf(
    '33',
    licenceCopyLeaf(
      asCopy({
        id: 'copy-1',
        identifier: ID,
        purpose: '办理贷款（张三）',
        maker: 'bank-operator-7',
        makerAgencyId: 'agency-9',
        madeAt: at,
        expiresAt: new Date('2026-12-09T00:00:00.000Z'),
        files: [
          { format: 'ofd', sm3: 'cd'.repeat(32), bytes: 900 },
          { format: 'pdf', sm3: 'ab'.repeat(32), bytes: 1000 },
        ],
      }),
    ),
  );
  assert.deepEqual(JSON.parse(copy.bytes.toString('utf8')), {
    t: 'sealtrust.directory.v1',
    node: '33',
    kind: 'licence-copy',
    op: 'make',
    at: at.toISOString(),
    licence: { id: ID },
    copy: {
      files: [
        { format: 'pdf', sm3: 'ab'.repeat(32), bytes: 1000 },
        { format: 'ofd', sm3: 'cd'.repeat(32), bytes: 900 },
      ],
      madeAt: at.toISOString(),
      expiresAt: '2026-12-09T00:00:00.000Z',
    },
  });
  assertCanonical(copy.bytes);

  const seal = {
    esID: '3301000000123',
    agencyId: 'agency-1',
    name: '某某局公章',
    type: 'official',
    typeCode: 1,
    status: 'suspended',
    validFrom: at,
    validTo: new Date('2030-01-01T00:00:00.000Z'),
    makerCertificateSerial: 'AA01',
    signerCertificateSerials: ['BB02', 'CC03'],
    der: Buffer.from('seal der'),
  } as unknown as SealRecord;
  const made = JSON.parse(
    encodeDirectoryLeaf('33', sealLeaf('make', seal, '11330000002482836X', at)).bytes.toString('utf8'),
  );
  assert.equal(made.seal.agency, '11330000002482836X');
  assert.deepEqual(made.seal.signers, ['BB02', 'CC03']);
  assert.match(made.seal.sm3, /^[0-9a-f]{64}$/);
  const suspended = JSON.parse(
    encodeDirectoryLeaf('33', sealLeaf('suspend', seal, '11330000002482836X', at)).bytes.toString('utf8'),
  );
  assert.equal(suspended.seal.sm3, undefined, 'sm3 only on make');
  assert.equal(suspended.seal.status, 'suspended');

  const cert = {
    serial: '5A1F',
    caId: 'ca-1',
    agencyId: 'agency-1',
    profile: 'seal-signer',
    subject: 'CN=张三',
    notBefore: at,
    notAfter: new Date('2028-01-01T00:00:00.000Z'),
    status: 'revoked',
    revokedAt: at,
    revocationReason: 'keyCompromise',
    invalidityDate: null,
    publicKey: Buffer.alloc(65),
    der: Buffer.from('cert der'),
    createdAt: at,
  } satisfies CertificateRecord;
  const revoked = encodeDirectoryLeaf(
    '33',
    certificateLeaf('revoke', cert, '11330000002482836X', at),
  ).bytes.toString('utf8');
  assert.ok(!revoked.includes('张三'), 'subject DN may name a person');
  const rj = JSON.parse(revoked);
  assert.deepEqual(Object.keys(rj.cert).sort(), [
    'agency',
    'ca',
    'notAfter',
    'notBefore',
    'profile',
    'reason',
    'revokedAt',
    'serial',
    'status',
  ]);

  const ag = encodeDirectoryLeaf(
    '33',
    agencyLeaf(
      {
        id: 'a',
        name: '杭州市市场监督管理局',
        uscc: '11330100002482836X',
        regionCode: '330100',
        province: '33',
        createdAt: at,
      },
      at,
    ),
  );
  assert.equal(ag.subject, '11330100002482836X');
  assert.deepEqual(JSON.parse(ag.bytes.toString('utf8')).agency, {
    uscc: '11330100002482836X',
    name: '杭州市市场监督管理局',
    region: '330100',
  });
});

test('a leaf over 4,096 bytes is refused with a typed error', () => {
  const at = new Date(0);
  const huge = {
    id: 'a',
    name: '名'.repeat(MAX_DIRECTORY_LEAF_BYTES / 3 + 1),
    uscc: 'X',
    regionCode: '330100',
    province: '33',
    createdAt: at,
  };
  assert.throws(
    () => encodeDirectoryLeaf('33', agencyLeaf(huge, at)),
    (e: unknown) => e instanceof DirectoryLeafError && e.code === 'LEAF_TOO_LARGE',
  );
});

test("the hub's strict leaf reader reads every licence leaf this node writes, with both files", () => {
  // Writer and reader are separate code (directory-leaf.ts / directory-leaf-reader.ts): a shape change on one
  // side only would quarantine every province at the hub.
  const issued = readDirectoryLeaf(encodeDirectoryLeaf('33', licenceLeaf(licence(), event({}))).bytes, '33');
  assert.equal(issued.kind, 'licence');
  assert.deepEqual(issued.kind === 'licence' && issued.licence.files?.map((f) => f.format), ['pdf', 'ofd']);
  const copy = readDirectoryLeaf(
    encodeDirectoryLeaf(
      '33',
      licenceCopyLeaf(
        asCopy({
          id: 'copy-1',
          identifier: ID,
          purpose: '办理贷款',
          maker: 'bank-operator-7',
          makerAgencyId: 'agency-9',
          madeAt: new Date('2026-12-02T00:00:00.000Z'),
          expiresAt: new Date('2026-12-09T00:00:00.000Z'),
          files: [{ format: 'ofd', sm3: 'cd'.repeat(32), bytes: 900 }],
        } as LicenceCopyRecord),
      ),
    ).bytes,
    '33',
  );
  assert.equal(copy.kind === 'licence-copy' && copy.copy.files[0]?.sm3, 'cd'.repeat(32));
});
