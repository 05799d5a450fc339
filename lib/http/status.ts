import type Router from '@koa/router';
import type { StatusMonitor } from '../status/monitor.js';

/** GET /api/status: the dashboard's data as JSON, for scripts too (schema in README.md). */
export function statusRoute(router: Router, monitor: StatusMonitor): void {
  router.get('/api/status', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await monitor.report();
  });
}
