// The renderer's building blocks: the TrueType subsetter (checked against fontkit's reading of the original
// font) and Chinese line breaking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fontkit from '@cantoo/fontkit';
import fc from 'fast-check';
import { licenceFont } from '../../src/licence/licence-fonts.js';
import { breakLines, fitText } from '../../src/licence/licence-text-layout.js';
import { TrueTypeFormatError, TrueTypeSource, TrueTypeSubset } from '../../src/licence/truetype-subset.js';

describe('TrueType subsetter', () => {
  const sans = licenceFont('sans', 'regular');
  const source = new TrueTypeSource(sans.bytes);
  const original = sans.font;

  it('keeps the outline and advance of every included glyph under its new id (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: source.numGlyphs - 1 }), { maxLength: 60 }),
        (gids) => {
          const subset = new TrueTypeSubset(source);
          const ids = gids.map((g) => subset.includeGlyph(g));
          assert.equal(subset.includeGlyph(0), 0, '.notdef stays glyph 0');
          const font = fontkit.create(Buffer.from(subset.encode()));
          assert.ok('getGlyph' in font);
          assert.equal(font.numGlyphs, new Set([0, ...gids]).size);
          gids.forEach((gid, i) => {
            const a = original.getGlyph(gid)!;
            const b = font.getGlyph(ids[i]!)!;
            assert.equal(b.path.toSVG(), a.path.toSVG(), `glyph ${gid}`);
            assert.equal(b.advanceWidth, a.advanceWidth, `advance of glyph ${gid}`);
          });
        },
      ),
      { numRuns: 30 },
    );
  });

  it('includes a glyph once and accepts glyph objects', () => {
    const subset = new TrueTypeSubset(source);
    const g = original.glyphForCodePoint('证'.codePointAt(0)!)!;
    assert.equal(subset.includeGlyph(g), 1);
    assert.equal(subset.includeGlyph(g.id), 1);
    assert.equal(subset.includeGlyph(original.glyphForCodePoint('照'.codePointAt(0)!)!), 2);
  });

  it('renumbers the components of composite glyphs (synthetic font: Noto CJK has none)', () => {
    const font = syntheticFontWithComposite();
    const src = new TrueTypeSource(font);
    const reference = fontkit.create(Buffer.from(font));
    assert.ok('getGlyph' in reference);
    const subset = new TrueTypeSubset(src);
    assert.equal(subset.includeGlyph(3), 1); // the composite, before its components
    const out = fontkit.create(Buffer.from(subset.encode()));
    assert.ok('getGlyph' in out);
    assert.equal(out.numGlyphs, 4, 'the two components were pulled in');
    const svg = out.getGlyph(1)!.path.toSVG();
    assert.ok(svg.length > 20, svg);
    assert.equal(svg, reference.getGlyph(3)!.path.toSVG());
  });

  it('refuses what it cannot subset', () => {
    assert.throws(() => new TrueTypeSource(Buffer.from('OTTO0000000000000000')), TrueTypeFormatError);
    const subset = new TrueTypeSubset(source);
    subset.includeGlyph(source.numGlyphs + 5);
    assert.throws(() => subset.encode(), TrueTypeFormatError);
  });
});

describe('line breaking', () => {
  const font = licenceFont('sans', 'regular');
  const text = fc.string({
    unit: fc.constantFrom(...'证照电子营业执照经营范围，。、；：）ABC xyz 0123456789（'),
    minLength: 1,
    maxLength: 120,
  });

  it('loses no character, keeps lines within the width and starts no line with closing punctuation (property)', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 40, max: 400 }), (t, widthPt) => {
        const lines = breakLines(t, font, widthPt, 10);
        // Only spaces at line ends may be dropped.
        assert.equal(lines.join('').replace(/ /g, ''), t.replace(/ /g, ''));
        for (const [i, l] of lines.entries()) {
          if ([...l].length > 1)
            assert.ok(font.widthPt(l, 10) <= widthPt + 1e-6, `line ${i} "${l}" too wide`);
          // Unavoidable only after a line of one unbreakable unit (a character or a Latin word).
          if (i > 0 && l.length > 0 && !/^(?:[\x21-\x7e]+|.)$/u.test(lines[i - 1]!))
            assert.ok(!'，。、；：）'.includes(l[0]!), `line ${i} "${l}" starts with closing punctuation`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never leaves a line of spaces behind when closing punctuation moves to the next line', () => {
    // Found by the property above: "证 " + "。" × 3 + "、" in 4 ems came out as ["证", "", "。。。、"].
    const em = font.widthPt('证', 10);
    assert.deepEqual(breakLines('证 。。。、', font, 4 * em, 10), ['证', '。。。、']);
  });

  it('keeps Latin words and numbers whole when they fit', () => {
    const lines = breakLines('注册资本 12345678 元整', font, font.widthPt('注册资本 1234', 10), 10);
    assert.ok(
      lines.some((l) => l.includes('12345678')),
      JSON.stringify(lines),
    );
  });

  it('fitText shrinks only down to the minimum and reports null below it', () => {
    const box = { font, heightPt: 20, lineHeight: 1.4 };
    const one = fitText({
      ...box,
      text: '证照'.repeat(10),
      widthPt: 200,
      sizePt: 12,
      minSizePt: 8,
      wrap: false,
    });
    assert.ok(one && one.sizePt < 12 && one.sizePt >= 8 && font.widthPt(one.lines[0]!, one.sizePt) <= 200);
    assert.equal(
      fitText({ ...box, text: '证照'.repeat(20), widthPt: 200, sizePt: 12, minSizePt: 8, wrap: false }),
      null,
    );
    const wrapped = fitText({
      ...box,
      text: '证照'.repeat(20),
      widthPt: 200,
      heightPt: 60,
      sizePt: 12,
      minSizePt: 6,
      wrap: true,
    });
    assert.ok(wrapped && wrapped.lines.length >= 2);
    assert.ok((wrapped.lines.length - 1) * wrapped.sizePt * 1.4 + wrapped.sizePt <= 60);
  });
});

/** A four-glyph TrueType font: .notdef, a square, a triangle, and a composite of both (second one scaled). */
function syntheticFontWithComposite(): Uint8Array {
  const simple = (pts: [number, number][]) => {
    const b = Buffer.alloc(10 + 2 + 2 + pts.length + pts.length * 4);
    b.writeInt16BE(1, 0);
    b.writeInt16BE(Math.min(...pts.map((p) => p[0])), 2);
    b.writeInt16BE(Math.min(...pts.map((p) => p[1])), 4);
    b.writeInt16BE(Math.max(...pts.map((p) => p[0])), 6);
    b.writeInt16BE(Math.max(...pts.map((p) => p[1])), 8);
    b.writeUInt16BE(pts.length - 1, 10); // endPtsOfContours
    b.writeUInt16BE(0, 12); // no instructions
    let o = 14;
    for (let i = 0; i < pts.length; i++) b[o++] = 1; // on-curve, int16 deltas
    for (const axis of [0, 1]) {
      let prev = 0;
      for (const p of pts) {
        o = b.writeInt16BE(p[axis]! - prev, o);
        prev = p[axis]!;
      }
    }
    return b;
  };
  const composite = Buffer.alloc(10 + 8 + 10);
  composite.writeInt16BE(-1, 0);
  composite.writeInt16BE(0, 2);
  composite.writeInt16BE(0, 4);
  composite.writeInt16BE(900, 6);
  composite.writeInt16BE(900, 8);
  composite.writeUInt16BE(0x0001 | 0x0002 | 0x0020, 10); // words, xy values, more components
  composite.writeUInt16BE(1, 12);
  composite.writeInt16BE(0, 14);
  composite.writeInt16BE(0, 16);
  composite.writeUInt16BE(0x0001 | 0x0002 | 0x0008, 18); // words, xy values, scale
  composite.writeUInt16BE(2, 20);
  composite.writeInt16BE(500, 22);
  composite.writeInt16BE(100, 24);
  composite.writeInt16BE(0x2000, 26); // scale 0.5 (F2Dot14)
  const glyphs = [
    Buffer.alloc(0),
    simple([
      [100, 100],
      [100, 500],
      [500, 500],
      [500, 100],
    ]),
    simple([
      [0, 0],
      [400, 800],
      [800, 0],
    ]),
    composite,
  ].map((g) => Buffer.concat([g, Buffer.alloc((4 - (g.length % 4)) % 4)]));
  const loca = Buffer.alloc(4 * 5);
  let off = 0;
  glyphs.forEach((g, i) => {
    loca.writeUInt32BE(off, i * 4);
    off += g.length;
  });
  loca.writeUInt32BE(off, 16);
  const head = Buffer.alloc(54);
  head.writeUInt32BE(0x00010000, 0);
  head.writeUInt32BE(0x5f0f3cf5, 12); // magic
  head.writeUInt16BE(1000, 18); // unitsPerEm
  head.writeInt16BE(900, 40);
  head.writeInt16BE(900, 42);
  head.writeInt16BE(1, 50); // long loca
  const hhea = Buffer.alloc(36);
  hhea.writeUInt32BE(0x00010000, 0);
  hhea.writeInt16BE(880, 4);
  hhea.writeInt16BE(-120, 6);
  hhea.writeUInt16BE(4, 34);
  const maxp = Buffer.alloc(32);
  maxp.writeUInt32BE(0x00010000, 0);
  maxp.writeUInt16BE(4, 4);
  const hmtx = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) hmtx.writeUInt16BE(1000, i * 4);
  const tables: [string, Buffer][] = [
    ['glyf', Buffer.concat(glyphs)],
    ['head', head],
    ['hhea', hhea],
    ['hmtx', hmtx],
    ['loca', loca],
    ['maxp', maxp],
  ];
  const dir = Buffer.alloc(12 + tables.length * 16);
  dir.writeUInt32BE(0x00010000, 0);
  dir.writeUInt16BE(tables.length, 4);
  let offset = dir.length;
  const bodies: Buffer[] = [];
  tables.forEach(([tag, data], i) => {
    dir.write(tag, 12 + i * 16, 'latin1');
    dir.writeUInt32BE(offset, 12 + i * 16 + 8);
    dir.writeUInt32BE(data.length, 12 + i * 16 + 12);
    const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
    bodies.push(padded);
    offset += padded.length;
  });
  return new Uint8Array(Buffer.concat([dir, ...bodies]));
}
