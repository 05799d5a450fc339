import { defaultBackendsRaw } from './defaults.js';
import type { EnvLayer } from './env.js';
import { isMap, isUnset, type RawMap } from './shape.js';
import { applyShortcuts, type Shortcuts, type Sources } from './shortcuts.js';

/**
 * flags > env > file > defaults, merged while still raw (snake_case) so the
 * schema's errors name the key a user wrote. Maps merge key by key; lists
 * and scalars are replaced whole.
 */
export function mergeSources(file: RawMap, env: EnvLayer, flags: Shortcuts): { raw: RawMap; sources: Sources } {
  const raw = structuredClone(file);
  // The default backend is a starting point, not a layer: a file that names
  // its backends means exactly those, while env vars and flags add to it.
  if (isUnset(raw.backends)) raw.backends = defaultBackendsRaw();
  deepMerge(raw, env.overlay);
  const sources: Sources = new Map(env.sources);
  applyShortcuts(raw, env.shortcuts, (spec) => spec.env, sources);
  applyShortcuts(raw, flags, (spec) => spec.flag, sources);
  return { raw, sources };
}

/** Merges `overlay` into `base` in place: maps key by key, lists and scalars replaced whole. */
export function deepMerge(base: RawMap, overlay: RawMap): void {
  for (const [key, value] of Object.entries(overlay)) {
    const current = base[key];
    if (isMap(current) && isMap(value)) deepMerge(current, value);
    else base[key] = structuredClone(value);
  }
}

/** The env var or flag behind `path` (or the nearest enclosing key it set), if any. */
export function sourceOf(sources: Sources, path: string): string | undefined {
  for (let p = path; p !== ''; p = parent(p)) {
    const source = sources.get(p);
    if (source !== undefined) return source;
  }
  return undefined;
}

function parent(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}
