import type Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { Message } from '../errors.js';

/**
 * The app of `metrics.listen`: monitoring routes only, no RPC, so it can be
 * exposed to a Prometheus or an operator's browser while the RPC port is not.
 */
export function createMonitorApp(router: Router, logger: Logger): Koa {
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      logger.error({ err, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: Message.internal };
      return;
    }
    if (ctx.status === 404 && ctx.body == null) {
      ctx.status = 404;
      ctx.body = { error: 'Not found' };
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (err: unknown) => logger.debug({ err }, 'koa error'));
  return app;
}
