import type { BackendOutcome, JobOutcome } from '../engine/events.js';
import type { ResultOutcome } from '../hub/events.js';
import type { WorkType } from '../hub/protocol.js';
import type { ConfirmationOutcome, ForwardOutcome, TaskOutcome, Trigger } from '../precache/events.js';
import type { Telemetry, TelemetryEvents } from './events.js';

export type BackendCounts = Record<BackendOutcome, number>;
/** A hub's worker results by outcome, then work type. */
export type HubResultCounts = Record<ResultOutcome, Record<WorkType, number>>;

/**
 * Every count powgate reports, counted once, from the telemetry stream. The
 * /metrics counters and the /api/status totals both read these fields, so the
 * two cannot disagree. Each event costs a few plain increments; anything
 * derived (sums, ratios) is computed when a view asks.
 */
export class Figures {
  /** Finished RPC requests by action, then outcome. */
  readonly requests = new Map<string, Map<string, number>>();
  /** work_generate answers by source: `cache` or a backend name. */
  readonly returned = new Map<string, number>();
  readonly cache = { hits: 0, misses: 0, errors: 0 };
  /** Attempts per backend, by outcome. */
  readonly backends = new Map<string, BackendCounts>();
  readonly jobs: Record<JobOutcome, number> = { won: 0, failed: 0, cancelled: 0, timeout: 0 };
  readonly precache = {
    /** work_generate requests that reached the engine: the base of the precache hit ratio. */
    requests: 0,
    /** Of them, answered from work a precache job made. */
    hits: 0,
    tasks: { queued: 0, done: 0, failed: 0, dropped: 0, skipped: 0 } satisfies Record<TaskOutcome, number>,
    confirmations: {
      websocket: { new: 0, duplicate: 0, old: 0, ignored: 0, unverified: 0 },
      callback: { new: 0, duplicate: 0, old: 0, ignored: 0, unverified: 0 },
    } satisfies Record<Trigger, Record<ConfirmationOutcome, number>>,
    malformed: { websocket: 0, callback: 0 } satisfies Record<Trigger, number>,
    /** Websocket closes that were not an attempt failing: each is followed by a reconnect. */
    reconnects: 0,
    forwards: { ok: 0, failed: 0, dropped: 0 } satisfies Record<ForwardOutcome, number>,
  };
  /** Worker results per hub backend. */
  readonly hubResults = new Map<string, HubResultCounts>();
  readonly #events: Telemetry;

  constructor(events: Telemetry) {
    this.#events = events;
    events.on('rpc', this.#onRpc);
    events.on('request', this.#onRequest);
    events.on('cache', this.#onCache);
    events.on('backend', this.#onBackend);
    events.on('job', this.#onJob);
    events.on('task', this.#onTask);
    events.on('confirmation', this.#onConfirmation);
    events.on('malformed', this.#onMalformed);
    events.on('websocket', this.#onWebsocket);
    events.on('forward', this.#onForward);
    events.on('hubResult', this.#onHubResult);
  }

  /** Every finished RPC request. */
  requestsTotal(): number {
    let total = 0;
    for (const byOutcome of this.requests.values()) for (const n of byOutcome.values()) total += n;
    return total;
  }

  /** Finished RPC requests that answered an error or a timeout. */
  errorsTotal(): number {
    let total = 0;
    for (const byOutcome of this.requests.values()) total += (byOutcome.get('error') ?? 0) + (byOutcome.get('timeout') ?? 0);
    return total;
  }

  /** A backend's counts; zeros for one that has not been asked yet. */
  backend(name: string): BackendCounts {
    return { ...(this.backends.get(name) ?? ZERO_BACKEND) };
  }

  /** A hub's result counts; zeros for one that has had none yet. */
  hub(name: string): HubResultCounts {
    return structuredClone(this.hubResults.get(name) ?? zeroHub());
  }

  close(): void {
    this.#events.off('rpc', this.#onRpc);
    this.#events.off('request', this.#onRequest);
    this.#events.off('cache', this.#onCache);
    this.#events.off('backend', this.#onBackend);
    this.#events.off('job', this.#onJob);
    this.#events.off('task', this.#onTask);
    this.#events.off('confirmation', this.#onConfirmation);
    this.#events.off('malformed', this.#onMalformed);
    this.#events.off('websocket', this.#onWebsocket);
    this.#events.off('forward', this.#onForward);
    this.#events.off('hubResult', this.#onHubResult);
  }

  readonly #onRpc = (e: TelemetryEvents['rpc']): void => {
    let byOutcome = this.requests.get(e.action);
    if (byOutcome === undefined) this.requests.set(e.action, (byOutcome = new Map()));
    byOutcome.set(e.outcome, (byOutcome.get(e.outcome) ?? 0) + 1);
    if (e.source !== undefined) this.returned.set(e.source, (this.returned.get(e.source) ?? 0) + 1);
  };

  readonly #onRequest = (): void => {
    this.precache.requests++;
  };

  readonly #onCache = (e: TelemetryEvents['cache']): void => {
    if (e.outcome === 'hit') {
      this.cache.hits++;
      if (e.precached === true) this.precache.hits++;
    } else if (e.outcome === 'miss') {
      this.cache.misses++;
    } else {
      this.cache.errors++;
    }
  };

  readonly #onBackend = (e: TelemetryEvents['backend']): void => {
    let counts = this.backends.get(e.backend);
    if (counts === undefined) this.backends.set(e.backend, (counts = { ...ZERO_BACKEND }));
    counts[e.outcome]++;
  };

  readonly #onJob = (e: TelemetryEvents['job']): void => {
    if (e.phase === 'end' && e.outcome !== undefined) this.jobs[e.outcome]++;
  };

  readonly #onTask = (e: TelemetryEvents['task']): void => {
    this.precache.tasks[e.outcome]++;
  };

  readonly #onConfirmation = (e: TelemetryEvents['confirmation']): void => {
    this.precache.confirmations[e.trigger][e.outcome]++;
  };

  readonly #onMalformed = (e: TelemetryEvents['malformed']): void => {
    this.precache.malformed[e.trigger]++;
  };

  readonly #onWebsocket = (e: TelemetryEvents['websocket']): void => {
    if (e.state === 'disconnected' && e.error === undefined) this.precache.reconnects++;
  };

  readonly #onForward = (e: TelemetryEvents['forward']): void => {
    this.precache.forwards[e.outcome]++;
  };

  readonly #onHubResult = (e: TelemetryEvents['hubResult']): void => {
    let counts = this.hubResults.get(e.backend);
    if (counts === undefined) this.hubResults.set(e.backend, (counts = zeroHub()));
    counts[e.outcome][e.type]++;
  };
}

const ZERO_BACKEND: Readonly<BackendCounts> = Object.freeze({ won: 0, lost: 0, failed: 0, invalid: 0, unsupported: 0, circuit_open: 0 });

const zeroHub = (): HubResultCounts => ({
  accepted: { ondemand: 0, precache: 0 },
  invalid: { ondemand: 0, precache: 0 },
  late: { ondemand: 0, precache: 0 },
  duplicate: { ondemand: 0, precache: 0 },
});
