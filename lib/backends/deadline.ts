import type { SignalLike } from '../net/abort.js';

export interface Deadline {
  /** Aborts when the job's signal does, or when the deadline passes. */
  readonly signal: AbortSignal;
  /** True once the deadline (not the job) aborted the signal. */
  expired(): boolean;
  /** Stops the timer and the listener; call when the request is over. */
  dispose(): void;
}

/**
 * The job's signal bounded by `ms`. Made by hand rather than with
 * AbortSignal.any + AbortSignal.timeout: those keep a timer and the composite
 * alive for the whole deadline after the request is long done, and a busy
 * gateway makes hundreds of these a second.
 */
export function withDeadline(job: SignalLike, ms: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const onAbort = (): void => controller.abort(job.reason);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException(`deadline of ${ms} ms passed`, 'TimeoutError'));
  }, ms);
  timer.unref();
  if (job.aborted) onAbort();
  else job.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    expired: () => expired,
    dispose() {
      clearTimeout(timer);
      job.removeEventListener('abort', onAbort);
    },
  };
}
