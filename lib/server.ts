import type http from 'node:http';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { isDpowBackend } from './backends/dpow.js';
import { type Backend, createBackend, startBackends } from './backends/index.js';
import { jobCoordinator } from './cache/coordinator.js';
import { createWorkCache, type WorkCache } from './cache/index.js';
import { DEFAULTS } from './config/defaults.js';
import type { Config } from './config/types.js';
import { resolveChain } from './engine/chain.js';
import { Prober } from './engine/prober.js';
import { WorkService } from './engine/service.js';
import { type CacheError, ConfigError } from './errors.js';
import { createRequestListener } from './http/app.js';
import { openListener } from './http/listener.js';
import { createMonitorApp } from './http/monitor-app.js';
import { monitoringRouter } from './http/routes.js';
import { attachServiceSockets, servicePost } from './http/service-api.js';
import { isHubBackend } from './hub/index.js';
import { createHubMetrics } from './hub/metrics.js';
import { LedgerApi } from './ledger/api.js';
import { needsDatabase, openDatabase, type SqlDatabase } from './ledger/index.js';
import { createLedgerMetrics } from './ledger/metrics.js';
import { LedgerRecorder } from './ledger/recorder.js';
import { type CloseReport, CloseStack } from './lifecycle/close-stack.js';
import { logEvents } from './logs/index.js';
import { rateLimited } from './logs/rate-limited.js';
import { createMetrics } from './metrics/index.js';
import { createServiceMetrics } from './metrics/services.js';
import { closeIdleConnections } from './net/post-json.js';
import { decodeAccount, NETWORKS, type NetworkParams } from './pow/index.js';
import { callbackGuard } from './precache/callback-guard.js';
import { createPrecache } from './precache/index.js';
import { ForwardSlots } from './rpc/forward-slots.js';
import { createRpcHandler } from './rpc/handler.js';
import { workLimits } from './rpc/limits.js';
import { type AuthCounts, withServiceAuth } from './services/auth.js';
import { ServiceDirectory } from './services/directory.js';
import { createDpowApi } from './services/dpow-api.js';
import { hashKey } from './services/keys.js';
import { MemoryServiceStore } from './services/memory-store.js';
import { servicesReport } from './services/report.js';
import { SqlServiceStore } from './services/sql-store.js';
import type { ServiceRecord, ServiceStore } from './services/types.js';
import { StatusCollector } from './status/collector.js';
import { StatusMonitor } from './status/monitor.js';
import { endpointsOf } from './status/redact.js';
import type { PrecacheStatus, ServicesReport } from './status/types.js';
import { createTelemetry, type Telemetry } from './telemetry/events.js';
import { Figures } from './telemetry/figures.js';
import { powgateVersion } from './version.js';

export interface StartOptions {
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** Backends to use instead of building them from config (tests). They belong to the caller, who closes them. */
  readonly backends?: ReadonlyMap<string, Backend>;
  /** How long shutdown waits for in-flight jobs before cancelling them (ms). */
  readonly drainTimeout?: number;
  /** The precache module's state, shown on the dashboard and in metrics (tests; later built here from config). */
  readonly precacheStatus?: () => PrecacheStatus;
  /** Where managed services live and their use is recorded (default: in memory, config-file services only). */
  readonly serviceStore?: ServiceStore;
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
  /** The one telemetry stream every part emits on. */
  readonly events: Telemetry;
  /** Precache state and counts, as the dashboard and /api/status show them. */
  readonly precache: { status(): PrecacheStatus };
  /** The ledger's database (lib/ledger), when a part needs one (`needsDatabase`). */
  readonly database?: SqlDatabase;
  /** The ledger's recorder of hub results, with a hub backend and a database. */
  readonly ledger?: LedgerRecorder;
  /** Every service (client with a key), its limits and counts. */
  readonly services: ServiceDirectory;
  /** Stops accepting, lets in-flight work finish (bounded), cancels the rest, releases everything. */
  close(): Promise<void>;
}

/** How often service use is written to the store and the stored services are read again. */
const SERVICE_SYNC_MS = 5000;

/** Beyond the drain: how long closing the rest (sockets, Redis, generator threads) may take. */
const CLOSE_BOUND = 3000;
/** How long the Cancelled answers get to reach their clients before the sockets go. */
const ANSWER_GRACE = 500;

/**
 * The composition root: builds every part from the frozen config, in order,
 * and registers each resource's close on one stack the moment it exists.
 * Shutdown and a failed start unwind that same stack, last part first, within
 * a bound; nothing else in powgate keeps a list of what to release.
 */
export async function startPowgate(config: Config, options: StartOptions = {}): Promise<Powgate> {
  const logger = options.logger ?? pino({ level: config.log.level, base: { name: 'powgate' } });
  const stack = new CloseStack();
  try {
    return await build(config, options, logger, stack);
  } catch (err) {
    reportClose(logger, await stack.close(CLOSE_BOUND), 'start-up failed; released what was built');
    throw err;
  }
}

async function build(config: Config, options: StartOptions, logger: Logger, stack: CloseStack): Promise<Powgate> {
  const startedAt = Date.now();
  const registry = options.registry ?? new Registry();
  const network = NETWORKS[config.network];
  // The one telemetry stream exists before anything that emits on it (the cache's errors come first).
  // Its subscribers: figures (every count), metrics, the dashboard's history, logs.
  const events = createTelemetry();
  const figures = new Figures(events);

  // Outbound keep-alive sockets (rpc peers, node lookups, forwards) go last.
  stack.defer('outbound connections', closeIdleConnections);

  // The ledger's database, only when a part needs it (a start without one creates no file).
  // Registered early so it closes late: whatever writes to it flushes first.
  const database = needsDatabase(config)
    ? await openDatabase({
        url: config.ledger.url,
        dataDir: config.ledger.dataDir,
        onError: (err) => logger.warn({ err: err.message }, 'ledger database connection lost; the pool reconnects'),
      })
    : undefined;
  if (database !== undefined) {
    stack.defer('database', () => database.close());
    logger.info({ database: database.label }, 'ledger database open');
  }
  // Services first: the hub's statistics list them. Their use is written to the store every few seconds, and at the end.
  // Managed services live in the ledger's database when there is one; without it, the config file's alone.
  const serviceStore = options.serviceStore ?? (database === undefined ? new MemoryServiceStore() : await SqlServiceStore.open(database));
  const services = new ServiceDirectory({
    declared: declaredServices(config),
    store: serviceStore,
    onStoreError: (err) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'service store failed; retrying at the next sync'),
  });
  await services.sync();
  const authCounts: AuthCounts = { keyless: 0 };
  const serviceSync = setInterval(() => void services.sync(), SERVICE_SYNC_MS).unref();
  stack.defer('service usage', async () => {
    clearInterval(serviceSync);
    await services.flush();
  });

  const backends = new Map<string, Backend>(options.backends ?? []);
  if (options.backends === undefined) {
    for (const [name, backendConfig] of Object.entries(config.backends)) {
      const backend = createBackend(name, backendConfig, { network, serviceStatistics: () => services.statistics(), dataDir: config.ledger.dataDir });
      backends.set(name, backend);
      stack.defer(`backend ${name}`, () => backend.close());
    }
  }
  // Hub backends report their workers; their worker results join the one telemetry stream, where
  // every view (and the ledger) reads them. Subscribed before the brokers start, so none is missed.
  const hubs = [...backends.values()].filter(isHubBackend);
  // The ledger records every counted hub result (batched, off the hub's path) and gives each worker's
  // durable counts to client/{account}. Registered before the hubs' subscriptions, so it closes (and
  // writes what is queued) after the last result can arrive.
  const ledger = hubs.length > 0 && database !== undefined && config.ledger.record ? await openLedger(database, network.receiveThreshold, logger) : undefined;
  if (ledger !== undefined) {
    stack.defer('ledger', () => ledger.close());
    events.on('hubResult', (e) => ledger.record(e));
    for (const hub of hubs) hub.useClientCounts((account) => ledger.counts(account));
  }
  for (const hub of hubs)
    stack.defer(
      `hub ${hub.name} results`,
      hub.onResult((e) => events.emit('hubResult', e)),
    );
  // A failure here (gpu: on without a GPU) unwinds the stack like any other.
  await startBackends(backends.values(), logger);
  const tiers = resolveChain(config.tiers, backends);
  refuseUselessChain(tiers, network, config.work.defaultDifficulty);
  // Precache keeps the chain's order and tiers, restricted to the backends it may use.
  const precacheTiers = resolveChain(config.tiers, backends, new Set(config.precache.backends));

  // Cache and precache store trouble is an event like any other; the cache reads it as a miss.
  const onCacheError = (error: CacheError): void => events.emit('cache', { outcome: 'error', error });
  const cache = createWorkCache({ url: config.cache.url, maxEntries: config.cache.maxEntries, ttl: config.cache.ttl }, onCacheError);
  stack.defer('cache', () => cache.close());
  // One upstream job per root across the instances on a shared Redis; alone otherwise.
  const coordinator = jobCoordinator(config.cache.url, onCacheError);
  stack.defer('job leases', () => coordinator.close());
  const service = new WorkService({ tiers, precacheTiers, cache, timeout: config.work.deadline, breaker: config.breaker, events, coordinator });
  const closeEngine = stack.defer('engine', () => service.close());
  const prober = new Prober({ backends: tiers.flatMap((t) => t.backends), breakers: service.breakers, events, interval: config.breaker.probeInterval });
  stack.defer('idle probes', () => prober.close());
  // Subscribed before the first wait on the cache, so a Redis that is away at start-up is logged.
  logEvents(events, logger, service.breakers);
  if (!(await cache.ready(2000))) logger.warn({ cache: cache.kind }, 'cache not reachable at start-up; serving as misses until it is');
  const precache = createPrecache({ config, service, cache, logger, events, onStoreError: onCacheError });
  const closePrecache = stack.defer('precache', () => precache.close());

  // Backends that hash in this process (the local generator), for hash-rate figures.
  const generators = [...backends.values()].flatMap((b) => (b.generator === undefined ? [] : [{ name: b.name, generator: b.generator }]));
  const hashCounters = new Map(generators.map((g) => [g.name, () => g.generator.hashes()] as const));
  // The module's state beside the counts the figures keep: the same numbers /metrics shows.
  const precacheView = {
    status: (): PrecacheStatus => {
      const { queued, done, failed, dropped } = figures.precache.tasks;
      return { ...precache.status(), jobs: { queued, done, failed, dropped }, hits: figures.precache.hits, requests: figures.precache.requests };
    },
  };
  const precacheStatus = options.precacheStatus ?? precacheView.status;
  // The dashboard's history costs a few writes per event; without the dashboard nobody reads it.
  const collector = config.dashboard.enabled ? new StatusCollector({ events, hashCounters }) : undefined;
  if (collector !== undefined) {
    const ticker = setInterval(() => collector.tick(), 1000).unref();
    stack.defer('dashboard history', () => {
      clearInterval(ticker);
      collector.close();
    });
  }
  const servicesView = (): ServicesReport => servicesReport({ directory: services, auth: config.rpc.auth, authCounts, serviceApi: config.serviceApi.enabled });
  const monitor = new StatusMonitor({
    version: powgateVersion(),
    network: config.network,
    startedAt,
    tiers: tiers.map((t) => t.backends),
    breakers: service.breakers,
    endpoints: new Map([...backends.keys()].map((name) => [name, endpointsOf(config.backends[name])])),
    cache,
    inFlight: () => service.inFlight,
    generatorThreads: generators.reduce((sum, g) => sum + g.generator.threads, 0),
    generatorBackends: generators.map((g) => g.name),
    precache: precacheStatus,
    figures,
    ...(hubs.length === 0 ? {} : { hubs: () => hubs.map((h) => h.hubStatus()) }),
    probed: (name) => prober.probes(name),
    ...(collector === undefined ? {} : { collector }),
    services: servicesView,
  });
  createMetrics(registry, {
    events,
    figures,
    inFlight: () => service.inFlight,
    breakers: service.breakers,
    version: powgateVersion(),
    backends: tiers.flatMap((t, tier) => t.backends.map((backend) => ({ backend, tier }))),
    localHashes: hashCounters,
    dpow: new Map([...backends.values()].filter(isDpowBackend).map((b) => [b.name, () => b.stats()] as const)),
    ready: async () => (await monitor.readiness()).ready,
    degraded: async () => (await monitor.readiness()).degraded,
    cacheReachable: () => monitor.cacheReachable(),
    precache: precacheStatus,
  });
  createHubMetrics(registry, hubs, config.backends);
  createLedgerMetrics(registry, ledger);
  createServiceMetrics(registry, () =>
    servicesReport({ directory: services, auth: config.rpc.auth, authCounts, serviceApi: config.serviceApi.enabled, limit: Number.POSITIVE_INFINITY }),
  );
  // After every subscriber: the first probes run at once (bad credentials show at start-up).
  prober.start();

  const limits = workLimits(network, {
    maxMultiplier: config.work.maxMultiplier,
    ...(config.work.defaultDifficulty === undefined ? {} : { defaultDifficulty: config.work.defaultDifficulty }),
  });
  const handler = createRpcHandler({
    service,
    limits,
    allow: new Set(config.rpc.allow),
    ...(config.node.rpc === undefined ? {} : { nodeRpc: new URL(config.node.rpc) }),
    nodeTimeout: config.node.timeout,
    forwards: new ForwardSlots(config.rpc.maxForwards),
    onUnexpected: (err) => logger.error({ err }, 'unexpected error in rpc handler'),
  });
  // rpc.auth: off (the default) puts nothing in front of the handler: not even a branch per request.
  const rpc =
    config.rpc.auth === 'off' ? handler : withServiceAuth(handler, { mode: config.rpc.auth, exempt: config.rpc.authExempt, directory: services }, authCounts);

  // False once shutdown has begun: the RPC port and the DPoW service API refuse new requests.
  let accepting = true;
  const dpowApi = config.serviceApi.enabled
    ? createDpowApi({
        directory: services,
        service,
        cache,
        network,
        onUnexpected: (err) => logger.error({ err }, 'unexpected error in the DPoW service API'),
        accepting: () => accepting,
        onAnswer: (outcome, seconds, source) => events.emit('rpc', { action: 'dpow', outcome, seconds, ...(source === undefined ? {} : { source }) }),
      })
    : undefined;

  // With metrics.listen the RPC port keeps only health: metrics and the dashboard move to their own listener.
  const separate = config.metrics.listen !== undefined;
  // The ledger's API and hub page, beside the dashboard, when there is a ledger.
  const hubApi =
    ledger === undefined || database === undefined
      ? undefined
      : {
          ledger: new LedgerApi(database, {
            activeWindow: Math.max(...hubs.map((h) => hubWorkerTtl(config, h.name))),
            unit: network.unit,
            unitRaw: network.unitRaw,
            recorder: () => ({ queued: ledger.queued, written: ledger.written, dropped: ledger.dropped }),
          }),
          validAccount: (account: string) => decodeAccount(account, network.prefixes) !== undefined,
        };
  const routes = monitoringRouter({
    monitor,
    registry,
    metrics: config.metrics.enabled && !separate,
    dashboard: config.dashboard.enabled && !separate,
    dashboardAtRoot: 'browsers',
    ...(hubApi === undefined ? {} : { hub: hubApi }),
  });
  // DPoW's health check, beside its service API.
  if (dpowApi !== undefined) routes.get('/upcheck/', (ctx) => void (ctx.body = 'up'));
  const listener = createRequestListener({
    rpc,
    routes,
    events,
    logger,
    bodyLimit: config.rpc.bodyLimit,
    accepting: () => accepting,
    callback: (raw, trusted) => precache.callback(raw, trusted),
    callbackGuard: callbackGuard({
      ...(config.precache.callbackSecret === undefined ? {} : { secret: config.precache.callbackSecret }),
      allow: config.precache.callbackAllow,
      rate: config.precache.callbackRate,
    }),
    ...(dpowApi === undefined ? {} : { servicePost: (req, res) => servicePost(req, res, dpowApi, config.rpc.bodyLimit) }),
  });
  const front = await openListener(listener, config.listen, { ...receiveBounds(config.rpc.receiveTimeout), keepAliveTimeout: 65_000 });
  stack.defer('rpc listener', () => front.close());
  if (dpowApi !== undefined) {
    const sockets = attachServiceSockets(front.server, { api: dpowApi, maxSockets: config.serviceApi.maxSockets, heartbeat: config.serviceApi.heartbeat });
    stack.defer('service websockets', () => sockets.close());
  }
  const monitoring =
    config.metrics.listen === undefined
      ? undefined
      : await openListener(
          createMonitorApp(
            monitoringRouter({
              monitor,
              registry,
              metrics: config.metrics.enabled,
              dashboard: config.dashboard.enabled,
              dashboardAtRoot: 'always',
              ...(hubApi === undefined ? {} : { hub: hubApi }),
            }),
            logger,
          ).callback(),
          config.metrics.listen,
          receiveBounds(config.rpc.receiveTimeout),
        );
  if (monitoring !== undefined) stack.defer('monitoring listener', () => monitoring.close());

  // Registered last, so it runs first, and only once start-up succeeded: a failed start has nothing to drain.
  const drainTimeout = options.drainTimeout ?? 5000;
  stack.defer('drain', async () => {
    accepting = false;
    front.stopAccepting();
    // Nothing on the monitoring listener is worth waiting for.
    await monitoring?.close();
    // Precache first: its jobs are nobody's request, so they are not worth the drain.
    await closePrecache();
    await service.drain(drainTimeout);
    await closeEngine();
    await front.settled(ANSWER_GRACE);
  });

  logger.info(
    {
      url: front.url,
      ...(monitoring === undefined ? {} : { monitorUrl: monitoring.url }),
      network: config.network,
      cache: cache.kind,
      tiers: config.tiers.map((t) => t.backends.join(',')),
    },
    'powgate listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url: front.url,
    server: front.server,
    ...(monitoring === undefined ? {} : { monitorServer: monitoring.server, monitorUrl: monitoring.url }),
    monitor,
    service,
    cache,
    registry,
    events,
    precache: precacheView,
    ...(database === undefined ? {} : { database }),
    ...(ledger === undefined ? {} : { ledger }),
    services,
    close() {
      closing ??= stack.close(drainTimeout + ANSWER_GRACE + CLOSE_BOUND).then((report) => reportClose(logger, report, 'powgate stopped'));
      return closing;
    },
  };
}

/** A hub backend's worker_ttl: workers seen within it count as active on /api/hub/stats. */
function hubWorkerTtl(config: Config, name: string): number {
  const backend = config.backends[name];
  return backend !== undefined && backend.type === 'hub' ? backend.workerTtl : DEFAULTS.hubBackend.workerTtl;
}

/** The ledger's recorder, its trouble logged: the first dropped result once, failed writes at most once a minute. */
async function openLedger(database: SqlDatabase, receiveThreshold: bigint, logger: Logger): Promise<LedgerRecorder> {
  const failed = rateLimited<unknown>(60_000, (err, suppressed) =>
    logger.warn({ err: err instanceof Error ? err.message : String(err), suppressed }, 'ledger write failed; results stay queued and are retried'),
  );
  const recorder = await LedgerRecorder.open(database, {
    receiveThreshold,
    onDrop: () => logger.warn('ledger queue full: hub results are being dropped from the ledger (counted as ledger.dropped); is the database keeping up?'),
    onError: failed,
  });
  return recorder;
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

/** One line for the whole unwind; a step that failed or ran past the bound is named, as it may have left something open. */
function reportClose(logger: Logger, report: CloseReport, message: string): void {
  if (report.failed.length === 0 && report.unfinished.length === 0) {
    logger.info({ closed: report.closed.length }, message);
    return;
  }
  logger.warn(
    {
      closed: report.closed.length,
      failed: report.failed.map((f) => ({ step: f.name, err: f.error instanceof Error ? f.error.message : String(f.error) })),
      unfinished: report.unfinished,
    },
    message,
  );
}

/**
 * A chain none of whose backends can serve any usual target of the network
 * (DPoW alone on Banano) would start, say ready, and fail every request:
 * refused at start-up instead, naming the backend keys to change.
 */
function refuseUselessChain(
  tiers: ReadonlyArray<{ readonly backends: readonly Backend[] }>,
  network: NetworkParams,
  defaultDifficulty: bigint | undefined,
): void {
  const targets = [network.defaultDifficulty, network.receiveThreshold, network.sendThreshold, network.entry, defaultDifficulty].filter(
    (t): t is bigint => t !== undefined,
  );
  const all = tiers.flatMap((t) => t.backends);
  // Only DPoW's limit is fixed (Nano only); others' supports() can change at run time (a hub without workers).
  if (all.length === 0 || all.some((b) => b.type !== 'dpow' || targets.some((t) => b.supports(t)))) return;
  const names = all.map((b) => `backends.${b.name}`);
  throw new ConfigError(
    names[0] ?? 'backends',
    `no backend can serve work on network ${network.name} (${all.map((b) => `${b.name}: ${b.type}`).join(', ')}); add one that can (rpc, local, boompow)${names.length > 1 ? `; also check ${names.slice(1).join(', ')}` : ''}`,
  );
}

/** The config file's services, as the directory keeps them: by their key's hash, never the key. */
function declaredServices(config: Config): ServiceRecord[] {
  return Object.entries(config.services).map(([name, s]) => ({
    name,
    keyHash: hashKey(s.key),
    ...(s.display === undefined ? {} : { display: s.display }),
    ...(s.website === undefined ? {} : { website: s.website }),
    public: s.public,
    rate: s.rate,
    burst: s.burst,
    maxDelay: s.maxDelay,
    ...(s.dailyQuota === undefined ? {} : { dailyQuota: s.dailyQuota }),
    ...(s.actions === undefined ? {} : { actions: s.actions }),
  }));
}
