import { ConfigError } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { describe } from './describe.js';
import { duration, list, MAX_TIMER_MS, pattern } from './parse.js';
import { child, item } from './path.js';
import { optional, section } from './shape.js';
import type { BackendConfig, TierConfig } from './types.js';

const backendName = pattern(/^[a-z0-9_-]+$/, 'a backend name');

/** The fallback chain when the config names no tiers: each remote backend hedged in turn, local last. */
export function defaultTiers(backends: Readonly<Record<string, BackendConfig>>): TierConfig[] {
  const names = Object.keys(backends);
  const local = names.filter((name) => backends[name]?.type === 'local');
  const remote = names.filter((name) => backends[name]?.type !== 'local');
  const tiers: TierConfig[] = remote.map((name) => ({ backends: [name], hedgeAfter: DEFAULTS.hedgeAfter }));
  if (local.length > 0) tiers.push({ backends: local });
  return tiers;
}

/**
 * Explicit tiers, checked against the backends: every name must exist, none
 * may be in two tiers, and every backend must be in one (a backend in no tier
 * would never run, which is almost always a mistake).
 */
export function normalizeTiers(value: unknown, path: string, backends: Readonly<Record<string, BackendConfig>>, backendsPath: string): TierConfig[] {
  if (!Array.isArray(value)) throw new ConfigError(path, `expected a list of tiers, found ${describe(value, path)}`);
  if (value.length === 0) throw new ConfigError(path, 'expected at least 1 tier, found none');
  const tierOf = new Map<string, string>();
  const tiers = value.map((entry, index): TierConfig => {
    const tierPath = item(path, index);
    const map = section(entry, tierPath, ['backends', 'hedge_after']);
    const namesPath = child(tierPath, 'backends');
    const names = list(backendName, 1)(map.backends ?? [], namesPath);
    names.forEach((name, i) => {
      const namePath = item(namesPath, i);
      if (!Object.hasOwn(backends, name)) {
        const known = Object.keys(backends).join(', ');
        throw new ConfigError(namePath, `unknown backend ${JSON.stringify(name)} (defined in ${backendsPath}: ${known})`);
      }
      const earlier = tierOf.get(name);
      if (earlier !== undefined) {
        throw new ConfigError(namePath, `backend ${JSON.stringify(name)} is already in ${earlier}; a backend may be in one tier only`);
      }
      tierOf.set(name, tierPath);
    });
    const hedgeAfter = optional(map, 'hedge_after', tierPath, duration(0, MAX_TIMER_MS));
    return hedgeAfter === undefined ? { backends: names } : { backends: names, hedgeAfter };
  });
  for (const name of Object.keys(backends)) {
    if (!tierOf.has(name)) {
      throw new ConfigError(child(backendsPath, name), `unused backend: it is in no tier (add it to ${path} or remove it)`);
    }
  }
  return tiers;
}
