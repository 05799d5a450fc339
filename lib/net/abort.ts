/**
 * What powgate's own code reads of an abort signal. An AbortSignal is one;
 * so is a JobAbort, which every work job makes instead of an AbortController:
 * on Node 20 an AbortController's signal (an EventTarget) costs more CPU to
 * make than the rest of a job's bookkeeping, and its listeners cost more to
 * add and remove than a plain array's (issue 12). Code that hands a signal to
 * Node's own APIs (AbortSignal.any, timers/promises, worker messaging) asks
 * `toAbortSignal` for a real one.
 */
export interface SignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An abort controller and its signal in one object, as AbortController
 * behaves where powgate uses it: `abort` once (later calls do nothing), the
 * reason an AbortError DOMException when none is given, listeners called in
 * the order they were added, each at most once, a listener added after the
 * abort never called, and a listener that throws reported as an uncaught
 * exception (as EventTarget does) rather than stopping the others.
 */
export class JobAbort implements SignalLike {
  aborted = false;
  reason: unknown = undefined;
  #listeners: Array<() => void> | undefined;
  /** Made only when a consumer needs a real AbortSignal. */
  #real: AbortController | undefined;

  /** The signal side: this same object, as AbortController's `signal` is for a controller. */
  get signal(): SignalLike {
    return this;
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners !== undefined) {
      for (const listener of listeners) {
        try {
          listener();
        } catch (err) {
          process.nextTick(() => {
            throw err;
          });
        }
      }
    }
    this.#real?.abort(this.reason);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    const listeners = (this.#listeners ??= []);
    // As EventTarget: the same listener added twice is one listener.
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (listeners === undefined) return;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }

  /** A real AbortSignal that aborts with this one (made once, on first use). */
  get abortSignal(): AbortSignal {
    if (this.#real === undefined) {
      this.#real = new AbortController();
      if (this.aborted) this.#real.abort(this.reason);
    }
    return this.#real.signal;
  }
}

/** A real AbortSignal for `signal`: itself when it is one. */
export function toAbortSignal(signal: SignalLike): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  if (signal instanceof JobAbort) return signal.abortSignal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}
