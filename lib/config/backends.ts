import { ConfigError } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { boolean, duration, integer, list, MAX_TIMER_MS, url, type Parser } from './parse.js';
import { child } from './path.js';
import { describe } from './describe.js';
import { isMap, isUnset, section, withDefault, optional, type RawMap } from './shape.js';
import type { BackendConfig, LocalBackendConfig, RpcBackendConfig } from './types.js';

type BackendType = BackendConfig['type'];
type BackendOf<T extends BackendType> = Extract<BackendConfig, { type: T }>;

/**
 * One normaliser per backend type. Adding a work source = one entry here (the
 * mapped type makes a type in the BackendConfig union without one a compile error).
 */
export const BACKEND_TYPES: { readonly [T in BackendType]: (raw: RawMap, path: string) => BackendOf<T> } = {
  rpc: normalizeRpcBackend,
  local: normalizeLocalBackend,
};

const BACKEND_NAME = /^[a-z0-9_-]+$/;

export function normalizeBackends(value: unknown, path: string): Record<string, BackendConfig> {
  if (!isMap(value)) throw new ConfigError(path, `expected a map of backends by name, found ${describe(value, path)}`);
  const names = Object.keys(value);
  if (names.length === 0) throw new ConfigError(path, 'expected at least one backend, found none');
  const backends: Record<string, BackendConfig> = {};
  for (const name of names) {
    const backendPath = child(path, name);
    if (!BACKEND_NAME.test(name)) {
      throw new ConfigError(backendPath, 'backend names may only hold a-z, 0-9, _ and -');
    }
    backends[name] = normalizeBackend(value[name], backendPath);
  }
  return backends;
}

function normalizeBackend(value: unknown, path: string): BackendConfig {
  if (!isMap(value)) throw new ConfigError(path, `expected a map with a type, found ${describe(value, path)}`);
  const types = Object.keys(BACKEND_TYPES);
  const type = value.type;
  if (isUnset(type) || typeof type !== 'string' || !Object.hasOwn(BACKEND_TYPES, type)) {
    const found = isUnset(type) ? 'nothing' : describe(type, child(path, 'type'));
    throw new ConfigError(child(path, 'type'), `expected a backend type, one of ${types.join(', ')}, found ${found}`);
  }
  return BACKEND_TYPES[type as BackendType](value, path);
}

const httpUrl = url(['http', 'https']);

const distinctUrls: Parser<string[]> = (value, path) => {
  const urls = list(httpUrl, 1)(value, path);
  const seen = new Set<string>();
  urls.forEach((u, index) => {
    if (seen.has(u)) throw new ConfigError(`${path}[${index}]`, 'this URL is listed twice');
    seen.add(u);
  });
  return urls;
};

function normalizeRpcBackend(raw: RawMap, path: string): RpcBackendConfig {
  const map = section(raw, path, ['type', 'urls', 'timeout', 'send_account']);
  if (isUnset(map.urls)) throw new ConfigError(child(path, 'urls'), 'expected a list of http:// or https:// URLs, found nothing');
  const timeout = optional(map, 'timeout', path, duration(1, MAX_TIMER_MS));
  return {
    type: 'rpc',
    urls: distinctUrls(map.urls, child(path, 'urls')),
    ...(timeout === undefined ? {} : { timeout }),
    sendAccount: withDefault(map, 'send_account', path, boolean, DEFAULTS.rpcBackend.sendAccount),
  };
}

function normalizeLocalBackend(raw: RawMap, path: string): LocalBackendConfig {
  const map = section(raw, path, ['type', 'cpu_threads']);
  return {
    type: 'local',
    cpuThreads: withDefault(map, 'cpu_threads', path, integer(1, 1024), DEFAULTS.localBackend.cpuThreads),
  };
}
