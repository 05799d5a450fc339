import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { Message, NodeError } from '../errors.js';
import type { Admission } from '../precache/callback-guard.js';
import type { CallbackAnswer } from '../precache/index.js';
import { errorBody } from '../rpc/format.js';
import type { RpcHandler, RpcReply } from '../rpc/handler.js';
import type { Telemetry } from '../telemetry/events.js';
import { BodyTooLargeError, collectBody, jsonDepthExceeds, readBody } from './body.js';
import { Hangup } from './hangup.js';
import { deliverReply, replyStarted } from './reply-batch.js';
import { isServiceUrl } from './service-api.js';

export interface AppDeps {
  readonly rpc: RpcHandler;
  /** GET endpoints served beside RPC: health, and metrics and the dashboard unless they have their own listener. */
  readonly routes: Router;
  /** Each finished RPC request is an `rpc` event: metrics, the dashboard and the figures subscribe. */
  readonly events: Pick<Telemetry, 'emit'>;
  readonly logger: Logger;
  readonly bodyLimit: number;
  /** False once shutdown has begun: new RPC requests are refused. */
  readonly accepting: () => boolean;
  /** The node's HTTP callback (POST /callback), a precache trigger; `trusted` when the guard vouched for the sender. */
  readonly callback?: (raw: string, trusted: boolean) => CallbackAnswer;
  /** Who may call /callback and how often; judged before the body is read. */
  readonly callbackGuard?: (req: IncomingMessage) => Admission;
  /** The DPoW service API's POST /service/ (lib/http/service-api.ts), when it is on. */
  readonly servicePost?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

const MAX_JSON_DEPTH = 20;

/** The headers a node sends with every RPC answer (minus `Connection: close`: we keep connections alive). */
const NODE_HEADERS: readonly string[] = [
  'Content-Type',
  'application/json',
  'Access-Control-Allow-Origin',
  '*',
  'Access-Control-Allow-Methods',
  'POST, OPTIONS',
  'Allow',
  'POST, OPTIONS',
  'Access-Control-Allow-Headers',
  'Accept, Accept-Language, Content-Language, Content-Type',
];

/**
 * Wires routes and middleware, nothing else. Everything that is not a GET of
 * one of our own pages is node RPC, answered HTTP 200 whatever happens,
 * because a node treats any other status as a hung peer.
 */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();

  app.use(async (ctx, next) => {
    // Before the RPC catch-all, which takes every other POST. A string test: this runs for every request.
    if (deps.callback !== undefined && ctx.method === 'POST' && isCallbackUrl(ctx.req.url)) {
      ctx.respond = false;
      await callbackEndpoint(ctx, deps.callback, deps);
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      // Reached only when the koa app is used on its own; createRequestListener sends RPC past koa.
      ctx.respond = false;
      rpcEndpoint(ctx.req, ctx.res, deps);
      return;
    }
    try {
      await next();
    } catch (err) {
      deps.logger.error({ err, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: Message.internal };
      return;
    }
    if (ctx.status === 404 && ctx.body == null) {
      ctx.respond = false;
      answer(ctx.res, errorBody(NodeError.OnlyPost));
    }
  });
  app.use(deps.routes.routes());
  app.on('error', (err: unknown) => deps.logger.debug({ err }, 'koa error'));
  return app;
}

/**
 * The RPC server's request listener. RPC (every method but GET and HEAD, bar
 * the node's callback) goes straight to the RPC endpoint, which reads the
 * body and writes its own answer: koa would only build a context, request and
 * response object and a finish listener per request that the endpoint never
 * uses, on the busiest path there is (issue 12).
 * GETs and the callback go through the koa app.
 */
export function createRequestListener(deps: AppDeps): RequestListener {
  const viaKoa = createApp(deps).callback();
  const servicePost = deps.servicePost;
  return (req, res) => {
    const method = req.method;
    if (method === 'GET' || method === 'HEAD' || (deps.callback !== undefined && method === 'POST' && isCallbackUrl(req.url))) {
      void viaKoa(req, res);
      return;
    }
    // RPC clients post to `/`: one comparison before the path is looked at.
    if (servicePost !== undefined && req.url !== '/' && isServiceUrl(req.url)) {
      void servicePost(req, res);
      return;
    }
    rpcEndpoint(req, res, deps);
  };
}

const CLOSE: readonly string[] = ['Connection', 'close'];
const FROM_CACHE: readonly string[] = ['X-Powgate-Source', 'cache'];

/** One node-shaped answer: HTTP 200, the node's headers, an explicit length; one write. */
function answer(res: ServerResponse, body: string, extra?: readonly string[]): void {
  if (res.headersSent || res.destroyed) return;
  const headers = NODE_HEADERS.slice();
  if (extra !== undefined) for (let i = 0; i < extra.length; i++) headers.push(extra[i] as string);
  headers.push('Content-Length', String(body.length === 0 ? 0 : Buffer.byteLength(body)));
  res.writeHead(200, headers);
  res.end(body);
}

/**
 * A forwarded node answer, passed on as it arrives (with backpressure both
 * ways), never held whole. One cut short can no longer become an error body:
 * the client's connection is closed, and its Content-Length shows the cut.
 */
function streamAnswer(res: ServerResponse, upstream: IncomingMessage): void {
  if (res.headersSent || res.destroyed) {
    upstream.destroy();
    return;
  }
  const headers = [...NODE_HEADERS];
  const length = upstream.headers['content-length'];
  if (length !== undefined) headers.push('Content-Length', length);
  res.writeHead(200, headers);
  upstream.once('close', () => {
    if (!upstream.complete) res.destroy();
  });
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  upstream.pipe(res);
}

function isCallbackUrl(url: string | undefined): boolean {
  return url?.startsWith('/callback') === true && (url.length === 9 || url[9] === '?');
}

/**
 * The node's block callback. Not node RPC, so a refused body gets HTTP 400 (the
 * node only logs the status); the answer never waits for forwarding.
 */
async function callbackEndpoint(ctx: Koa.Context, callback: NonNullable<AppDeps['callback']>, deps: AppDeps): Promise<void> {
  const reply = (status: number, body: string, close = false): void => {
    const res = ctx.res;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...(close ? { Connection: 'close' } : {}),
    });
    res.end(body);
  };
  const admission = deps.callbackGuard?.(ctx.req) ?? { ok: true, trusted: false };
  if (!admission.ok) {
    // The body is never read: the connection closes after the answer.
    const message = admission.status === 403 ? Message.callbackForbidden : Message.callbackRateLimited;
    return reply(admission.status, JSON.stringify({ error: message }), true);
  }
  let raw: string;
  try {
    raw = await readBody(ctx.req, deps.bodyLimit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return reply(413, JSON.stringify({ error: Message.bodyTooLarge(deps.bodyLimit) }));
    return; // the client went away mid-body
  }
  try {
    const result = callback(raw, admission.trusted);
    if (result.ok) reply(200, '{}');
    else reply(400, JSON.stringify({ error: result.refused === 'not_json' ? Message.callbackNotJson : Message.callbackNotBlock }));
  } catch (err) {
    deps.logger.error({ err }, 'callback failed');
    reply(500, JSON.stringify({ error: Message.internal }));
  }
}

/**
 * One RPC request, without a promise on the way unless the answer has to wait
 * (issue 12): the body is collected with a callback, and a reply that is
 * ready at once (a cache hit) is written in the same turn.
 */
function rpcEndpoint(req: IncomingMessage, res: ServerResponse, deps: AppDeps): void {
  if (req.method === 'OPTIONS') {
    answer(res, '');
    return;
  }
  if (req.method !== 'POST') {
    answer(res, errorBody(NodeError.OnlyPost));
    return;
  }
  const started = performance.now();
  collectBody(req, deps.bodyLimit, (err, raw) => {
    try {
      if (err !== undefined) {
        const message = err instanceof BodyTooLargeError ? Message.bodyTooLarge(deps.bodyLimit) : NodeError.UnableToParseJson;
        answer(res, errorBody(message), CLOSE);
        return;
      }
      rpcBody(req, res, deps, raw, started);
    } catch (error) {
      failed(res, deps, error);
    }
  });
}

function rpcBody(req: IncomingMessage, res: ServerResponse, deps: AppDeps, raw: string, started: number): void {
  if (!deps.accepting()) {
    answer(res, errorBody(Message.shuttingDown), CLOSE);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    deps.events.emit('rpc', { action: 'other', outcome: 'error', seconds: (performance.now() - started) / 1000 });
    answer(res, errorBody(NodeError.UnableToParseJson));
    return;
  }
  if (jsonDepthExceeds(parsed, MAX_JSON_DEPTH)) {
    answer(res, errorBody(NodeError.MaxJsonDepth));
    return;
  }

  // A node that gives up on a peer closes the connection: that is a cancel.
  // The signal is made only when a request has to wait (not on cache hits).
  let hangup: Hangup | undefined;
  replyStarted();
  let reply: RpcReply | Promise<RpcReply>;
  try {
    reply = deps.rpc(parsed, raw, () => (hangup ??= new Hangup(res)), req);
  } catch (error) {
    deliverReply(() => failed(res, deps, error));
    return;
  }
  if (!(reply instanceof Promise)) {
    hangup?.detach();
    const ready = reply;
    deliverReply(() => sentOrFailed(res, deps, ready, started));
    return;
  }
  reply.then(
    (r) => {
      hangup?.detach();
      deliverReply(() => sentOrFailed(res, deps, r, started));
    },
    (error: unknown) => {
      hangup?.detach();
      deliverReply(() => failed(res, deps, error));
    },
  );
}

/** `sent`, run from the reply batch, where nothing else would catch what it throws. */
function sentOrFailed(res: ServerResponse, deps: AppDeps, reply: RpcReply, started: number): void {
  try {
    sent(res, deps, reply, started);
  } catch (error) {
    failed(res, deps, error);
  }
}

/** Writes the reply, then tells the telemetry stream. */
function sent(res: ServerResponse, deps: AppDeps, reply: RpcReply, started: number): void {
  if (reply.stream !== undefined) streamAnswer(res, reply.stream);
  else answer(res, reply.body, reply.source === undefined ? undefined : reply.source === 'cache' ? FROM_CACHE : ['X-Powgate-Source', reply.source]);
  const seconds = (performance.now() - started) / 1000;
  deps.events.emit('rpc', { action: reply.action, outcome: reply.outcome, seconds, source: reply.source });
  if (deps.logger.isLevelEnabled('debug')) {
    deps.logger.debug({ action: reply.action, outcome: reply.outcome, source: reply.source, ms: seconds * 1000 }, 'rpc');
  }
}

/** The one place an unexpected error becomes a response: never a stack or a secret. */
function failed(res: ServerResponse, deps: AppDeps, err: unknown): void {
  deps.logger.error({ err }, 'rpc request failed');
  answer(res, errorBody(Message.internal));
}
