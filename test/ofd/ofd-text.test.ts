import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openOfd } from '../../src/ofd/ofd-package.js';
import { ofdPageBoxes } from '../../src/ofd/ofd-page-area.js';
import { prepareOfdSeal } from '../../src/ofd/ofd-stamping.js';
import { expandDeltas, findOfdText, pageTextRuns } from '../../src/ofd/ofd-text.js';
import { resolvePlacements } from '../../src/pdf/pdf-placement.js';
import { baseOptions, fixture, fixturesSkip, unsignedOfd } from './ofd-stamping-support.js';

// TextCode geometry (GB/T 33190 §11.3) for keyword placement: positions in page millimetres, top-left origin.

const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';
const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} ≠ ${b}`);
const withPage = (content: string, pageArea = '') =>
  openOfd(
    unsignedOfd({
      'Doc_0/Pages/Page_0/Content.xml': `<ofd:Page ${NS}>${pageArea}<ofd:Content><ofd:Layer ID="20">${content}</ofd:Layer></ofd:Content></ofd:Page>`,
    }),
  );

describe('DeltaX / DeltaY', () => {
  it('expands g runs and keeps plain numbers', () => {
    assert.deepEqual(expandDeltas('g 3 1.5 2 g 2 -1'), [1.5, 1.5, 1.5, 2, -1, -1]);
    assert.deepEqual(expandDeltas(undefined), []);
    assert.deepEqual(expandDeltas('  4.5  4.5 '), [4.5, 4.5]);
    // a hostile count stops the expansion instead of allocating
    assert.deepEqual(expandDeltas('1 g 1000000000 1'), [1]);
  });
});

describe('text positions', () => {
  it('places characters from Boundary, X/Y, DeltaX (short lists repeat their last value) and Size', () => {
    const pkg = withPage(
      '<ofd:TextObject ID="21" Boundary="20 55 120 6" Font="3" Size="4"><ofd:TextCode X="1" Y="4" DeltaX="g 2 4 3">名称：AB</ofd:TextCode></ofd:TextObject>',
    );
    const [run] = pageTextRuns(pkg, 0);
    assert.equal(run!.text, '名称：AB');
    assert.equal(run!.objectId, '21');
    const xs = run!.chars.map((c) => c.origin.x);
    [21, 25, 29, 32, 35].forEach((x, i) => near(xs[i]!, x, `x of char ${i}`));
    for (const c of run!.chars) near(c.origin.y, 59, 'baseline');
    const [m] = findOfdText(pkg, '：A');
    near(m!.xMm, 29, 'x');
    near(m!.widthMm, 6, 'width');
    near(m!.yMm, 59 - 0.8 * 4, 'top');
    near(m!.heightMm, 4, 'height');
    assert.equal(m!.page, 0);
  });

  it('applies the CTM before the Boundary offset, and continues a TextCode without X', () => {
    // CTM scales x by 2 and y by 1, then moves by (5, 0); the second TextCode continues after the first
    const pkg = withPage(
      '<ofd:TextObject ID="21" Boundary="10 10 100 20" CTM="2 0 0 1 5 0" Size="3"><ofd:TextCode X="0" Y="3" DeltaX="3">ab</ofd:TextCode><ofd:TextCode DeltaX="3">cd</ofd:TextCode></ofd:TextObject>',
    );
    const chars = pageTextRuns(pkg, 0)[0]!.chars;
    [15, 21, 27, 33].forEach((x, i) => near(chars[i]!.origin.x, x, `x of char ${i}`));
    near(chars[0]!.box.w, 6, 'scaled glyph width');
    const [m] = findOfdText(pkg, 'bc');
    near(m!.xMm, 21, 'x across TextCodes');
    near(m!.widthMm, 12, 'width across TextCodes');
  });

  it('finds every occurrence, in page order, and nothing that is not there', () => {
    const pkg = withPage(
      '<ofd:TextObject ID="21" Boundary="0 0 100 10" Size="3"><ofd:TextCode X="0" Y="3" DeltaX="3">甲乙甲乙</ofd:TextCode></ofd:TextObject>',
    );
    assert.deepEqual(
      findOfdText(pkg, '甲乙').map((m) => m.xMm),
      [0, 6],
    );
    assert.deepEqual(findOfdText(pkg, '丙'), []);
    assert.deepEqual(findOfdText(pkg, ''), []);
  });

  it('reads page sizes from the page Area, else the document PageArea', () => {
    assert.deepEqual(
      ofdPageBoxes(withPage('', '<ofd:Area><ofd:PhysicalBox>0 0 148 210</ofd:PhysicalBox></ofd:Area>')),
      [{ widthMm: 148, heightMm: 210 }],
    );
    assert.deepEqual(ofdPageBoxes(withPage('')), [{ widthMm: 210, heightMm: 297 }]);
  });
});

describe('a real tax invoice', { skip: fixturesSkip }, () => {
  const pkg = openOfd(fixture('gomain_tax_invoice_chongqing.ofd'));

  it('finds the invoice code where its TextCode puts it', () => {
    // <ofd:TextObject Boundary="164 6.2 40 5" Size="3.175"><ofd:TextCode X="0" Y="4.0875" DeltaX="1.59">050001700111
    const [m, ...rest] = findOfdText(pkg, '050001700111');
    assert.deepEqual(rest, []);
    near(m!.xMm, 164, 'x');
    near(m!.yMm, 6.2 + 4.0875 - 0.8 * 3.175, 'top');
    near(m!.widthMm, 12 * 1.59, 'width (one DeltaX value for twelve digits)');
    const [code] = findOfdText(pkg, '700111');
    near(code!.xMm, 164 + 6 * 1.59, 'x of a substring');
  });

  it('finds 发票 on the template the page uses, and an amount with a g-run DeltaX', () => {
    const title = findOfdText(pkg, '发票');
    assert.ok(title.length >= 1);
    for (const m of title) assert.ok(m.xMm > 0 && m.xMm < 210 && m.yMm > 0 && m.yMm < 140);
    const [bank] = findOfdText(pkg, '625555888900998711');
    // <ofd:TextObject Boundary="36 117.9 82.5 5.8"><ofd:TextCode X="0" DeltaX="g 4 3.175 1.59">建设银行6255…
    near(bank!.xMm, 36 + 4 * 3.175, 'x after four CJK advances');
    near(bank!.widthMm, 18 * 1.59, 'width of eighteen digits');
  });

  it('a keyword placement centres the StampAnnot on the found text', () => {
    const [placement] = resolvePlacements([{ type: 'keyword', text: '科游迈利有限公司' }], {
      pages: ofdPageBoxes(pkg),
      seal: { widthMm: 40, heightMm: 40 },
      findText: (t) => findOfdText(pkg, t),
    });
    const prepared = prepareOfdSeal(pkg, baseOptions({ placements: [placement!] }));
    const [x, y, w, h] = /Boundary="([^"]+)"/
      .exec(Buffer.from(prepared.signatureXml).toString())![1]!
      .split(' ')
      .map(Number);
    const [m] = findOfdText(pkg, '科游迈利有限公司');
    assert.ok(Math.abs(x! + w! / 2 - (m!.xMm + m!.widthMm / 2)) < 0.001);
    assert.ok(Math.abs(y! + h! / 2 - (m!.yMm + m!.heightMm / 2)) < 0.001);
    assert.match(Buffer.from(prepared.signatureXml).toString(), /PageRef="1"/);
  });
});
