/**
 * Wraps a log call so it runs at most once per `interval` ms. Calls in between
 * are only counted; the next call that logs reports how many were held back.
 * For errors that repeat once per operation during an outage (a Redis that is
 * away fails every cache read and write): one line says it, not thousands.
 */
export function rateLimited<T>(interval: number, log: (value: T, suppressed: number) => void, now: () => number = Date.now): (value: T) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (value) => {
    const t = now();
    if (t - last < interval) {
      suppressed++;
      return;
    }
    last = t;
    log(value, suppressed);
    suppressed = 0;
  };
}
