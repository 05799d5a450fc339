import type Router from '@koa/router';
import type Koa from 'koa';
import { Message } from '../errors.js';
import type { LedgerApi } from '../ledger/api.js';

export interface HubApiRoutes {
  readonly ledger: LedgerApi;
  /** Whether a path's account is an account of this network (checksum included). */
  readonly validAccount: (account: string) => boolean;
}

const MAX_LIMIT = 1000;

function limitOf(ctx: Koa.Context, fallback: number): number | undefined {
  const raw = ctx.query.limit;
  if (raw === undefined) return fallback;
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || !/^\d{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_LIMIT ? n : undefined;
}

function refuse(ctx: Koa.Context, status: number, error: string): void {
  ctx.status = status;
  ctx.body = { error };
}

/**
 * GET /api/hub/stats, /api/hub/workers[?limit=], /api/hub/workers/{account},
 * /api/hub/payouts[?limit=]: the ledger as JSON (shapes in README). Amounts of
 * raw and weights are strings; refusals are `{"error": …}` with 400 or 404.
 */
export function hubApiRoutes(router: Router, options: HubApiRoutes): void {
  const { ledger } = options;
  const noStore = (ctx: Koa.Context): void => {
    ctx.set('Cache-Control', 'no-store');
  };
  router.get('/api/hub/stats', async (ctx) => {
    noStore(ctx);
    ctx.body = await ledger.stats();
  });
  router.get('/api/hub/workers', async (ctx) => {
    noStore(ctx);
    const limit = limitOf(ctx, 100);
    if (limit === undefined) return refuse(ctx, 400, Message.hubApiLimit(MAX_LIMIT));
    ctx.body = await ledger.workers(limit);
  });
  router.get('/api/hub/workers/:account', async (ctx) => {
    noStore(ctx);
    const account = ctx.params.account ?? '';
    if (!options.validAccount(account)) return refuse(ctx, 400, Message.hubApiAccount);
    const worker = await ledger.worker(account);
    if (worker === undefined) return refuse(ctx, 404, Message.hubApiUnknownWorker);
    ctx.body = worker;
  });
  router.get('/api/hub/payouts', async (ctx) => {
    noStore(ctx);
    const limit = limitOf(ctx, 50);
    if (limit === undefined) return refuse(ctx, 400, Message.hubApiLimit(MAX_LIMIT));
    ctx.body = { payouts: await ledger.payouts(limit) };
  });
}
