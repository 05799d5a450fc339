import type Router from '@koa/router';
import type { StatusMonitor } from '../status/monitor.js';

/**
 * /healthz: the process answers. /readyz: it can serve work now (a backend
 * that would be tried); 503 with the reasons otherwise, so a load balancer
 * sends traffic elsewhere. A cache that does not answer says "degraded" with
 * 200: work is still served, as misses.
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
    const status = !readiness.ready ? 'not ready' : readiness.degraded ? 'degraded' : 'ready';
    ctx.body = { status, checks: readiness.checks, reasons: readiness.reasons, degraded: readiness.degradedReasons };
  });
}
