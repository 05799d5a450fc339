import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createBackend, startBackends, type Backend } from './backends/index.js';
import { createWorkCache, type WorkCache } from './cache/index.js';
import type { Config } from './config/types.js';
import type { CacheError } from './errors.js';
import { WorkService } from './engine/service.js';
import { createRequestListener } from './http/app.js';
import { createMonitorApp } from './http/monitor-app.js';
import { monitoringRouter } from './http/routes.js';
import { logBackendEvents } from './logs/backend-events.js';
import { rateLimited } from './logs/rate-limited.js';
import { createMetrics, createPrecacheMetrics, type Metrics } from './metrics/index.js';
import { closeIdleConnections } from './net/post-json.js';
import { NETWORKS } from './pow/index.js';
import { callbackGuard } from './precache/callback-guard.js';
import { createPrecache, type Precache } from './precache/index.js';
import { ForwardSlots } from './rpc/forward-slots.js';
import { createRpcHandler } from './rpc/handler.js';
import { workLimits } from './rpc/limits.js';
import { StatusCollector } from './status/collector.js';
import { StatusMonitor } from './status/monitor.js';
import { endpointsOf } from './status/redact.js';
import type { PrecacheStatus } from './status/types.js';
import { powgateVersion } from './version.js';

export interface StartOptions {
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** Backends to use instead of building them from config (tests). */
  readonly backends?: ReadonlyMap<string, Backend>;
  /** How long shutdown waits for in-flight jobs before cancelling them (ms). */
  readonly drainTimeout?: number;
  /** The precache module's state, shown on the dashboard and in metrics (tests; later built here from config). */
  readonly precacheStatus?: () => PrecacheStatus;
}

export interface Powgate {
  readonly url: string;
  readonly server: http.Server;
  /** The `metrics.listen` listener, when configured. */
  readonly monitorUrl?: string;
  readonly monitorServer?: http.Server;
  /** Readiness and the /api/status report. */
  readonly monitor: StatusMonitor;
  readonly service: WorkService;
  readonly cache: WorkCache;
  readonly registry: Registry;
  /** Precache state for the dashboard and /api/status: `precache.status()`. */
  readonly precache: Precache;
  /** Stops accepting, lets in-flight work finish (bounded), cancels the rest, releases everything. */
  close(): Promise<void>;
}

/** At most one 'cache unavailable' warning this often (ms); the others are counted in its `suppressed`. */
const CACHE_WARN_INTERVAL = 10_000;

/** Builds every part from the frozen config and starts listening. */
export async function startPowgate(config: Config, options: StartOptions = {}): Promise<Powgate> {
  const startedAt = Date.now();
  const logger = options.logger ?? pino({ level: config.log.level, base: { name: 'powgate' } });
  const registry = options.registry ?? new Registry();

  const network = NETWORKS[config.network];
  const backends = new Map<string, Backend>(options.backends ?? []);
  if (options.backends === undefined) {
    for (const [name, backendConfig] of Object.entries(config.backends)) backends.set(name, createBackend(name, backendConfig, { network }));
  }
  try {
    await startBackends(backends.values(), logger);
  } catch (err) {
    // Only what was built here: backends passed in belong to the caller.
    if (options.backends === undefined) await Promise.all([...backends.values()].map((b) => b.close()));
    throw err;
  }
  const tierList = (only?: ReadonlySet<string>) =>
    config.tiers
      .map((tier) => ({
        backends: tier.backends
          .filter((name) => only === undefined || only.has(name))
          .map((name) => {
            const backend = backends.get(name);
            if (backend === undefined) throw new Error(`tier names unknown backend ${name}`);
            return backend;
          }),
        ...(tier.hedgeAfter === undefined ? {} : { hedgeAfter: tier.hedgeAfter }),
      }))
      .filter((tier) => tier.backends.length > 0);
  const tiers = tierList();
  // Precache keeps the chain's order and tiers, restricted to the backends it may use.
  const precacheTiers = tierList(new Set(config.precache.backends));

  let service: WorkService | undefined;
  // Every failed cache operation is counted (metrics); during an outage that is
  // one per read and write, so the log says it once per CACHE_WARN_INTERVAL.
  const warnCache = rateLimited<CacheError>(CACHE_WARN_INTERVAL, (err, suppressed) =>
    logger.warn({ err: err.message, ...(suppressed > 0 ? { suppressed } : {}) }, 'cache unavailable; serving as misses'),
  );
  const onCacheError = (err: CacheError): void => {
    service?.events.emit('cache', { outcome: 'error', error: err });
    warnCache(err);
  };
  const cache = createWorkCache({ url: config.cache.url, maxEntries: config.cache.maxEntries, ttl: config.cache.ttl }, onCacheError);
  if (!(await cache.ready(2000))) logger.warn({ cache: cache.kind }, 'cache not reachable at start-up; serving as misses until it is');
  service = new WorkService({ tiers, precacheTiers, cache, timeout: config.work.deadline, breaker: config.breaker });
  const work = service;
  const precache = createPrecache({ config, service, cache, logger, onStoreError: onCacheError });

  // Backends that hash in this process (the local generator), for hash-rate figures.
  const generators = [...backends.values()].flatMap((b) => (b.generator === undefined ? [] : [{ name: b.name, generator: b.generator }]));
  const hashCounters = new Map(generators.map((g) => [g.name, () => g.generator.hashes()] as const));
  const precacheStatus = options.precacheStatus ?? (() => precache.status());
  // The dashboard's history costs a few writes per event; without the dashboard nobody reads it.
  const collector = config.dashboard.enabled ? new StatusCollector({ events: work.events, hashCounters }) : undefined;
  const ticker = collector === undefined ? undefined : setInterval(() => collector.tick(), 1000).unref();
  const monitor = new StatusMonitor({
    version: powgateVersion(),
    network: config.network,
    startedAt,
    tiers: tiers.map((t) => t.backends),
    breakers: work.breakers,
    endpoints: new Map([...backends.keys()].map((name) => [name, endpointsOf(config.backends[name])])),
    cache,
    inFlight: () => work.inFlight,
    generatorThreads: generators.reduce((sum, g) => sum + g.generator.threads, 0),
    generatorBackends: generators.map((g) => g.name),
    precache: precacheStatus,
    ...(collector === undefined ? {} : { collector }),
  });
  const metrics = createMetrics(registry, {
    events: work.events,
    inFlight: () => work.inFlight,
    breakers: work.breakers,
    version: powgateVersion(),
    backends: tiers.flatMap((t, tier) => t.backends.map((backend) => ({ backend, tier }))),
    localHashes: hashCounters,
    ready: async () => (await monitor.readiness()).ready,
    cacheReachable: () => monitor.cacheReachable(),
    precache: precacheStatus,
  });
  const recorder: Pick<Metrics, 'request'> =
    collector === undefined
      ? metrics
      : {
          request(action, outcome, seconds, source) {
            metrics.request(action, outcome, seconds, source);
            collector.request(outcome);
          },
        };
  createPrecacheMetrics(registry, { events: precache.events, engine: work.events, status: precacheStatus });

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
    forwards: new ForwardSlots(config.rpc.maxForwards),
    onUnexpected: (err) => logger.error({ err }, 'unexpected error in rpc handler'),
  });

  // With metrics.listen the RPC port keeps only health: metrics and the dashboard move to their own listener.
  const separate = config.metrics.listen !== undefined;
  const routes = monitoringRouter({
    monitor,
    registry,
    metrics: config.metrics.enabled && !separate,
    dashboard: config.dashboard.enabled && !separate,
    dashboardAtRoot: 'browsers',
  });
  let accepting = true;
  const listener = createRequestListener({
    rpc,
    routes,
    metrics: recorder,
    logger,
    bodyLimit: config.rpc.bodyLimit,
    accepting: () => accepting,
    callback: (raw, trusted) => precache.callback(raw, trusted),
    callbackGuard: callbackGuard({
      ...(config.precache.callbackSecret === undefined ? {} : { secret: config.precache.callbackSecret }),
      allow: config.precache.callbackAllow,
      rate: config.precache.callbackRate,
    }),
  });
  const server = http.createServer(receiveBounds(config.rpc.receiveTimeout), listener);
  let activeRequests = 0;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    activeRequests++;
    res.once('close', () => activeRequests--);
  });
  server.keepAliveTimeout = 65_000;

  const url = await listen(server, config.listen);
  let monitorServer: http.Server | undefined;
  let monitorUrl: string | undefined;
  if (config.metrics.listen !== undefined) {
    const monitorRoutes = monitoringRouter({
      monitor,
      registry,
      metrics: config.metrics.enabled,
      dashboard: config.dashboard.enabled,
      dashboardAtRoot: 'always',
    });
    monitorServer = http.createServer(receiveBounds(config.rpc.receiveTimeout), createMonitorApp(monitorRoutes, logger).callback());
    try {
      monitorUrl = await listen(monitorServer, config.metrics.listen);
    } catch (err) {
      server.close();
      monitorServer = undefined;
      if (ticker !== undefined) clearInterval(ticker);
      collector?.close();
      service.close();
      await Promise.all([...backends.values()].map((b) => b.close().catch(() => {})));
      await cache.close();
      throw err;
    }
  }
  logger.info(
    {
      url,
      ...(monitorUrl === undefined ? {} : { monitorUrl }),
      network: config.network,
      cache: cache.kind,
      tiers: config.tiers.map((t) => t.backends.join(',')),
    },
    'powgate listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      accepting = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Precache first: its jobs are nobody's request, so they are not worth the drain.
      await precache.close();
      const monitorClosed = new Promise<void>((resolve) => (monitorServer === undefined ? resolve() : monitorServer.close(() => resolve())));
      // Nothing on the monitoring listener is worth waiting for.
      monitorServer?.closeAllConnections();
      if (ticker !== undefined) clearInterval(ticker);
      collector?.close();
      await service.drain(options.drainTimeout ?? 5000);
      service.close();
      // Let the Cancelled answers reach their clients before the sockets go.
      for (let i = 0; i < 50 && activeRequests > 0; i++) await new Promise((r) => setTimeout(r, 10));
      server.closeAllConnections();
      await closed;
      await monitorClosed;
      await Promise.all([...backends.values()].map((b) => b.close().catch(() => {})));
      await cache.close();
      closeIdleConnections();
      logger.info('powgate stopped');
    })();
    return closing;
  };

  return {
    url,
    server,
    ...(monitorServer === undefined || monitorUrl === undefined ? {} : { monitorServer, monitorUrl }),
    monitor,
    service,
    cache,
    registry,
    precache,
    close,
  };
}

/**
 * Slow or silent clients must not pin sockets: a connection that has not sent
 * a whole request (headers and body) within `receiveTimeout` gets HTTP 408 and
 * is closed. Node's requestTimeout runs from the first byte of a request until
 * its body has arrived, so answering (a long work_generate) is not bounded by
 * it. Connections are checked every second rather than Node's default 30 s.
 */
function receiveBounds(receiveTimeout: number): http.ServerOptions {
  return {
    requestTimeout: receiveTimeout,
    headersTimeout: Math.min(20_000, receiveTimeout),
    connectionsCheckingInterval: Math.min(1000, receiveTimeout),
  };
}

async function listen(server: http.Server, address: { readonly host: string; readonly port: number }): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `http://${host}:${bound.port}`;
}

