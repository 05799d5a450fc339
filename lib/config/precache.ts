import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';
import { decodeAccount, encodeAccount, NETWORKS, type NetworkName } from '../pow/index.js';
import { DEFAULTS } from './defaults.js';
import { boolean, duration, integer, list, MAX_TIMER_MS, type Parser, pattern, url } from './parse.js';
import { child, item } from './path.js';
import { isUnset, section, withDefault } from './shape.js';
import type { BackendConfig, PrecacheConfig } from './types.js';

const KEYS = [
  'enabled',
  'accounts',
  'account_ttl',
  'max_accounts',
  'max_queue',
  'concurrency',
  'backends',
  'callback_forward',
  'callback_timeout',
  'callback_secret',
  'callback_allow',
  'callback_rate',
  'reconnect_delay',
  'max_reconnect_delay',
  'ping_interval',
];
const YEAR = 365 * 24 * 3600 * 1000;
const backendName = pattern(/^[a-z0-9_-]+$/, 'a backend name');

/** An address of the network, re-encoded with its first prefix: the node sends that form, so lookups match. */
function account(network: NetworkName): Parser<string> {
  const { prefixes } = NETWORKS[network];
  const expected = `an account address (${prefixes.join(' or ')}) with a valid checksum`;
  return (value, path) => {
    const key = typeof value === 'string' ? decodeAccount(value.trim(), prefixes) : undefined;
    if (key === undefined) throw new ConfigError(path, `expected ${expected}, found ${JSON.stringify(value)}`);
    return encodeAccount(key, prefixes[0] ?? '');
  };
}

/** An IP address or a CIDR subnet (`10.0.0.0/8`, `fd00::/8`), as node:net's BlockList takes them. */
/** An IP address or a subnet (`10.0.0.0/8`), as allow-lists take them. */
export const sourceAddress: Parser<string> = (value, path) => {
  const text = typeof value === 'string' ? value.trim() : '';
  const [address = '', bits, extra] = text.split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const prefixOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  if (family === 0 || !prefixOk || extra !== undefined) {
    throw new ConfigError(path, `expected an IP address or a subnet such as 10.0.0.0/8, found ${JSON.stringify(value)}`);
  }
  return text;
};

/** A shared secret: long enough not to be guessed, and only characters that go in a URL query unescaped. */
const callbackSecret = pattern(/^[A-Za-z0-9._~-]{16,256}$/, 'a secret of 16 to 256 letters, digits or ._~-');

/** Backend names precache may use; its jobs keep the order and tiers of the top-level `tiers`. */
function backendNames(backends: Readonly<Record<string, BackendConfig>>, backendsPath: string): Parser<string[]> {
  return (value, path) => {
    const names = list(backendName, 1)(value, path);
    const seen = new Set<string>();
    names.forEach((name, i) => {
      if (!Object.hasOwn(backends, name)) {
        const known = Object.keys(backends).join(', ');
        throw new ConfigError(item(path, i), `unknown backend ${JSON.stringify(name)} (defined in ${backendsPath}: ${known})`);
      }
      if (seen.has(name)) throw new ConfigError(item(path, i), `backend ${JSON.stringify(name)} is listed twice`);
      seen.add(name);
    });
    return names;
  };
}

export function normalizePrecache(
  value: unknown,
  path: string,
  network: NetworkName,
  backends: Readonly<Record<string, BackendConfig>>,
  backendsPath: string,
): PrecacheConfig {
  const map = section(value, path, KEYS);
  const d = DEFAULTS.precache;
  const reconnectDelay = withDefault(map, 'reconnect_delay', path, duration(1, MAX_TIMER_MS), d.reconnectDelay);
  const maxReconnectDelay = withDefault(map, 'max_reconnect_delay', path, duration(1, MAX_TIMER_MS), d.maxReconnectDelay);
  if (maxReconnectDelay < reconnectDelay) {
    throw new ConfigError(child(path, 'max_reconnect_delay'), `expected a duration at least as long as ${child(path, 'reconnect_delay')}`);
  }
  const excluded: readonly string[] = DEFAULTS.precacheExcludedTypes;
  const cheap = Object.keys(backends).filter((name) => !excluded.includes(backends[name]?.type ?? ''));
  const allowed = isUnset(map.backends) ? cheap : backendNames(backends, backendsPath)(map.backends, child(path, 'backends'));
  return {
    enabled: withDefault(map, 'enabled', path, boolean, d.enabled),
    accounts: [...new Set(withDefault(map, 'accounts', path, list(account(network), 0), []))],
    accountTtl: withDefault(map, 'account_ttl', path, duration(1000, YEAR), d.accountTtl),
    maxAccounts: withDefault(map, 'max_accounts', path, integer(1, 1_000_000), d.maxAccounts),
    maxQueue: withDefault(map, 'max_queue', path, integer(1, 1_000_000), d.maxQueue),
    concurrency: withDefault(map, 'concurrency', path, integer(1, 1024), d.concurrency),
    backends: allowed,
    callbackForward: withDefault(map, 'callback_forward', path, list(url(['http', 'https']), 0), []),
    callbackTimeout: withDefault(map, 'callback_timeout', path, duration(1, MAX_TIMER_MS), d.callbackTimeout),
    ...(isUnset(map.callback_secret) ? {} : { callbackSecret: callbackSecret(map.callback_secret, child(path, 'callback_secret')) }),
    callbackAllow: withDefault(map, 'callback_allow', path, list(sourceAddress, 0), [...d.callbackAllow]),
    callbackRate: withDefault(map, 'callback_rate', path, integer(1, 1_000_000), d.callbackRate),
    reconnectDelay,
    maxReconnectDelay,
    pingInterval: withDefault(map, 'ping_interval', path, duration(100, MAX_TIMER_MS), d.pingInterval),
  };
}
