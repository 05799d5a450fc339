import { ConfigError } from '../errors.js';
import { describe } from './describe.js';
import type { Parser } from './parse.js';
import { child } from './path.js';

export type RawMap = Record<string, unknown>;

export function isMap(value: unknown): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** null, `~` and '' mean "use the default", so a templated `${VAR:-}` can unset a key. */
export function isUnset(value: unknown): value is undefined | null | '' {
  return value === undefined || value === null || value === '';
}

/**
 * The map at `path` (empty when unset), after checking it names only `keys`:
 * a typo must stop start-up, not silently fall back to a default.
 */
export function section(value: unknown, path: string, keys: readonly string[]): RawMap {
  if (isUnset(value)) return {};
  if (!isMap(value)) throw new ConfigError(path, `expected a map, found ${describe(value, path)}`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw unknownKey(child(path, key), key, keys);
  }
  return value;
}

export function unknownKey(path: string, key: string, keys: readonly string[]): ConfigError {
  // Only suggest what is plausibly a typo: short keys allow one edit, longer ones more.
  const allowed = Math.max(1, Math.floor(key.length / 4));
  const near = keys
    .map((k) => ({ k, d: editDistance(k, key) }))
    .filter(({ d }) => d <= allowed)
    .sort((a, b) => a.d - b.d)[0]?.k;
  const hint = near ? `; did you mean ${near}?` : '';
  return new ConfigError(path, `unknown key (expected one of ${keys.join(', ')})${hint}`);
}

export function optional<T>(map: RawMap, key: string, path: string, parse: Parser<T>): T | undefined {
  const value = map[key];
  return isUnset(value) ? undefined : parse(value, child(path, key));
}

export function withDefault<T>(map: RawMap, key: string, path: string, parse: Parser<T>, fallback: T): T {
  return optional(map, key, path, parse) ?? fallback;
}

/** Edit distance counting a swap of neighbours as one edit (the commonest typo). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
