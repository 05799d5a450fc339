// The one retry pause in powgate: DPoW and precache websocket reconnects,
// BoomPoW retries and Redis reconnects all wait this long, so a change to how
// powgate backs off is made here once.

export interface BackoffOptions {
  /** Ceiling of the first retry's delay, in ms. */
  readonly base: number;
  /** Largest ceiling, in ms. */
  readonly max: number;
}

/**
 * Delay before retry number `attempt` (0 for the first): the ceiling doubles
 * per attempt up to `max`, and the delay is half the ceiling plus a random
 * share of the other half ("equal jitter"). The random half keeps many clients
 * that lost the same server from coming back in step; the fixed half keeps
 * any of them from retrying in a tight loop. Pure given `random`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.max, options.base * 2 ** Math.min(Math.max(attempt, 0), 32));
  return ceiling / 2 + random() * (ceiling / 2);
}
