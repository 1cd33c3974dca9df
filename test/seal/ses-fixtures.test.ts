import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkDataHash,
  checkMakerSignature,
  checkSignerInSeal,
  checkSignerSignature,
  type SesCheckResult,
} from '../../src/seal/ses-crypto-checks.js';
import { decodeSesSeal, decodeSesSignature, sniffSes } from '../../src/seal/ses-decoder.js';
import { SesParseError } from '../../src/seal/ses-parse-error.js';
import type { SesSeal, SesSignature } from '../../src/seal/ses-types.js';

// Real seals and signatures from seven producers (../shared/fixtures/ses, see its MANIFEST.md): every file
// parses, the four cryptographic checks reach exactly the MANIFEST's result, original bytes are kept, and
// thousands of mutations never end in anything but SesParseError.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(REPO, '..', 'shared', 'fixtures', 'ses');
const skip = existsSync(join(FIXTURES, 'MANIFEST.md'))
  ? false
  : `SES fixtures not found at ${FIXTURES} (../shared/fixtures beside the repository); skipping`;

const read = (rel: string) => readFileSync(join(FIXTURES, rel));

type Status = SesCheckResult['status'];

interface SealCase {
  file: string;
  version: 1 | 4 | 5;
  esID: string;
  maker: Status;
  notes: string[];
}

const SEALS: SealCase[] = [
  {
    file: 'seals/ofdrw_v1.esl',
    version: 1,
    esID: '40C8CDD24DEF43388B86E62CCE1D6832',
    maker: 'passed',
    notes: ['utctime-dates'],
  },
  {
    file: 'seals/ofdrw_v4.esl',
    version: 4,
    esID: '51f044b76510434e9bc67a1185c2fba5',
    maker: 'passed',
    notes: [],
  },
  {
    file: 'seals/ofdrw_v5.esl',
    version: 5,
    esID: '09aaf39291e049e4b3d716414590937e',
    maker: 'passed',
    notes: [],
  },
  { file: 'seals/hebeigede_v4_unverifiable.der', version: 4, esID: 'esID130600', maker: 'failed', notes: [] },
  {
    file: 'signatures/dms360_v1_nonconformant/Seal.esl',
    version: 1,
    esID: 'esID',
    maker: 'passed',
    notes: ['certlist-entry-not-octet-string', 'utctime-dates'],
  },
  {
    file: 'signatures/shandong_v4_raw64/Seal.esl',
    version: 4,
    esID: '37030000001721',
    maker: 'passed',
    notes: [],
  },
];

interface SigCase {
  file: string;
  dir?: string;
  version: 1 | 4 | 5;
  name: string;
  /** signer signature, signer in seal, maker signature, dataHash */
  codes: [string, string, string, string];
  notes: string[];
}

const SIGS: SigCase[] = [
  {
    file: 'signatures/ofdrw_v4_zero_hash.dat',
    version: 4,
    name: 'OFD R&W 测试用印章',
    codes: ['SIGNATURE_VALID', 'CERT_IN_SEAL', 'MAKER_SIGNATURE_VALID', 'DATA_HASH_ZERO'],
    notes: [],
  },
  {
    file: 'signatures/ofdrw_v5_zero_hash.dat',
    version: 5,
    name: 'OFD R&W V5测试用印章',
    codes: ['SIGNATURE_VALID', 'CERT_IN_SEAL', 'MAKER_SIGNATURE_VALID', 'DATA_HASH_ZERO'],
    notes: [],
  },
  {
    file: 'signatures/tax_gomain_chongqing_v4/SignedValue.dat',
    dir: 'signatures/tax_gomain_chongqing_v4',
    version: 4,
    name: '测试全国统一发票监制章国家税务总局重庆市税务局',
    codes: ['SIGNATURE_VALID', 'CERT_IN_SEAL', 'MAKER_SIGNATURE_VALID', 'DATA_HASH_MATCH'],
    notes: [],
  },
  {
    file: 'signatures/antchain_zhejiang_v4/SignedValue.dat',
    dir: 'signatures/antchain_zhejiang_v4',
    version: 4,
    name: '浙江省电子发票(票据)综合服务平台专用章',
    codes: ['SIGNATURE_VALID', 'CERT_IN_SEAL', 'MAKER_SIGNATURE_VALID', 'DATA_HASH_MATCH'],
    notes: [],
  },
  {
    file: 'signatures/shandong_v4_raw64/SignedValue.dat',
    dir: 'signatures/shandong_v4_raw64',
    version: 4,
    name: '淄博市周村区自然资源局(不动产登记专用章)',
    codes: ['SIGNATURE_VALID', 'CERT_IN_SEAL', 'MAKER_SIGNATURE_VALID', 'DATA_HASH_MATCH'],
    notes: ['raw-signature'],
  },
  {
    file: 'signatures/dms360_v1_nonconformant/SignedValue.dat',
    dir: 'signatures/dms360_v1_nonconformant',
    version: 1,
    name: '某某省人力资源和社会测试章',
    codes: ['SIGNATURE_INVALID', 'CERT_NOT_IN_SEAL', 'MAKER_SIGNATURE_VALID', 'DATA_HASH_MISMATCH'],
    notes: ['time-info-text'],
  },
];

const NOT_SES = [
  'gbt35275/gomain_gbt35275_signeddata_authattrs/SignedValue.dat',
  'gbt35275/tongz_gbt35275_signeddata_raw64/SignedValue.dat',
];

const STATUS_OF: Record<string, Status> = {
  SIGNATURE_VALID: 'passed',
  CERT_IN_SEAL: 'passed',
  MAKER_SIGNATURE_VALID: 'passed',
  DATA_HASH_MATCH: 'passed',
  SIGNATURE_INVALID: 'failed',
  CERT_NOT_IN_SEAL: 'failed',
  DATA_HASH_ZERO: 'failed',
  DATA_HASH_MISMATCH: 'failed',
};

function isViewOf(part: Buffer, whole: Uint8Array): boolean {
  return (
    part.buffer === whole.buffer &&
    part.byteOffset >= whole.byteOffset &&
    part.byteOffset + part.length <= whole.byteOffset + whole.byteLength
  );
}

function checkResult(r: SesCheckResult): void {
  assert.ok(['passed', 'failed', 'indeterminate'].includes(r.status));
  assert.equal(typeof r.code, 'string');
  assert.ok(r.message.length > 0 && r.messageEn.length > 0);
}

/** Original-bytes guarantees of a decoded seal. */
function assertSealBytes(s: SesSeal, input: Buffer): void {
  assert.ok(isViewOf(s.der, input), 'seal der is a view of the input');
  assert.ok(isViewOf(s.sealInfoDer, input), 'sealInfoDer is a view of the input');
  if (s.version === 1) {
    // SEQUENCE { SES_SealInfo, cert, alg } rebuilt around the original TLVs, which all appear in the input.
    assert.ok(s.makerSignedBytes.includes(s.sealInfoDer));
    assert.equal(s.makerSignedBytes[0], 0x30);
  } else {
    assert.ok(isViewOf(s.makerSignedBytes, input), 'makerSignedBytes is a view of the input');
    assert.deepEqual(s.makerSignedBytes, s.sealInfoDer);
  }
}

describe('SES fixtures from seven producers', { skip }, () => {
  for (const c of SEALS) {
    it(`seal ${c.file}: v${c.version}, maker signature ${c.maker}`, () => {
      const input = read(c.file);
      assert.equal(sniffSes(input), 'seal');
      const s = decodeSesSeal(input);
      assert.equal(s.version, c.version);
      assert.equal(s.esID, c.esID);
      assert.deepEqual(s.notes, c.notes);
      assert.deepEqual(s.der, input);
      assertSealBytes(s, input);
      const r = checkMakerSignature(s);
      checkResult(r);
      assert.equal(r.status, c.maker, r.messageEn);
      assert.equal(r.code, c.maker === 'passed' ? 'MAKER_SIGNATURE_VALID' : 'MAKER_SIGNATURE_INVALID');
      assert.throws(() => decodeSesSignature(input), SesParseError);
    });
  }

  it('seal details: v1 UTCTime dates, header versions, pictures, extDatas, non-certificate certList', () => {
    const v1 = decodeSesSeal(read('seals/ofdrw_v1.esl'));
    assert.deepEqual(v1.property.createDate, new Date('2020-04-22T02:18:07Z'));
    assert.deepEqual(v1.property.validEnd, new Date('2022-04-22T02:18:07Z'));
    assert.equal(v1.property.certs.length, 1);
    assert.deepEqual(v1.picture.width, 40);

    const v5 = decodeSesSeal(read('seals/ofdrw_v5.esl'));
    assert.deepEqual(v5.header, { id: 'ES', version: 5, vid: 'OFDR&WTestV5' });
    assert.equal(v5.property.name, 'OFD R&W V5测试用印章');

    const hb = decodeSesSeal(read('seals/hebeigede_v4_unverifiable.der'));
    assert.equal(hb.picture.type, 'GIF');
    assert.equal(hb.property.certs.length, 2);
    assert.deepEqual(
      hb.extDatas.map((e) => [e.extnID, e.critical]),
      [
        ['1.2.156.112600.7.1', false],
        ['1.2.156.112600.7.2', true],
        ['1.2.156.112600.7.3', false],
      ],
    );
    assert.equal(hb.extDatas[2]!.extnValue.toString(), 'HeBeiBaoDingShiCeShiDanWeiMingCheng');

    const dms = decodeSesSeal(read('signatures/dms360_v1_nonconformant/Seal.esl'));
    assert.equal(dms.header.vid, 'dms360.cn');
    assert.deepEqual(dms.property.certs, []);
    assert.deepEqual(
      dms.property.rawCertList.map((b) => b.toString()),
      ['1'],
    );
    assert.deepEqual(
      dms.extDatas.map((e) => [e.extnID, e.critical, e.extnValue.toString()]),
      [['1.3.6.1.4.1.54706.1', true, 'dms360.cn']],
    );
  });

  for (const c of SIGS) {
    it(`signature ${c.file}: ${c.codes.join(', ')}`, () => {
      const input = read(c.file);
      assert.equal(sniffSes(input), 'signature');
      const sig = decodeSesSignature(input);
      assert.equal(sig.version, c.version);
      assert.equal(sig.seal.property.name, c.name);
      assert.deepEqual(sig.notes, c.notes);
      assert.deepEqual(sig.der, input);
      assert.ok(isViewOf(sig.tbsSignDer, input) && isViewOf(sig.sealDer, input));
      assert.equal(sig.sealDer, sig.seal.der);
      assertSealBytes(sig.seal, input);
      if (c.dir && existsSync(join(FIXTURES, c.dir, 'Seal.esl'))) {
        assert.deepEqual(sig.sealDer, read(join(c.dir, 'Seal.esl')), 'embedded seal is byte-identical');
      }
      const data = c.dir ? read(join(c.dir, 'Signature.xml')) : undefined;
      const results = [
        checkSignerSignature(sig),
        checkSignerInSeal(sig),
        checkMakerSignature(sig.seal),
        checkDataHash(sig, data),
      ];
      results.forEach(checkResult);
      assert.deepEqual(
        results.map((r) => r.code),
        c.codes,
      );
      assert.deepEqual(
        results.map((r) => r.status),
        c.codes.map((code) => STATUS_OF[code]),
      );
      assert.throws(() => decodeSesSeal(input), SesParseError);
    });
  }

  it('signature details: timeInfo forms, raw-64 signature, tagged TBS extDatas, v1 quirks', () => {
    const tax = decodeSesSignature(read('signatures/tax_gomain_chongqing_v4/SignedValue.dat'));
    assert.deepEqual(tax.timeInfo, new Date('2020-10-10T07:11:20Z'));
    assert.equal(tax.timeInfoRaw.toString(), '20201010071120Z');
    assert.equal(tax.seal.picture.type, 'ofd');
    assert.deepEqual(tax.seal.notes, ['picture-type-ofd']);
    assert.equal(tax.propertyInfo, '/Doc_0/Signs/Sign_0/Signature.xml');

    const sd = decodeSesSignature(read('signatures/shandong_v4_raw64/SignedValue.dat'));
    assert.equal(sd.signature.length, 64);
    assert.equal(sd.extDatas.length, 1);
    assert.equal(sd.extDatas[0]!.critical, true);

    const dms = decodeSesSignature(read('signatures/dms360_v1_nonconformant/SignedValue.dat'));
    assert.equal(dms.timeInfoRaw.toString(), '2020-01-25T07:31:56.377Z');
    assert.deepEqual(dms.timeInfo, new Date('2020-01-25T07:31:56.377Z'));
    assert.equal(dms.seal.version, 1);
    assert.equal(dms.signatureAlgID, '1.2.156.10197.1.501');
    // v1 signs the whole 7-element TBS, which includes the signer certificate.
    assert.ok(dms.tbsSignDer.includes(dms.signerCert));
    assert.equal(
      checkSignerInSeal(dms).messageEn,
      "the signer certificate is not in the seal's certificate list (the list holds no certificates)",
    );
  });

  for (const file of NOT_SES) {
    it(`${file} is GB/T 35275 SignedData, not SES`, () => {
      const input = read(file);
      assert.equal(sniffSes(input), null);
      assert.throws(() => decodeSesSignature(input), SesParseError);
      assert.throws(() => decodeSesSeal(input), SesParseError);
    });
  }
});

// ---- fuzzing ----

/** Offsets of every TLV header reachable through constructed elements (mutation targets that matter). */
function structuralOffsets(buf: Buffer): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number) => {
    for (let at = start; at < end && depth < 12;) {
      const tag = buf[at]!;
      const first = buf[at + 1];
      if (first === undefined) return;
      let len = first;
      let hl = 2;
      if (first & 0x80) {
        const n = first & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 2 + i] ?? 0);
        hl = 2 + n;
      }
      out.push(at);
      if (tag & 0x20) walk(at + hl, at + hl + len, depth + 1);
      at += hl + len;
    }
  };
  walk(0, buf.length, 0);
  return out;
}

type Mutation =
  | { kind: 'set'; edits: { pos: number; structural: boolean; delta: number; value: number }[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert' | 'delete'; pos: number; structural: boolean; bytes: number[] };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      edits: fc.array(
        fc.record({
          pos: fc.nat(),
          structural: fc.boolean(),
          delta: fc.nat(5),
          value: fc.oneof(
            fc.nat(255),
            fc.constantFrom(0x00, 0x30, 0x80, 0x81, 0x82, 0x84, 0xff, 0x7f, 0xa0, 0x03),
          ),
        }),
        { minLength: 1, maxLength: 8 },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('insert' as const, 'delete' as const),
      pos: fc.nat(),
      structural: fc.boolean(),
      bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 4 }),
    }),
  },
);

function mutate(input: Buffer, offsets: number[], m: Mutation): Buffer {
  const pick = (pos: number, structural: boolean, delta = 0) =>
    structural ? Math.min(offsets[pos % offsets.length]! + delta, input.length - 1) : pos % input.length;
  if (m.kind === 'truncate') return input.subarray(0, m.at % input.length);
  if (m.kind === 'set') {
    const out = Buffer.from(input);
    for (const e of m.edits) out[pick(e.pos, e.structural, e.delta)] = e.value;
    return out;
  }
  const at = pick(m.pos, m.structural);
  return m.kind === 'insert'
    ? Buffer.concat([input.subarray(0, at), Buffer.from(m.bytes), input.subarray(at)])
    : Buffer.concat([input.subarray(0, at), input.subarray(at + m.bytes.length)]);
}

const CHECKED_PER_FIXTURE = 150;

function fuzzOne(input: Buffer, kind: 'seal' | 'signature', runs: number): { decoded: number } {
  const offsets = structuralOffsets(input);
  let decoded = 0;
  fc.assert(
    fc.property(mutationArb, (m) => {
      const bytes = mutate(input, offsets, m);
      assert.ok([null, 'seal', 'signature'].includes(sniffSes(bytes)));
      let result: SesSeal | SesSignature | undefined;
      try {
        result = kind === 'seal' ? decodeSesSeal(bytes) : decodeSesSignature(bytes);
      } catch (err) {
        if (!(err instanceof SesParseError)) throw err;
        assert.ok(err.path.startsWith(kind === 'seal' ? 'SESeal' : 'SES_Signature'), err.path);
        return;
      }
      // Whatever decodes must also survive the checks without throwing (a sample: they cost an SM2 verify).
      if (decoded++ >= CHECKED_PER_FIXTURE) return;
      if ('tbsSignDer' in result) {
        checkResult(checkSignerSignature(result));
        checkResult(checkSignerInSeal(result));
        checkResult(checkDataHash(result));
        checkResult(checkMakerSignature(result.seal));
      } else {
        checkResult(checkMakerSignature(result));
      }
    }),
    { numRuns: runs },
  );
  return { decoded };
}

describe('SES decoder fuzzing (fixtures)', { skip }, () => {
  const files = [
    ...SEALS.map((c) => ({ file: c.file, kind: 'seal' as const })),
    ...SIGS.map((c) => ({ file: c.file, kind: 'signature' as const })),
  ];
  for (const { file, kind } of files) {
    it(`mutations and truncations of ${file} only ever throw SesParseError`, { timeout: 300_000 }, () => {
      const { decoded } = fuzzOne(read(file), kind, 2500);
      // Sanity: the mutations do not all break the outer structure (many hit picture bytes).
      assert.ok(decoded > 0);
    });
  }

  it('also as the other kind, and the GB/T 35275 files', { timeout: 300_000 }, () => {
    fuzzOne(read(SIGS[0]!.file), 'seal', 300);
    fuzzOne(read(SEALS[0]!.file), 'signature', 300);
    for (const file of NOT_SES) fuzzOne(read(file), 'signature', 300);
  });
});

describe('SES decoder on garbage', () => {
  it('random bytes, empty input, deep nesting and huge lengths are SesParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (u) => {
        for (const decode of [decodeSesSeal, decodeSesSignature]) {
          assert.throws(() => decode(u), SesParseError);
        }
        assert.ok([null, 'seal', 'signature'].includes(sniffSes(u)));
      }),
      { numRuns: 2000 },
    );
    const deep = Buffer.concat([
      ...Array.from({ length: 5000 }, () => Buffer.from([0x30, 0x80])),
      Buffer.alloc(10000),
    ]);
    assert.throws(() => decodeSesSignature(deep), SesParseError);
    assert.throws(() => decodeSesSeal(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])), SesParseError);
    assert.throws(() => decodeSesSeal(Buffer.alloc(0)), SesParseError);
    assert.throws(() => decodeSesSeal('x' as unknown as Uint8Array), SesParseError);
    assert.equal(sniffSes(Buffer.alloc(0)), null);
  });
});
