import { createDeflate } from 'node:zlib';
import { PDFDocument, PDFName } from '@cantoo/pdf-lib';

// Pathological PDFs (issue 12, attack classes 4 and 5): tiny files whose reading costs seconds of CPU or
// hundreds of megabytes. Built byte by byte where pdf-lib would refuse to write them. Deflating hundreds of
// megabytes takes about a second, so each bomb is made once per process.

/** Deflate of `prefix` followed by `times` copies of `chunk`, streamed (never the whole input in memory). */
function deflateRepeated(prefix: Buffer, chunk: Buffer, times: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const d = createDeflate({ level: 9 });
    d.on('data', (c: Buffer) => parts.push(c));
    d.on('end', () => resolve(Buffer.concat(parts)));
    d.on('error', reject);
    d.write(prefix);
    for (let i = 0; i < times; i++) d.write(chunk);
    d.end();
  });
}

const MB = 1024 * 1024;

/** Assembles `%PDF-1.7`, objects (each a string or bytes, written in order) and returns offsets by object. */
class RawPdf {
  readonly parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  length = this.parts[0]!.length;
  readonly offsets = new Map<number, number>();

  add(bytes: string | Buffer): number {
    const at = this.length;
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    this.parts.push(b);
    this.length += b.length;
    return at;
  }

  obj(num: number, body: string, stream?: Buffer): number {
    const at = this.add(`${num} 0 obj\n${body}\n`);
    if (stream) {
      this.add('stream\n');
      this.add(stream);
      this.add('\nendstream\n');
    }
    this.add('endobj\n');
    this.offsets.set(num, at);
    return at;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** An uncompressed xref stream (W [1 4 2]) for `rows` (type, field 2, field 3) of objects 0..rows-1. */
function xrefStreamRows(rows: [number, number, number][]): Buffer {
  const out = Buffer.alloc(rows.length * 7);
  rows.forEach(([t, f2, f3], i) => {
    out.writeUInt8(t, i * 7);
    out.writeUInt32BE(f2, i * 7 + 1);
    out.writeUInt16BE(f3, i * 7 + 5);
  });
  return out;
}

let xrefBombCache: Promise<Buffer> | undefined;
/**
 * The xref bomb (a few KB): one cross-reference stream that inflates to 4 MB (800,000 rows), a /Size of
 * 8,000,000, a /Prev pointing at itself, and 200 `startxref … %%EOF` markers that all name it — plus 200
 * more that name the whitespace before it. A reader that decodes each section per marker, or per offset,
 * inflates 1.6 GB and builds hundreds of millions of entries.
 */
export function xrefBomb(): Promise<Buffer> {
  return (xrefBombCache ??= (async () => {
    const pdf = new RawPdf();
    pdf.obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
    pdf.obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    pdf.obj(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>');
    const padStart = pdf.add(' '.repeat(200) + '\n');
    const xrefAt = pdf.length;
    const rows = xrefStreamRows([
      [0, 0, 65535],
      [1, pdf.offsets.get(1)!, 0],
      [1, pdf.offsets.get(2)!, 0],
      [1, pdf.offsets.get(3)!, 0],
      [1, xrefAt, 0],
    ]);
    // The rest of the 4 MB are free entries (type 0): legal, and each one an entry to build.
    const data = await deflateRepeated(rows, Buffer.alloc(MB), 4);
    pdf.obj(
      4,
      `<< /Type /XRef /Size 8000000 /W [1 4 2] /Index [0 8000000] /Root 1 0 R /Prev ${xrefAt} /Filter /FlateDecode /Length ${data.length} >>`,
      data,
    );
    for (let i = 0; i < 200; i++) pdf.add(`startxref\n${xrefAt}\n%%EOF\n`);
    for (let i = 0; i < 200; i++) pdf.add(`startxref\n${padStart + i}\n%%EOF\n`);
    return pdf.bytes();
  })());
}

/**
 * Object streams that inflate to `eachMb` MB each (NUL padding after two real objects), listed by an
 * uncompressed xref stream whose compressed entries point into them; the catalog and page tree live in the
 * first one; object `count + 2 + s` (s = 2..count) is the integer s, in stream s. `count` 1 × 256 MB is the
 * "261 KB file"; 8 × 60 MB the "490 KB file".
 */
export async function objectStreamsPdf(count: number, eachMb: number): Promise<Buffer> {
  const pdf = new RawPdf();
  // Objects: 1..count object streams; count+1 catalog, count+2 pages (in stream 1); count+3 page (plain);
  // count+3+i (i = 1..count-1) one integer in each further stream; then the xref stream.
  const catalog = count + 1;
  const pages = count + 2;
  const page = count + 3;
  const compressed = new Map<number, [number, number]>();
  for (let s = 1; s <= count; s++) {
    const objs =
      s === 1
        ? [
            [catalog, `<< /Type /Catalog /Pages ${pages} 0 R >>`],
            [pages, `<< /Type /Pages /Kids [${page} 0 R] /Count 1 >>`],
          ]
        : [[page + s - 1, String(s)]];
    let header = '';
    let body = '';
    objs.forEach(([num, text], i) => {
      header += `${num} ${body.length} `;
      body += `${text}\n`;
      compressed.set(Number(num), [s, i]);
    });
    header = header.padEnd(64, ' ');
    const data = await deflateRepeated(Buffer.from(header + body, 'latin1'), Buffer.alloc(MB), eachMb);
    pdf.obj(
      s,
      `<< /Type /ObjStm /N ${objs.length} /First 64 /Filter /FlateDecode /Length ${data.length} >>`,
      data,
    );
  }
  pdf.obj(page, `<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 595 842] >>`);
  const xrefNum = page + count;
  const xrefAt = pdf.length;
  const rows: [number, number, number][] = [[0, 0, 65535]];
  for (let n = 1; n < xrefNum; n++) {
    const c = compressed.get(n);
    rows.push(c ? [2, c[0], c[1]] : [1, pdf.offsets.get(n) ?? 0, 0]);
  }
  rows.push([1, xrefAt, 0]);
  const table = xrefStreamRows(rows);
  pdf.obj(
    xrefNum,
    `<< /Type /XRef /Size ${xrefNum + 1} /W [1 4 2] /Root ${catalog} 0 R /Length ${table.length} >>`,
    table,
  );
  pdf.add(`startxref\n${xrefAt}\n%%EOF\n`);
  return pdf.bytes();
}

let oneHugeCache: Promise<Buffer> | undefined;
/** One object stream of 256 MB inflated in a file of about 260 KB. */
export const objectStreamBomb = (): Promise<Buffer> => (oneHugeCache ??= objectStreamsPdf(1, 256));

let manyCache: Promise<Buffer> | undefined;
/** Eight object streams of 60 MB each inflated, in a file of about 490 KB. */
export const manyObjectStreamsBomb = (): Promise<Buffer> => (manyCache ??= objectStreamsPdf(8, 60));

const contentCache = new Map<string, Promise<Buffer>>();
/**
 * A well-formed one-page PDF whose page content is 200 MB of `q Q` (about 200 KB deflated): nothing the
 * cross-reference budget sees, but text extraction (keyword placement) parses fifty million operators.
 * `filters` 1: one FlateDecode, which stamping's pre-flight inflates within the file budget; 2: FlateDecode
 * twice, a chain the budget does not decode, so that only the deadline stops text extraction.
 */
export function contentBomb(filters: 1 | 2 = 1): Promise<Buffer> {
  const key = String(filters);
  let made = contentCache.get(key);
  if (!made) {
    made = (async () => {
      let data = await deflateRepeated(Buffer.alloc(0), Buffer.from('q Q\n'.repeat(MB / 4), 'latin1'), 200);
      if (filters === 2) data = await deflateRepeated(Buffer.alloc(0), data, 1);
      const doc = await PDFDocument.create();
      const page = doc.addPage([595.28, 841.89]);
      const filter = filters === 2 ? ['FlateDecode', 'FlateDecode'] : 'FlateDecode';
      const stream = doc.context.stream(data, { Filter: filter });
      page.node.set(PDFName.of('Contents'), doc.context.register(stream));
      return Buffer.from(await doc.save({ useObjectStreams: false }));
    })();
    contentCache.set(key, made);
  }
  return made;
}
