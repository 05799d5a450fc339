/**
 * Reconnect delay after `attempt` failures: exponential from `base` up to
 * `max`, with "equal jitter" (between half and all of it), so instances that
 * lost the same node do not come back in step, and none retries at once.
 */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
