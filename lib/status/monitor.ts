import type { Backend } from '../backends/types.js';
import type { WorkCache } from '../cache/index.js';
import type { CircuitBreaker } from '../engine/breaker.js';
import type { BackendOutcome } from '../engine/events.js';
import { formatWorkHex } from '../pow/index.js';
import { scrubText } from '../secrets.js';
import type { Figures } from '../telemetry/figures.js';
import type { StatusCollector } from './collector.js';
import { assessReadiness, type BackendView } from './readiness.js';
import type { BackendReport, HubReport, JobReport, PrecacheStatus, Readiness, ServicesReport, StatusReport } from './types.js';

export interface MonitorSources {
  readonly version: string;
  readonly network: string;
  /** Epoch ms when powgate started. */
  readonly startedAt: number;
  /** Backends by tier, in chain order. */
  readonly tiers: ReadonlyArray<readonly Backend[]>;
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
  /** scheme://host:port per backend (already stripped of credentials). */
  readonly endpoints: ReadonlyMap<string, readonly string[]>;
  readonly cache: WorkCache;
  readonly inFlight: () => number;
  /** Worker threads of every local generator together; 0 when there is none. */
  readonly generatorThreads: number;
  readonly generatorBackends: readonly string[];
  /** The precache module's state; absent when precache is not running. */
  readonly precache?: () => PrecacheStatus;
  /** The counts (the same fields /metrics reads). */
  readonly figures: Figures;
  /** Hub backends' broker and worker views; absent when there is no hub. Their result counts are the figures'. */
  readonly hubs?: () => ReadonlyArray<Omit<HubReport, 'results'>>;
  /** Whether idle probes watch a backend (lib/engine/prober.ts). */
  readonly probed?: (backend: string) => boolean;
  /** Absent when the dashboard is off: readiness needs no history. */
  readonly collector?: StatusCollector;
  /** Services and their counts (lib/services/report.ts). */
  readonly services?: () => ServicesReport;
  readonly now?: () => number;
}

export const PRECACHE_OFF: PrecacheStatus = Object.freeze({
  enabled: false,
  websocket: 'off',
  trackedAccounts: 0,
  queueDepth: 0,
  jobs: Object.freeze({ queued: 0, done: 0, failed: 0, dropped: 0 }),
  hits: 0,
  requests: 0,
});

const SERVICES_OFF: ServicesReport = Object.freeze({
  auth: 'off',
  serviceApi: false,
  refused: Object.freeze({ missingKey: 0, unknownKey: 0 }),
  count: 0,
  services: Object.freeze([]),
});

/** A Redis PING per dashboard poll and per scrape is plenty; one a second is shared by all. */
const PING_TTL_MS = 1000;
const RECENT_SECONDS = 60;

/**
 * Turns live state (breakers, backends' own health, the cache, the collector's
 * history) into /readyz and /api/status answers. Nothing here runs unless one
 * of those is asked for.
 */
export class StatusMonitor {
  readonly #s: MonitorSources;
  readonly #now: () => number;
  #ping: { at: number; result: Promise<boolean> } | undefined;

  constructor(sources: MonitorSources) {
    this.#s = sources;
    this.#now = sources.now ?? Date.now;
  }

  /** Whether the cache store answers, asked at most once a second. */
  cacheReachable(): Promise<boolean> {
    const now = this.#now();
    if (this.#ping === undefined || now - this.#ping.at >= PING_TTL_MS) {
      this.#ping = { at: now, result: this.#s.cache.ping().catch(() => false) };
    }
    return this.#ping.result;
  }

  async readiness(): Promise<Readiness> {
    return assessReadiness({
      configLoaded: true,
      tiers: this.#s.tiers.map((tier) => tier.map((backend) => this.#view(backend))),
      cacheKind: this.#s.cache.kind,
      cacheReachable: await this.cacheReachable(),
    });
  }

  precache(): PrecacheStatus {
    const provider = this.#s.precache;
    if (provider === undefined) return PRECACHE_OFF;
    try {
      return pickPrecache(provider());
    } catch {
      return { ...PRECACHE_OFF, enabled: true, websocket: 'disconnected' };
    }
  }

  async report(): Promise<StatusReport> {
    const { collector, figures } = this.#s;
    if (collector === undefined) throw new Error('status report asked for while the dashboard is off');
    const now = this.#now();
    const ready = await this.readiness();
    const perSecond = collector.perSecond;
    const covered = perSecond.covered(RECENT_SECONDS);
    const hits = perSecond.sum('cacheHits', RECENT_SECONDS);
    const lookups = hits + perSecond.sum('cacheMisses', RECENT_SECONDS);
    const backends: BackendReport[] = [];
    this.#s.tiers.forEach((tier, index) => {
      for (const backend of tier) backends.push(this.#backendReport(backend, index));
    });
    const rate = collector.hashRate();
    return {
      version: this.#s.version,
      network: this.#s.network,
      startedAt: new Date(this.#s.startedAt).toISOString(),
      now: new Date(now).toISOString(),
      uptimeSeconds: Math.max(0, Math.round((now - this.#s.startedAt) / 1000)),
      ready,
      inFlight: this.#s.inFlight(),
      totals: {
        requests: figures.requestsTotal(),
        errors: figures.errorsTotal(),
        cacheHits: figures.cache.hits,
        cacheMisses: figures.cache.misses,
        cacheErrors: figures.cache.errors,
        jobs: { ...figures.jobs },
      },
      recent: {
        seconds: covered,
        requestsPerSecond: covered === 0 ? 0 : round(perSecond.sum('requests', RECENT_SECONDS) / covered, 2),
        cacheHitRatio: lookups === 0 ? null : round(hits / lookups, 4),
      },
      series: {
        seconds: perSecond.seconds,
        requests: perSecond.series('requests'),
        errors: perSecond.series('errors'),
        cacheHits: perSecond.series('cacheHits'),
        cacheMisses: perSecond.series('cacheMisses'),
      },
      backends,
      cache: { kind: this.#s.cache.kind, reachable: ready.checks.cache },
      generator:
        this.#s.generatorBackends.length === 0
          ? null
          : {
              backends: [...this.#s.generatorBackends],
              threads: this.#s.generatorThreads,
              hashesPerSecond: Math.round(rate.hashesPerSecond),
              hashes: rate.hashes,
            },
      precache: this.precache(),
      hubs: (this.#s.hubs?.() ?? []).map((hub): HubReport => ({ ...hub, results: figures.hub(hub.name) })),
      services: this.#s.services?.() ?? SERVICES_OFF,
      recentJobs: collector.recentJobs.list().map(
        (job): JobReport => ({
          at: new Date(job.at).toISOString(),
          root: `${job.root.slice(0, 8)}…${job.root.slice(-4)}`,
          difficulty: formatWorkHex(job.target),
          outcome: job.outcome,
          source: job.source ?? null,
          seconds: round(job.seconds, 4),
          kind: job.priority,
          reason: job.reason === undefined ? null : scrubText(job.reason).slice(0, 300),
        }),
      ),
    };
  }

  #view(backend: Backend): BackendView {
    const breaker = this.#s.breakers.get(backend.name);
    let health: BackendView['health'];
    try {
      health = backend.status?.();
    } catch {
      health = { state: 'down', detail: 'status check failed' };
    }
    return {
      name: backend.name,
      circuit: breaker?.state ?? 'closed',
      retryIn: breaker?.retryIn ?? 0,
      ...(health === undefined ? {} : { health: scrubHealth(health) }),
      ...(this.#s.probed?.(backend.name) === true ? { probed: true } : {}),
    };
  }

  #backendReport(backend: Backend, tier: number): BackendReport {
    const view = this.#view(backend);
    const latency = this.#s.collector?.latency.get(backend.name);
    const [p50 = null, p99 = null] = latency?.quantiles([0.5, 0.99]) ?? [];
    return {
      name: backend.name,
      type: backend.type,
      tier,
      endpoints: [...(this.#s.endpoints.get(backend.name) ?? [])],
      circuit: view.circuit,
      retryInSeconds: round(view.retryIn / 1000, 1),
      health: view.health ?? null,
      counts: backendCounts(this.#s.figures.backend(backend.name)),
      latency: { p50: p50 === null ? null : round(p50, 4), p99: p99 === null ? null : round(p99, 4), samples: latency?.count ?? 0 },
    };
  }
}

function scrubHealth(health: NonNullable<BackendView['health']>): NonNullable<BackendView['health']> {
  return health.detail === undefined ? { state: health.state } : { state: health.state, detail: scrubText(health.detail) };
}

const WEBSOCKET_STATES: ReadonlyArray<PrecacheStatus['websocket']> = ['off', 'connecting', 'connected', 'disconnected'];

/** Only the documented fields: a provider that carries more (an account list) must not leak it. */
function pickPrecache(s: PrecacheStatus): PrecacheStatus {
  return {
    enabled: Boolean(s.enabled),
    websocket: WEBSOCKET_STATES.includes(s.websocket) ? s.websocket : 'disconnected',
    trackedAccounts: Number(s.trackedAccounts) || 0,
    queueDepth: Number(s.queueDepth) || 0,
    jobs: {
      queued: Number(s.jobs?.queued) || 0,
      done: Number(s.jobs?.done) || 0,
      failed: Number(s.jobs?.failed) || 0,
      dropped: Number(s.jobs?.dropped) || 0,
    },
    hits: Number(s.hits) || 0,
    requests: Number(s.requests) || 0,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The figures' per-outcome counts, as /api/status names them. */
function backendCounts(c: Record<BackendOutcome, number>): BackendReport['counts'] {
  return { won: c.won, lost: c.lost, failed: c.failed, invalid: c.invalid, unsupported: c.unsupported, circuitOpen: c.circuit_open };
}
