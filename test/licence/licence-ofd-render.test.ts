import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openOfd } from '../../src/ofd/ofd-package.js';
import { countRed } from '../pdf/page-render.js';
import { ofdJsBundle, renderWithOfdJs } from '../helpers/ofdjs-page.js';
import { decodeScreenshot } from '../ofd/screenshot-png.js';
import { DEMO_LICENCE_TYPES, pictureSeal, pngOfSvg, PUBLIC_URL, sealedPair } from './licence-ofd-support.js';

// T5 (../shared/spec/ofd.md §4.7), first reader: ofd.js 0.2.6 in Debian's Chromium opens a licence OFD made by
// the production path, draws one page with the seal picture in its StampAnnot box (the page itself carries no
// seal, §1.6), and `zbarimg` decodes the QR code of the screenshot to `<public URL>/l/<identifier>`.

const CHROMIUM = '/usr/bin/chromium';
const zbar = spawnSync('zbarimg', ['--version']).status === 0;
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`
  : !zbar
    ? 'zbarimg is absent (apt-get install zbar-tools; .ci/run does)'
    : false;

type Browser = import('playwright-core').Browser;

/** ofd.js scales to the width it is given, at most 5 px per mm: enough for zbar to read the QR modules. */
const RENDER_WIDTH = 1600;

let browser: Browser;
let bundle: string;
let dir: string;
let seal: Buffer;

/** A red round seal picture, 40 mm at 300 px, as the seal service makes them (resvg). */
function sealPng(): Buffer {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="472" height="472" viewBox="0 0 100 100">' +
    '<circle cx="50" cy="50" r="46" fill="none" stroke="#e00000" stroke-width="5"/>' +
    '<polygon points="50,25 56,43 75,43 60,54 66,72 50,61 34,72 40,54 25,43 44,43" fill="#e00000"/></svg>';
  return pngOfSvg(svg);
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'licence-ofd-render-'));
  bundle = ofdJsBundle();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  seal = pictureSeal(sealPng());
});

after(async () => {
  await browser?.close();
  if (dir && !process.env.KEEP_SHOTS) rmSync(dir, { recursive: true, force: true });
});

describe('T5: ofd.js 0.2.6 in Chromium renders a licence OFD', { skip }, () => {
  for (const type of DEMO_LICENCE_TYPES)
    it(`${type.code} ${type.name}: one page, the seal in its StampAnnot box, a QR code zbarimg reads`, async () => {
      const p = await sealedPair(type, { seal, formats: ['pdf', 'ofd'] });
      const doc = openOfd(p.ofd).documents[0]!;
      const [x, y, w, h] = doc.signatures[0]!.signature!.stampAnnots[0]!.boundary!.split(' ').map(Number) as [
        number,
        number,
        number,
        number,
      ];
      const { context, page, errors, ...result } = await renderWithOfdJs(
        browser,
        bundle,
        p.ofd,
        RENDER_WIDTH,
        {
          width: 1620,
          height: 2400,
        },
      );
      try {
        assert.equal(result.pages, 1);
        assert.equal(result.seals, 1, 'the seal picture drawn once, at the StampAnnot');
        const box = await page.locator('#pages > div').first().boundingBox();
        assert.ok(box);
        const png = await page.screenshot({ fullPage: true });
        assert.deepEqual(errors, []);
        const img = decodeScreenshot(png);
        const shot = join(dir, `${type.code}.png`);
        writeFileSync(shot, png);
        const physical = /<ofd:PhysicalBox>0 0 ([\d.]+) /.exec(
          Buffer.from(openOfd(p.ofd).file('Doc_0/Document.xml')!).toString('utf8'),
        )!;
        const pageWidthMm = Number(physical[1]);
        const scale = box.width / pageWidthMm;
        const seal = { x: box.x + x * scale, y: box.y + y * scale, w: w * scale, h: h * scale };
        const decoded = execFileSync('zbarimg', ['-q', '--raw', shot], { encoding: 'utf8' }).trim();
        assert.equal(decoded, `${PUBLIC_URL}/l/${p.metadata.identifier}`);
        // The seal picture's element sits exactly at the StampAnnot box.
        const b = (await page.locator('svg[name="seal_img_div"]').first().boundingBox())!;
        const drawn = { x: b.x, y: b.y, w: b.width, h: b.height };
        for (const k of ['x', 'y', 'w', 'h'] as const)
          assert.ok(Math.abs(drawn[k] - seal[k]) < 3, `seal ${k}: drawn ${drawn[k]}, box ${seal[k]}`);
        const inside = countRed(img, seal.x, seal.y, seal.x + seal.w, seal.y + seal.h);
        // The seal is seen, not only placed: ofd.js stacks it by its StampAnnot ID (licence-ofd-sealing.ts).
        assert.ok(inside > 0.05 * seal.w * seal.h, `${inside} seal-red pixels in the seal box`);
      } finally {
        await context.close();
      }
    });
});
