import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument } from '@cantoo/pdf-lib';
import fc from 'fast-check';
import { encodeInkPng } from '../../src/seal/indexed-png.js';
import { drawOfficialSeal, renderSealInkPng, renderSealPng } from '../../src/seal/seal-picture.js';
import { renderPage } from '../pdf/page-render.js';

/** Decodes through independent readers: pdf-lib's PNG parser embeds it, poppler renders it. */
async function rendered(png: Buffer, size: number, scale = 1) {
  const doc = await PDFDocument.create();
  const page = doc.addPage([size * scale, size * scale]);
  page.drawImage(await doc.embedPng(png), { x: 0, y: 0, width: size * scale, height: size * scale });
  return renderPage(await doc.save(), 0, 72);
}

test('the ink PNG is a fraction of the RGBA PNG and shows the same seal', async () => {
  const seal = drawOfficialSeal({
    agencyName: '江苏省住房和城乡建设厅',
    sealName: '',
    code: '3200000000001',
  });
  const rgbaPng = renderSealPng(seal.svg);
  const ink = renderSealInkPng(seal.svg);
  assert.ok(ink.length * 2 < rgbaPng.length, `${ink.length} vs ${rgbaPng.length}`);
  const img = await rendered(ink, 400);
  const [r, g, b] = img.rgb(200, 200); // the star's centre
  assert.ok(r > 200 && g < 60 && b < 80, `star centre ${r},${g},${b}`);
  assert.deepEqual(img.rgb(3, 3), [255, 255, 255]); // outside the ring: transparent over white
});

test('every opacity level round-trips to its nearest of 16 levels', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 16, maxLength: 16 }), async (alphas) => {
      const w = 4;
      const rgba = new Uint8Array(w * 4 * 4);
      alphas.forEach((a, i) => rgba.set([0, 0, 0, a], i * 4));
      const png = encodeInkPng(rgba, w, 4, [0, 0, 255]);
      const img = await rendered(png, 4, 10); // 10 px per pixel: sample centres, away from smoothing
      alphas.forEach((a, i) => {
        const level = Math.round((a * 15) / 255) * 17;
        // Blue ink over white: red and green fall as opacity rises.
        const [r, , blue] = img.rgb((i % w) * 10 + 5, Math.floor(i / w) * 10 + 5);
        assert.ok(Math.abs(r - (255 - level)) <= 2, `alpha ${a}: red ${r}, expected ${255 - level}`);
        assert.equal(blue, 255);
      });
    }),
    { numRuns: 20 },
  );
});

test('refuses a buffer that does not match the size', () => {
  assert.throws(() => encodeInkPng(new Uint8Array(15), 2, 2, [0, 0, 0]), RangeError);
});
