import { ConfigError } from '../errors.js';
import { isMap, isUnset, type RawMap } from './shape.js';
import type { Sources } from './shortcuts.js';

/**
 * Keys that were renamed: the old name still works, moved to the new one with
 * a warning, so an upgrade never breaks a config that worked. Both must share
 * a parent map. The schema knows only the new names.
 */
export const RENAMED: ReadonlyArray<{ readonly old: string; readonly now: string; readonly why: string }> = [
  { old: 'precache.tiers', now: 'precache.backends', why: 'it lists backend names, not tiers' },
  { old: 'work.timeout', now: 'work.deadline', why: 'it bounds the whole request; timeout is how long one answer is awaited' },
];

/** New path -> the old path it was written as, so an error can name the key the user wrote. */
export type Renames = Map<string, string>;

/**
 * Moves every old key of one layer (the file, or the env overlay) to its new
 * name, before layers merge, so a newer layer's new name still wins over an
 * older layer's old one. Setting both names in one layer is an error.
 */
export function applyRenames(raw: RawMap, sources: Sources, renames: Renames, warn: (message: string) => void): void {
  for (const { old, now, why } of RENAMED) {
    const oldKeys = old.split('.');
    const oldKey = oldKeys.pop() as string;
    const newKey = now.split('.').pop() as string;
    let parent: unknown = raw;
    for (const key of oldKeys) parent = isMap(parent) ? parent[key] : undefined;
    if (!isMap(parent) || !Object.hasOwn(parent, oldKey)) continue;
    const source = sources.get(old);
    const written = source === undefined ? old : `${old} (set by ${source})`;
    if (!isUnset(parent[newKey])) throw new ConfigError(old, `replaced by ${now}, which is set too: keep only ${now}`);
    parent[newKey] = parent[oldKey];
    delete parent[oldKey];
    for (const [path, label] of [...sources]) {
      if (path === old || path.startsWith(`${old}.`) || path.startsWith(`${old}[`)) sources.set(now + path.slice(old.length), label);
    }
    renames.set(now, old);
    warn(`${written} is deprecated: write ${now} (${why})`);
  }
}

/** The path as the user wrote it: `precache.backends[1]` -> `precache.tiers[1]` when the old name was used. */
export function writtenPath(path: string, renames: Renames): string {
  for (const [now, old] of renames) {
    if (path === now || path.startsWith(`${now}.`) || path.startsWith(`${now}[`)) return old + path.slice(now.length);
  }
  return path;
}
