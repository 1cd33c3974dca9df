import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { licenceFont } from '../../src/licence/licence-fonts.js';
import { TrueTypeSource, TrueTypeSubset } from '../../src/licence/truetype-subset.js';

// The glyph tables shared between the PDF and OFD writers (truetype-subset.ts glyphTables) must give the same
// font file as copying the glyphs afresh, composites' components included.
describe('TrueType subset glyph-table cache', () => {
  const face = licenceFont('sans', 'regular');
  const text = '营业执照统一社会信用代码ÀÉ2024年';
  const gids = [...text].map((ch) => face.font.glyphForCodePoint(ch.codePointAt(0)!)!.id);
  const subset = (source: TrueTypeSource) => {
    const s = new TrueTypeSubset(source);
    const ids = gids.map((g) => s.includeGlyph(g));
    return { s, ids };
  };

  it('a cached encode is byte-identical to a fresh one, for both the PDF and the standalone file', () => {
    const cmap = new Map([...text].map((ch, i) => [ch.codePointAt(0)!, gids[i]!]));
    const names = { family: 'F', subfamily: 'Regular', fullName: 'F Regular', postscriptName: 'F' };
    // A copy of the file has an empty cache: its first encode copies every glyph.
    const fresh = subset(new TrueTypeSource(new Uint8Array(face.bytes))).s.encode({ cmap, names });
    const shared = new TrueTypeSource(new Uint8Array(face.bytes));
    const first = subset(shared);
    const pdf = first.s.encode();
    const second = subset(shared);
    assert.deepEqual(second.ids, first.ids);
    assert.deepEqual(Buffer.from(second.s.encode({ cmap, names })), Buffer.from(fresh));
    assert.deepEqual(Buffer.from(subset(shared).s.encode()), Buffer.from(pdf));
  });

  it('a different glyph list is not served from the cache', () => {
    const shared = new TrueTypeSource(new Uint8Array(face.bytes));
    const a = subset(shared).s.encode();
    const s = new TrueTypeSubset(shared);
    [...gids].reverse().forEach((g) => s.includeGlyph(g));
    const b = s.encode();
    const c = new TrueTypeSubset(new TrueTypeSource(new Uint8Array(face.bytes)));
    [...gids].reverse().forEach((g) => c.includeGlyph(g));
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
    assert.deepEqual(Buffer.from(b), Buffer.from(c.encode()));
  });
});
