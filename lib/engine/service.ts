import type { Backend } from '../backends/types.js';
import type { WorkCache } from '../cache/index.js';
import { CancelledError, PowgateError, TimeoutError } from '../errors.js';
import { hexToBytes, workValue } from '../pow/index.js';
import { runAttempt, type Tier } from './attempt.js';
import { CircuitBreaker, type BreakerOptions } from './breaker.js';
import { EngineEmitter } from './events.js';

export interface WorkRequest {
  /** 64 upper-case hex characters. */
  readonly root: string;
  readonly target: bigint;
  readonly account?: string;
  /**
   * Aborts this caller's wait (client gone). The job goes on while others
   * wait. Read only after a cache miss, so it may be a lazy getter.
   */
  readonly signal?: AbortSignal;
}

export interface WorkResult {
  readonly work: bigint;
  readonly value: bigint;
  /** `cache` or the name of the backend that produced the work. */
  readonly source: string;
}

export interface WorkServiceOptions {
  readonly tiers: ReadonlyArray<{ readonly backends: readonly Backend[]; readonly hedgeAfter?: number }>;
  readonly cache: WorkCache;
  /** Per-request deadline in ms. */
  readonly timeout: number;
  readonly breaker: BreakerOptions;
  readonly events?: EngineEmitter;
  readonly now?: () => number;
}

interface Waiter {
  readonly target: bigint;
  readonly resolve: (result: WorkResult) => void;
  readonly reject: (err: Error) => void;
  cleanup(): void;
}

interface Job {
  readonly root: string;
  readonly rootBytes: Uint8Array;
  target: bigint;
  account?: string;
  readonly waiters: Set<Waiter>;
  /** Aborts the running attempt; replaced when the job is raised. */
  attempt: AbortController;
  readonly started: number;
}

/**
 * The work_generate path: cache, then an in-flight job for the same root, then
 * the tier chain. One job per root: N identical concurrent requests cause one
 * upstream job, and a request for a higher target raises the job for everyone.
 */
export class WorkService {
  readonly events: EngineEmitter;
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
  readonly #tiers: readonly Tier[];
  readonly #cache: WorkCache;
  readonly #timeout: number;
  readonly #now: () => number;
  readonly #jobs = new Map<string, Job>();
  #closed = false;

  constructor(options: WorkServiceOptions) {
    this.events = options.events ?? new EngineEmitter();
    this.#tiers = options.tiers.map((t) => ({ backends: [...t.backends], ...(t.hedgeAfter === undefined ? {} : { hedgeAfter: t.hedgeAfter }) }));
    this.#cache = options.cache;
    this.#timeout = options.timeout;
    this.#now = options.now ?? Date.now;
    const breakers = new Map<string, CircuitBreaker>();
    for (const tier of this.#tiers) {
      for (const backend of tier.backends) breakers.set(backend.name, new CircuitBreaker(options.breaker, this.#now));
    }
    this.breakers = breakers;
  }

  /** Jobs currently generating (not waiters: N joined requests are one job). */
  get inFlight(): number {
    return this.#jobs.size;
  }

  /** Roots with a running job, for cancellation and the dashboard. */
  get roots(): IterableIterator<string> {
    return this.#jobs.keys();
  }

  async generate(request: WorkRequest): Promise<WorkResult> {
    if (this.#closed) throw new CancelledError();
    const rootBytes = hexToBytes(request.root);
    const cached = await this.#cache.get(request.root);
    if (cached !== undefined) {
      // Re-validated on every read: a shared cache is not trusted blindly.
      const value = workValue(rootBytes, cached);
      if (value >= request.target) {
        this.events.emit('cache', { outcome: 'hit' });
        return { work: cached, value, source: 'cache' };
      }
    }
    this.events.emit('cache', { outcome: 'miss' });
    const signal = request.signal;
    if (signal?.aborted || this.#closed) throw new CancelledError();
    return this.#wait(request, rootBytes, signal);
  }

  /** Answers every pending request for `root` with `Cancelled` and stops its job. Returns how many were waiting. */
  cancel(root: string): number {
    const job = this.#jobs.get(root);
    if (job === undefined) return 0;
    const count = job.waiters.size;
    this.#end(job, 'cancelled');
    for (const waiter of job.waiters) {
      waiter.cleanup();
      waiter.reject(new CancelledError());
    }
    job.waiters.clear();
    return count;
  }

  /** Resolves once no job is running, or after `ms`. */
  async drain(ms: number): Promise<void> {
    const until = this.#now() + ms;
    while (this.#jobs.size > 0 && this.#now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** Cancels every job; later requests are refused. */
  close(): void {
    this.#closed = true;
    for (const root of [...this.#jobs.keys()]) this.cancel(root);
  }

  #wait(request: WorkRequest, rootBytes: Uint8Array, signal: AbortSignal | undefined): Promise<WorkResult> {
    let job = this.#jobs.get(request.root);
    if (job === undefined) {
      job = {
        root: request.root,
        rootBytes,
        target: request.target,
        ...(request.account === undefined ? {} : { account: request.account }),
        waiters: new Set(),
        attempt: new AbortController(),
        started: this.#now(),
      };
      this.#jobs.set(job.root, job);
      this.events.emit('job', { phase: 'start', root: job.root, target: job.target });
      this.#start(job);
    } else {
      if (job.account === undefined && request.account !== undefined) job.account = request.account;
      if (request.target > job.target) this.#raise(job, request.target);
    }
    return this.#addWaiter(job, request.target, signal);
  }

  #addWaiter(job: Job, target: bigint, signal: AbortSignal | undefined): Promise<WorkResult> {
    return new Promise<WorkResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        leave();
        reject(new TimeoutError(`Timeout: no work for ${job.root} within ${this.#timeout / 1000}s`));
      }, this.#timeout);
      const onAbort = (): void => {
        leave();
        reject(new CancelledError());
      };
      const waiter: Waiter = {
        target,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      const leave = (): void => {
        waiter.cleanup();
        job.waiters.delete(waiter);
        // A job nobody waits for any more is stopped, so its backends stop too.
        if (job.waiters.size === 0 && this.#jobs.get(job.root) === job) {
          this.#end(job, signal?.aborted ? 'cancelled' : 'timeout');
        }
      };
      job.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #start(job: Job): void {
    const attempt = job.attempt;
    runAttempt(
      { tiers: this.#tiers, breakers: this.breakers, events: this.events, now: this.#now },
      { root: job.root, rootBytes: job.rootBytes, target: job.target, ...(job.account === undefined ? {} : { account: job.account }) },
      attempt.signal,
    ).then(
      async (win) => {
        if (job.attempt !== attempt || this.#jobs.get(job.root) !== job) return;
        this.#end(job, 'won', win.backend);
        // Written before answering so a request that follows the answer hits.
        await this.#cache.set(job.root, win.work, win.value);
        const result: WorkResult = { work: win.work, value: win.value, source: win.backend };
        for (const waiter of job.waiters) {
          waiter.cleanup();
          waiter.resolve(result);
        }
        job.waiters.clear();
      },
      (err: unknown) => {
        if (job.attempt !== attempt || this.#jobs.get(job.root) !== job) return;
        this.#end(job, 'failed');
        const error = err instanceof Error ? err : new PowgateError('NO_BACKEND', String(err));
        for (const waiter of job.waiters) {
          waiter.cleanup();
          waiter.reject(error);
        }
        job.waiters.clear();
      },
    );
  }

  /**
   * A higher target restarts the job at that target. Nonce search is
   * memoryless, so nothing is lost; the new attempt starts before the old one
   * is aborted so peers shared by both get no work_cancel in between.
   */
  #raise(job: Job, target: bigint): void {
    const old = job.attempt;
    job.target = target;
    job.attempt = new AbortController();
    this.#start(job);
    old.abort(new CancelledError('raised'));
  }

  #end(job: Job, outcome: 'won' | 'failed' | 'cancelled' | 'timeout', source?: string): void {
    if (this.#jobs.get(job.root) !== job) return;
    this.#jobs.delete(job.root);
    // A won or failed attempt has already stopped its backends.
    if (outcome === 'cancelled' || outcome === 'timeout') job.attempt.abort(new CancelledError());
    this.events.emit('job', {
      phase: 'end',
      root: job.root,
      target: job.target,
      outcome,
      ...(source === undefined ? {} : { source }),
      seconds: (this.#now() - job.started) / 1000,
    });
  }
}
