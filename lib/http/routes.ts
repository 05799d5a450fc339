import Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { StatusMonitor } from '../status/monitor.js';
import { dashboardRoutes, hubPageRoutes } from './dashboard.js';
import { type HubApiRoutes, hubApiRoutes } from './hub-api.js';
import { healthRoutes } from './readiness.js';
import { statusRoute } from './status.js';

export interface MonitoringRoutes {
  readonly monitor: StatusMonitor;
  readonly registry: Registry;
  /** Serve /metrics here. */
  readonly metrics: boolean;
  /** Serve the dashboard and /api/status here. */
  readonly dashboard: boolean;
  /** `browsers` on the RPC port, where GET / from a node must stay the node's error. */
  readonly dashboardAtRoot: 'always' | 'browsers';
  /** The ledger's /api/hub/* and the hub page, beside the dashboard (with a hub and its database). */
  readonly hub?: HubApiRoutes;
}

/** The GET endpoints for people and monitoring, on whichever listener carries them. */
export function monitoringRouter(options: MonitoringRoutes): Router {
  const router = new Router();
  healthRoutes(router, options.monitor);
  if (options.metrics) {
    router.get('/metrics', async (ctx) => {
      ctx.set('Content-Type', options.registry.contentType);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await options.registry.metrics();
    });
  }
  if (options.dashboard) {
    dashboardRoutes(router, { atRoot: options.dashboardAtRoot });
    statusRoute(router, options.monitor);
    if (options.hub !== undefined) {
      hubApiRoutes(router, options.hub);
      hubPageRoutes(router);
    }
  }
  return router;
}
