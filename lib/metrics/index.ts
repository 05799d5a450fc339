import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DpowStats } from '../backends/dpow.js';
import type { Backend } from '../backends/types.js';
import type { CircuitBreaker } from '../engine/breaker.js';
import type { PrecacheState } from '../status/types.js';
import type { Telemetry, TelemetryEvents } from '../telemetry/events.js';
import type { Figures } from '../telemetry/figures.js';
import { registerProcessMetrics } from './process.js';
import { readCounter } from './read-counter.js';

const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
const HEALTH_VALUE = { ok: 0, degraded: 1, down: 2, config_error: 3 } as const;

export interface MetricsSources {
  /** The telemetry stream, for the durations (histograms). */
  readonly events: Telemetry;
  /** The counts, read at scrape time. */
  readonly figures: Figures;
  readonly inFlight: () => number;
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
  readonly version?: string;
  /** Every backend with the index of its tier. */
  readonly backends?: ReadonlyArray<{ readonly backend: Backend; readonly tier: number }>;
  /** Nonces tried so far, per local generator backend. */
  readonly localHashes?: ReadonlyMap<string, () => number>;
  readonly ready?: () => Promise<boolean>;
  /** Serving without something best-effort (the cache): ready, but degraded. */
  readonly degraded?: () => Promise<boolean>;
  /** What each DPoW backend counted (transports, reconnects, timeout retries), read at scrape time. */
  readonly dpow?: ReadonlyMap<string, () => DpowStats>;
  readonly cacheReachable?: () => Promise<boolean>;
  /** The precache module's state; the precache gauges read 0 (enabled 0) without it. */
  readonly precache?: () => PrecacheState;
}

/**
 * Every powgate metric, created on the registry it is given. Counters and
 * gauges are read at scrape time: counters from the telemetry figures (the
 * same fields /api/status shows), gauges from current state. Only the
 * durations subscribe to the stream themselves, as a histogram is not a count.
 * Returns the unsubscribe.
 */
export function createMetrics(registry: Registry, sources: MetricsSources): () => void {
  const registers = [registry];
  const { figures } = sources;
  /** A counter whose samples are copied from the figures at each scrape. */
  const countFrom = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (add: (labels: Record<L, string>, value: number) => void) => void,
    zeros = false,
  ): void => readCounter(registers, name, help, labelNames, read, zeros);
  const total = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };

  countFrom('powgate_requests_total', 'RPC requests by action and outcome', ['action', 'outcome'], (add) => {
    for (const [action, byOutcome] of figures.requests) for (const [outcome, n] of byOutcome) add({ action, outcome }, n);
  });
  const requestDuration = new Histogram({
    name: 'powgate_request_duration_seconds',
    help: 'RPC request duration by action',
    labelNames: ['action'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  countFrom('powgate_work_returned_total', 'work_generate answers by source (cache or backend)', ['source'], (add) => {
    for (const [source, n] of figures.returned) add({ source }, n);
  });
  // Every configured backend x outcome from start-up at 0: "Invalid work share" read No data until the first invalid work.
  countFrom(
    'powgate_backend_outcomes_total',
    'Backend attempts by outcome: won, lost, failed, invalid; unsupported (cannot serve the target) and circuit_open (kept out by its breaker) never reached it',
    ['backend', 'outcome'],
    (add) => {
      for (const { backend } of sources.backends ?? [])
        for (const [outcome, n] of Object.entries(figures.backend(backend.name))) add({ backend: backend.name, outcome }, n);
    },
    true,
  );
  const backendDuration = new Histogram({
    name: 'powgate_backend_duration_seconds',
    help: 'Time from starting a backend to its outcome',
    labelNames: ['backend', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  total('powgate_cache_hits_total', 'Cache lookups that answered', () => figures.cache.hits);
  total('powgate_cache_misses_total', 'Cache lookups that did not answer', () => figures.cache.misses);
  total('powgate_cache_errors_total', 'Cache operations that failed (read as misses)', () => figures.cache.errors);
  countFrom('powgate_jobs_total', 'Upstream work jobs by outcome (joined requests share one job)', ['outcome'], (add) => {
    for (const [outcome, n] of Object.entries(figures.jobs)) add({ outcome }, n);
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
  if (sources.degraded !== undefined) {
    const degraded = sources.degraded;
    new Gauge({
      name: 'powgate_degraded',
      help: '1 when /readyz answers 200 "degraded": work is served, but the cache does not answer (every lookup a miss)',
      registers,
      async collect() {
        this.set((await degraded()) ? 1 : 0);
      },
    });
  }
  const dpow = sources.dpow ?? new Map<string, () => DpowStats>();
  // Counted inside the backend and read here at scrape time, like the hash counter: nothing on the request path.
  countFrom(
    'powgate_dpow_requests_total',
    'DPoW requests by transport: websocket, or post when every socket was busy or down',
    ['backend', 'transport'],
    (add) => {
      for (const [backend, stats] of dpow) {
        const s = stats();
        add({ backend, transport: 'websocket' }, s.websocket);
        add({ backend, transport: 'post' }, s.post);
      }
    },
    true,
  );
  countFrom(
    'powgate_dpow_timeout_retries_total',
    'DPoW asks repeated after the server answered {"timeout": true}',
    ['backend'],
    (add) => {
      for (const [backend, stats] of dpow) add({ backend }, stats().timeoutRetries);
    },
    true,
  );
  countFrom(
    'powgate_dpow_socket_reconnects_total',
    'DPoW websocket reconnect attempts, all sockets of the backend',
    ['backend'],
    (add) => {
      for (const [backend, stats] of dpow) add({ backend }, stats().reconnects);
    },
    true,
  );
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
  // Every hub backend x type x outcome from start-up at 0, as the backend outcomes.
  const hubNames = (): Set<string> => new Set([...backends.filter((b) => b.backend.type === 'hub').map((b) => b.backend.name), ...figures.hubResults.keys()]);
  countFrom(
    'powgate_hub_results_total',
    'Hub worker results by work type and outcome: accepted, invalid, late, duplicate',
    ['backend', 'type', 'outcome'],
    (add) => {
      for (const backend of hubNames()) {
        for (const [outcome, byType] of Object.entries(figures.hub(backend)))
          for (const [type, n] of Object.entries(byType)) add({ backend, type, outcome }, n);
      }
    },
    true,
  );
  const hubResultSeconds = new Histogram({
    name: 'powgate_hub_result_seconds',
    help: 'Time from publishing a hub job to its accepted result',
    labelNames: ['backend', 'type'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  createPrecacheMetrics(registry, figures, sources.precache);
  registerProcessMetrics(registry);

  // Label children are looked up once: hashing label objects on every request shows in profiles.
  const durationChild = memo((action) => requestDuration.labels(action));
  const onRpc = (e: TelemetryEvents['rpc']): void => durationChild(e.action).observe(e.seconds);
  const backendChild = memo((backend) => memo((outcome) => backendDuration.labels(backend, outcome)));
  const onBackend = (e: TelemetryEvents['backend']): void => {
    if (e.outcome !== 'unsupported' && e.outcome !== 'circuit_open') backendChild(e.backend)(e.outcome).observe(e.seconds);
  };
  const onHubResult = (e: TelemetryEvents['hubResult']): void => {
    if (e.seconds !== undefined) hubResultSeconds.observe({ backend: e.backend, type: e.type }, e.seconds);
  };
  sources.events.on('rpc', onRpc);
  sources.events.on('backend', onBackend);
  sources.events.on('hubResult', onHubResult);
  return () => {
    sources.events.off('rpc', onRpc);
    sources.events.off('backend', onBackend);
    sources.events.off('hubResult', onHubResult);
  };
}

function memo<T>(make: (key: string) => T): (key: string) => T {
  const children = new Map<string, T>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = make(key)));
    return child;
  };
}

/** The precache metrics: counters from the figures, gauges from the module's state, both at scrape time. */
function createPrecacheMetrics(registry: Registry, figures: Figures, state: (() => PrecacheState) | undefined): void {
  const registers = [registry];
  const p = figures.precache;
  const gauge = (name: string, help: string, read: (s: PrecacheState) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(state === undefined ? 0 : read(state()));
      },
    });
  };
  // Zeros too: these label sets are fixed, and the Precache jobs panel read No data until the first job.
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], read: () => Iterable<[Record<L, string>, number]>): void =>
    readCounter(
      registers,
      name,
      help,
      labelNames,
      (add) => {
        for (const [labels, value] of read()) add(labels, value);
      },
      true,
    );
  gauge('powgate_precache_enabled', '1 when precaching runs', (s) => (s.enabled ? 1 : 0));
  gauge('powgate_precache_queue_depth', 'Precache jobs waiting to run', (s) => s.queueDepth);
  gauge('powgate_precache_tracked_accounts', 'Accounts precache serves (configured and learned)', (s) => s.trackedAccounts);
  gauge('powgate_precache_websocket_configured', '1 when precache runs with a node websocket (node.websocket), else 0', (s) => (s.websocket === 'off' ? 0 : 1));
  gauge('powgate_precache_websocket_connected', '1 while the node websocket is connected and subscribed, else 0', (s) => (s.websocket === 'connected' ? 1 : 0));
  counter('powgate_precache_requests_total', 'work_generate requests that reached the engine (the base of the precache hit ratio)', [], () => [
    [{}, p.requests],
  ]);
  counter('powgate_precache_hits_total', 'work_generate requests answered from precached work', [], () => [[{}, p.hits]]);
  counter('powgate_precache_websocket_reconnects_total', 'Reconnects of the node websocket, after it closed or an attempt failed', [], () => [
    [{}, p.reconnects],
  ]);
  counter(
    'powgate_precache_confirmations_total',
    'Block confirmations seen, by trigger (websocket, callback) and outcome (new, duplicate, old, ignored, unverified)',
    ['trigger', 'outcome'],
    () =>
      Object.entries(p.confirmations).flatMap(([trigger, byOutcome]) =>
        Object.entries(byOutcome).map(([outcome, n]) => [{ trigger, outcome }, n] as [Record<'trigger' | 'outcome', string>, number]),
      ),
  );
  counter('powgate_precache_malformed_total', 'Websocket messages or callbacks that were not a readable block confirmation', ['trigger'], () =>
    Object.entries(p.malformed).map(([trigger, n]) => [{ trigger }, n] as [Record<'trigger', string>, number]),
  );
  counter(
    'powgate_precache_jobs_total',
    'Precache jobs by outcome: queued, done, failed, dropped (queue full or root stale), skipped (another instance has it)',
    ['outcome'],
    () => Object.entries(p.tasks).map(([outcome, n]) => [{ outcome }, n] as [Record<'outcome', string>, number]),
  );
  counter('powgate_precache_callback_forwards_total', 'Node callbacks forwarded, by outcome (ok, failed, dropped)', ['outcome'], () =>
    Object.entries(p.forwards).map(([outcome, n]) => [{ outcome }, n] as [Record<'outcome', string>, number]),
  );
}
