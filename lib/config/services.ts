import { ConfigError } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { describe } from './describe.js';
import { boolean, duration, integer, list, MAX_TIMER_MS, number, type Parser, pattern, url } from './parse.js';
import { child } from './path.js';
import { isMap, isUnset, optional, section, withDefault } from './shape.js';
import type { ServiceConfig } from './types.js';

const SERVICE_KEYS = ['key', 'display', 'website', 'public', 'rate', 'burst', 'max_delay', 'daily_quota', 'actions'];

/** A service's name: also DPoW's `user`, a metrics label and a CLI argument, so plain characters only. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const serviceName: Parser<string> = pattern(SERVICE_NAME, 'a service name: letters, digits, _ . - (up to 64, starting with a letter or digit)');

/** Keys set in the config file (through `${VAR}`) must not be guessable: 16 characters at least. */
const serviceKey: Parser<string> = (value, path) => {
  if (typeof value !== 'string' || value.length < 16 || value.length > 256 || /\s/.test(value)) {
    throw new ConfigError(path, 'expected a key of 16 to 256 characters without spaces (set it through ${VAR}; `powgate services add` makes one)');
  }
  return value;
};

const actionName = pattern(/^[a-z][a-z0-9_]*$/, 'an RPC action name such as work_generate');
const text =
  (max: number): Parser<string> =>
  (value, path) => {
    if (typeof value === 'string' && value.length <= max && ![...value].some((c) => c < ' ')) return value;
    throw new ConfigError(path, `expected text of at most ${max} characters, found ${describe(value, path)}`);
  };

/** `services`: name -> service. */
export function normalizeServices(raw: unknown, path: string): Record<string, ServiceConfig> {
  if (isUnset(raw)) return {};
  if (!isMap(raw)) throw new ConfigError(path, `expected a map of services by name, found ${describe(raw, path)}`);
  const out: Record<string, ServiceConfig> = {};
  const hashes = new Map<string, string>();
  for (const [name, value] of Object.entries(raw)) {
    const at = child(path, name);
    serviceName(name, at);
    const map = section(value, at, SERVICE_KEYS);
    if (isUnset(map.key)) throw new ConfigError(child(at, 'key'), 'expected a key (set it through ${VAR}), found nothing');
    const key = serviceKey(map.key, child(at, 'key'));
    const other = hashes.get(key);
    if (other !== undefined) throw new ConfigError(child(at, 'key'), `expected a key of its own: services.${other} has the same one`);
    hashes.set(key, name);
    const display = optional(map, 'display', at, text(100));
    const website = optional(map, 'website', at, url(['http', 'https']));
    const dailyQuota = optional(map, 'daily_quota', at, integer(1, Number.MAX_SAFE_INTEGER));
    const actions = optional(map, 'actions', at, list(actionName, 1));
    const rate = withDefault(map, 'rate', at, number(0, 1_000_000), DEFAULTS.service.rate);
    out[name] = {
      key,
      ...(display === undefined ? {} : { display }),
      ...(website === undefined ? {} : { website }),
      public: withDefault(map, 'public', at, boolean, DEFAULTS.service.public),
      rate,
      burst: withDefault(map, 'burst', at, integer(1, 1_000_000), DEFAULTS.service.burst),
      maxDelay: withDefault(map, 'max_delay', at, duration(0, MAX_TIMER_MS), DEFAULTS.service.maxDelay),
      ...(dailyQuota === undefined ? {} : { dailyQuota }),
      ...(actions === undefined ? {} : { actions: [...new Set(actions)] }),
    };
  }
  return out;
}
