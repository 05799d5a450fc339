import { ConfigError } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { describe } from './describe.js';
import { boolean, duration, fail, integer, list, listenAddress, MAX_TIMER_MS, oneOf, type Parser, pattern, url } from './parse.js';
import { child } from './path.js';
import { isMap, isUnset, optional, type RawMap, section, withDefault } from './shape.js';
import type { BackendConfig, BoompowBackendConfig, DpowBackendConfig, HubBackendConfig, LocalBackendConfig, RpcBackendConfig } from './types.js';

type BackendType = BackendConfig['type'];
type BackendOf<T extends BackendType> = Extract<BackendConfig, { type: T }>;

/**
 * One normaliser per backend type. Adding a work source = one entry here (the
 * mapped type makes a type in the BackendConfig union without one a compile error).
 */
export const BACKEND_TYPES: { readonly [T in BackendType]: (raw: RawMap, path: string) => BackendOf<T> } = {
  rpc: normalizeRpcBackend,
  local: normalizeLocalBackend,
  dpow: normalizeDpowBackend,
  boompow: normalizeBoompowBackend,
  hub: normalizeHubBackend,
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
  const map = section(raw, path, ['type', 'cpu_threads', 'cpu_impl', 'gpu', 'gpu_adapter', 'gpu_backend']);
  const defaults = DEFAULTS.localBackend;
  const gpuAdapter = optional(map, 'gpu_adapter', path, nonEmpty('an adapter name'));
  return {
    type: 'local',
    cpuThreads: withDefault(map, 'cpu_threads', path, integer(1, 1024), defaults.cpuThreads),
    cpuImpl: withDefault(map, 'cpu_impl', path, oneOf(['auto', 'native', 'wasm'] as const), defaults.cpuImpl),
    gpu: withDefault(map, 'gpu', path, oneOf(['auto', 'off', 'on'] as const), defaults.gpu),
    ...(gpuAdapter === undefined ? {} : { gpuAdapter }),
    gpuBackend: withDefault(map, 'gpu_backend', path, oneOf(['auto', 'opengl', 'vulkan'] as const), defaults.gpuBackend),
  };
}

/** The URL with a `/` ending its path: DPoW's server redirects `/service` to `/service/`, and neither POST nor a websocket follows that. */
function withTrailingSlash(parse: Parser<string>): Parser<string> {
  return (value, path) => {
    const text = parse(value, path);
    const parsed = new URL(text);
    if (parsed.pathname.endsWith('/')) return text;
    parsed.pathname += '/';
    return parsed.toString();
  };
}

/** DPoW's server reads `timeout` as whole seconds and allows 1..30; above 25 its heartbeat can drop a busy websocket. */
const dpowTimeout: Parser<number> = (value, path) => {
  const ms = duration(1000, 25_000)(value, path);
  if (ms % 1000 !== 0) fail(path, 'whole seconds from 1s to 25s (DPoW reads the timeout as an integer)', value);
  return ms;
};

const nonEmpty = (what: string): Parser<string> => pattern(/\S/, what);

function required<T>(map: RawMap, key: string, path: string, parse: Parser<T>, expected: string): T {
  const value = optional(map, key, path, parse);
  if (value === undefined) throw new ConfigError(child(path, key), `expected ${expected}, found nothing`);
  return value;
}

function normalizeDpowBackend(raw: RawMap, path: string): DpowBackendConfig {
  const map = section(raw, path, ['type', 'url', 'post_url', 'user', 'api_key', 'sockets', 'timeout', 'send_account']);
  const defaults = DEFAULTS.dpowBackend;
  return {
    type: 'dpow',
    url: required(map, 'url', path, withTrailingSlash(url(['ws', 'wss'])), 'the DPoW websocket URL such as wss://dpow-api.nanos.cc/service_ws/'),
    postUrl: required(map, 'post_url', path, withTrailingSlash(httpUrl), 'the DPoW POST URL such as https://dpow-api.nanos.cc/service/'),
    user: required(map, 'user', path, nonEmpty('a DPoW service name'), 'the DPoW service name (user)'),
    apiKey: required(map, 'api_key', path, nonEmpty('a DPoW api key'), 'the DPoW api key, e.g. ${DPOW_API_KEY}'),
    sockets: withDefault(map, 'sockets', path, integer(0, 64), defaults.sockets),
    timeout: withDefault(map, 'timeout', path, dpowTimeout, defaults.timeout),
    sendAccount: withDefault(map, 'send_account', path, boolean, defaults.sendAccount),
  };
}

/** BoomPoW's workGenerate accepts only service tokens; a login JWT or a bare uuid is refused. */
const serviceToken = pattern(/^service:\S+$/, 'a BoomPoW service token such as service:<uuid>');

function normalizeBoompowBackend(raw: RawMap, path: string): BoompowBackendConfig {
  const map = section(raw, path, ['type', 'url', 'token', 'block_award', 'timeout']);
  const defaults = DEFAULTS.boompowBackend;
  return {
    type: 'boompow',
    url: withDefault(map, 'url', path, httpUrl, defaults.url),
    token: required(map, 'token', path, serviceToken, 'a BoomPoW service token such as ${BOOMPOW_TOKEN} (service:<uuid>)'),
    blockAward: withDefault(map, 'block_award', path, boolean, defaults.blockAward),
    timeout: withDefault(map, 'timeout', path, duration(1000, 5 * 60_000), defaults.timeout),
  };
}

const brokerUrl = url(['mqtt', 'mqtts', 'ws', 'wss']);
const broker: Parser<string> = (value, path) => (typeof value === 'string' && value.trim() === 'embedded' ? 'embedded' : brokerUrl(value, path));

function normalizeHubBackend(raw: RawMap, path: string): HubBackendConfig {
  const map = section(raw, path, [
    'type',
    'broker',
    'listen',
    'websocket_listen',
    'worker_username',
    'worker_password',
    'username',
    'password',
    'worker_ttl',
    'max_workers',
    'max_connections',
    'timeout',
    'heartbeat_interval',
    'statistics_interval',
    'metrics_workers',
  ]);
  const defaults = DEFAULTS.hubBackend;
  const websocketListen = optional(map, 'websocket_listen', path, listenAddress);
  const username = optional(map, 'username', path, nonEmpty('a user name'));
  const password = optional(map, 'password', path, nonEmpty('a password'));
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? 'username' : 'password';
    throw new ConfigError(child(path, missing), `expected ${missing} too: username and password go together`);
  }
  const timeout = optional(map, 'timeout', path, duration(1, MAX_TIMER_MS));
  const config: HubBackendConfig = {
    type: 'hub',
    broker: withDefault(map, 'broker', path, broker, defaults.broker),
    listen: withDefault(map, 'listen', path, listenAddress, { ...defaults.listen }),
    ...(websocketListen === undefined ? {} : { websocketListen }),
    workerUsername: withDefault(map, 'worker_username', path, nonEmpty('a user name'), defaults.workerUsername),
    workerPassword: withDefault(map, 'worker_password', path, nonEmpty('a password'), defaults.workerPassword),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    workerTtl: withDefault(map, 'worker_ttl', path, duration(1000, MAX_TIMER_MS), defaults.workerTtl),
    maxWorkers: withDefault(map, 'max_workers', path, integer(1, 1_000_000), defaults.maxWorkers),
    maxConnections: withDefault(map, 'max_connections', path, integer(1, 1_000_000), defaults.maxConnections),
    ...(timeout === undefined ? {} : { timeout }),
    heartbeatInterval: withDefault(map, 'heartbeat_interval', path, duration(10, 60_000), defaults.heartbeatInterval),
    statisticsInterval: withDefault(map, 'statistics_interval', path, duration(100, MAX_TIMER_MS), defaults.statisticsInterval),
    metricsWorkers: withDefault(map, 'metrics_workers', path, integer(0, 1000), defaults.metricsWorkers),
  };
  if (config.broker === 'embedded' && config.username !== undefined && config.username === config.workerUsername) {
    throw new ConfigError(child(path, 'username'), "expected a user name other than worker_username: powgate's own login has other rights");
  }
  return config;
}
