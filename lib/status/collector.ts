import type { JobOutcome } from '../engine/events.js';
import type { Telemetry, TelemetryEvents } from '../telemetry/events.js';
import { PerSecond } from './per-second.js';
import { RecentItems, RecentSamples } from './samples.js';

export const WINDOW_SECONDS = 300;
const LATENCY_SAMPLES = 512;
const RECENT_JOBS = 20;
/** Hash rate is averaged over this many seconds: a single second of a bursty generator says little. */
const HASH_RATE_SECONDS = 10;

type Field = 'requests' | 'errors' | 'cacheHits' | 'cacheMisses';
const FIELDS: readonly Field[] = ['requests', 'errors', 'cacheHits', 'cacheMisses'];

export interface JobRecord {
  readonly at: number;
  readonly root: string;
  readonly target: bigint;
  readonly outcome: JobOutcome;
  readonly source: string | undefined;
  readonly seconds: number;
  readonly priority: 'demand' | 'precache';
  readonly reason: string | undefined;
}

export interface CollectorOptions {
  readonly events: Telemetry;
  /** Nonces tried so far, per local generator. */
  readonly hashCounters?: ReadonlyMap<string, () => number>;
  readonly now?: () => number;
}

/**
 * The dashboard's history, a subscriber of the telemetry stream: per-second
 * series, recent latencies per backend, the last jobs, hash-rate samples.
 * Totals are not kept here: they are the telemetry figures, which /metrics
 * reads too. Each event costs a few array or field writes; everything derived
 * (ratios, quantiles, shortened roots) is computed when a report is asked for.
 */
export class StatusCollector {
  readonly perSecond = new PerSecond<Field>(FIELDS, WINDOW_SECONDS);
  /** Recent answer times per backend (won, failed, invalid; aborted losers are not answers). */
  readonly latency = new Map<string, RecentSamples>();
  readonly recentJobs = new RecentItems<JobRecord>(RECENT_JOBS);
  readonly #hashCounters: ReadonlyMap<string, () => number>;
  readonly #hashSamples = new RecentItems<{ at: number; hashes: number }>(HASH_RATE_SECONDS + 1);
  readonly #now: () => number;
  readonly #events: Telemetry;
  readonly #onRpc = (e: TelemetryEvents['rpc']): void => {
    this.perSecond.add('requests');
    if (e.outcome === 'error' || e.outcome === 'timeout') this.perSecond.add('errors');
  };
  readonly #onBackend = (e: TelemetryEvents['backend']): void => {
    if (e.outcome !== 'won' && e.outcome !== 'failed' && e.outcome !== 'invalid') return;
    let samples = this.latency.get(e.backend);
    if (samples === undefined) this.latency.set(e.backend, (samples = new RecentSamples(LATENCY_SAMPLES)));
    samples.record(e.seconds);
  };
  readonly #onCache = (e: TelemetryEvents['cache']): void => {
    if (e.outcome === 'hit') this.perSecond.add('cacheHits');
    else if (e.outcome === 'miss') this.perSecond.add('cacheMisses');
  };
  readonly #onJob = (e: TelemetryEvents['job']): void => {
    if (e.phase !== 'end' || e.outcome === undefined) return;
    this.recentJobs.push({
      at: this.#now(),
      root: e.root,
      target: e.target,
      outcome: e.outcome,
      source: e.source,
      seconds: e.seconds ?? 0,
      priority: e.priority ?? 'demand',
      reason: e.reason,
    });
  };

  constructor(options: CollectorOptions) {
    this.#events = options.events;
    this.#hashCounters = options.hashCounters ?? new Map();
    this.#now = options.now ?? Date.now;
    this.#events.on('rpc', this.#onRpc);
    this.#events.on('backend', this.#onBackend);
    this.#events.on('cache', this.#onCache);
    this.#events.on('job', this.#onJob);
    this.#sampleHashes();
  }

  /** Once a second. */
  tick(): void {
    this.perSecond.tick();
    this.#sampleHashes();
  }

  /** Nonces per second over the last few seconds, and in all, across every local generator. */
  hashRate(): { hashesPerSecond: number; hashes: number } {
    const samples = this.#hashSamples.list();
    const newest = samples[0];
    const oldest = samples[samples.length - 1];
    if (newest === undefined || oldest === undefined) return { hashesPerSecond: 0, hashes: 0 };
    const seconds = (newest.at - oldest.at) / 1000;
    return { hashesPerSecond: seconds > 0 ? (newest.hashes - oldest.hashes) / seconds : 0, hashes: newest.hashes };
  }

  close(): void {
    this.#events.off('rpc', this.#onRpc);
    this.#events.off('backend', this.#onBackend);
    this.#events.off('cache', this.#onCache);
    this.#events.off('job', this.#onJob);
  }

  #sampleHashes(): void {
    if (this.#hashCounters.size === 0) return;
    let hashes = 0;
    for (const count of this.#hashCounters.values()) hashes += count();
    this.#hashSamples.push({ at: this.#now(), hashes });
  }
}
