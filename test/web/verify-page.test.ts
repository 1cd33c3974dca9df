import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONSTRUCTION_ENGINEER_2 } from '../../src/licence/demo-licence-types.js';
import { issueLicence, startVerifyWorld, tamper, type VerifyWorld } from './verify-fixtures.js';

// The verification pages in headless Chromium (Debian's chromium + playwright-core): upload a licence and
// read the verdict, a tampered copy and the failing check, the QR landing page and the language switch, on a
// phone-sized screen, with nothing loaded from anywhere but the node.

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`;

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

let w: VerifyWorld;
let browser: Browser;
let dir: string;
let licence: { identifier: string; pdf: Buffer };
const files = { valid: '', tampered: '' };

before(async () => {
  if (skip) return;
  const { chromium } = await import('playwright-core');
  // No rate limit here: every page request comes from 127.0.0.1.
  w = await startVerifyWorld({ SEALTRUST_VERIFY_RATE: '0' });
  licence = await issueLicence(w);
  dir = mkdtempSync(join(tmpdir(), 'sealtrust-web-'));
  files.valid = join(dir, 'licence.pdf');
  files.tampered = join(dir, 'licence-tampered.pdf');
  writeFileSync(files.valid, licence.pdf);
  writeFileSync(files.tampered, tamper(licence.pdf));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await w?.srv.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A phone-sized page that records script errors and any request that leaves the node. */
async function phonePage(): Promise<{ page: Page; errors: string[]; foreign: string[] }> {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // Failed loads are recorded with their URL below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(w.srv.url)) foreign.push(r.url());
  });
  return { page, errors, foreign };
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const width = await page.evaluate(
    () =>
      (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
        .documentElement.scrollWidth,
  );
  assert.ok(width <= 375, `the page is ${width} px wide on a 375 px screen`);
}

describe('verification pages', { skip }, () => {
  it('/verify: a licence as issued shows the pass banner, its seal and checks; a tampered copy the fail banner naming data-hash', async () => {
    const { page, errors, foreign } = await phonePage();
    await page.goto(`${w.srv.url}/verify`);
    assert.equal(await page.locator('h1').textContent(), '验证电子签章文件');

    await page.setInputFiles('#file-input', files.valid);
    const pass = page.locator('#banner[data-indication="TOTAL_PASSED"]');
    await pass.waitFor();
    assert.match((await pass.locator('.banner-title').textContent()) ?? '', /^通过$/);
    // The signature card: seal picture from the node, seal code, every check passed or neutral.
    const card = page.locator('article.signature').first();
    assert.ok(((await card.textContent()) ?? '').includes(w.agency.esID));
    await card.locator('img.seal-picture').waitFor();
    assert.ok(
      await card
        .locator('img.seal-picture')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
      'the seal picture loads',
    );
    assert.equal(
      await card.locator('.check[data-check-id="data-hash"]').getAttribute('data-status'),
      'passed',
    );
    assert.equal(await page.locator('.check[data-status="failed"]').count(), 0);
    // The licence section links to the landing page.
    const licenceLink = page.locator(`#licence-report a[href="/l/${licence.identifier}"]`).first();
    assert.equal(await licenceLink.count(), 1);
    await noHorizontalScroll(page);

    await page.setInputFiles('#file-input', files.tampered);
    const fail = page.locator('#banner[data-indication="TOTAL_FAILED"]');
    await fail.waitFor();
    assert.match((await fail.locator('.banner-title').textContent()) ?? '', /^未通过$/);
    const named = (await page.locator('#banner-checks').textContent()) ?? '';
    assert.ok(named.includes('data-hash'), named);
    assert.equal(
      await page.locator('article.signature .check[data-check-id="data-hash"]').getAttribute('data-status'),
      'failed',
    );
    await noHorizontalScroll(page);

    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    await page.context().close();
  });

  it('/l/{identifier}: status, type and versions; English on the switch, kept on reload; the upload box checks the file against it', async () => {
    const { page, errors, foreign } = await phonePage();
    await page.goto(`${w.srv.url}/l/${licence.identifier}`);
    const status = page.locator('#licence-status');
    await status.waitFor();
    assert.equal(await status.textContent(), '有效');
    const text = (await page.locator('#licence').textContent()) ?? '';
    assert.ok(text.includes(CONSTRUCTION_ENGINEER_2.name), text);
    assert.ok(text.includes('江苏省住房和城乡建设厅'), text);
    assert.ok(!text.includes('王建国'), 'the holder name is masked');
    await noHorizontalScroll(page);

    await page.click('#lang-toggle');
    assert.equal(await status.textContent(), 'Valid');
    assert.equal(await page.locator('h1').textContent(), 'Electronic licence status');
    assert.equal(await page.locator('#lang-toggle').textContent(), '中文');
    await page.reload();
    await page.locator('#licence-status').waitFor();
    assert.equal(await page.locator('#licence-status').textContent(), 'Valid');

    await page.setInputFiles('#file-input', files.valid);
    await page.locator('#banner[data-indication="TOTAL_PASSED"]').waitFor();
    assert.equal(await page.locator('#banner .banner-title').textContent(), 'Passed');
    assert.equal(await page.locator('#file-match').textContent(), 'The file is this licence.');
    // Switching back re-renders the report in Chinese.
    await page.click('#lang-toggle');
    assert.equal(await page.locator('#banner .banner-title').textContent(), '通过');
    await noHorizontalScroll(page);

    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    await page.context().close();
  });

  it('/l/{unknown} says the directory has no such licence', async () => {
    const { page } = await phonePage();
    const unknown = licence.identifier.slice(0, -1) + (licence.identifier.endsWith('0') ? '1' : '0');
    await page.goto(`${w.srv.url}/l/${unknown}`);
    await page.locator('#licence-missing').waitFor();
    assert.equal(await page.locator('#licence-missing').textContent(), '目录中没有这份证照。');
    await page.context().close();
  });
});
