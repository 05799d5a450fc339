import Koa from 'koa';
import Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { NodeError } from '../errors.js';
import type { Metrics } from '../metrics/index.js';
import { errorBody } from '../rpc/format.js';
import type { RpcHandler } from '../rpc/handler.js';
import { Message } from '../rpc/messages.js';
import { BodyTooLargeError, jsonDepthExceeds, readBody } from './body.js';

export interface AppDeps {
  readonly rpc: RpcHandler;
  readonly registry: Registry;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly bodyLimit: number;
  /** False once shutdown has begun: new RPC requests are refused. */
  readonly accepting: () => boolean;
}

const MAX_JSON_DEPTH = 20;

/** The headers a node sends with every RPC answer (minus `Connection: close`: we keep connections alive). */
const NODE_HEADERS = {
  'Content-Type': 'application/json',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  Allow: 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Accept, Accept-Language, Content-Language, Content-Type',
} as const;

/**
 * Wires routes and middleware, nothing else. The RPC endpoint answers HTTP 200
 * for everything, errors included, because a node treats any other status as
 * a hung peer.
 */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const router = new Router();

  router.get('/metrics', async (ctx) => {
    ctx.set('Content-Type', deps.registry.contentType);
    ctx.body = await deps.registry.metrics();
  });
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // The one place an error becomes a response: never a stack or a secret.
      deps.logger.error({ err, path: ctx.path }, 'request failed');
      ctx.status = 200;
      ctx.set(NODE_HEADERS);
      ctx.body = errorBody('Internal error');
    }
  });
  app.use(router.routes());
  app.use(async (ctx, next) => {
    if (ctx.status !== 404 || ctx.body !== undefined) return next();
    await rpcEndpoint(ctx, deps);
  });
  app.on('error', (err: unknown) => deps.logger.debug({ err }, 'koa error'));
  return app;
}

async function rpcEndpoint(ctx: Koa.Context, deps: AppDeps): Promise<void> {
  ctx.status = 200;
  ctx.set(NODE_HEADERS);
  if (ctx.method === 'OPTIONS') {
    ctx.body = '';
    return;
  }
  if (ctx.method !== 'POST') {
    ctx.body = errorBody(NodeError.OnlyPost);
    return;
  }
  const started = performance.now();
  let raw: string;
  try {
    raw = await readBody(ctx.req, deps.bodyLimit);
  } catch (err) {
    ctx.body = errorBody(err instanceof BodyTooLargeError ? Message.bodyTooLarge(deps.bodyLimit) : NodeError.UnableToParseJson);
    // Unread input would otherwise be parsed as the next request on this connection.
    ctx.set('Connection', 'close');
    return;
  }
  if (!deps.accepting()) {
    ctx.set('Connection', 'close');
    ctx.body = errorBody(Message.shuttingDown);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    ctx.body = errorBody(NodeError.UnableToParseJson);
    deps.metrics.request('other', 'error', (performance.now() - started) / 1000);
    return;
  }
  if (jsonDepthExceeds(parsed, MAX_JSON_DEPTH)) {
    ctx.body = errorBody(NodeError.MaxJsonDepth);
    return;
  }

  // A node that gives up on a peer closes the connection: that is a cancel.
  const abort = new AbortController();
  const onClose = (): void => {
    if (!ctx.res.writableEnded) abort.abort();
  };
  ctx.res.once('close', onClose);
  const reply = await deps.rpc(parsed, raw, abort.signal);
  ctx.res.off('close', onClose);

  if (reply.source !== undefined) ctx.set('X-Powgate-Source', reply.source);
  ctx.body = reply.body;
  const seconds = (performance.now() - started) / 1000;
  deps.metrics.request(reply.action, reply.outcome, seconds, reply.source);
  if (deps.logger.isLevelEnabled('debug')) {
    deps.logger.debug({ action: reply.action, outcome: reply.outcome, source: reply.source, ms: seconds * 1000 }, 'rpc');
  }
}
