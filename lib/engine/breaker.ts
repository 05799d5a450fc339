export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failures: number;
  /** First cool-down in ms; doubles after each failed probe. */
  readonly cooldown: number;
  readonly maxCooldown: number;
}

/**
 * Per-backend circuit breaker. After `failures` consecutive failures the backend
 * is skipped for a cool-down, then one probe is let through: success closes the
 * circuit, failure opens it again for twice as long (capped).
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #cooldown: number;
  #openUntil = 0;
  #probing = false;
  readonly #options: BreakerOptions;
  readonly #now: () => number;
  readonly #onChange: ((state: BreakerState, from: BreakerState) => void) | undefined;

  /** `onChange` hears every transition (open, half-open when a probe goes out, closed), not the passing of time. */
  constructor(options: BreakerOptions, now: () => number = Date.now, onChange?: (state: BreakerState, from: BreakerState) => void) {
    this.#options = options;
    this.#cooldown = options.cooldown;
    this.#now = now;
    this.#onChange = onChange;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() >= this.#openUntil) return 'half_open';
    return this.#state;
  }

  /** Ms until an open circuit lets a probe through (0 when not open). */
  get retryIn(): number {
    return this.#state === 'open' ? Math.max(0, this.#openUntil - this.#now()) : 0;
  }

  /** Whether a request may go to the backend now; in half-open, only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    this.#set('half_open');
    return true;
  }

  success(): void {
    this.#consecutive = 0;
    this.#probing = false;
    this.#cooldown = this.#options.cooldown;
    this.#set('closed');
  }

  failure(): void {
    this.#consecutive++;
    if (this.#state === 'half_open') {
      this.#probing = false;
      this.#cooldown = Math.min(this.#cooldown * 2, this.#options.maxCooldown);
      this.#open();
    } else if (this.#state === 'closed' && this.#consecutive >= this.#options.failures) {
      this.#open();
    }
  }

  /**
   * A failure that no retry can fix (rejected credentials): open at once for
   * the longest cool-down, and stay there after each failed probe, so a
   * misconfigured backend costs one request per max_cooldown, not three.
   */
  trip(): void {
    this.#consecutive++;
    this.#probing = false;
    this.#cooldown = this.#options.maxCooldown;
    this.#open();
  }

  /**
   * An idle probe failed: counts like a failure while closed; while open or
   * half-open it starts the current cool-down again (not doubled), so the
   * circuit reads open, not half-open, until a probe or request succeeds.
   */
  probeFailed(): void {
    if (this.#state === 'closed') {
      this.failure();
      return;
    }
    this.#consecutive++;
    this.#open();
  }

  /** A probe that ended without a verdict (aborted because another backend won). */
  release(): void {
    this.#probing = false;
  }

  #open(): void {
    this.#openUntil = this.#now() + this.#cooldown;
    this.#set('open');
  }

  #set(state: BreakerState): void {
    const from = this.#state;
    if (from === state) return;
    this.#state = state;
    this.#onChange?.(state, from);
  }
}
