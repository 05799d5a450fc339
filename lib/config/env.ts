import { ConfigError } from '../errors.js';
import type { Env } from './interpolate.js';
import { isMap, type RawMap } from './shape.js';
import { SHORTCUTS, type Shortcuts, type Sources } from './shortcuts.js';

const PREFIX = 'POWGATE_';
/** Read by the loader to find the file, not a setting. */
export const CONFIG_FILE_VAR = 'POWGATE_CONFIG';
/**
 * A YAML file of defaults beneath the config file (flags > env > file > this >
 * built-in defaults): how an image or a package sets its own defaults, such as
 * a container's `listen: 0.0.0.0:7176`, without overriding a mounted config.
 */
export const DEFAULTS_FILE_VAR = 'POWGATE_DEFAULTS';

export interface EnvLayer {
  /** `POWGATE_CACHE__MAX_ENTRIES=5` -> `{ cache: { max_entries: '5' } }`. */
  readonly overlay: RawMap;
  readonly shortcuts: Shortcuts;
  readonly sources: Sources;
}

/**
 * Every POWGATE_* variable becomes a setting: a shortcut (POWGATE_PEERS, ...)
 * or a key path with `__` between levels. Nothing is skipped, so a misspelt
 * variable reaches the schema and fails as an unknown key naming the variable.
 * Empty values count as unset, as compose files and `${X:-}` produce them.
 */
export function readEnv(env: Env): EnvLayer {
  const overlay: RawMap = {};
  const shortcuts: Shortcuts = {};
  const sources: Sources = new Map();
  const names = Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && name !== CONFIG_FILE_VAR && name !== DEFAULTS_FILE_VAR)
    .sort();
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const key = SHORTCUTS.find((s) => s.env === name)?.key;
    if (key === 'peers') {
      shortcuts.peers = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    } else if (key) {
      shortcuts[key] = value;
    } else {
      const keys = name.slice(PREFIX.length).toLowerCase().split('__');
      if (keys.some((key) => key === '')) {
        throw new ConfigError('', `${name}: expected POWGATE_<SECTION>__<KEY> with one __ between levels`);
      }
      setPath(overlay, keys, value, name, sources);
    }
  }
  return { overlay, shortcuts, sources };
}

function setPath(overlay: RawMap, keys: string[], value: string, name: string, sources: Sources): void {
  let map = overlay;
  const done: string[] = [];
  for (const key of keys.slice(0, -1)) {
    done.push(key);
    const next = map[key];
    if (next !== undefined && !isMap(next)) {
      throw new ConfigError(done.join('.'), `${name} sets a key inside a value that ${sources.get(done.join('.'))} sets`);
    }
    map = next ?? (map[key] = {});
  }
  const last = keys[keys.length - 1] as string;
  if (isMap(map[last])) {
    throw new ConfigError([...done, last].join('.'), `${name} sets a value where other POWGATE_ variables set keys inside it`);
  }
  map[last] = value;
  sources.set([...done, last].join('.'), name);
}
