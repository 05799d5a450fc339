import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createBackend, type Backend } from './backends/index.js';
import { createWorkCache, type WorkCache } from './cache/index.js';
import type { Config } from './config/types.js';
import { WorkService } from './engine/service.js';
import { createApp } from './http/app.js';
import { logBackendEvents } from './logs/backend-events.js';
import { createMetrics } from './metrics/index.js';
import { closeIdleConnections } from './net/post-json.js';
import { NETWORKS } from './pow/index.js';
import { createRpcHandler } from './rpc/handler.js';
import { workLimits } from './rpc/limits.js';

export interface StartOptions {
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** Backends to use instead of building them from config (tests). */
  readonly backends?: ReadonlyMap<string, Backend>;
  /** How long shutdown waits for in-flight jobs before cancelling them (ms). */
  readonly drainTimeout?: number;
}

export interface Powgate {
  readonly url: string;
  readonly server: http.Server;
  readonly service: WorkService;
  readonly cache: WorkCache;
  readonly registry: Registry;
  /** Stops accepting, lets in-flight work finish (bounded), cancels the rest, releases everything. */
  close(): Promise<void>;
}

/** Builds every part from the frozen config and starts listening. */
export async function startPowgate(config: Config, options: StartOptions = {}): Promise<Powgate> {
  const logger = options.logger ?? pino({ level: config.log.level, base: { name: 'powgate' } });
  const registry = options.registry ?? new Registry();
  if (options.registry === undefined) collectDefaultMetrics({ register: registry, prefix: 'powgate_' });

  const network = NETWORKS[config.network];
  const backends = new Map<string, Backend>(options.backends ?? []);
  if (options.backends === undefined) {
    for (const [name, backendConfig] of Object.entries(config.backends)) backends.set(name, createBackend(name, backendConfig, { network }));
  }
  const tiers = config.tiers.map((tier) => ({
    backends: tier.backends.map((name) => {
      const backend = backends.get(name);
      if (backend === undefined) throw new Error(`tier names unknown backend ${name}`);
      return backend;
    }),
    ...(tier.hedgeAfter === undefined ? {} : { hedgeAfter: tier.hedgeAfter }),
  }));

  let service: WorkService | undefined;
  const cache = createWorkCache({ url: config.cache.url, maxEntries: config.cache.maxEntries, ttl: config.cache.ttl }, (err) => {
    service?.events.emit('cache', { outcome: 'error', error: err });
    logger.warn({ err: err.message }, 'cache unavailable; serving as misses');
  });
  if (!(await cache.ready(2000))) logger.warn({ cache: cache.kind }, 'cache not reachable at start-up; serving as misses until it is');
  service = new WorkService({ tiers, cache, timeout: config.work.timeout, breaker: config.breaker });
  const metrics = createMetrics(registry, { events: service.events, inFlight: () => service.inFlight, breakers: service.breakers });

  logBackendEvents(service.events, logger, service.breakers);

  const limits = workLimits(network, {
    maxMultiplier: config.work.maxMultiplier,
    ...(config.work.defaultDifficulty === undefined ? {} : { defaultDifficulty: config.work.defaultDifficulty }),
  });
  const rpc = createRpcHandler({
    service,
    limits,
    allow: new Set(config.rpc.allow),
    ...(config.node.rpc === undefined ? {} : { nodeRpc: new URL(config.node.rpc) }),
    nodeTimeout: config.node.timeout,
    onUnexpected: (err) => logger.error({ err }, 'unexpected error in rpc handler'),
  });

  let accepting = true;
  const app = createApp({ rpc, registry, metrics, logger, bodyLimit: config.rpc.bodyLimit, accepting: () => accepting });
  const server = http.createServer(app.callback());
  let activeRequests = 0;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    activeRequests++;
    res.once('close', () => activeRequests--);
  });
  // Slow or silent clients must not pin sockets forever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info(
    { url, network: config.network, cache: cache.kind, tiers: config.tiers.map((t) => t.backends.join(',')) },
    'powgate listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      accepting = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await service.drain(options.drainTimeout ?? 5000);
      service.close();
      // Let the Cancelled answers reach their clients before the sockets go.
      for (let i = 0; i < 50 && activeRequests > 0; i++) await new Promise((r) => setTimeout(r, 10));
      server.closeAllConnections();
      await closed;
      await Promise.all([...backends.values()].map((b) => b.close().catch(() => {})));
      await cache.close();
      closeIdleConnections();
      logger.info('powgate stopped');
    })();
    return closing;
  };

  return { url, server, service, cache, registry, close };
}
