import type { Backend } from '../backends/types.js';
import type { CachedWork, WorkCache } from '../cache/index.js';
import { type FollowClaim, type JobCoordinator, type LeadClaim, SOLO } from '../cache/job-coordinator.js';
import { CancelledError, Message, NoBackendError, TimeoutError } from '../errors.js';
import { prepareWorkValue, workValue } from '../generator/work-value.js';
import { JobAbort } from '../net/abort.js';
import { hexToBytes } from '../pow/index.js';
import { createTelemetry, type Telemetry } from '../telemetry/events.js';
import { DEADLINE, runAttempt, type Tier } from './attempt.js';
import { type BreakerOptions, type BreakerState, CircuitBreaker } from './breaker.js';
import { Deadlines } from './deadlines.js';
import type { Priority } from './events.js';

export interface WorkRequest {
  /** 64 upper-case hex characters. */
  readonly root: string;
  readonly target: bigint;
  readonly account?: string;
  /**
   * Aborts this caller's wait (client gone). The job goes on while others
   * wait. Read only after a cache miss, so it may be a lazy getter.
   */
  readonly signal?: WaitSignal;
}

/**
 * What a waiter needs of its abort signal. An AbortSignal is one; so is the
 * RPC front's hang-up signal (lib/http/hangup.ts), which costs a fraction of
 * an AbortController on every request that has to wait (issue 12).
 */
export interface WaitSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface GenerateOptions {
  /**
   * `precache` (default `demand`): run on the precache tiers, count as no
   * client request, and leave the job to any client that asks for the same
   * root, which moves it onto the full chain.
   */
  readonly priority?: Priority;
}

export interface WorkResult {
  readonly work: bigint;
  readonly value: bigint;
  /** `cache` or the name of the backend that produced the work. */
  readonly source: string;
  /** A cache hit on work a precache job made. */
  readonly precached?: boolean;
}

export type TierList = ReadonlyArray<{ readonly backends: readonly Backend[]; readonly hedgeAfter?: number }>;

export interface WorkServiceOptions {
  readonly tiers: TierList;
  /** The chain precache jobs use (default: `tiers`). */
  readonly precacheTiers?: TierList;
  readonly cache: WorkCache;
  /** Per-request deadline in ms. */
  readonly timeout: number;
  readonly breaker: BreakerOptions;
  /** The telemetry stream the engine emits on (a fresh one when absent). */
  readonly events?: Telemetry;
  readonly now?: () => number;
  /** One job per root across instances on a shared store (default: this instance alone). */
  readonly coordinator?: JobCoordinator;
}

interface Waiter {
  readonly target: bigint;
  /** A client (not a precache job) waits. */
  readonly demand: boolean;
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
  /** Aborts the running attempt; replaced when the job is raised or promoted. */
  attempt: JobAbort;
  readonly started: number;
  /** The chain the running attempt walks: the precache tiers until a client waits. */
  tiers: readonly Tier[];
  /** Client waiters right now. */
  demand: number;
  /** Whether a client ever waited: work nobody asked for is marked precached in the cache. */
  demanded: boolean;
  /** This instance runs the chain for every instance on the shared store. */
  lead?: LeadClaim;
  /** Another instance runs it; this job waits for its result. */
  follow?: FollowClaim;
}

/** A won job's result between answering its waiters and the end of its cache write. */
interface Settling {
  readonly work: bigint;
  readonly value: bigint;
  readonly source: string;
}

/**
 * The work_generate path: cache, then an in-flight job for the same root, then
 * the tier chain. One job per root: N identical concurrent requests cause one
 * upstream job, and a request for a higher target raises the job for everyone.
 * Precache jobs share the same path, cache and validation on their own chain.
 */
export class WorkService {
  readonly events: Telemetry;
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
  readonly #tiers: readonly Tier[];
  readonly #precacheTiers: readonly Tier[];
  readonly #cache: WorkCache;
  readonly #timeout: number;
  /** Every waiter's request deadline (`timeout`), on one timer. */
  readonly #deadlines: Deadlines;
  readonly #now: () => number;
  readonly #jobs = new Map<string, Job>();
  readonly #settling = new Map<string, Settling>();
  readonly #coordinator: JobCoordinator;
  #demandJobs = 0;
  #closed = false;

  constructor(options: WorkServiceOptions) {
    this.events = options.events ?? createTelemetry();
    this.#tiers = copyTiers(options.tiers);
    const precache = options.precacheTiers === undefined ? this.#tiers : copyTiers(options.precacheTiers);
    // The same chain must be the same array: promotion compares by identity and restarts only on a change.
    this.#precacheTiers = sameTiers(precache, this.#tiers) ? this.#tiers : precache;
    this.#cache = options.cache;
    this.#timeout = options.timeout;
    this.#deadlines = new Deadlines(options.timeout);
    this.#now = options.now ?? Date.now;
    this.#coordinator = options.coordinator ?? SOLO;
    // The validation kernel is compiled here, once per process, rather than by the first request.
    prepareWorkValue();
    const breakers = new Map<string, CircuitBreaker>();
    for (const tier of [...this.#tiers, ...this.#precacheTiers]) {
      for (const backend of tier.backends) {
        const name = backend.name;
        if (breakers.has(name)) continue;
        const onChange = (state: BreakerState, from: BreakerState): void => this.events.emit('breaker', { backend: name, state, from });
        breakers.set(name, new CircuitBreaker(options.breaker, this.#now, onChange));
      }
    }
    this.breakers = breakers;
  }

  /** Jobs currently generating (not waiters: N joined requests are one job). */
  get inFlight(): number {
    return this.#jobs.size;
  }

  /** Jobs a client waits on; precache work runs only while this is 0. */
  get demandInFlight(): number {
    return this.#demandJobs;
  }

  async generate(request: WorkRequest, options?: GenerateOptions): Promise<WorkResult> {
    return this.answer(request, options);
  }

  /**
   * generate, except that a cache hit on a synchronous (memory) cache is
   * answered at once, not through a promise: the RPC front serves hits
   * without a microtask hop or a promise per request (issue 12). Anything
   * else comes as a promise; it may also throw (closed) rather than reject.
   */
  answer(request: WorkRequest, options?: GenerateOptions): WorkResult | Promise<WorkResult> {
    if (this.#closed) throw new CancelledError();
    const demand = options?.priority !== 'precache';
    // The request itself is the payload: no allocation on the hot path.
    if (demand) this.events.emit('request', request);
    const rootBytes = hexToBytes(request.root);
    const now = this.#cache.getEntryNow;
    if (now !== undefined) return this.#looked(request, rootBytes, demand, now(request.root));
    return this.#cache.getEntry(request.root).then((cached) => this.#looked(request, rootBytes, demand, cached));
  }

  /** After the cache lookup: a valid cached work, a settling result, or a job. */
  #looked(request: WorkRequest, rootBytes: Uint8Array, demand: boolean, cached: CachedWork | undefined): WorkResult | Promise<WorkResult> {
    if (cached !== undefined) {
      // Re-validated on every read: a shared cache is not trusted blindly.
      const value = workValue(rootBytes, cached.work);
      if (value >= request.target) {
        if (demand) this.events.emit('cache', cached.precached ? PRECACHED_HIT : HIT);
        return { work: cached.work, value, source: 'cache', precached: cached.precached };
      }
    }
    // Won a moment ago and still being written to the cache: the job's result answers, no second job.
    const settling = this.#settling.size === 0 ? undefined : this.#settling.get(request.root);
    if (settling !== undefined && settling.value >= request.target) {
      if (demand) this.events.emit('cache', HIT);
      return settling;
    }
    if (demand) this.events.emit('cache', MISS);
    const signal = request.signal;
    if (signal?.aborted || this.#closed) return Promise.reject(new CancelledError());
    return this.#wait(request, rootBytes, signal, demand);
  }

  /** Answers every pending request for `root` with `Cancelled` and stops its job. Returns how many were waiting. */
  cancel(root: string, reason = 'work_cancel'): number {
    const job = this.#jobs.get(root);
    if (job === undefined) return 0;
    const count = job.waiters.size;
    this.#end(job, 'cancelled', undefined, reason);
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
    for (const root of [...this.#jobs.keys()]) this.cancel(root, 'powgate shutting down');
    this.#deadlines.stop();
  }

  #wait(request: WorkRequest, rootBytes: Uint8Array, signal: WaitSignal | undefined, demand: boolean): Promise<WorkResult> {
    const job = this.#jobs.get(request.root);
    if (job === undefined) {
      const created: Job = {
        root: request.root,
        rootBytes,
        target: request.target,
        ...(request.account === undefined ? {} : { account: request.account }),
        waiters: new Set(),
        attempt: new JobAbort(),
        started: this.#now(),
        tiers: demand ? this.#tiers : this.#precacheTiers,
        demand: 0,
        demanded: demand,
      };
      this.#jobs.set(created.root, created);
      this.events.emit('job', { phase: 'start', root: created.root, target: created.target, priority: demand ? 'demand' : 'precache' });
      // The waiter first: a new demand job makes precache step aside before its backends start.
      const answer = this.#addWaiter(created, request.target, signal, demand);
      if (this.#coordinator === SOLO) this.#start(created);
      else void this.#claim(created);
      return answer;
    }
    if (job.account === undefined && request.account !== undefined) job.account = request.account;
    // A client must not wait on the cheap precache tiers: the job moves onto the full chain.
    const promote = demand && job.tiers !== this.#tiers;
    const answer = this.#addWaiter(job, request.target, signal, demand);
    if (job.follow !== undefined) {
      // Another instance runs it: ask it for the higher target; the chain (promotion) is its business.
      if (request.target > job.target) {
        job.target = request.target;
        job.follow.raise(request.target);
      }
    } else if (job.lead === undefined && this.#coordinator !== SOLO) {
      // Still claiming: the claim goes out at the job's target, so raise it before.
      if (request.target > job.target) job.target = request.target;
      if (promote) job.tiers = this.#tiers;
    } else if (promote || request.target > job.target) {
      job.lead?.raised(request.target > job.target ? request.target : job.target);
      this.#restart(job, request.target > job.target ? request.target : job.target, promote ? this.#tiers : job.tiers);
    }
    return answer;
  }

  #addWaiter(job: Job, target: bigint, signal: WaitSignal | undefined, demand: boolean): Promise<WorkResult> {
    return new Promise<WorkResult>((resolve, reject) => {
      const deadline = this.#deadlines.add(() => {
        leave();
        reject(new TimeoutError(Message.timeout(job.root, this.#timeout / 1000)));
      });
      const onAbort = (): void => {
        leave();
        reject(new CancelledError());
      };
      const waiter: Waiter = {
        target,
        demand,
        resolve,
        reject,
        cleanup: () => {
          this.#deadlines.remove(deadline);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      const leave = (): void => {
        waiter.cleanup();
        if (!job.waiters.delete(waiter) || this.#jobs.get(job.root) !== job) return;
        if (demand) this.#lessDemand(job);
        // A job nobody waits for any more is stopped, so its backends stop too.
        if (job.waiters.size === 0) {
          if (signal?.aborted) this.#end(job, 'cancelled', undefined, abortText(signal.reason, demand));
          else this.#end(job, 'timeout', undefined, 'deadline (work.deadline) passed');
        }
      };
      job.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (demand) this.#moreDemand(job);
    });
  }

  #moreDemand(job: Job): void {
    job.demanded = true;
    if (job.demand++ === 0) {
      this.#demandJobs++;
      this.events.emit('demand', { jobs: this.#demandJobs });
    }
  }

  #lessDemand(job: Job): void {
    if (--job.demand === 0) {
      this.#demandJobs--;
      this.events.emit('demand', { jobs: this.#demandJobs });
    }
  }

  #start(job: Job): void {
    const attempt = job.attempt;
    runAttempt(
      { tiers: job.tiers, breakers: this.breakers, events: this.events, now: this.#now },
      {
        root: job.root,
        rootBytes: job.rootBytes,
        target: job.target,
        ...(job.account === undefined ? {} : { account: job.account }),
        priority: job.demanded ? 'demand' : 'precache',
      },
      attempt,
    ).then(
      async (win) => {
        if (job.attempt !== attempt || this.#jobs.get(job.root) !== job) return;
        await this.#won(job, { work: win.work, value: win.value, source: win.backend });
      },
      (err: unknown) => {
        if (job.attempt !== attempt || this.#jobs.get(job.root) !== job) return;
        const error = err instanceof Error ? err : new NoBackendError(Message.generationFailed(String(err)));
        this.#end(job, 'failed', undefined, error.message);
        job.lead?.release();
        for (const waiter of job.waiters) {
          waiter.cleanup();
          waiter.reject(error);
        }
        job.waiters.clear();
      },
    );
  }

  /**
   * Answers the waiters at once, serves later requests for the root from the
   * result until the cache write has finished (a Redis write can take a while,
   * and a request in that window must not start a second job), then tells
   * followers on other instances.
   */
  async #won(job: Job, result: WorkResult, write = true): Promise<void> {
    this.#end(job, 'won', result.source);
    this.#settling.set(job.root, result);
    for (const waiter of job.waiters) {
      waiter.cleanup();
      waiter.resolve(result);
    }
    job.waiters.clear();
    try {
      // A follower's result is in the shared cache already: its leader wrote it.
      if (write) await this.#cache.set(job.root, result.work, result.value, !job.demanded);
      // After the write: a follower that misses the message finds the work in the cache.
      await job.lead?.publish(result.work, result.value);
    } finally {
      if (this.#settling.get(job.root) === result) this.#settling.delete(job.root);
    }
  }

  /**
   * Claims the root on the shared store: leading runs the chain here;
   * following waits for the leader's result and claims again when it is gone.
   */
  async #claim(job: Job): Promise<void> {
    for (;;) {
      const claim = await this.#coordinator.claim(job.root, job.target);
      if (this.#jobs.get(job.root) !== job) {
        if (claim.role === 'lead') claim.release();
        return;
      }
      if (claim.role === 'lead') {
        job.lead = claim;
        delete job.follow;
        // Another instance may have finished the root between our cache miss and this claim (it
        // releases its lease only after its cache write): look again before calling upstream.
        const cached = await this.#cache.getEntry(job.root);
        if (this.#jobs.get(job.root) !== job) {
          claim.release();
          return;
        }
        if (cached !== undefined) {
          const value = workValue(job.rootBytes, cached.work);
          if (value >= job.target) {
            await this.#won(job, { work: cached.work, value, source: 'cache' }, false);
            return;
          }
        }
        claim.onRaise((target) => {
          if (this.#jobs.get(job.root) === job && target > job.target) this.#restart(job, target, job.tiers);
        });
        this.#start(job);
        return;
      }
      job.follow = claim;
      // The leader may run at a lower target than ours (its clients asked for less): ask for ours.
      claim.raise(job.target);
      const result = await claim.wait(() => job.target, job.attempt.signal);
      if (this.#jobs.get(job.root) !== job) return;
      if (result !== 'takeover') {
        await this.#won(job, { work: result.work, value: result.value, source: INSTANCE }, false);
        return;
      }
      // The leader is gone: it may have finished while its message was missed, so look in the cache first.
      const cached = await this.#cache.getEntry(job.root);
      if (this.#jobs.get(job.root) !== job) return;
      if (cached !== undefined) {
        const value = workValue(job.rootBytes, cached.work);
        if (value >= job.target) {
          await this.#won(job, { work: cached.work, value, source: INSTANCE }, false);
          return;
        }
      }
    }
  }

  /**
   * A higher target, or a move onto the full chain, restarts the job. Nonce
   * search is memoryless, so nothing is lost; the new attempt starts before
   * the old one is aborted so peers shared by both get no work_cancel in between.
   */
  #restart(job: Job, target: bigint, tiers: readonly Tier[]): void {
    const old = job.attempt;
    job.target = target;
    job.tiers = tiers;
    job.attempt = new JobAbort();
    this.#start(job);
    old.abort(new CancelledError('raised'));
  }

  #end(job: Job, outcome: 'won' | 'failed' | 'cancelled' | 'timeout', source?: string, reason?: string): void {
    if (this.#jobs.get(job.root) !== job) return;
    this.#jobs.delete(job.root);
    // A won or failed attempt has already stopped its backends.
    if (outcome === 'cancelled' || outcome === 'timeout') {
      job.attempt.abort(outcome === 'cancelled' ? new CancelledError() : DEADLINE);
      // Other instances' clients may still want this root: one of them takes over at once.
      job.lead?.release();
    }
    if (job.demand > 0) {
      job.demand = 0;
      this.#demandJobs--;
      this.events.emit('demand', { jobs: this.#demandJobs });
    }
    this.events.emit('job', {
      phase: 'end',
      root: job.root,
      target: job.target,
      outcome,
      ...(source === undefined ? {} : { source }),
      seconds: (this.#now() - job.started) / 1000,
      priority: job.demanded ? 'demand' : 'precache',
      ...(reason === undefined ? {} : { reason }),
    });
  }
}

/** The source of work another instance's job produced (`WorkResult.source`, job events). */
export const INSTANCE = 'instance';

const HIT = { outcome: 'hit' } as const;
const PRECACHED_HIT = { outcome: 'hit', precached: true } as const;
const MISS = { outcome: 'miss' } as const;

function copyTiers(tiers: TierList): Tier[] {
  return tiers.map((t) => ({ backends: [...t.backends], ...(t.hedgeAfter === undefined ? {} : { hedgeAfter: t.hedgeAfter }) }));
}

function sameTiers(a: readonly Tier[], b: readonly Tier[]): boolean {
  return (
    a.length === b.length &&
    a.every((tier, i) => {
      const other = b[i];
      return (
        other !== undefined &&
        tier.hedgeAfter === other.hedgeAfter &&
        tier.backends.length === other.backends.length &&
        tier.backends.every((backend, j) => backend === other.backends[j])
      );
    })
  );
}

/** Why a waiter's signal ended a job: the abort reason when it says, else who left. */
function abortText(reason: unknown, demand: boolean): string {
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.message !== '') return reason.message;
  return demand ? 'the client went away' : 'precache stopped it';
}
