import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'koa';
import { PROJECT_ROOT } from '../../config.js';
import type { ApiRouter } from '../api-router.js';
import { ProblemError } from '../problem.js';
import { IDENTIFIER } from './licence-routes.js';

// The public web pages: GET /verify (drop a PDF, read the verdict) and GET /l/{identifier} (the QR landing
// page of a licence). Plain HTML, CSS and JavaScript modules from web/, read once at start and served by the
// node itself: no build step, no CDN, no external fonts. Pages, not API operations: not in the OpenAPI
// document.

const WEB_DIR = join(PROJECT_ROOT, 'web');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
};

// Everything the pages load comes from this node; data (reports, licence records) is inserted as text only.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  type: string;
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  let names: string[] = [];
  try {
    names = readdirSync(WEB_DIR);
  } catch {
    return assets; // a deployment without web/ serves the API only
  }
  for (const name of names) {
    const type = TYPES[name.split('.').pop() ?? ''];
    if (type && /^[a-z0-9-]+\.[a-z]+$/.test(name))
      assets.set(name, { body: readFileSync(join(WEB_DIR, name)), type });
  }
  return assets;
}

export function pageRoutes(api: ApiRouter): void {
  const assets = loadAssets();
  const send = (ctx: Context, name: string, cache: string) => {
    const a = assets.get(name);
    if (!a) throw new ProblemError(404, 'not-found', `没有这个资源 / no resource at ${ctx.path}`);
    ctx.type = a.type;
    ctx.set('Cache-Control', cache);
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.body = a.body;
  };

  api.router.get('/verify', (ctx) => send(ctx, 'verify.html', 'no-cache'));
  api.router.get('/l/:identifier', (ctx) => {
    if (!IDENTIFIER.test(ctx.params.identifier ?? ''))
      throw new ProblemError(404, 'not-found', `没有这个证照 / no licence at ${ctx.path}`);
    send(ctx, 'licence.html', 'no-cache');
  });
  api.router.get('/web/:name', (ctx) => {
    const name = ctx.params.name ?? '';
    if (name.endsWith('.html'))
      throw new ProblemError(404, 'not-found', `没有这个资源 / no resource at ${ctx.path}`);
    send(ctx, name, 'public, max-age=300');
  });
}
