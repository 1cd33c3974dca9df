// Cross-province verification in the browser (federation.md §3.5): a licence of each of 33, 44 and 51 passes on
// the other provinces' and the hub's pages in headless Chromium. A licence issued in 44 (广东), uploaded on province
// 33's verification page, shows 通过 / TOTAL_PASSED with the 目录日志 (`licence-in-log`) and 信任列表
// (`trust-list`) checks passed; 33's QR landing page of that licence shows its status from the hub, the issuing node
// and the witness time it is as of, and face data as not available. An identifier the national index lacks is
// 404; with the hub down the answer is an INDETERMINATE notice, not a crash.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defineDemoTypes, expectJson, provinceAgency, publishTrustList } from './harness/fed-api.js';
import { issueWithPdf, waitForHubEvidence } from './harness/cross-verify-fixture.js';
import { federationUnavailable, startFederation, type Federation } from './harness/federation.js';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

const CHROMIUM = '/usr/bin/chromium';
const noPostgres = await federationUnavailable();
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`
  : (noPostgres ?? false);
if (skip) process.stderr.write(`skipping the cross-province verification pages: ${skip}\n`);
const WAIT_MS = Number(process.env.FED_WAIT_MS ?? 90_000);

interface HubLicence {
  identifier: string;
  status: string;
  source?: string;
  name: string | null;
  holder?: unknown;
  node: { id: string; name: string } | null;
  asOf: { witnessTime: string | null; size: number | null; origin: string | null };
  trustList: { sequenceNumber: number; state: string } | null;
  notAvailable: string[];
  validFrom: string | null;
  validTo: string | null;
  statusHistory: { status: string; operation: string }[];
}

describe('cross-province verification pages', { skip }, () => {
  let fed: Federation;
  let browser: Browser;
  let seq: number;
  let dir: string;
  let identifier: string;
  let pdfPath: string;
  /** A licence PDF of each province, by node id. */
  const pdfs = new Map<string, string>();

  before(async () => {
    fed = await startFederation({
      provinces: ['33', '44', '51'],
      trustList: true,
      // Every page request comes from 127.0.0.1: no rate limit.
      env: { SEALTRUST_TLOG_CHECKPOINT_MS: '250', SEALTRUST_VERIFY_RATE: '0' },
    });
    seq = await publishTrustList(fed);
    dir = mkdtempSync(join(tmpdir(), 'sealtrust-fed-web-'));
    for (const p of fed.provinces) {
      const a = await provinceAgency(p);
      await defineDemoTypes(p, [a.agencyId]);
      const issued = await issueWithPdf(p, a);
      const path = join(dir, `licence-${p.nodeId}.pdf`);
      writeFileSync(path, issued.pdf);
      pdfs.set(p.nodeId, path);
      if (p.nodeId === '44') identifier = issued.identifier;
      await waitForHubEvidence(fed.hub, issued.identifier, WAIT_MS);
    }
    pdfPath = pdfs.get('44')!;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await fed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A page that records script errors and server errors. */
  async function newPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`);
    });
    return { page, errors };
  }

  async function noHorizontalScroll(page: Page): Promise<void> {
    const width = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
    assert.ok(width <= 375, `the page is ${width} px wide on a 375 px screen`);
  }

  it('33 answers the 44 licence from the hub: source, node, witness time, trust list, no face data', async () => {
    const body = await expectJson<HubLicence>(
      await fed.node('33').request(`/v1/verify/licences/${encodeURIComponent(identifier)}`),
      200,
    );
    assert.equal(body.identifier, identifier);
    assert.equal(body.source, 'hub');
    assert.equal(body.status, 'valid');
    assert.equal(body.node?.id, '44');
    assert.ok(body.node?.name, 'the node is named as the trust list names it');
    assert.ok(body.asOf.witnessTime && !Number.isNaN(Date.parse(body.asOf.witnessTime)), 'asOf witness time');
    assert.ok((body.asOf.size ?? 0) > 0, 'tree size');
    assert.equal(body.asOf.origin, 'sealtrust.org.cn/44');
    assert.equal(body.trustList?.sequenceNumber, seq);
    assert.equal(body.trustList?.state, 'valid');
    assert.equal(body.name, null);
    assert.equal(body.holder, undefined);
    assert.ok(body.notAvailable.includes('holder'));
    // The dates are in the file-bearing leaf: verified, so shown (the issue request's validity).
    assert.equal(body.validFrom, '2025-01-01');
    assert.ok(!body.notAvailable.includes('validFrom'));
    assert.deepEqual(
      body.statusHistory.map((e) => [e.operation, e.status]),
      [['issue', 'valid']],
    );

    // An identifier the national index lacks: 404, Chinese first.
    const parts = identifier.split('.');
    parts[7] = parts[7]!.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    const missing = await fed
      .node('33')
      .request(`/v1/verify/licences/${encodeURIComponent(parts.join('.'))}`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { detail: string }).detail, /^没有这个证照 \/ /);
  });

  it('/verify at 33: the 44 PDF passes, with the 目录日志 and 信任列表 checks passed and the hub as source', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${fed.node('33').url}/verify`);
    await page.setInputFiles('#file-input', pdfPath);
    const banner = page.locator('#banner[data-indication="TOTAL_PASSED"]');
    await banner.waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${(await page.locator('#result').textContent()) ?? ''}`);
    });
    assert.match((await banner.locator('.banner-title').textContent()) ?? '', /^通过$/);
    assert.match((await banner.locator('.banner-code').textContent()) ?? '', /TOTAL_PASSED/);
    const report = page.locator('#licence-report');
    const inLog = report.locator('.check[data-check-id="licence-in-log"]');
    assert.equal(await inLog.getAttribute('data-status'), 'passed');
    assert.match((await inLog.textContent()) ?? '', /目录日志.*44|44.*目录日志/);
    const trust = report.locator('.check[data-check-id="trust-list"]');
    assert.equal(await trust.getAttribute('data-status'), 'passed');
    assert.match((await trust.textContent()) ?? '', new RegExp(`第 ${seq} 号信任列表`));
    const facts = (await report.locator('.facts').textContent()) ?? '';
    assert.ok(facts.includes('国家枢纽'), facts);
    assert.ok(await report.locator('time[datetime]').getAttribute('datetime'), 'the asOf witness time');
    assert.equal(await page.locator('.check[data-status="failed"]').count(), 0);
    await noHorizontalScroll(page);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('a licence of each province passes on the /verify page of the other two and of the hub', async () => {
    const { page, errors } = await newPage();
    for (const [home, path] of pdfs) {
      for (const at of fed.nodes) {
        if (at.nodeId === home) continue;
        await page.goto(`${at.url}/verify`);
        await page.setInputFiles('#file-input', path);
        const banner = page.locator('#banner[data-indication]');
        await banner.waitFor({ timeout: 30_000 });
        const where = `${home} at ${at.nodeId}`;
        const indication = await banner.getAttribute('data-indication');
        assert.equal(
          indication,
          'TOTAL_PASSED',
          `${where}: ${(await page.locator('#result').textContent()) ?? ''}`,
        );
        const report = page.locator('#licence-report');
        for (const id of ['licence-in-log', 'trust-list'])
          assert.equal(
            await report.locator(`.check[data-check-id="${id}"]`).getAttribute('data-status'),
            'passed',
            `${where}: ${id}`,
          );
      }
    }
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('/l/<identifier> at 33: the status, the hub as source with its witness time, face data not available', async () => {
    const api = await expectJson<HubLicence>(
      await fed.node('33').request(`/v1/verify/licences/${encodeURIComponent(identifier)}`),
      200,
    );
    const { page, errors } = await newPage();
    await page.goto(`${fed.node('33').url}/l/${identifier}`);
    const status = page.locator('#licence-status');
    await status.waitFor();
    assert.equal(await status.getAttribute('data-status'), 'valid');
    assert.equal((await status.textContent())?.trim(), '有效');
    const source = page.locator('#licence-source[data-source="hub"]');
    const text = (await source.textContent()) ?? '';
    assert.ok(text.includes('国家枢纽'), text);
    assert.ok(text.includes(`（44）`), text);
    assert.ok(text.includes(`第 ${seq} 号`), text);
    // The witness time it is as of (the hub may have cosigned a larger checkpoint since the API call).
    const when = await source.locator('time').getAttribute('datetime');
    assert.ok(
      when && Date.parse(when) >= Date.parse(api.asOf.witnessTime!),
      `${when} vs ${api.asOf.witnessTime}`,
    );
    assert.ok(((await source.locator('time').textContent()) ?? '').trim().length > 0);
    const page33 = (await page.locator('#licence').textContent()) ?? '';
    assert.ok(page33.includes('不可用'), 'face data not available');
    assert.ok(page33.includes(`${api.validFrom} – `), 'the validity from the log leaf');
    assert.equal(
      (await page.locator('#licence-name').textContent())?.trim(),
      `${api.node!.name}签发的电子证照`,
    );
    await noHorizontalScroll(page);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('with the hub down, the landing page shows an INDETERMINATE notice (503), not a crash', async () => {
    await fed.hub.stop();
    const res = await fed.node('33').request(`/v1/verify/licences/${encodeURIComponent(identifier)}`);
    assert.equal(res.status, 503);
    const problem = (await res.json()) as { detail: string; indication: string; reason: string };
    assert.equal(problem.indication, 'INDETERMINATE');
    assert.equal(problem.reason, 'HUB_UNREACHABLE');
    assert.match(problem.detail, /^暂无法确定该证照的状态/);
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    const crashes: string[] = [];
    page.on('pageerror', (e) => crashes.push(e.message));
    await page.goto(`${fed.node('33').url}/l/${identifier}`);
    const notice = page.locator('#licence-indeterminate');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /^暂无法确定该证照的状态/);
    assert.deepEqual(crashes, []);
    await context.close();
  });
});
