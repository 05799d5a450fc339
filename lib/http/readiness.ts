import type Router from '@koa/router';
import type { StatusMonitor } from '../status/monitor.js';

/**
 * /healthz: the process answers. /readyz: it can serve work now (a backend
 * that would be tried, a cache that answers); 503 with the reasons otherwise,
 * so a load balancer sends traffic elsewhere.
 */
export function healthRoutes(router: Router, monitor: StatusMonitor): void {
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const readiness = await monitor.readiness();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = { status: readiness.ready ? 'ready' : 'not ready', checks: readiness.checks, reasons: readiness.reasons };
  });
}
