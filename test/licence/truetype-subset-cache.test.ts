import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateRawSync, inflateSync } from 'node:zlib';
import fontkit from '@cantoo/fontkit';
import { licenceFont } from '../../src/licence/licence-fonts.js';
import { subsetFontDeflate, TrueTypeSource, TrueTypeSubset } from '../../src/licence/truetype-subset.js';

// The PDF and OFD writers of one licence subset each face with the same characters in the same order; the
// glyph tables and the font file made for the first are reused by the second (truetype-subset.ts). Reuse must
// give exactly what a fresh subset would, and only for the same glyphs and characters.
describe('TrueType subset cache', () => {
  const face = licenceFont('sans', 'regular');
  const text = '营业执照统一社会信用代码ÀÉ2024年';
  const cps = [...text].map((ch) => ch.codePointAt(0)!);
  const gids = cps.map((cp) => face.font.glyphForCodePoint(cp)!.id);
  const names = { family: 'F', subfamily: 'Regular', fullName: 'F Regular', postscriptName: 'F' };
  const subset = (source: TrueTypeSource, order = [...cps.keys()]) => {
    const s = new TrueTypeSubset(source);
    const ids = order.map((i) => s.includeGlyph(gids[i]!, cps[i]!));
    return { s, ids };
  };

  it('a cached encode returns the same file, byte-identical to a fresh subset', () => {
    // A copy of the file has an empty cache: its first encode copies every glyph.
    const fresh = subset(new TrueTypeSource(new Uint8Array(face.bytes), names)).s.encode();
    const shared = new TrueTypeSource(new Uint8Array(face.bytes), names);
    const first = subset(shared);
    const pdf = first.s.encode();
    const second = subset(shared);
    assert.deepEqual(second.ids, first.ids);
    const ofd = second.s.encode();
    assert.equal(ofd, pdf, 'the second writer gets the very bytes the first made');
    assert.deepEqual(Buffer.from(ofd), Buffer.from(fresh));
  });

  it('the file maps every included character to its subset glyph, as fontkit reads it', () => {
    const { s, ids } = subset(new TrueTypeSource(new Uint8Array(face.bytes), names));
    const font = fontkit.create(Buffer.from(s.encode()));
    assert.ok('glyphForCodePoint' in font);
    cps.forEach((cp, i) => assert.equal(font.glyphForCodePoint(cp)?.id, ids[i], String.fromCodePoint(cp)));
    assert.equal(font.postscriptName, 'F');
  });

  it('maps a character beyond the BMP through a format 12 subtable, and only then writes one', () => {
    const ext = 0x20087; // 𠂇, CJK Extension B, in Noto Sans SC
    const gid = face.font.glyphForCodePoint(ext)!.id;
    assert.notEqual(gid, 0);
    const bmpOnly = subset(new TrueTypeSource(new Uint8Array(face.bytes), names)).s.encode();
    const s = new TrueTypeSubset(new TrueTypeSource(new Uint8Array(face.bytes), names));
    const id = s.includeGlyph(gid, ext);
    const han = s.includeGlyph(gids[0]!, cps[0]!);
    const wide = s.encode();
    const font = fontkit.create(Buffer.from(wide));
    assert.ok('glyphForCodePoint' in font);
    assert.equal(font.glyphForCodePoint(ext)?.id, id);
    assert.equal(font.glyphForCodePoint(cps[0]!)?.id, han);
    // The table directory of each cmap: (3,1) alone, or (3,1) and (3,10).
    const records = (file: Uint8Array) => {
      const f = fontkit.create(Buffer.from(file)) as unknown as {
        cmap: { tables: { platformID: number; encodingID: number }[] };
      };
      return f.cmap.tables.map((t) => `${t.platformID},${t.encodingID}`);
    };
    assert.deepEqual(records(bmpOnly), ['3,1']);
    assert.deepEqual(records(wide), ['3,1', '3,10']);
  });

  it('a different glyph order or another character set is not served from the cache', () => {
    const shared = new TrueTypeSource(new Uint8Array(face.bytes), names);
    const a = subset(shared).s.encode();
    const reversed = [...cps.keys()].reverse();
    const b = subset(shared, reversed).s.encode();
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
    const c = subset(new TrueTypeSource(new Uint8Array(face.bytes), names), reversed).s.encode();
    assert.deepEqual(Buffer.from(b), Buffer.from(c));
    // Same glyphs, one character fewer in the cmap: another file.
    const s = new TrueTypeSubset(shared);
    cps.forEach((cp, i) => (i === 0 ? s.includeGlyph(gids[i]!) : s.includeGlyph(gids[i]!, cp)));
    const d = s.encode();
    assert.notEqual(d, a);
    const font = fontkit.create(Buffer.from(d));
    assert.ok('glyphForCodePoint' in font);
    assert.equal(font.glyphForCodePoint(cps[0]!)?.id ?? 0, 0);
  });

  it('deflates a file once: the zlib stream for the PDF, its raw body for the ZIP', () => {
    const file = subset(new TrueTypeSource(new Uint8Array(face.bytes), names)).s.encode();
    const d = subsetFontDeflate(file);
    assert.equal(subsetFontDeflate(file), d);
    assert.deepEqual(inflateSync(d.zlib), Buffer.from(file));
    assert.deepEqual(inflateRawSync(d.raw), Buffer.from(file));
  });
});
