import { ConfigError } from '../errors.js';
import { isNetworkName, NETWORKS } from '../pow/networks.js';
import { normalizeBackends } from './backends.js';
import { DEFAULTS } from './defaults.js';
import { describe } from './describe.js';
import { normalizeLedger } from './ledger.js';
import { boolean, duration, hex64, integer, list, listenAddress, MAX_TIMER_MS, number, oneOf, type Parser, pattern, size, url } from './parse.js';
import { normalizePayouts } from './payouts.js';
import { normalizePrecache, sourceAddress } from './precache.js';
import { normalizeServices } from './services.js';
import { isUnset, optional, type RawMap, section, withDefault } from './shape.js';
import { defaultTiers, normalizeTiers } from './tiers.js';
import type { Config } from './types.js';

const TOP_LEVEL = [
  'network',
  'listen',
  'node',
  'rpc',
  'cache',
  'work',
  'breaker',
  'backends',
  'tiers',
  'precache',
  'log',
  'metrics',
  'dashboard',
  'ledger',
  'services',
  'service_api',
  'payouts',
];
const AUTH_MODES = ['off', 'optional', 'required'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Answered by powgate itself; listing one in rpc.allow would be a misunderstanding. */
const OWN_ACTIONS = new Set(['work_generate', 'work_cancel', 'work_validate']);

const timer = duration(1, MAX_TIMER_MS);

const network: Parser<Config['network']> = (value, path) => {
  if (typeof value === 'string' && isNetworkName(value)) return value;
  throw new ConfigError(path, `expected one of ${Object.keys(NETWORKS).join(', ')}, found ${describe(value, path)}`);
};

const actionName: Parser<string> = (value, path) => {
  const name = pattern(/^[a-z][a-z0-9_]*$/, 'an RPC action name such as account_info')(value, path);
  if (OWN_ACTIONS.has(name)) throw new ConfigError(path, `${name} is answered by powgate itself and is never forwarded`);
  return name;
};

/** Redis numbers its databases from 0; its `databases` setting is a C int, so no index reaches 2^31 - 1. */
const MAX_REDIS_DB = 2 ** 31 - 2;

/**
 * `memory`, or a Redis URL whose path is empty or a database number: the
 * client would otherwise refuse it only at start-up, as a failure to start
 * rather than as the configuration error it is.
 */
const cacheUrl: Parser<string> = (value, path) => {
  if (typeof value === 'string' && value.trim() === 'memory') return 'memory';
  const text = url(['redis', 'rediss'])(value, path);
  const db = new URL(text).pathname.replace(/^\//, '');
  if (db !== '' && !(/^\d{1,10}$/.test(db) && Number(db) <= MAX_REDIS_DB)) {
    const shown = db.length > 20 ? `${db.slice(0, 20)}...` : db;
    throw new ConfigError(
      path,
      `expected a database number from 0 to ${MAX_REDIS_DB} after the host (redis://host:6379/0) or none, found ${JSON.stringify(`/${shown}`)}`,
    );
  }
  return text;
};

/**
 * The one place raw (merged, snake_case) input becomes a Config. `configDir`:
 * the config file's directory, which relative data paths are resolved against.
 */
export function normalizeConfig(raw: RawMap, configDir?: string): Config {
  const top = section(raw, '', TOP_LEVEL);

  const node = section(top.node, 'node', ['rpc', 'websocket', 'timeout']);
  const rpcUrl = optional(node, 'rpc', 'node', url(['http', 'https']));
  const websocket = optional(node, 'websocket', 'node', url(['ws', 'wss']));

  const rpc = section(top.rpc, 'rpc', ['allow', 'body_limit', 'receive_timeout', 'max_forwards', 'auth', 'auth_exempt']);
  const serviceApi = section(top.service_api, 'service_api', ['enabled', 'max_sockets', 'heartbeat']);
  const cache = section(top.cache, 'cache', ['url', 'max_entries', 'ttl']);
  const work = section(top.work, 'work', ['deadline', 'default_difficulty', 'max_multiplier']);
  const defaultDifficulty = optional(work, 'default_difficulty', 'work', hex64);
  const breaker = section(top.breaker, 'breaker', ['failures', 'cooldown', 'max_cooldown', 'probe_interval']);
  const cooldown = withDefault(breaker, 'cooldown', 'breaker', timer, DEFAULTS.breaker.cooldown);
  const maxCooldown = withDefault(breaker, 'max_cooldown', 'breaker', timer, DEFAULTS.breaker.maxCooldown);
  if (maxCooldown < cooldown) {
    throw new ConfigError('breaker.max_cooldown', 'expected a duration at least as long as breaker.cooldown');
  }
  const log = section(top.log, 'log', ['level']);
  const listen = withDefault(top, 'listen', '', listenAddress, { ...DEFAULTS.listen });
  const metrics = section(top.metrics, 'metrics', ['enabled', 'listen']);
  const metricsListen = optional(metrics, 'listen', 'metrics', listenAddress);
  // Port 0 picks a free port each time, so only a fixed port can clash.
  if (metricsListen !== undefined && metricsListen.port !== 0 && metricsListen.port === listen.port && metricsListen.host === listen.host) {
    throw new ConfigError('metrics.listen', 'expected an address other than listen: the RPC port already serves /metrics when metrics.listen is unset');
  }
  const dashboard = section(top.dashboard, 'dashboard', ['enabled']);

  if (isUnset(top.backends)) throw new ConfigError('backends', 'expected a map of backends by name, found nothing');
  const backends = normalizeBackends(top.backends, 'backends');
  const tiers = isUnset(top.tiers) ? defaultTiers(backends) : normalizeTiers(top.tiers, 'tiers', backends, 'backends');
  const networkName = withDefault(top, 'network', '', network, DEFAULTS.network);

  return {
    network: networkName,
    listen,
    node: {
      ...(rpcUrl === undefined ? {} : { rpc: rpcUrl }),
      ...(websocket === undefined ? {} : { websocket }),
      timeout: withDefault(node, 'timeout', 'node', timer, DEFAULTS.node.timeout),
    },
    rpc: {
      allow: [...new Set(withDefault(rpc, 'allow', 'rpc', list(actionName, 0), [...DEFAULTS.rpc.allow]))],
      bodyLimit: withDefault(rpc, 'body_limit', 'rpc', size(1, 1024 ** 3), DEFAULTS.rpc.bodyLimit),
      receiveTimeout: withDefault(rpc, 'receive_timeout', 'rpc', duration(100, MAX_TIMER_MS), DEFAULTS.rpc.receiveTimeout),
      maxForwards: withDefault(rpc, 'max_forwards', 'rpc', integer(1, 100_000), DEFAULTS.rpc.maxForwards),
      auth: withDefault(rpc, 'auth', 'rpc', oneOf(AUTH_MODES), DEFAULTS.rpc.auth),
      authExempt: withDefault(rpc, 'auth_exempt', 'rpc', list(sourceAddress, 0), [...DEFAULTS.rpc.authExempt]),
    },
    services: normalizeServices(top.services, 'services'),
    serviceApi: {
      enabled: withDefault(serviceApi, 'enabled', 'service_api', boolean, DEFAULTS.serviceApi.enabled),
      maxSockets: withDefault(serviceApi, 'max_sockets', 'service_api', integer(1, 1_000_000), DEFAULTS.serviceApi.maxSockets),
      heartbeat: withDefault(serviceApi, 'heartbeat', 'service_api', duration(10, MAX_TIMER_MS), DEFAULTS.serviceApi.heartbeat),
    },
    cache: {
      url: withDefault(cache, 'url', 'cache', cacheUrl, DEFAULTS.cache.url),
      maxEntries: withDefault(cache, 'max_entries', 'cache', integer(1, 1e9), DEFAULTS.cache.maxEntries),
      ttl: withDefault(cache, 'ttl', 'cache', duration(1000, 365 * 24 * 3600 * 1000), DEFAULTS.cache.ttl),
    },
    work: {
      deadline: withDefault(work, 'deadline', 'work', timer, DEFAULTS.work.deadline),
      ...(defaultDifficulty === undefined ? {} : { defaultDifficulty }),
      maxMultiplier: withDefault(work, 'max_multiplier', 'work', number(1, 1e6), DEFAULTS.work.maxMultiplier),
    },
    breaker: {
      failures: withDefault(breaker, 'failures', 'breaker', integer(1, 1000), DEFAULTS.breaker.failures),
      cooldown,
      maxCooldown,
      // 0 turns idle probes off.
      probeInterval: withDefault(breaker, 'probe_interval', 'breaker', duration(0, MAX_TIMER_MS), DEFAULTS.breaker.probeInterval),
    },
    backends,
    tiers,
    precache: normalizePrecache(top.precache, 'precache', networkName, backends, 'backends'),
    log: { level: withDefault(log, 'level', 'log', oneOf(LOG_LEVELS), DEFAULTS.log.level) },
    metrics: {
      enabled: withDefault(metrics, 'enabled', 'metrics', boolean, DEFAULTS.metrics.enabled),
      ...(metricsListen === undefined ? {} : { listen: metricsListen }),
    },
    dashboard: { enabled: withDefault(dashboard, 'enabled', 'dashboard', boolean, DEFAULTS.dashboard.enabled) },
    ledger: normalizeLedger(top.ledger, 'ledger', configDir),
    payouts: normalizePayouts(top.payouts, 'payouts', networkName),
  };
}
