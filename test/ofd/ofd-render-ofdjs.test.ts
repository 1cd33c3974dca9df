import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { openOfd } from '../../src/ofd/ofd-package.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { countRed, type RenderedPage } from '../pdf/page-render.js';
import { fixture, fixturesSkip, unsignedOfd } from './ofd-stamping-support.js';
import { ofdJsBundle, renderWithOfdJs } from '../helpers/ofdjs-page.js';
import { decodeScreenshot } from './screenshot-png.js';

// An independent reader opens what we write: ofd.js 0.2.6 (DLTech21, Apache-2.0, a test-only devDependency) in
// Debian's Chromium renders an OFD stamped through POST /v1/documents/seal, and the screenshot shows the seal
// picture (GM/T 0099-2020 §7.2: the reader draws the SES picture at each StampAnnot Boundary, GB/T 33190 §18.2.2)
// inside the StampAnnot box and nowhere else, on a page whose own content is drawn where it belongs.

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`;

type Browser = import('playwright-core').Browser;

const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';
/** ofd.js scales pages to the width it is given (less 10 px), to one decimal of px per mm, at most 5. */
const RENDER_WIDTH = 800;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Rendered {
  img: RenderedPage;
  /** The first page element, in screenshot pixels. */
  page: Box;
  /** Screenshot pixels per millimetre of the page. */
  scale: number;
  seals: number;
}

let srv: TestServer;
let browser: Browser;
let bundle: string;
const agency = { id: '', esID: '', issuer: '', widthMm: 0, heightMm: 0 };

async function json<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  assert.equal(res.status, status, body);
  return JSON.parse(body) as T;
}

before(async () => {
  if (skip) return;
  bundle = ofdJsBundle();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  srv = await startTestServer();
  agency.id = await srv.agency('杭州市市场监督管理局', '113301000024902776', '330100');
  const key = await json<{ certificateSerial: string }>(
    await srv.request(`/v1/agencies/${agency.id}/signer-keys`, {
      method: 'POST',
      token: srv.adminToken,
      json: {},
    }),
    201,
  );
  agency.esID = (
    await json<{ esID: string }>(
      await srv.request('/v1/seals', {
        method: 'POST',
        token: await srv.token('seal-maker'),
        json: {
          agencyId: agency.id,
          name: '杭州市市场监督管理局',
          type: 'official',
          signerCertSerials: [key.certificateSerial],
          validFrom: new Date(Date.now() - 60_000).toISOString(),
          validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
        },
      }),
      201,
    )
  ).esID;
  agency.issuer = await srv.token('issuer', { agencyId: agency.id });
  const seal = await srv.services.seals.find(agency.esID);
  assert.ok(seal);
  agency.widthMm = seal.pictureWidthMm;
  agency.heightMm = seal.pictureHeightMm;
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

/** Stamps through the real HTTP endpoint with one absolute placement on page 1. */
async function stamp(ofd: Uint8Array, xMm: number, yMm: number): Promise<Buffer> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(ofd)], { type: 'application/ofd' }), 'contract.ofd');
  form.append(
    'request',
    JSON.stringify({ esID: agency.esID, placements: [{ type: 'absolute', page: 1, xMm, yMm }] }),
  );
  const res = await srv.request('/v1/documents/seal', { method: 'POST', token: agency.issuer, body: form });
  if (res.status !== 200) assert.fail(`stamping answered ${res.status}: ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The Boundary of every StampAnnot in the package, as numbers (mm). */
function stampAnnotBoxes(ofd: Uint8Array): Box[] {
  return openOfd(ofd)
    .documents.flatMap((d) => d.signatures)
    .flatMap((s) => s.signature?.stampAnnots ?? [])
    .map((a) => {
      const [x, y, w, h] = a.boundary!.split(' ').map(Number) as [number, number, number, number];
      return { x, y, w, h };
    });
}

/** ofd.js renders the package in a blank page (no network: the bundle is inlined); a screenshot of it all. */
async function render(ofd: Uint8Array, pageWidthMm: number): Promise<Rendered> {
  const { context, page, errors, ...result } = await renderWithOfdJs(browser, bundle, ofd, RENDER_WIDTH, {
    width: 820,
    height: 1200,
  });
  try {
    assert.ok(result.pages >= 1, 'ofd.js rendered no page');
    const pageBox = await page.locator('#pages > div').first().boundingBox();
    assert.ok(pageBox, 'the page element has a box');
    const img = decodeScreenshot(await page.screenshot({ fullPage: true }));
    assert.deepEqual(errors, []);
    return {
      img,
      page: { x: pageBox.x, y: pageBox.y, w: pageBox.width, h: pageBox.height },
      scale: pageBox.width / pageWidthMm,
      seals: result.seals,
    };
  } finally {
    await context.close();
  }
}

/** A box in page millimetres → screenshot pixels, grown by `margin` pixels on every side. */
function toPixels(r: Rendered, mm: Box, margin = 0): Box {
  return {
    x: r.page.x + mm.x * r.scale - margin,
    y: r.page.y + mm.y * r.scale - margin,
    w: mm.w * r.scale + 2 * margin,
    h: mm.h * r.scale + 2 * margin,
  };
}

const red = (img: RenderedPage, b: Box) => countRed(img, b.x, b.y, b.x + b.w, b.y + b.h);
const redEverywhere = (img: RenderedPage) => countRed(img, 0, 0, img.width, img.height);

function count(img: RenderedPage, b: Box, test: (rgb: [number, number, number]) => boolean): number {
  let n = 0;
  for (let y = Math.max(0, Math.ceil(b.y)); y < Math.min(img.height, Math.floor(b.y + b.h)); y++)
    for (let x = Math.max(0, Math.ceil(b.x)); x < Math.min(img.width, Math.floor(b.x + b.w)); x++)
      if (test(img.rgb(x, y))) n++;
  return n;
}
const dark = ([r, g, b]: [number, number, number]) => r < 80 && g < 80 && b < 80;
const white = ([r, g, b]: [number, number, number]) => r > 245 && g > 245 && b > 245;
const area = (b: Box) =>
  Math.max(0, Math.floor(b.x + b.w) - Math.ceil(b.x)) * Math.max(0, Math.floor(b.y + b.h) - Math.ceil(b.y));

/** The bounding box of the seal-red pixels inside `within`. */
function redBounds(img: RenderedPage, within: Box): Box {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (
    let y = Math.max(0, Math.floor(within.y));
    y < Math.min(img.height, Math.ceil(within.y + within.h));
    y++
  )
    for (
      let x = Math.max(0, Math.floor(within.x));
      x < Math.min(img.width, Math.ceil(within.x + within.w));
      x++
    )
      if (countRed(img, x, y, x + 1, y + 1)) {
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + 1), Math.max(y1, y + 1)];
      }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * The seal is drawn in `box` (page mm): seal-red pixels fill a real part of it and span it (the picture is
 * drawn at the box's size, not as a dot or cropped), and none lie more than 2 px outside it.
 */
function assertSealIn(r: Rendered, mm: Box, label: string): { inside: number; boxArea: number } {
  const box = toPixels(r, mm);
  const inside = red(r.img, box);
  const boxArea = area(box);
  assert.ok(inside > 0.05 * boxArea, `${label}: ${inside} seal-red pixels in a ${boxArea}-pixel box`);
  const span = redBounds(r.img, toPixels(r, mm, 2));
  assert.ok(
    span.w > 0.9 * box.w && span.h > 0.9 * box.h,
    `${label}: the red spans ${span.w}×${span.h} px of a ${box.w.toFixed(1)}×${box.h.toFixed(1)} px box`,
  );
  const [dx, dy] = [span.x + span.w / 2 - (box.x + box.w / 2), span.y + span.h / 2 - (box.y + box.h / 2)];
  assert.ok(
    Math.abs(dx) < 3 && Math.abs(dy) < 3,
    `${label}: the red's centre is (${dx.toFixed(1)}, ${dy.toFixed(1)}) px off the box's`,
  );
  return { inside, boxArea };
}

/** A one-page A4 OFD with a frame and a filled black bar, no signature. */
function unsignedPage(): Buffer {
  return unsignedOfd({
    'Doc_0/Document.xml': `<ofd:Document ${NS}><ofd:CommonData><ofd:MaxUnitID>20</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="2" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>`,
    'Doc_0/Pages/Page_0/Content.xml':
      `<ofd:Page ${NS}><ofd:Content><ofd:Layer ID="10" Type="Body">` +
      `<ofd:PathObject ID="11" Boundary="0 0 210 297" LineWidth="1"><ofd:StrokeColor Value="0 0 0"/><ofd:AbbreviatedData>M 10 10 L 200 10 L 200 287 L 10 287 C</ofd:AbbreviatedData></ofd:PathObject>` +
      `<ofd:PathObject ID="12" Boundary="20 20 100 12" Stroke="false" Fill="true"><ofd:FillColor Value="0 0 0"/><ofd:AbbreviatedData>M 0 0 L 100 0 L 100 12 L 0 12 C</ofd:AbbreviatedData></ofd:PathObject>` +
      `</ofd:Layer></ofd:Content></ofd:Page>`,
    'Doc_0/PublicRes.xml': null,
    'Doc_0/DocumentRes.xml': null,
    'Doc_0/Res/font_3.ttf': null,
    'Doc_0/Res/image_4.png': null,
    'Doc_0/Res/image_5.png': null,
    'Doc_0/Tpls/Tpl_0/Content.xml': null,
    'Doc_0/Pages/Page_0/PageRes.xml': null,
    'Doc_0/Annots/Annotations.xml': null,
    'Doc_0/Annots/Page_0/Annotation.xml': null,
    'Doc_0/Tags/CustomTags.xml': null,
    'Doc_0/Tags/Tag_Licence.xml': null,
    'Doc_0/Attachs/Attachments.xml': null,
    'Doc_0/Attachs/licence.json': null,
  });
}

describe('ofd.js 0.2.6 in Chromium renders what POST /v1/documents/seal writes', { skip }, () => {
  test('an unsigned one-page OFD stamped at (120, 200) mm: the page is drawn and the seal sits in its StampAnnot box', async () => {
    const placed = { x: 120, y: 200, w: agency.widthMm, h: agency.heightMm };
    const stamped = await stamp(unsignedPage(), placed.x, placed.y);
    // The box we check against is the one asked for; the file must say the same.
    assert.deepEqual(stampAnnotBoxes(stamped), [placed]);

    const r = await render(stamped, 210);
    assert.equal(r.seals, 1, 'ofd.js drew one seal');
    assert.ok(Math.abs(r.page.h / r.scale - 297) < 0.5, 'ofd.js keeps the page proportions');
    // The page itself: the black bar is solid where Content.xml puts it, the frame's top edge is drawn,
    // and the middle of the page is blank.
    const bar = toPixels(r, { x: 20, y: 20, w: 100, h: 12 }, -2);
    const barDark = count(r.img, bar, dark);
    assert.ok(barDark > 0.98 * area(bar), `bar: ${barDark} of ${area(bar)} pixels dark`);
    const frameTop = toPixels(r, { x: 30, y: 10, w: 150, h: 0 }, 3);
    const frameColumns = new Set<number>();
    for (let x = Math.ceil(frameTop.x); x < frameTop.x + frameTop.w; x++)
      if (count(r.img, { x, y: frameTop.y, w: 1, h: frameTop.h }, dark) > 0) frameColumns.add(x);
    assert.ok(frameColumns.size > 0.95 * frameTop.w, `frame: ${frameColumns.size} of ${frameTop.w} columns`);
    const blank = toPixels(r, { x: 40, y: 60, w: 120, h: 100 });
    assert.equal(count(r.img, blank, white), area(blank), 'the middle of the page is blank');

    const { inside, boxArea } = assertSealIn(r, placed, 'our seal');
    const everywhere = redEverywhere(r.img);
    const nearBox = red(r.img, toPixels(r, placed, 2));
    assert.equal(everywhere - nearBox, 0, `${everywhere - nearBox} seal-red pixels outside the box`);
    // The same count one box-width to the left finds nothing: the check tells boxes apart.
    assert.equal(red(r.img, toPixels(r, { ...placed, x: placed.x - placed.w })), 0);
    console.log(
      `ofd.js: page ${r.page.w}×${r.page.h} px at ${r.scale.toFixed(3)} px/mm; bar ${barDark}/${area(bar)} dark; ` +
        `seal-red ${inside} px in the ${boxArea}-px box, ${everywhere - nearBox} outside`,
    );
  });

  test(
    'a real ofdrw file stamped by us: both seals at their own StampAnnot boxes',
    { skip: fixturesSkip },
    async () => {
      const original = fixture('ofdrw_v4_continue.ofd');
      const ours = { x: 120, y: 200, w: agency.widthMm, h: agency.heightMm };
      const stamped = await stamp(original, ours.x, ours.y);
      const [theirs, mine] = stampAnnotBoxes(stamped);
      assert.deepEqual(mine, ours);
      assert.deepEqual(theirs, { x: 50, y: 50, w: 40, h: 40 });

      const r = await render(stamped, 210);
      assert.equal(r.seals, 2, 'ofd.js drew both seals');
      // ofdrw's page is one line of text near the top (drawn with whatever font Chromium has)
      const textLine = count(r.img, toPixels(r, { x: 0, y: 0, w: 210, h: 40 }), (p) => !white(p));
      assert.ok(textLine > 100, `${textLine} inked pixels where ofdrw's text line is`);
      const a = assertSealIn(r, theirs!, 'their seal');
      const b = assertSealIn(r, ours, 'our seal');
      const everywhere = redEverywhere(r.img);
      const outside = everywhere - red(r.img, toPixels(r, theirs!, 2)) - red(r.img, toPixels(r, ours, 2));
      assert.equal(outside, 0, `${outside} seal-red pixels outside both boxes`);
      console.log(
        `ofd.js, ofdrw_v4_continue.ofd + ours: text ${textLine} inked px, their seal ${a.inside}/${a.boxArea} px, ours ${b.inside}/${b.boxArea} px, ${outside} outside`,
      );
    },
  );
});
