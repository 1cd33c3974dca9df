import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PdfObjectIndex } from '../../../src/pdf/pdf-object-index.js';
import { analyseModifications } from '../../../src/verify/modifications/revision-diff.js';
import { BASE, miniPdf, stream, type Objects } from './mini-pdf.js';

// Properties of the overlay judgement over random annotations added after the signature: whatever the
// subtype, flags, rectangle and appearance, an annotation that is hidden, has no area or lies outside the
// page is never an overlay, and one that paints a non-empty appearance inside the page always is.

const SUBTYPES = ['Text', 'Link', 'FreeText', 'Square', 'Stamp', 'Popup', 'Widget', 'Ink', 'Redact', 'Foo'];
const PAINT = stream('0 0 1 rg 0 0 10 10 re f', '/Type /XObject /Subtype /Form /BBox [0 0 10 10]');
const PAGE =
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R /Annots [10 0 R 11 0 R 20 0 R] >>';

function categoryOf(sub: string, flags: number, rect: number[], ap: boolean): string[] {
  const annot = `<< /Type /Annot /Subtype /${sub} /F ${flags} /Rect [${rect.join(' ')}] ${
    sub === 'Widget' ? '/FT /Tx /T (r) ' : ''
  }${ap ? '/AP << /N 21 0 R >> ' : ''}>>`;
  const update: Objects = { 3: PAGE, 20: annot };
  if (ap) update[21] = PAINT;
  const pdf = miniPdf([BASE, update], { info: 6 });
  const a = analyseModifications(new PdfObjectIndex(pdf), 0);
  return a.changes.filter((c) => c.num === 20).map((c) => c.category);
}

describe('overlay judgement (property)', () => {
  it('hidden, empty or off-page annotations never overlay; visible painted ones always do', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUBTYPES),
        fc.integer({ min: 0, max: 1023 }),
        fc.tuple(
          fc.integer({ min: -100, max: 900 }),
          fc.integer({ min: -100, max: 900 }),
          fc.integer({ min: -100, max: 900 }),
          fc.integer({ min: -100, max: 900 }),
        ),
        fc.boolean(),
        (sub, flags, [a, b, c, d], ap) => {
          const cats = categoryOf(sub, flags, [a, b, c, d], ap);
          assert.equal(cats.length, 1, `one change for the new annotation: ${cats}`);
          const [x0, x1] = [Math.min(a, c), Math.max(a, c)];
          const [y0, y1] = [Math.min(b, d), Math.max(b, d)];
          const hidden = (flags & 2) !== 0 || ((flags & 32) !== 0 && (flags & 4) === 0);
          const empty = x1 <= x0 || y1 <= y0;
          const offPage = x1 <= 0 || x0 >= 600 || y1 <= 0 || y0 >= 800;
          if (hidden || empty || offPage) assert.notEqual(cats[0], 'overlay');
          else if (ap) assert.equal(cats[0], 'overlay');
          assert.ok(['annotation', 'overlay'].includes(cats[0]!), cats[0]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
