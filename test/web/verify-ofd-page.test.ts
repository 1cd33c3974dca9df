import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mutate, textOf, zip } from '../verify/ofd-sealed-fixtures.js';
import { agencySigner, sealedOfdFiles, type AgencySigner } from './ofd-fixtures.js';
import { issueLicence, startVerifyWorld, type VerifyWorld } from './verify-fixtures.js';

// The verification pages with OFD files, in headless Chromium (as verify-page.test.ts): the verdict, the seal
// picture, what each signature protects (the coverage check's details) and the package's document-level
// findings, on /verify and on the QR landing page.

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`;

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

let w: VerifyWorld;
let browser: Browser;
let dir: string;
let signer: AgencySigner;
let licence: { identifier: string };
const files = { sealed: '', addedPage: '' };

before(async () => {
  if (skip) return;
  const { chromium } = await import('playwright-core');
  w = await startVerifyWorld({ SEALTRUST_VERIFY_RATE: '0' });
  // Before the second seal: an agency with two official seals cannot say which one issues (409).
  licence = await issueLicence(w);
  signer = await agencySigner(w);
  const sealed = sealedOfdFiles(signer);
  const bytes = zip(sealed);
  dir = mkdtempSync(join(tmpdir(), 'sealtrust-web-ofd-'));
  files.sealed = join(dir, 'sealed.ofd');
  files.addedPage = join(dir, 'added-page.ofd');
  writeFileSync(files.sealed, bytes);
  // A page added through Document.xml after sealing, and a file nothing references.
  writeFileSync(
    files.addedPage,
    mutate(bytes, {
      'Doc_0/Document.xml': textOf(sealed, 'Doc_0/Document.xml').replace(
        '</ofd:Pages>',
        '<ofd:Page ID="91" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages>',
      ),
      'Doc_0/Pages/Page_1/Content.xml': textOf(sealed, 'Doc_0/Pages/Page_0/Content.xml'),
      'Doc_0/extra.bin': 'nobody references me',
    }),
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await w?.srv.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function phonePage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  return { page, errors };
}

describe('verification pages with OFD files', { skip }, () => {
  it('/verify: a sealed OFD passes with its seal picture and full coverage; an added page fails coverage, naming it and the stray file', async () => {
    const { page, errors } = await phonePage();
    await page.goto(`${w.srv.url}/verify`);
    assert.equal(
      await page.locator('#file-input').getAttribute('accept'),
      'application/pdf,.pdf,application/ofd,.ofd',
    );

    await page.setInputFiles('#file-input', files.sealed);
    await page.locator('#banner[data-indication="TOTAL_PASSED"]').waitFor();
    const card = page.locator('article.signature').first();
    const text = (await card.textContent()) ?? '';
    assert.ok(text.includes(signer.esID), text);
    assert.ok(text.includes('s001 · Seal'), text);
    await card.locator('img.seal-picture').waitFor();
    assert.ok(
      await card
        .locator('img.seal-picture')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
      'the seal picture loads',
    );
    for (const id of ['references', 'coverage'])
      assert.equal(
        await card.locator(`.check[data-check-id="${id}"]`).getAttribute('data-status'),
        'passed',
        id,
      );
    const coverage = card.locator('.coverage');
    assert.equal(await coverage.getAttribute('data-coverage'), 'passed');
    assert.match((await coverage.textContent()) ?? '', /签名保护了全部显示内容/);

    await page.setInputFiles('#file-input', files.addedPage);
    await page.locator('#banner[data-indication="TOTAL_FAILED"]').waitFor();
    assert.ok(((await page.locator('#banner-checks').textContent()) ?? '').includes('coverage'));
    const failed = page.locator('article.signature .coverage[data-coverage="failed"]');
    assert.deepEqual(await failed.locator('[data-list="uncoveredDisplayed"] li').allTextContents(), [
      '/Doc_0/Pages/Page_1/Content.xml',
    ]);
    const stray = page.locator('#findings .check[data-code="package-stray-file"]');
    assert.equal(await stray.count(), 1);
    assert.equal(await stray.getAttribute('data-severity'), 'warning');
    assert.match((await stray.textContent()) ?? '', /Doc_0\/extra\.bin/);
    // The findings follow the language switch.
    await page.click('#lang-toggle');
    assert.equal(await page.locator('#findings h3').textContent(), 'Document findings');
    assert.match((await failed.locator('h4').textContent()) ?? '', /What the signature protects/);

    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('/l/{identifier}: an OFD shown for a licence is verified and said not to be that licence', async () => {
    const { page, errors } = await phonePage();
    await page.goto(`${w.srv.url}/l/${licence.identifier}`);
    await page.locator('#licence-status').waitFor();
    await page.setInputFiles('#file-input', files.sealed);
    await page.locator('#banner[data-indication="TOTAL_PASSED"]').waitFor();
    assert.equal(await page.locator('#file-match').textContent(), '该文件不是电子证照。');
    assert.equal(await page.locator('article.signature .coverage').count(), 1);
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
