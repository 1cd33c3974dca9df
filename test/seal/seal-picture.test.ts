import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { PDFDocument, rgb } from '@cantoo/pdf-lib';
import {
  drawOfficialSeal,
  renderSealPng,
  SealPictureError,
  type OfficialSeal,
} from '../../src/seal/seal-picture.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A minimal decoder for what resvg writes: 8-bit RGBA, not interlaced. Returns width, height and RGBA rows. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth');
      assert.equal(data[9], 6, 'colour type RGBA');
      assert.equal(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? rgba[y * stride + x - 4]! : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`unknown PNG filter ${filter}`);
      }
      rgba[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, rgba };
}

function pixel(img: { width: number; rgba: Buffer }, x: number, y: number): [number, number, number, number] {
  const i = (Math.round(y) * img.width + Math.round(x)) * 4;
  return [img.rgba[i]!, img.rgba[i + 1]!, img.rgba[i + 2]!, img.rgba[i + 3]!];
}

const isSealRed = ([r, g, b, a]: number[]): boolean => a! > 240 && r! > 200 && g! < 40 && b! < 40;

/** Every coordinate pair of a path made of absolute M/L/Q/C/Z commands. */
function points(d: string): [number, number][] {
  const nums = d
    .replace(/[MLQCZ]/g, ' ')
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
  assert.equal(nums.length % 2, 0);
  const out: [number, number][] = [];
  for (let i = 0; i < nums.length; i += 2) out.push([nums[i]!, nums[i + 1]!]);
  return out;
}

const RING_WIDTH_42 = 1.2;

function assertTextInsideRing(seal: OfficialSeal): void {
  const c = seal.widthMm / 2;
  const inner = c - (RING_WIDTH_42 * seal.widthMm) / 42;
  for (const p of seal.paths) {
    if (p.role === 'ring') continue;
    const pts = points(p.d);
    assert.ok(pts.length > 0, `${p.role} has points`);
    for (const [x, y] of pts) {
      const r = Math.hypot(x - c, y - c);
      assert.ok(
        r < inner - 0.2,
        `${p.role} point (${x}, ${y}) at r=${r.toFixed(2)} crosses the ring (${inner})`,
      );
    }
  }
}

const AGENCY = '上海市浦东新区市场监督管理局';

test('renders a 400×400 PNG: red ring, red star centre, transparent corners', () => {
  const seal = drawOfficialSeal({ agencyName: AGENCY, sealName: '合同专用章', code: '3101150012345' });
  assert.equal(seal.widthMm, 42);
  assert.equal(seal.heightMm, 42);
  const png = renderSealPng(seal.svg);
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE));
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  assert.equal(png.readUInt32BE(16), 400);
  assert.equal(png.readUInt32BE(20), 400);

  const img = decodePng(png);
  assert.equal(img.width, 400);
  assert.equal(img.height, 400);
  const px = 400 / 42; // pixels per mm
  const ringMid = (21 - 0.6) * px;
  for (let deg = 0; deg < 360; deg += 15) {
    const a = (deg * Math.PI) / 180;
    const p = pixel(img, 200 + ringMid * Math.sin(a), 200 - ringMid * Math.cos(a));
    assert.ok(isSealRed(p), `ring at ${deg}°: ${p.join(',')}`);
  }
  assert.ok(isSealRed(pixel(img, 200, 200)), 'star centre');
  assert.ok(isSealRed(pixel(img, 200, 200 - 6 * px)), 'star top point');
  for (const [x, y] of [
    [0, 0],
    [399, 0],
    [0, 399],
    [399, 399],
    [30, 30],
  ] as const) {
    assert.equal(pixel(img, x, y)[3], 0, `corner ${x},${y} transparent`);
  }
  // Between the ring and the star there is paper, not ink.
  assert.equal(pixel(img, 200 + 9 * px, 200)[3], 0, 'gap right of the star');
});

test('renderSealPng honours the pixel size and refuses silly ones', () => {
  const seal = drawOfficialSeal({ agencyName: '杭州市人民政府' });
  const png = renderSealPng(seal.svg, 128);
  assert.equal(png.readUInt32BE(16), 128);
  assert.equal(png.readUInt32BE(20), 128);
  assert.throws(() => renderSealPng(seal.svg, 0), SealPictureError);
  assert.throws(() => renderSealPng(seal.svg, 1.5), SealPictureError);
});

test('SVG and paths: outlines only, no <text>, one colour, mm coordinates', () => {
  const seal = drawOfficialSeal({
    agencyName: AGENCY,
    sealName: '电子证照专用章',
    code: '3101150012345',
    color: '#c00',
  });
  assert.doesNotMatch(seal.svg, /<text|font-family|<tspan/i);
  assert.match(
    seal.svg,
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="42mm" height="42mm" viewBox="0 0 42 42">/,
  );
  assert.deepEqual(
    seal.paths.map((p) => p.role),
    ['ring', 'name', 'star', 'title', 'code'],
  );
  for (const p of seal.paths) {
    assert.equal(p.fill, '#C00');
    assert.match(p.d, /^[MLQCZ0-9 .-]+$/);
    assert.doesNotMatch(p.d, /e[+-]?\d|NaN|Infinity/);
  }
  assertTextInsideRing(seal);
  // The plain official seal has no title path; no code means no code path.
  const plain = drawOfficialSeal({ agencyName: AGENCY });
  assert.deepEqual(
    plain.paths.map((p) => p.role),
    ['ring', 'name', 'star'],
  );
});

test('names of 2, 8, 16 and 25 characters stay inside the ring, on a symmetric upper arc', () => {
  const base = '中华人民共和国国家市场监督管理总局信息中心测试单位名称';
  for (const n of [2, 8, 16, 25]) {
    const agencyName = [...base].slice(0, n).join('');
    assert.equal([...agencyName].length, n);
    for (const diameterMm of [42, 38, 58]) {
      const seal = drawOfficialSeal({
        agencyName,
        sealName: '合同专用章',
        code: '3101150012345',
        diameterMm,
      });
      assertTextInsideRing(seal);
      const c = diameterMm / 2;
      const name = points(seal.paths.find((p) => p.role === 'name')!.d);
      const ys = name.map(([, y]) => y);
      // The name arc stays above the seal name (title) and is spread across both sides of the top.
      const title = points(seal.paths.find((p) => p.role === 'title')!.d);
      const titleTop = Math.min(...title.map(([, y]) => y));
      const xs = name.map(([x]) => x - c);
      assert.ok(Math.min(...xs) < 0 && Math.max(...xs) > 0);
      if (n >= 8) {
        // Long names wrap ~210–240°: their ends come down below the centre line.
        assert.ok(Math.max(...ys) > c, `${n} chars reach below the centre`);
        // …but the name never runs into the seal name below the star.
        for (const [x, y] of name) {
          if (y > titleTop) assert.ok(Math.abs(x - c) > 9.5 * (diameterMm / 42), `${n}: ${x},${y}`);
        }
      } else {
        assert.ok(Math.max(...ys) < c - 8, 'two characters sit at the top');
      }
    }
  }
});

test('characters the font lacks are a SealPictureError naming them', () => {
  for (const input of [
    { agencyName: '测试单位😀' },
    { agencyName: '测试单位', sealName: '合同\uE000章' },
    { agencyName: '测试单位', code: '12345\u{2A6D6}' },
  ]) {
    assert.throws(
      () => drawOfficialSeal(input),
      (err: unknown) => {
        assert.ok(err instanceof SealPictureError);
        assert.equal(err.code, 'MISSING_GLYPH');
        assert.equal(err.details?.missing?.length, 1);
        assert.ok(err.message.includes('U+'));
        return true;
      },
    );
  }
});

test('bad input is a SealPictureError', () => {
  const bad: unknown[] = [
    { agencyName: '' },
    { agencyName: '   ' },
    { agencyName: '一'.repeat(41) },
    { agencyName: '测试\n单位' },
    { agencyName: '测试单位', sealName: '一'.repeat(13) },
    { agencyName: '测试单位', color: 'red"/><script>' },
    { agencyName: '测试单位', diameterMm: 5 },
    { agencyName: '测试单位', diameterMm: Number.NaN },
    { agencyName: 42 },
    null,
  ];
  for (const input of bad) {
    assert.throws(
      () => drawOfficialSeal(input as Parameters<typeof drawOfficialSeal>[0]),
      (err: unknown) => err instanceof SealPictureError && err.code === 'INVALID_INPUT',
      JSON.stringify(input),
    );
  }
});

test('drawing is deterministic', () => {
  const input = { agencyName: AGENCY, sealName: '合同专用章', code: '3101150012345' };
  assert.equal(drawOfficialSeal(input).svg, drawOfficialSeal(input).svg);
});

test('the paths draw into a PDF with pdf-lib drawSvgPath', async () => {
  const seal = drawOfficialSeal({ agencyName: AGENCY, sealName: '合同专用章', code: '3101150012345' });
  const doc = await PDFDocument.create();
  const page = doc.addPage([595.28, 841.89]);
  const mm = 72 / 25.4;
  for (const p of seal.paths) {
    page.drawSvgPath(p.d, { x: 350, y: 250, scale: mm, color: rgb(0.9, 0, 0.07), borderWidth: 0 });
  }
  const bytes = await doc.save({ useObjectStreams: false });
  assert.ok(bytes.length > 1000);
  assert.equal(Buffer.from(bytes.subarray(0, 5)).toString('latin1'), '%PDF-');
});
