import type { BackendOutcome, EngineEmitter, EngineEvents } from '../engine/events.js';
import { PerSecond } from './per-second.js';
import { RecentItems, RecentSamples } from './samples.js';

export const WINDOW_SECONDS = 300;
const LATENCY_SAMPLES = 512;
const RECENT_JOBS = 20;
/** Hash rate is averaged over this many seconds: a single second of a bursty generator says little. */
const HASH_RATE_SECONDS = 10;

type Field = 'requests' | 'errors' | 'cacheHits' | 'cacheMisses';
const FIELDS: readonly Field[] = ['requests', 'errors', 'cacheHits', 'cacheMisses'];

type JobOutcome = 'won' | 'failed' | 'cancelled' | 'timeout';

export interface BackendTally {
  readonly counts: Record<BackendOutcome, number>;
  readonly latency: RecentSamples;
}

export interface JobRecord {
  readonly at: number;
  readonly root: string;
  readonly target: bigint;
  readonly outcome: JobOutcome;
  readonly source: string | undefined;
  readonly seconds: number;
}

export interface CollectorOptions {
  readonly events: EngineEmitter;
  /** Nonces tried so far, per local generator. */
  readonly hashCounters?: ReadonlyMap<string, () => number>;
  readonly now?: () => number;
}

/**
 * What the dashboard shows that the engine only tells as events: it listens,
 * and each event costs a few array or field writes. Everything derived
 * (ratios, quantiles, shortened roots) is computed when a report is asked for.
 */
export class StatusCollector {
  readonly perSecond = new PerSecond<Field>(FIELDS, WINDOW_SECONDS);
  readonly totals = { requests: 0, errors: 0, cacheHits: 0, cacheMisses: 0, cacheErrors: 0 };
  readonly jobs: Record<JobOutcome, number> = { won: 0, failed: 0, cancelled: 0, timeout: 0 };
  readonly backends = new Map<string, BackendTally>();
  readonly recentJobs = new RecentItems<JobRecord>(RECENT_JOBS);
  readonly #hashCounters: ReadonlyMap<string, () => number>;
  readonly #hashSamples = new RecentItems<{ at: number; hashes: number }>(HASH_RATE_SECONDS + 1);
  readonly #now: () => number;
  readonly #events: EngineEmitter;
  readonly #onBackend = (e: EngineEvents['backend'][0]): void => {
    const tally = this.#tally(e.backend);
    tally.counts[e.outcome]++;
    if (e.outcome === 'won' || e.outcome === 'failed' || e.outcome === 'invalid') tally.latency.record(e.seconds);
  };
  readonly #onCache = (e: EngineEvents['cache'][0]): void => {
    if (e.outcome === 'hit') {
      this.totals.cacheHits++;
      this.perSecond.add('cacheHits');
    } else if (e.outcome === 'miss') {
      this.totals.cacheMisses++;
      this.perSecond.add('cacheMisses');
    } else {
      this.totals.cacheErrors++;
    }
  };
  readonly #onJob = (e: EngineEvents['job'][0]): void => {
    if (e.phase !== 'end' || e.outcome === undefined) return;
    this.jobs[e.outcome]++;
    this.recentJobs.push({ at: this.#now(), root: e.root, target: e.target, outcome: e.outcome, source: e.source, seconds: e.seconds ?? 0 });
  };

  constructor(options: CollectorOptions) {
    this.#events = options.events;
    this.#hashCounters = options.hashCounters ?? new Map();
    this.#now = options.now ?? Date.now;
    this.#events.on('backend', this.#onBackend);
    this.#events.on('cache', this.#onCache);
    this.#events.on('job', this.#onJob);
    this.#sampleHashes();
  }

  /** One finished RPC request (called beside the request metric). */
  request(outcome: string): void {
    this.totals.requests++;
    this.perSecond.add('requests');
    if (outcome === 'error' || outcome === 'timeout') {
      this.totals.errors++;
      this.perSecond.add('errors');
    }
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
    this.#events.off('backend', this.#onBackend);
    this.#events.off('cache', this.#onCache);
    this.#events.off('job', this.#onJob);
  }

  #tally(name: string): BackendTally {
    let tally = this.backends.get(name);
    if (tally === undefined) {
      tally = { counts: { won: 0, lost: 0, failed: 0, invalid: 0, skipped: 0 }, latency: new RecentSamples(LATENCY_SAMPLES) };
      this.backends.set(name, tally);
    }
    return tally;
  }

  #sampleHashes(): void {
    if (this.#hashCounters.size === 0) return;
    let hashes = 0;
    for (const count of this.#hashCounters.values()) hashes += count();
    this.#hashSamples.push({ at: this.#now(), hashes });
  }
}
