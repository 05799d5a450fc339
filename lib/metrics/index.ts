import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Backend } from '../backends/types.js';
import type { EngineEmitter } from '../engine/events.js';
import type { CircuitBreaker } from '../engine/breaker.js';
import type { PrecacheEmitter } from '../precache/events.js';
import type { PrecacheStatus } from '../status/types.js';
import { registerProcessMetrics } from './process.js';

const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
const HEALTH_VALUE = { ok: 0, degraded: 1, down: 2, config_error: 3 } as const;

export interface MetricsSources {
  readonly events: EngineEmitter;
  readonly inFlight: () => number;
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
  readonly version?: string;
  /** Every backend with the index of its tier. */
  readonly backends?: ReadonlyArray<{ readonly backend: Backend; readonly tier: number }>;
  /** Nonces tried so far, per local generator backend. */
  readonly localHashes?: ReadonlyMap<string, () => number>;
  readonly ready?: () => Promise<boolean>;
  readonly cacheReachable?: () => Promise<boolean>;
  /** The precache module's state; the precache gauges read 0 (enabled 0) without it. */
  readonly precache?: () => PrecacheStatus;
}

/**
 * Every powgate metric, created on the registry it is given. Gauges that read
 * current state are computed at scrape time; counters follow engine events.
 */
export function createMetrics(registry: Registry, sources: MetricsSources) {
  const registers = [registry];
  const requests = new Counter({
    name: 'powgate_requests_total',
    help: 'RPC requests by action and outcome',
    labelNames: ['action', 'outcome'] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: 'powgate_request_duration_seconds',
    help: 'RPC request duration by action',
    labelNames: ['action'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const workSource = new Counter({
    name: 'powgate_work_returned_total',
    help: 'work_generate answers by source (cache or backend)',
    labelNames: ['source'] as const,
    registers,
  });
  const backendOutcomes = new Counter({
    name: 'powgate_backend_outcomes_total',
    help: 'Backend attempts by outcome: won, lost, failed, invalid, skipped',
    labelNames: ['backend', 'outcome'] as const,
    registers,
  });
  const backendDuration = new Histogram({
    name: 'powgate_backend_duration_seconds',
    help: 'Time from starting a backend to its outcome',
    labelNames: ['backend', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const cacheHits = new Counter({ name: 'powgate_cache_hits_total', help: 'Cache lookups that answered', registers });
  const cacheMisses = new Counter({ name: 'powgate_cache_misses_total', help: 'Cache lookups that did not answer', registers });
  const cacheErrors = new Counter({ name: 'powgate_cache_errors_total', help: 'Cache operations that failed (read as misses)', registers });
  const jobs = new Counter({
    name: 'powgate_jobs_total',
    help: 'Upstream work jobs by outcome (joined requests share one job)',
    labelNames: ['outcome'] as const,
    registers,
  });
  new Gauge({
    name: 'powgate_jobs_in_flight',
    help: 'Work jobs currently generating',
    registers,
    collect() {
      this.set(sources.inFlight());
    },
  });
  new Gauge({
    name: 'powgate_backend_circuit_state',
    help: 'Circuit breaker per backend: 0 closed, 1 half-open, 2 open',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      for (const [backend, breaker] of sources.breakers) this.set({ backend }, BREAKER_VALUE[breaker.state]);
    },
  });

  new Gauge({
    name: 'powgate_build_info',
    help: 'Always 1; the version label says which powgate runs',
    labelNames: ['version'] as const,
    registers,
  }).set({ version: sources.version ?? 'unknown' }, 1);
  if (sources.ready !== undefined) {
    const ready = sources.ready;
    new Gauge({
      name: 'powgate_ready',
      help: '1 when /readyz answers 200 (a backend can take work and the cache answers), else 0',
      registers,
      async collect() {
        this.set((await ready()) ? 1 : 0);
      },
    });
  }
  if (sources.cacheReachable !== undefined) {
    const reachable = sources.cacheReachable;
    new Gauge({
      name: 'powgate_cache_reachable',
      help: '1 when the cache store answers a ping, else 0 (an unreachable cache serves every lookup as a miss)',
      registers,
      async collect() {
        this.set((await reachable()) ? 1 : 0);
      },
    });
  }
  const backends = sources.backends ?? [];
  const backendInfo = new Gauge({
    name: 'powgate_backend_info',
    help: 'Always 1 per configured backend; labels give its type and tier (0 runs first)',
    labelNames: ['backend', 'type', 'tier'] as const,
    registers,
  });
  for (const { backend, tier } of backends) backendInfo.set({ backend: backend.name, type: backend.type, tier: String(tier) }, 1);
  new Gauge({
    name: 'powgate_backend_status',
    help: "A backend's own health, for backends that report one: 0 ok, 1 degraded, 2 down, 3 config_error",
    labelNames: ['backend'] as const,
    registers,
    collect() {
      for (const { backend } of backends) {
        if (backend.status === undefined) continue;
        let state: keyof typeof HEALTH_VALUE;
        try {
          state = backend.status().state;
        } catch {
          state = 'down';
        }
        this.set({ backend: backend.name }, HEALTH_VALUE[state] ?? HEALTH_VALUE.down);
      }
    },
  });
  const localHashes = sources.localHashes ?? new Map<string, () => number>();
  new Counter({
    name: 'powgate_local_hashes_total',
    help: 'Nonces tried by the local generator (rate() of it is the hash rate)',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      // Read from the generator at scrape time; never counted on the hot path.
      this.reset();
      for (const [backend, hashes] of localHashes) this.inc({ backend }, hashes());
    },
  });
  const precache = sources.precache;
  const precacheGauge = (name: string, help: string, read: (s: PrecacheStatus) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(precache === undefined ? 0 : read(precache()));
      },
    });
  };
  precacheGauge('powgate_precache_enabled', '1 when precaching runs', (s) => (s.enabled ? 1 : 0));
  // Queue, accounts, websocket, jobs and hits come from createPrecacheMetrics, which follows precache events.
  const precacheCounter = (name: string, help: string, read: (s: PrecacheStatus) => number): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        if (precache !== undefined) this.inc(read(precache()));
      },
    });
  };
  precacheCounter('powgate_precache_requests_total', 'work_generate requests seen by the precache module', (s) => s.requests);
  registerProcessMetrics(registry);

  sources.events.on('backend', (e) => {
    backendOutcomes.inc({ backend: e.backend, outcome: e.outcome });
    if (e.outcome !== 'skipped') backendDuration.observe({ backend: e.backend, outcome: e.outcome }, e.seconds);
  });
  sources.events.on('cache', (e) => {
    if (e.outcome === 'hit') cacheHits.inc();
    else if (e.outcome === 'miss') cacheMisses.inc();
    else cacheErrors.inc();
  });
  sources.events.on('job', (e) => {
    if (e.phase === 'end' && e.outcome !== undefined) jobs.inc({ outcome: e.outcome });
  });

  // Label children are looked up once: hashing label objects on every request shows in profiles.
  const memo = <T>(make: (key: string) => T): ((key: string) => T) => {
    const children = new Map<string, T>();
    return (key) => {
      let child = children.get(key);
      if (child === undefined) children.set(key, (child = make(key)));
      return child;
    };
  };
  const requestChild = memo((key) => {
    const [action = '', outcome = ''] = key.split('\0');
    return requests.labels(action, outcome);
  });
  const durationChild = memo((action) => requestDuration.labels(action));
  const sourceChild = memo((source) => workSource.labels(source));

  return {
    /** One finished RPC request. */
    request(action: string, outcome: string, seconds: number, source?: string): void {
      requestChild(`${action}\0${outcome}`).inc();
      durationChild(action).observe(seconds);
      if (source !== undefined) sourceChild(source).inc();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export interface PrecacheMetricsSources {
  readonly events: PrecacheEmitter;
  /** Engine events: precache hits are client cache hits on precached work. */
  readonly engine: EngineEmitter;
  readonly status: () => PrecacheStatus;
}

/** The precache metrics, on the same registry: counters follow events, gauges read the state at scrape time. */
export function createPrecacheMetrics(registry: Registry, sources: PrecacheMetricsSources): void {
  const registers = [registry];
  const confirmations = new Counter({
    name: 'powgate_precache_confirmations_total',
    help: 'Block confirmations seen, by trigger (websocket, callback) and outcome (new, duplicate, old, ignored, unverified)',
    labelNames: ['trigger', 'outcome'] as const,
    registers,
  });
  const malformed = new Counter({
    name: 'powgate_precache_malformed_total',
    help: 'Websocket messages or callbacks that were not a readable block confirmation',
    labelNames: ['trigger'] as const,
    registers,
  });
  const jobs = new Counter({
    name: 'powgate_precache_jobs_total',
    help: 'Precache jobs by outcome: queued, done, failed, dropped (queue full or root stale), skipped (another instance has it)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const hits = new Counter({ name: 'powgate_precache_hits_total', help: 'work_generate requests answered from precached work', registers });
  const reconnects = new Counter({
    name: 'powgate_precache_websocket_reconnects_total',
    help: 'Reconnects of the node websocket, after it closed or an attempt failed',
    registers,
  });
  const forwards = new Counter({
    name: 'powgate_precache_callback_forwards_total',
    help: 'Node callbacks forwarded, by outcome (ok, failed, dropped)',
    labelNames: ['outcome'] as const,
    registers,
  });
  new Gauge({
    name: 'powgate_precache_queue_depth',
    help: 'Precache jobs waiting to run',
    registers,
    collect() {
      this.set(sources.status().queueDepth);
    },
  });
  new Gauge({
    name: 'powgate_precache_tracked_accounts',
    help: 'Accounts precache serves (configured and learned)',
    registers,
    collect() {
      this.set(sources.status().trackedAccounts);
    },
  });
  new Gauge({
    name: 'powgate_precache_websocket_connected',
    help: '1 while the node websocket is connected and subscribed, else 0',
    registers,
    collect() {
      this.set(sources.status().websocket === 'connected' ? 1 : 0);
    },
  });

  sources.events.on('confirmation', (e) => confirmations.inc({ trigger: e.trigger, outcome: e.outcome }));
  sources.events.on('malformed', (e) => malformed.inc({ trigger: e.trigger }));
  sources.events.on('task', (e) => jobs.inc({ outcome: e.outcome }));
  sources.events.on('websocket', (e) => {
    if (e.state === 'disconnected' && e.error === undefined) reconnects.inc();
  });
  sources.events.on('forward', (e) => forwards.inc({ outcome: e.outcome }));
  sources.engine.on('cache', (e) => {
    if (e.precached === true) hits.inc();
  });
}
