import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { MessageChannel } from 'node:worker_threads';
import {
  dosDateTime,
  packZipEntries,
  prepareZipEntry,
  writePackedZip,
  writeZip,
  ZipWriteError,
} from '../../src/ofd/zip-writer.js';
import { readZip } from '../../src/ofd/zip-reader.js';
import { buildZip, text } from './zip-builder.js';
import { withExternalTools } from './ofd-stamping-support.js';

// The stamping ZIP writer (APPNOTE 6.3.10 §4.3): copies keep their local record byte for byte, whatever the
// producer wrote (stored, deflated, data descriptors with or without signature, prefix bytes before the first
// entry); new entries are deterministic; other readers accept the result.

const original = buildZip(
  [
    { name: 'OFD.xml', data: text('<a/>'), method: 8 },
    { name: 'Doc_0/stored.bin', data: text('stored bytes'), method: 0 },
    { name: 'Doc_0/desc.xml', data: text('<b>descriptor</b>'), descriptor: 'signed' },
    { name: 'Doc_0/desc2.xml', data: text('<c>unsigned descriptor</c>'), descriptor: 'unsigned' },
  ],
  { prefix: text('MZ-stub'), comment: 'kept' },
);
const MODIFIED = new Date('2026-12-04T10:20:30Z');

describe('zip-writer', () => {
  const zip = readZip(original);
  const out = writeZip(
    [
      ...zip.entries.map((copy) => ({ copy })),
      { name: 'Doc_0/新.xml', data: text('<新/>') },
      { name: 'raw.bin', data: text('x'), method: 0 as const },
    ],
    { modified: MODIFIED, comment: zip.comment },
  );
  const back = readZip(out);

  it('copies each local record byte for byte and re-bases the central directory', () => {
    assert.ok(zip.findings.some((f) => f.code === 'zip-prefix-bytes'));
    assert.equal(back.prefixLength, 0);
    zip.entries.forEach((e, i) => {
      const c = back.entries[i]!;
      assert.equal(c.name, e.name);
      assert.ok(Buffer.from(c.localRecord).equals(Buffer.from(e.localRecord)));
      assert.equal(c.localHeaderOffset, e.localHeaderOffset - 'MZ-stub'.length);
      assert.deepEqual(Buffer.from(c.data), Buffer.from(e.data));
    });
    assert.deepEqual(
      back.findings.map((f) => f.code),
      ['zip-data-descriptor'],
    );
    assert.equal(Buffer.from(back.comment).toString(), 'kept');
  });

  it('writes new entries with the given time, UTF-8 flag only for non-ASCII names, and the asked method', () => {
    const added = back.files.get('Doc_0/新.xml')!;
    assert.equal(Buffer.from(added.data).toString(), '<新/>');
    assert.equal(added.method, 8);
    assert.equal(added.flags, 0x0800);
    const raw = back.files.get('raw.bin')!;
    assert.equal(raw.method, 0);
    assert.equal(raw.flags, 0);
    const { time, date } = dosDateTime(MODIFIED);
    const v = new DataView(added.localRecord.buffer, added.localRecord.byteOffset);
    assert.equal(v.getUint16(10, true), time);
    assert.equal(v.getUint16(12, true), date);
    assert.equal(date, ((2026 - 1980) << 9) | (12 << 5) | 4);
    assert.equal(time, (10 << 11) | (20 << 5) | 15);
  });

  it('is accepted by Python zipfile and Info-ZIP, which read the same bytes', () => {
    withExternalTools(out, (read) => {
      for (const e of back.entries) assert.deepEqual(read(e.name), Buffer.from(e.data), e.name);
    });
  });

  it('is deterministic and refuses what a non-ZIP64 archive cannot hold', () => {
    const again = writeZip(
      [
        ...zip.entries.map((copy) => ({ copy })),
        { name: 'Doc_0/新.xml', data: text('<新/>') },
        { name: 'raw.bin', data: text('x'), method: 0 as const },
      ],
      { modified: MODIFIED, comment: zip.comment },
    );
    assert.deepEqual(again, out);
    assert.throws(
      () => writeZip([{ name: 'a', data: text('') }], { modified: new Date('1970-01-01T00:00:00Z') }),
      ZipWriteError,
    );
    assert.throws(() => writeZip([{ name: '', data: text('') }], { modified: MODIFIED }), ZipWriteError);
  });
});

describe('zip-writer: new entries deflated with a window sized to them', () => {
  // Sizes around the window steps (2^n − 262, zlib's lookahead margin), with repeats at the longest distances
  // the data allows: a window too small for them would still inflate, but a wrong one would not.
  const sizes = [0, 1, 249, 250, 251, 500, 762, 763, 1786, 1787, 4000, 33_000, 70_000];
  const entries = sizes.map((n, i) => {
    const head = Buffer.from(Array.from({ length: Math.min(n, 200) }, (_, k) => (k * 131 + i) & 0xff));
    const data = Buffer.alloc(n);
    for (let at = 0; at < n; at += Math.max(head.length, 1)) head.copy(data, at);
    if (n > 0) data[n - 1] = 0x7a; // the repeat of the first bytes ends at the far edge of the window
    return { name: `e${n}.bin`, data: new Uint8Array(data) };
  });
  const out = writeZip(entries, { modified: MODIFIED });
  const back = readZip(out);

  it('reads back byte for byte, here and in Python zipfile and Info-ZIP', () => {
    for (const e of entries) assert.deepEqual(Buffer.from(back.files.get(e.name)!.data), Buffer.from(e.data));
    withExternalTools(out, (read) => {
      for (const e of entries) assert.deepEqual(read(e.name), Buffer.from(e.data), e.name);
    });
  });

  it('takes a CRC-32 given with the deflate as it is, without reading the data again', () => {
    const data = text('<ofd:Page>given</ofd:Page>');
    const entry = (crc: number) =>
      prepareZipEntry({ name: 'p.xml', data, deflated: deflateRawSync(data), crc32: crc }, MODIFIED);
    const crcOf = (local: Uint8Array) => new DataView(local.buffer, local.byteOffset).getUint32(14, true);
    assert.equal(crcOf(entry(crc32(data)).local), crc32(data));
    // A cached CRC is the writer's to get right (licence-ofd-writer.ts computes it with the deflate): given a
    // different one, this is what gets written, and a reader then refuses the entry.
    assert.equal(crcOf(entry(0x12345678).local), 0x12345678);
    assert.throws(() => readZip(writeZip([entry(0x12345678)], { modified: MODIFIED })), /CRC-32/);
    assert.deepEqual(
      writeZip([entry(crc32(data))], { modified: MODIFIED }),
      writeZip([{ name: 'p.xml', data }], { modified: MODIFIED }),
    );
  });
});

describe('zip-writer: entries packed ahead of the last ones (a two-step stamp)', () => {
  const entry = fc.record({
    name: fc.stringMatching(/^[A-Za-z0-9_]{1,8}(\/[A-Za-z0-9_]{1,8}){0,2}\.(xml|dat)$/),
    data: fc.uint8Array({ maxLength: 3000 }),
    method: fc.constantFrom(0 as const, 8 as const),
  });

  it('writes the same archive as writing every entry at once, wherever the split', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), fc.nat(), (entries, cut) => {
        // Unique names: a reader reports duplicates.
        const framed = entries.map((e, i) => prepareZipEntry({ ...e, name: `${i}/${e.name}` }, MODIFIED));
        const split = cut % (framed.length + 1);
        const head = packZipEntries(framed.slice(0, split));
        const packed = writePackedZip(head, framed.slice(split), { modified: MODIFIED });
        assert.deepEqual(packed, writeZip(framed, { modified: MODIFIED }));
        const back = readZip(packed);
        assert.deepEqual(back.findings, []);
        assert.deepEqual(
          back.entries.map((e) => Buffer.from(e.data).toString('hex')),
          entries.map((e) => Buffer.from(e.data).toString('hex')),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('packs into buffers of their own, which can be moved to another thread', () => {
    const framed = [prepareZipEntry({ name: 'a.xml', data: text('<a/>') }, MODIFIED)];
    const head = packZipEntries(framed);
    assert.notEqual(head.locals.buffer, framed[0]!.local.buffer);
    assert.equal(head.locals.byteLength, head.locals.buffer.byteLength);
    assert.equal(head.centrals.byteLength, head.centrals.buffer.byteLength);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(head, [head.locals.buffer as ArrayBuffer, head.centrals.buffer as ArrayBuffer]);
    port1.close();
    port2.close();
    assert.equal(head.locals.byteLength, 0, 'moved, not copied');
  });
});
