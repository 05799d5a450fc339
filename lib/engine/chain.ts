import type { Backend } from '../backends/types.js';
import type { TierConfig } from '../config/types.js';
import type { Tier } from './attempt.js';

/**
 * The fallback chain from the configured tiers: backend names resolved, and,
 * with `only`, restricted to those backends (tiers left empty are dropped, the
 * order and hedges kept). Precache's chain is the full one restricted this way.
 */
export function resolveChain(tiers: readonly TierConfig[], backends: ReadonlyMap<string, Backend>, only?: ReadonlySet<string>): Tier[] {
  return tiers
    .map((tier) => ({
      backends: tier.backends
        .filter((name) => only === undefined || only.has(name))
        .map((name) => {
          const backend = backends.get(name);
          if (backend === undefined) throw new Error(`tier names unknown backend ${name}`);
          return backend;
        }),
      ...(tier.hedgeAfter === undefined ? {} : { hedgeAfter: tier.hedgeAfter }),
    }))
    .filter((tier) => tier.backends.length > 0);
}
