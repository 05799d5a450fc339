/**
 * A per-service rate limit: `rate` requests a second with bursts of `burst`,
 * as a GCRA (the token bucket written as one "theoretical arrival time"). A
 * request over the rate is not refused at once: it is told to wait until its
 * turn, as DPoW's throttle delays rather than rejects, but only while that
 * wait is at most `maxDelay`; past it the request is refused and takes no
 * turn. So a client that keeps sending faster than its rate holds at most
 * `burst + rate × maxDelay` requests waiting at any time.
 */
export class RateLimiter {
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #maxDelay: number;
  readonly #now: () => number;
  /** When the bucket would be empty again, in ms of `now()`. */
  #tat = 0;

  /** `rate` ≤ 0: no limit. */
  constructor(options: { rate: number; burst: number; maxDelay: number }, now: () => number = Date.now) {
    this.#interval = options.rate > 0 ? 1000 / options.rate : 0;
    this.#tolerance = this.#interval * Math.max(0, options.burst - 1);
    this.#maxDelay = options.maxDelay;
    this.#now = now;
  }

  /** How long (ms) this request must wait for its turn (0: at once), or -1: refused, the wait would pass maxDelay. */
  take(): number {
    if (this.#interval === 0) return 0;
    const now = this.#now();
    const tat = Math.max(this.#tat, now);
    const wait = tat - this.#tolerance - now;
    if (wait > this.#maxDelay) return -1;
    this.#tat = tat + this.#interval;
    return wait > 0 ? wait : 0;
  }
}
