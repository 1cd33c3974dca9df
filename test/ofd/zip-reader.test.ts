import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { OfdError } from '../../src/ofd/ofd-error.js';
import { OFD_LIMITS } from '../../src/ofd/ofd-limits.js';
import { readZip, type ZipArchive } from '../../src/ofd/zip-reader.js';
import { type BuildEntry, buildZip, text } from './zip-builder.js';

/** The OfdError code and reason, or rethrows anything else (which is a bug in the reader). */
function refusal(bytes: Uint8Array, limits = OFD_LIMITS): string {
  try {
    readZip(bytes, limits);
  } catch (err) {
    if (err instanceof OfdError) return `${err.code}/${err.reason}`;
    throw err;
  }
  return 'accepted';
}

const summary = (z: ZipArchive) =>
  z.entries.map((e) => ({ name: e.name, method: e.method, data: Buffer.from(e.data).toString('hex') }));

const two: BuildEntry[] = [
  { name: 'OFD.xml', data: text('<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>') },
  { name: 'Doc_0/Document.xml', data: text('<ofd:Document/>'), method: 0 },
];

describe('ZIP reader: round trip', () => {
  // Names unique even ignoring case, from the safe alphabet; random contents and methods.
  const segment = fc
    .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,11}$/)
    .filter((s) => s !== '..' && s !== '.');
  const entryArb = fc.record({
    path: fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/')),
    data: fc.uint8Array({ maxLength: 2000 }),
    method: fc.constantFrom(0 as const, 8 as const),
    descriptor: fc.constantFrom(undefined, 'signed' as const, 'unsigned' as const),
  });
  const archiveArb = fc.uniqueArray(entryArb, { maxLength: 12, selector: (e) => e.path.toLowerCase() });

  it('returns every stored and deflated entry with its bytes, offsets and raw records', () => {
    fc.assert(
      fc.property(archiveArb, (list) => {
        const entries: BuildEntry[] = list.map((e) => ({
          name: e.path,
          data: e.data,
          method: e.method,
          ...(e.descriptor ? { descriptor: e.descriptor } : {}),
        }));
        const bytes = buildZip(entries);
        const z = readZip(bytes);
        assert.equal(z.entries.length, entries.length);
        z.entries.forEach((got, i) => {
          const want = entries[i]!;
          assert.equal(got.name, want.name);
          assert.equal(got.method, want.method);
          assert.deepEqual(Buffer.from(got.data), Buffer.from(want.data));
          const expectRaw = want.method === 8 ? deflateRawSync(want.data) : Buffer.from(want.data);
          assert.deepEqual(Buffer.from(got.rawData), expectRaw);
          // the raw records are slices of the input at the recorded offsets: a stamper can copy them as they are
          assert.deepEqual(
            Buffer.from(got.localRecord),
            bytes.subarray(got.localHeaderOffset, got.localHeaderOffset + got.localRecord.length),
          );
          assert.equal(got.hasDataDescriptor, want.descriptor !== undefined);
        });
        assert.equal(z.prefixLength, 0);
        assert.equal(z.trailingLength, 0);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps directory entries apart from files', () => {
    const z = readZip(buildZip([{ name: 'Doc_0/', data: new Uint8Array(), method: 0 }, ...two]));
    assert.equal(z.entries[0]!.isDirectory, true);
    assert.deepEqual([...z.files.keys()], ['OFD.xml', 'Doc_0/Document.xml']);
  });

  it('notes data descriptors, prefix bytes and trailing bytes', () => {
    const z = readZip(
      buildZip([{ ...two[0]!, descriptor: 'signed' }, two[1]!], {
        prefix: text('MZ-stub'),
        trailing: text('junk'),
      }),
    );
    assert.deepEqual(
      z.findings.map((f) => f.code),
      ['zip-prefix-bytes', 'zip-trailing-bytes', 'zip-data-descriptor'],
    );
    assert.equal(z.prefixLength, 7);
    assert.equal(z.trailingLength, 4);
  });
});

describe('ZIP reader: refusals', () => {
  const cases: [string, Uint8Array, string][] = [
    ['not a ZIP at all', text('%PDF-1.7 hello'), 'not-an-ofd/zip-no-end-record'],
    ['duplicate names', buildZip([two[0]!, two[0]!]), 'malformed-ofd/zip-duplicate-name'],
    [
      'names differing only in case',
      buildZip([two[0]!, { ...two[0]!, name: 'ofd.XML' }]),
      'malformed-ofd/zip-case-duplicate-name',
    ],
    [
      'a file and a directory differing only in case',
      buildZip([
        { name: 'Doc_0/', data: new Uint8Array(), method: 0 },
        { name: 'doc_0/', data: new Uint8Array(), method: 0 },
      ]),
      'malformed-ofd/zip-case-duplicate-name',
    ],
    [
      'names differing only in Unicode normalisation',
      buildZip([
        { name: 'Doc_0/caf\u00e9.xml', data: text('x') },
        { name: 'Doc_0/cafe\u0301.xml', data: text('y') },
      ]),
      'malformed-ofd/zip-case-duplicate-name',
    ],
    ['encryption flag', buildZip([{ ...two[0]!, flags: 0x0801 }]), 'malformed-ofd/zip-encrypted'],
    ['strong encryption flag', buildZip([{ ...two[0]!, flags: 0x0840 }]), 'malformed-ofd/zip-encrypted'],
    [
      'unknown method',
      buildZip([{ ...two[0]!, method: 0, local: { method: 12 }, central: { method: 12 } }]),
      'malformed-ofd/zip-unsupported-method',
    ],
    [
      'CRC mismatch (both headers agree, data differs)',
      buildZip([{ ...two[0]!, local: { crc: 1 }, central: { crc: 1 } }]),
      'malformed-ofd/zip-crc-mismatch',
    ],
    [
      'local name ≠ central name',
      buildZip([{ ...two[0]!, local: { name: 'OFD.xmm' } }]),
      'malformed-ofd/zip-header-mismatch',
    ],
    [
      'local method ≠ central method',
      buildZip([{ ...two[1]!, local: { method: 8 } }]),
      'malformed-ofd/zip-header-mismatch',
    ],
    [
      'local CRC ≠ central CRC',
      buildZip([{ ...two[0]!, local: { crc: 7 } }]),
      'malformed-ofd/zip-header-mismatch',
    ],
    [
      'local size ≠ central size',
      buildZip([{ ...two[0]!, local: { uncompressedSize: 1 } }]),
      'malformed-ofd/zip-header-mismatch',
    ],
    [
      'local encryption bit only',
      buildZip([{ ...two[0]!, local: { flags: 0x0801 } }]),
      'malformed-ofd/zip-header-mismatch',
    ],
    [
      'central offset to nowhere',
      buildZip([{ ...two[0]!, central: { offset: 3 } }]),
      'malformed-ofd/zip-local-header',
    ],
    [
      'stored sizes that differ',
      buildZip([{ ...two[1]!, central: { uncompressedSize: 3 }, local: { uncompressedSize: 3 } }]),
      'malformed-ofd/zip-size-mismatch',
    ],
    [
      'a deflate stream longer than declared (size lie)',
      buildZip([
        {
          name: 'big.xml',
          data: new Uint8Array(200_000),
          local: { uncompressedSize: 10 },
          central: { uncompressedSize: 10 },
        },
      ]),
      'malformed-ofd/zip-size-mismatch',
    ],
    [
      'bytes hidden after the deflate stream',
      buildZip([
        { ...two[0]!, rawData: Buffer.concat([deflateRawSync(two[0]!.data), Buffer.from('hidden')]) },
      ]),
      'malformed-ofd/zip-size-mismatch',
    ],
    [
      'a truncated deflate stream',
      buildZip([{ ...two[0]!, rawData: deflateRawSync(two[0]!.data).subarray(0, 10) }]),
      'malformed-ofd/zip-inflate',
    ],
    [
      'corrupt deflate data',
      buildZip([{ ...two[0]!, rawData: new Uint8Array([0xff, 0xff, 0xff, 0xff]) }]),
      'malformed-ofd/zip-inflate',
    ],
    [
      'prepended bytes without offset fix-up',
      buildZip(two, { prefix: text('XXXX'), unadjusted: true }),
      'malformed-ofd/zip-central-directory',
    ],
    [
      'end record claiming more entries',
      buildZip(two, { entryCount: 3 }),
      'malformed-ofd/zip-central-directory',
    ],
    [
      'a data descriptor that disagrees',
      buildZip([{ ...two[0]!, descriptor: 'signed', central: { crc: 5 } }]),
      'malformed-ofd/zip-header-mismatch',
    ],
  ];
  for (const name of [
    '../evil.xml',
    'Doc_0/../../evil',
    '/abs.xml',
    'a\\b.xml',
    'a\u0000b',
    '',
    'a//b',
    './a',
    'C:/x',
    'a/./b',
  ])
    cases.push([
      `unsafe name ${JSON.stringify(name)}`,
      buildZip([{ name, data: text('x') }]),
      'malformed-ofd/zip-unsafe-name',
    ]);

  for (const [title, bytes, expected] of cases)
    it(`refuses ${title}`, () => assert.equal(refusal(bytes), expected));

  it('refuses a zip bomb by ratio before inflating it', () => {
    const bomb = buildZip([
      { name: 'Doc_0/Pages/Page_0/Content.xml', data: new Uint8Array(4 * 1024 * 1024) },
    ]);
    assert.ok(bomb.length < 10_000);
    assert.equal(refusal(bomb), 'too-complex/zip-ratio');
  });

  it('refuses an inflated total above the limit, and too many entries', () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({
      name: `f${i}`,
      data: new Uint8Array(1000).fill(i),
    }));
    const bytes = buildZip(entries);
    assert.equal(refusal(bytes, { ...OFD_LIMITS, maxInflatedTotal: 5000 }), 'too-complex/zip-inflated-total');
    assert.equal(refusal(bytes, { ...OFD_LIMITS, maxEntries: 5 }), 'too-complex/zip-too-many-entries');
    assert.equal(refusal(bytes), 'accepted');
  });

  it('refuses ZIP64 clearly', () => {
    const z = buildZip(two);
    const eocd = z.length - 22;
    z.writeUInt32LE(0xffffffff, eocd + 16);
    assert.equal(refusal(z), 'malformed-ofd/zip64-unsupported');
  });

  it('refuses overlapping entries (one entry hidden inside another one’s data)', () => {
    // The hidden entry's local header lies inside the first entry's stored data; every header agrees.
    const inner = buildZip([{ name: 'b.xml', data: text('inner'), method: 0 }]);
    const innerLocal = inner.subarray(0, 30 + 5 + 5);
    const outer = buildZip([
      { name: 'a.xml', data: innerLocal, method: 0 },
      { name: 'b.xml', data: text('inner'), method: 0, central: { offset: 30 + 5 } },
    ]);
    assert.equal(refusal(outer), 'malformed-ofd/zip-overlap');
  });
});

describe('ZIP reader: hostile bytes', () => {
  it('every single-byte change of a header field is refused or changes nothing that matters', () => {
    const bytes = buildZip([{ ...two[0]!, descriptor: 'unsigned' }, two[1]!]);
    const original = summary(readZip(bytes));
    const z = readZip(bytes);
    // header regions: local headers (30 + name), the central directory and the end record
    const regions: [number, number][] = z.entries.map((e) => [e.localHeaderOffset, e.dataOffset]);
    const cdStart = z.entries[0]!.centralRecord.byteOffset - bytes.byteOffset;
    regions.push([cdStart, bytes.length]);
    let refused = 0;
    let same = 0;
    for (const [from, to] of regions)
      for (let at = from; at < to; at++)
        for (const v of [0x00, 0xff, bytes[at]! ^ 0x01, bytes[at]! ^ 0x80]) {
          if (v === bytes[at]) continue;
          const m = Buffer.from(bytes);
          m[at] = v;
          let got;
          try {
            got = summary(readZip(m));
          } catch (err) {
            assert.ok(err instanceof OfdError, `byte ${at} = ${v}: ${String(err)}`);
            refused++;
            continue;
          }
          assert.deepEqual(got, original, `byte ${at} = ${v} changed the entries silently`);
          same++;
        }
    assert.ok(refused > 0 && same > 0);
  });

  it('random mutations and truncations end in entries or an OfdError, never another exception', () => {
    const base = buildZip([
      ...two,
      { name: 'Doc_0/Res/a.png', data: new Uint8Array(3000).map((_, i) => i * 7) },
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(base.length),
        (flips, cut) => {
          const m = Buffer.from(base.subarray(0, Math.max(cut, base.length - 40)));
          for (const [at, v] of flips) if (at < m.length) m[at] = v;
          refusal(m);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('random bytes never escape as another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        refusal(b);
        // with an end record glued on, the central directory parser gets exercised too
        const tail = Buffer.alloc(22);
        tail.writeUInt32LE(0x06054b50, 0);
        tail.writeUInt16LE(1, 8);
        tail.writeUInt16LE(1, 10);
        tail.writeUInt32LE(b.length, 12);
        refusal(Buffer.concat([b, tail]));
      }),
      { numRuns: 500 },
    );
  });
});
