import type { Backend } from '../backends/types.js';
import { BackendTimeoutError, PowgateError } from '../errors.js';
import type { Telemetry, TelemetryEvents } from '../telemetry/events.js';
import type { CircuitBreaker } from './breaker.js';

export interface ProberOptions {
  readonly backends: readonly Backend[];
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
  readonly events: Telemetry;
  /** A backend that saw no answer for this long is probed (ms); 0: no probes. */
  readonly interval: number;
  /** After a failed probe of a closed circuit, the next comes this soon (ms), so failures add up fast. */
  readonly retry?: number;
  readonly now?: () => number;
}

export interface ProbeResult {
  readonly ok: boolean;
  readonly at: number;
  readonly error?: string;
}

/** A probe that hangs is a failed probe: never longer than this, nor than the interval. */
const PROBE_TIMEOUT_MS = 5000;
const RETRY_MS = 1000;

/**
 * Probes each backend that has a `probe` while it is idle, and feeds the
 * verdicts to its circuit breaker: a failure counts like a failed request, a
 * pass closes the circuit. So a dead backend opens its circuit, and /readyz
 * turns 503, within a bounded time with no traffic at all, and a revived one
 * is back within one interval, without waiting out a long cool-down.
 *
 * Bound, from the moment the only backend dies, with `breaker.failures` F and
 * interval I: F failed probes, the first within I, the rest 1 s apart, each at
 * most 5 s when the backend hangs: at most I + (F-1) s + F x 5 s; a refused
 * connection fails at once, so about I + (F-1) s.
 */
export class Prober {
  readonly #o: ProberOptions;
  readonly #now: () => number;
  readonly #lastAnswer = new Map<string, number>();
  readonly #results = new Map<string, ProbeResult>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Map<string, AbortController>();
  #closed = false;
  readonly #onBackend = (e: TelemetryEvents['backend']): void => {
    // Real answers prove the backend as well as a probe would.
    if (e.outcome === 'won' || e.outcome === 'failed' || e.outcome === 'invalid') this.#lastAnswer.set(e.backend, this.#now());
  };

  constructor(options: ProberOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Starts probing: every backend with a probe at once (bad credentials show at start-up), then when idle. */
  start(): void {
    if (this.#o.interval <= 0) return;
    this.#o.events.on('backend', this.#onBackend);
    for (const backend of this.#o.backends) {
      if (backend.probe !== undefined) this.#schedule(backend, 0);
    }
  }

  /** Whether `backend` is probed; its half-open circuit then waits for a passing probe to count as usable. */
  probes(backend: string): boolean {
    return this.#o.interval > 0 && this.#o.backends.some((b) => b.name === backend && b.probe !== undefined);
  }

  /** The latest probe verdict of a backend, if any. */
  result(backend: string): ProbeResult | undefined {
    return this.#results.get(backend);
  }

  close(): void {
    this.#closed = true;
    this.#o.events.off('backend', this.#onBackend);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    for (const controller of this.#running.values()) controller.abort();
  }

  #schedule(backend: Backend, delay: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => void this.#tick(backend), delay);
    timer.unref();
    this.#timers.set(backend.name, timer);
  }

  async #tick(backend: Backend): Promise<void> {
    const interval = this.#o.interval;
    const breaker = this.#o.breakers.get(backend.name);
    const idleFor = this.#now() - (this.#lastAnswer.get(backend.name) ?? -Infinity);
    // Traffic is answering and the circuit is closed: nothing to learn from a probe yet.
    if (breaker?.state === 'closed' && idleFor < interval && this.#results.get(backend.name)?.ok !== false) {
      this.#schedule(backend, interval - idleFor);
      return;
    }
    const ok = await this.#probe(backend);
    if (this.#closed) return;
    const closedAndFailing = !ok && breaker?.state === 'closed';
    this.#schedule(backend, closedAndFailing ? Math.min(this.#o.retry ?? RETRY_MS, interval) : interval);
  }

  async #probe(backend: Backend): Promise<boolean> {
    const controller = new AbortController();
    this.#running.set(backend.name, controller);
    const timeout = Math.min(PROBE_TIMEOUT_MS, this.#o.interval);
    const timer = setTimeout(() => controller.abort(new BackendTimeoutError(`probe gave no answer within ${timeout} ms`)), timeout);
    const breaker = this.#o.breakers.get(backend.name);
    try {
      await (backend.probe as (signal: AbortSignal) => Promise<void>)(controller.signal);
      if (this.#closed) return true;
      this.#results.set(backend.name, { ok: true, at: this.#now() });
      breaker?.success();
      this.#o.events.emit('probe', { backend: backend.name, ok: true });
      return true;
    } catch (err) {
      if (this.#closed) return false;
      const error = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason.message : describe(err);
      this.#results.set(backend.name, { ok: false, at: this.#now(), error });
      if (err instanceof PowgateError && err.code === 'BACKEND_CONFIG') breaker?.trip();
      else breaker?.probeFailed();
      this.#o.events.emit('probe', { backend: backend.name, ok: false, error: err });
      return false;
    } finally {
      clearTimeout(timer);
      this.#running.delete(backend.name);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
