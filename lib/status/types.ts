/**
 * Shapes shared by the parts that report state (precache, generator) and the
 * parts that show it (/api/status, the dashboard, /readyz).
 */
export interface PrecacheStatus {
  readonly enabled: boolean;
  /** State of the node websocket client. */
  readonly websocket: 'off' | 'connecting' | 'connected' | 'disconnected';
  /** How many accounts are tracked (configured + learned); never the list itself. */
  readonly trackedAccounts: number;
  readonly queueDepth: number;
  readonly jobs: { readonly queued: number; readonly done: number; readonly failed: number; readonly dropped: number };
  /** work_generate requests answered from precached work, and all work_generate requests seen. */
  readonly hits: number;
  readonly requests: number;
}

/** The part of PrecacheStatus the precache module itself knows; the counts come from the telemetry figures. */
export type PrecacheState = Pick<PrecacheStatus, 'enabled' | 'websocket' | 'trackedAccounts' | 'queueDepth'>;

/** What /readyz decides, and why. */
export interface Readiness {
  readonly ready: boolean;
  /** Serving, but without something best-effort (the cache): ready stays true. */
  readonly degraded: boolean;
  readonly checks: { readonly config: boolean; readonly backends: boolean; readonly cache: boolean };
  /** One line per failed check that makes it not ready, for operators; empty when ready. */
  readonly reasons: readonly string[];
  /** One line per failed check that only degrades it; empty when not degraded. */
  readonly degradedReasons: readonly string[];
}

export type CircuitState = 'closed' | 'half_open' | 'open';

export interface BackendReport {
  readonly name: string;
  readonly type: string;
  /** Index of its tier in the fallback chain (0 runs first). */
  readonly tier: number;
  /** Where it sends work requests, as scheme://host:port: never a path, query or credentials. */
  readonly endpoints: readonly string[];
  readonly circuit: CircuitState;
  /** Seconds until an open circuit lets a probe through (0 otherwise). */
  readonly retryInSeconds: number;
  /** The backend's own view (api key rejected, sockets down); null when it reports none. */
  readonly health: { readonly state: 'ok' | 'degraded' | 'config_error' | 'down'; readonly detail?: string } | null;
  /**
   * Attempts since start, by outcome. `unsupported` (it cannot serve the target) and `circuitOpen`
   * (its breaker kept it out) never reached the backend: they are skips, not failures.
   */
  readonly counts: {
    readonly won: number;
    readonly lost: number;
    readonly failed: number;
    readonly invalid: number;
    readonly unsupported: number;
    readonly circuitOpen: number;
  };
  /** Over its most recent answers (won, failed, invalid; aborted losers are not answers), in seconds. */
  readonly latency: { readonly p50: number | null; readonly p99: number | null; readonly samples: number };
}

export interface JobReport {
  /** When it ended (ISO 8601). */
  readonly at: string;
  /** First 8 and last 4 hex digits. */
  readonly root: string;
  readonly difficulty: string;
  readonly outcome: 'won' | 'failed' | 'cancelled' | 'timeout';
  /** The backend whose work won (won jobs only). */
  readonly source: string | null;
  readonly seconds: number;
  /** `precache`: made ahead of time for a confirmed block, no client waiting; `demand`: a client asked. */
  readonly kind: 'demand' | 'precache';
  /** Why a job ended without work (failed, cancelled, timeout); null for won jobs. */
  readonly reason: string | null;
}

/** The body of GET /api/status (schema documented in README.md). */
export interface StatusReport {
  readonly version: string;
  readonly network: string;
  readonly startedAt: string;
  readonly now: string;
  readonly uptimeSeconds: number;
  readonly ready: Readiness;
  readonly inFlight: number;
  readonly totals: {
    readonly requests: number;
    readonly errors: number;
    readonly cacheHits: number;
    readonly cacheMisses: number;
    readonly cacheErrors: number;
    readonly jobs: { readonly won: number; readonly failed: number; readonly cancelled: number; readonly timeout: number };
  };
  /** Rates over the last `seconds` finished seconds (fewer just after start). */
  readonly recent: {
    readonly seconds: number;
    readonly requestsPerSecond: number;
    /** Cache hits over work_generate lookups; null when there were none. */
    readonly cacheHitRatio: number | null;
  };
  /** One value per finished second, oldest first, for the chart. */
  readonly series: {
    readonly seconds: number;
    readonly requests: readonly number[];
    readonly errors: readonly number[];
    readonly cacheHits: readonly number[];
    readonly cacheMisses: readonly number[];
  };
  readonly backends: readonly BackendReport[];
  readonly cache: { readonly kind: 'memory' | 'redis'; readonly reachable: boolean };
  readonly generator: {
    readonly backends: readonly string[];
    readonly threads: number;
    /** Nonces tried per second over the last 10 s, all local backends together. */
    readonly hashesPerSecond: number;
    readonly hashes: number;
  } | null;
  readonly precache: PrecacheStatus;
  /** One per `type: hub` backend: its broker and its workers (top 20 by accepted results). */
  readonly hubs: readonly HubReport[];
  /** Clients with keys: rpc.auth, the DPoW service API, and each service's limits and counts. */
  readonly services: ServicesReport;
  readonly recentJobs: readonly JobReport[];
}

/** A hub backend's view of its workers (lib/hub). Payout accounts are public; no credentials appear. */
export interface HubReport {
  readonly name: string;
  readonly broker: 'embedded' | 'external';
  readonly url: string;
  readonly websocketUrl?: string;
  readonly connected: boolean;
  readonly workersConnected: number | null;
  readonly workersSeen: number;
  readonly workerTtlSeconds: number;
  readonly jobsPending: number;
  /** Every result counted (the telemetry figures, as /metrics powgate_hub_results_total), forgotten workers included. */
  readonly results: Readonly<Record<'accepted' | 'invalid' | 'late' | 'duplicate', { readonly ondemand: number; readonly precache: number }>>;
  readonly workers: ReadonlyArray<{
    readonly account: string;
    readonly accepted: { readonly ondemand: number; readonly precache: number };
    readonly invalid: { readonly ondemand: number; readonly precache: number };
    readonly late: { readonly ondemand: number; readonly precache: number };
    readonly duplicate: { readonly ondemand: number; readonly precache: number };
    readonly meanSeconds?: number;
    readonly lastSeen: number;
    readonly present?: boolean;
  }>;
}

/** Services (lib/services) as /api/status, the dashboard and /metrics show them. Never a key or a key's hash. */
export interface ServicesReport {
  readonly auth: 'off' | 'optional' | 'required';
  /** POST /service/ and /service_ws/ are served. */
  readonly serviceApi: boolean;
  /** Requests refused before any service was known: no key where one is required, or a key (or DPoW user and key) no service has. */
  readonly refused: { readonly missingKey: number; readonly unknownKey: number };
  /** How many services there are (the list below stops at the 200 with the most requests). */
  readonly count: number;
  readonly services: readonly ServiceReport[];
}

export interface ServiceReport {
  readonly name: string;
  readonly display: string | null;
  readonly website: string | null;
  readonly public: boolean;
  /** `config`: declared in the config file; `database`: managed with `powgate services`. */
  readonly origin: 'config' | 'database';
  readonly limits: {
    readonly rate: number;
    readonly burst: number;
    readonly maxDelaySeconds: number;
    readonly dailyQuota: number | null;
    readonly actions: readonly string[] | null;
  };
  /** Since powgate started. */
  readonly requests: number;
  readonly refused: { readonly action: number; readonly rate: number; readonly quota: number; readonly credits: number };
  /** Works served by source (`cache` or a backend name), since start. */
  readonly works: Readonly<Record<string, number>>;
  readonly precacheHits: number;
  /** Works charged today (UTC), all instances on the database together as of the last sync. */
  readonly usedToday: number;
  /** Prepaid works left; null without credit accounting. */
  readonly credits: number | null;
}
