import type Router from '@koa/router';
import type Koa from 'koa';
import { HUB_HTML } from './dashboard/hub-page.js';
import { HUB_JS } from './dashboard/hub-script.js';
import { DASHBOARD_HTML } from './dashboard/page.js';
import { DASHBOARD_JS } from './dashboard/script.js';
import { DASHBOARD_CSS } from './dashboard/style.js';

// Everything the page needs comes from this origin; nothing inline, nothing
// framed, nothing sent elsewhere.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function serve(ctx: Koa.Context, type: string, body: string): void {
  ctx.set('Content-Type', type);
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Content-Security-Policy', CSP);
  ctx.body = body;
}

/**
 * The page at /dashboard, and at / for a browser. A node or a script that GETs /
 * keeps getting the node's own "Can only POST requests" answer, so `/` is the
 * dashboard only when the client prefers HTML over JSON.
 */
export function dashboardRoutes(router: Router, options: { readonly atRoot: 'always' | 'browsers' }): void {
  const page = (ctx: Koa.Context): void => serve(ctx, 'text/html; charset=utf-8', DASHBOARD_HTML);
  router.get('/dashboard', page);
  router.get('/', (ctx, next) => {
    if (options.atRoot === 'browsers' && !prefersHtml(ctx)) return next();
    page(ctx);
    return undefined;
  });
  router.get('/dashboard.js', (ctx) => serve(ctx, 'text/javascript; charset=utf-8', DASHBOARD_JS));
  router.get('/dashboard.css', (ctx) => serve(ctx, 'text/css; charset=utf-8', DASHBOARD_CSS));
}

/** `text/html` ranked above JSON: browsers send it first; curl's `*\/*` and no Accept header rank JSON first. */
export function prefersHtml(ctx: Koa.Context): boolean {
  return ctx.accepts('application/json', 'text/html') === 'text/html';
}

/** The hub page at /hub (with a ledger): workers, their share of the current period, rewards, public services. */
export function hubPageRoutes(router: Router): void {
  router.get('/hub', (ctx) => serve(ctx, 'text/html; charset=utf-8', HUB_HTML));
  router.get('/hub.js', (ctx) => serve(ctx, 'text/javascript; charset=utf-8', HUB_JS));
}
