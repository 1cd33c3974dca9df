import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { openOfd } from '../../src/ofd/ofd-package.js';
import {
  compareBitmaps,
  parsePpm,
  pdftoppm,
  worstBlockDifference,
  type BitmapDifference,
  type CompareOptions,
} from '../helpers/bitmap-compare.js';
import { abbreviatedToSvg, rasteriseOfd, type Bitmap } from '../helpers/ofd-rasteriser.js';
import { mutate } from '../verify/ofd-sealed-fixtures.js';
import {
  DEMO_LICENCE_TYPES,
  licenceJob,
  pictureSeal,
  pngOfSvg,
  sealedPair,
  type SealedPair,
} from './licence-ofd-support.js';

// T5 (../shared/spec/ofd.md §4.7), second reader: our own rasteriser of the licence OFD (glyph outlines from the
// embedded subsets by CGTransform glyph id, resvg; test/helpers/ofd-rasteriser.ts) matches `pdftoppm` of the
// licence PDF made from the same layout. The seal's SES picture is a PNG of exactly the PDF's vector seal
// appearance (licenceJob), so the StampAnnot is compared too.
//
// Tolerance, stated (both images at 100 dpi, composited on white). poppler snaps thin strokes to whole pixels and
// hints glyph edges, resvg anti-aliases both exactly, so edge pixels differ by design. A page matches when
//   (a) ≤ 4% of its pixels mismatch, a pixel matching when some pixel of the other image within 1 px has every
//       channel within 48/255;
//   (b) the mean absolute channel difference over the page is ≤ 12/255;
//   (c) no 12 × 12 px block (3 mm; blocks every 6 px) differs in mean colour by more than 28/255 on any channel:
//       edge effects move ink by a pixel but keep it in the block; a changed glyph or a missing shape does not.
// Measured on the four demo types (2026-12): (a) 1.8–3.4%, (b) 3.2–5.6, (c) 18.4–22.5; printed as diagnostics.
// The bound must be able to fail: the same comparison rejects a page whose holder name lost its first character
// (TextCode and CGTransform glyphs both edited, as a forger would) and one whose QR code modules were dropped.

const DPI = 100;
const TOLERANCE: CompareOptions = { delta: 48, radius: 1 };
const MAX_MISMATCHED = 0.04;
const MAX_MEAN_ABS = 12;
const BLOCK = 12;
const MAX_BLOCK_DELTA = 28;

const skip = spawnSync('pdftoppm', ['-v']).error
  ? 'pdftoppm is absent (apt-get install poppler-utils; .ci/run does)'
  : false;

/** The PDF's vector seal (licenceJob's appearance) as the SES picture: 40 mm at 472 px (300 dpi). */
function sealPng(): Buffer {
  const { paths, widthMm, heightMm } = licenceJob(DEMO_LICENCE_TYPES[0]!).appearance as {
    paths: { d: string; fill: string }[];
    widthMm: number;
    heightMm: number;
  };
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="472" height="${Math.round((472 * heightMm) / widthMm)}" viewBox="0 0 ${widthMm} ${heightMm}">` +
    paths.map((p) => `<path d="${p.d}" fill="${p.fill}"/>`).join('') +
    '</svg>';
  return pngOfSvg(svg);
}

let seal: Buffer;

before(() => {
  if (skip) return;
  seal = pictureSeal(sealPng());
});

const PAGE = 'Doc_0/Pages/Page_0/Content.xml';
const pageXml = (ofd: Uint8Array) => Buffer.from(openOfd(ofd).file(PAGE)!).toString('utf8');

/** The holder's name without its first character (王建国 → 建国): TextCode and CGTransform glyphs both. */
function editHolderName(p: SealedPair): Buffer {
  const xml = pageXml(p.ofd);
  const name = p.metadata.holderName;
  const objects = xml.match(/<ofd:TextObject\b.*?<\/ofd:TextObject>/g)!;
  const target = objects.find((o) => o.includes(`>${name}</ofd:TextCode>`));
  assert.ok(target, `a TextObject with the holder's name ${name}`);
  const rest = [...name].slice(1);
  const edited = target
    .replace(/CodeCount="\d+" GlyphCount="\d+"/, `CodeCount="${rest.length}" GlyphCount="${rest.length}"`)
    .replace(
      /<ofd:Glyphs>([^<]*)<\/ofd:Glyphs>/,
      (_, g: string) => `<ofd:Glyphs>${g.split(' ').slice(1).join(' ')}</ofd:Glyphs>`,
    )
    .replace(/ DeltaX="([^"]*)"/, (_, d: string) => {
      const left = d.split(' ').slice(1);
      return left.length ? ` DeltaX="${left.join(' ')}"` : '';
    })
    .replace(`>${name}</ofd:TextCode>`, `>${rest.join('')}</ofd:TextCode>`);
  return mutate(p.ofd, { [PAGE]: xml.replace(target, edited) });
}

/** The page without its QR code modules: the PathObject with the longest AbbreviatedData. */
function dropQr(p: SealedPair): Buffer {
  const xml = pageXml(p.ofd);
  const paths = xml.match(/<ofd:PathObject\b.*?<\/ofd:PathObject>/g)!;
  const qr = paths.reduce((a, b) => (b.length > a.length ? b : a));
  return mutate(p.ofd, { [PAGE]: xml.replace(qr, '') });
}

interface Verdict {
  d: BitmapDifference;
  block: ReturnType<typeof worstBlockDifference>;
  within: boolean;
}

function judge(ofd: Uint8Array, reference: Bitmap): Verdict {
  const img = rasteriseOfd(ofd, { width: reference.width, height: reference.height, dpi: DPI });
  const d = compareBitmaps(img, reference, TOLERANCE);
  const block = worstBlockDifference(img, reference, BLOCK);
  return {
    d,
    block,
    within:
      d.mismatchedFraction <= MAX_MISMATCHED &&
      d.meanAbsolute <= MAX_MEAN_ABS &&
      block.delta <= MAX_BLOCK_DELTA,
  };
}

const show = ({ d, block }: Verdict) =>
  `(a) ${(d.mismatchedFraction * 100).toFixed(2)}% mismatched (${d.mismatched} px), (b) mean |Δ| ` +
  `${d.meanAbsolute.toFixed(2)}/255, (c) worst ${BLOCK}-px block Δ ${block.delta.toFixed(1)}/255 at (${block.x}, ${block.y}) px`;

describe(`T5: our OFD rasteriser vs pdftoppm -r ${DPI} of the PDF`, { skip }, () => {
  for (const type of DEMO_LICENCE_TYPES)
    it(`${type.code} ${type.name}: within tolerance; an edited name or a dropped QR code is not`, async (t) => {
      const p = await sealedPair(type, { seal });
      const reference = pdftoppm(p.pdf, DPI);
      const honest = judge(p.ofd, reference);
      t.diagnostic(`honest: ${show(honest)}`);
      assert.ok(
        honest.within,
        `outside the tolerance: ${show(honest)}; mismatches in ${JSON.stringify(honest.d.box)}`,
      );
      for (const [what, ofd] of [
        ['holder name edited', editHolderName(p)],
        ['QR code dropped', dropQr(p)],
      ] as const) {
        const v = judge(ofd, reference);
        t.diagnostic(`${what}: ${show(v)}`);
        assert.ok(!v.within, `${what} passed the comparison: ${show(v)}`);
      }
    });
});

describe(`the copy watermark (加注件): our OFD rasteriser vs pdftoppm -r ${DPI}`, { skip }, () => {
  it('a copy matches within the tolerance, watermark included; the copy without its watermark does not', async (t) => {
    const copy = {
      maker: '浙江省大数据发展管理局',
      madeAt: '2026-12-01T08:00:00Z',
      purpose: '仅供办理住房公积金贷款使用',
      expiresAt: '2027-01-31T16:00:00Z',
    };
    const p = await sealedPair(DEMO_LICENCE_TYPES[0]!, { seal, metadata: { copy } });
    const xml = pageXml(p.ofd);
    // The watermark is the rotated text: the only TextObjects placed by a CTM.
    const rotated = xml.match(/<ofd:TextObject\b[^>]* CTM="[^"]*"[^>]*>.*?<\/ofd:TextObject>/g) ?? [];
    assert.ok(rotated.length > 0, 'the copy page has rotated watermark text');
    assert.ok(
      rotated.some((o) => o.includes(copy.purpose)),
      'the watermark carries the purpose',
    );
    const reference = pdftoppm(p.pdf, DPI);
    const honest = judge(p.ofd, reference);
    t.diagnostic(`copy: ${show(honest)}`);
    assert.ok(honest.within, `outside the tolerance: ${show(honest)}`);
    const stripped = mutate(p.ofd, { [PAGE]: rotated.reduce((x, o) => x.replace(o, ''), xml) });
    const v = judge(stripped, reference);
    t.diagnostic(`watermark removed: ${show(v)}`);
    assert.ok(!v.within, `a copy without its watermark passed the comparison: ${show(v)}`);
  });
});

describe('the comparison tools themselves', () => {
  it('parsePpm reads any P6 image (comments in the header too) as opaque RGBA', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.uint8Array({ minLength: 243, maxLength: 243 }),
        (w, h, comment, bytes) => {
          const rgb = bytes.subarray(0, w * h * 3);
          const ppm = Buffer.concat([
            Buffer.from(`P6\n${comment ? '# pdftoppm\n' : ''}${w} ${h}\n255\n`),
            rgb,
          ]);
          const img = parsePpm(ppm);
          assert.equal(img.width, w);
          assert.equal(img.height, h);
          for (let i = 0; i < w * h; i++)
            assert.deepEqual(
              [...img.rgba.subarray(i * 4, i * 4 + 4)],
              [rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255],
            );
        },
      ),
    );
  });

  it('abbreviatedToSvg maps GB/T 33190 Table 36 operators to SVG path commands', () => {
    assert.equal(
      abbreviatedToSvg(' M 0 0 L 1 2 B 1 1 2 2 3 3 Q 1 1 2 2 A 1 1 0 0 1 5 5 C '),
      'M 0 0 L 1 2 C 1 1 2 2 3 3 Q 1 1 2 2 A 1 1 0 0 1 5 5 Z',
    );
    assert.throws(() => abbreviatedToSvg('M 0 0 X 1'), /operator X/);
  });

  it('compareBitmaps: identical images match; a shifted square mismatches only beyond the 1-px radius', () => {
    const square = (off: number): Bitmap => {
      const rgba = new Uint8Array(20 * 20 * 4).fill(255);
      for (let y = 5; y < 15; y++)
        for (let x = 5 + off; x < 15 + off; x++) rgba.fill(0, (y * 20 + x) * 4, (y * 20 + x) * 4 + 3);
      return { width: 20, height: 20, rgba };
    };
    assert.equal(compareBitmaps(square(0), square(0), TOLERANCE).mismatched, 0);
    assert.equal(compareBitmaps(square(0), square(1), TOLERANCE).mismatched, 0);
    // Two columns at each vertical edge, less the four corner pixels a diagonal neighbour excuses.
    assert.equal(compareBitmaps(square(0), square(2), TOLERANCE).mismatched, 4 * 10 - 4);
  });
});
