import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Browser = import('playwright-core').Browser;
type BrowserContext = import('playwright-core').BrowserContext;
type Page = import('playwright-core').Page;

/** Runs in the page: parses the OFD with ofd.js, renders every page, waits for every image to be decoded. */
const IN_PAGE = `
window.renderOfdBytes = (b64, width) => new Promise((resolve, reject) => {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  ofd.parseOfdDocument({
    ofd: bytes.buffer,
    success: async (res) => {
      try {
        const doc = Array.isArray(res) ? res[0] : res;
        const host = document.getElementById('pages');
        for (const div of ofd.renderOfd(width, doc)) host.appendChild(div);
        const hrefs = [...host.querySelectorAll('image')].map((i) => i.href.baseVal);
        await Promise.all(hrefs.map((h) => { const i = new Image(); i.src = h; return i.decode(); }));
        await Promise.all([...host.querySelectorAll('image')].map((i) => i.decode ? i.decode() : null));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        resolve({ pages: host.children.length, seals: host.querySelectorAll('svg[name="seal_img_div"]').length });
      } catch (e) { reject(String((e && e.stack) || e)); }
    },
    fail: (e) => reject(String((e && e.stack) || e)),
  });
});`;

/** ofd.js 0.2.6's browser bundle (inlined into the page: the page has no network). */
export function ofdJsBundle(): string {
  return readFileSync(createRequire(import.meta.url).resolve('ofd.js/lib/ofd.umd.min.js'), 'utf8');
}

export interface OfdJsRendering {
  context: BrowserContext;
  page: Page;
  /** Page errors seen while rendering. */
  errors: string[];
  pages: number;
  /** Seal pictures ofd.js drew (svg[name="seal_img_div"]). */
  seals: number;
}

/**
 * Renders `ofd` with ofd.js at `width` px in a fresh, offline context of `browser` (every request aborted). The
 * caller closes `context`.
 */
export async function renderWithOfdJs(
  browser: Browser,
  bundle: string,
  ofd: Uint8Array,
  width: number,
  viewport: { width: number; height: number },
): Promise<OfdJsRendering> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await context.route('**/*', (route) => route.abort());
  try {
    await page.setContent(
      '<!doctype html><meta charset="utf-8"><body style="margin:0;background:#fff"><div id="pages"></div></body>',
    );
    await page.addScriptTag({ content: bundle });
    await page.addScriptTag({ content: IN_PAGE });
    const result = await page.evaluate(
      ([b64, w]) =>
        (
          globalThis as unknown as {
            renderOfdBytes(b: string, w: number): Promise<{ pages: number; seals: number }>;
          }
        ).renderOfdBytes(b64, w),
      [Buffer.from(ofd).toString('base64'), width] as const,
    );
    return { context, page, errors, ...result };
  } catch (err) {
    await context.close();
    throw err;
  }
}
