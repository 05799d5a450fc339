import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '../errors.js';
import { describe } from './describe.js';
import { item } from './path.js';

// Value parsers: each takes a raw value and its key path and returns the
// normalised value or throws a ConfigError saying what was expected and found.
// Every scalar may arrive as text (env vars, flags, `${VAR}`; the YAML reader
// keeps numbers as their source text too), so all of them accept strings.

export type Parser<T> = (value: unknown, path: string) => T;

export function fail(path: string, expected: string, value: unknown): never {
  throw new ConfigError(path, `expected ${expected}, found ${describe(value, path)}`);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMBER.test(value.trim())) return Number(value.trim());
  return undefined;
}

export function integer(min: number, max: number): Parser<number> {
  return (value, path) => {
    const n = toNumber(value);
    if (n === undefined || !Number.isSafeInteger(n) || n < min || n > max) {
      fail(path, `an integer from ${min} to ${max}`, value);
    }
    return n;
  };
}

export function number(min: number, max: number): Parser<number> {
  return (value, path) => {
    const n = toNumber(value);
    if (n === undefined || !Number.isFinite(n) || n < min || n > max) {
      fail(path, `a number from ${min} to ${max}`, value);
    }
    return n;
  };
}

export const boolean: Parser<boolean> = (value, path) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  return fail(path, 'true or false', value);
};

export function oneOf<const T extends string>(values: readonly T[]): Parser<T> {
  return (value, path) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    return fail(path, `one of ${values.join(', ')}`, value);
  };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)$/i;

/** Node's timers fire at once (with a warning) past 2^31-1 ms, so timer durations stop at 24d. */
export const MAX_TIMER_MS = 24 * DAY;

export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit] as number;
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * `250ms`, `2s`, `5m`, `1h`, `7d`. A bare number is refused, never read in
 * some unit: `timeout: 5` meant seconds as often as milliseconds.
 */
export function duration(min: number, max: number): Parser<number> {
  return (value, path) => {
    const expected = `a duration such as 250ms, 2s, 5m, 1h or 7d from ${formatDuration(min)} to ${formatDuration(max)}`;
    const bare = toNumber(value);
    if (bare !== undefined) {
      const hint = Number.isFinite(bare) && bare >= 0 ? ` (write ${bare}s or ${Math.round(bare * 1000)}ms)` : '';
      const shown = typeof value === 'string' ? value.trim() : String(value);
      throw new ConfigError(path, `expected ${expected}, found ${shown}: a bare number has no unit${hint}`);
    }
    const ms = toDurationMs(value);
    if (ms === undefined || ms < min || ms > max) fail(path, expected, value);
    return ms;
  };
}

function toDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const [, amount, unit] = match as unknown as [string, string, string];
  return Math.round(Number(amount) * (DURATION_UNITS[unit.toLowerCase()] as number));
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*(b|kb|mb|gb)$/i;

/** `64kb`, `1mb` (1024-based, like koa's body parsers); a plain number is bytes. */
export function size(min: number, max: number): Parser<number> {
  return (value, path) => {
    let bytes = toNumber(value);
    if (bytes === undefined && typeof value === 'string') {
      const match = SIZE.exec(value.trim());
      if (match) {
        const [, amount, unit] = match as unknown as [string, string, string];
        bytes = Number(amount) * (SIZE_UNITS[unit.toLowerCase()] as number);
      }
    }
    if (bytes === undefined || !Number.isSafeInteger(Math.floor(bytes)) || bytes < min || bytes > max) {
      fail(path, `a size such as 64kb or 1mb (a plain number is bytes) from ${min} to ${max} bytes`, value);
    }
    return Math.floor(bytes);
  };
}

/** 16 hex digits (a u64 difficulty as the node writes it). */
export const hex64: Parser<bigint> = (value, path) => {
  if (typeof value === 'string' && /^[0-9a-f]{16}$/i.test(value.trim())) return BigInt(`0x${value.trim()}`);
  return fail(path, '16 hex digits such as fffffff800000000', value);
};

export function pattern(regex: RegExp, expected: string): Parser<string> {
  return (value, path) => {
    if (typeof value === 'string' && regex.test(value)) return value;
    return fail(path, expected, value);
  };
}

export function url(schemes: readonly string[]): Parser<string> {
  const expected = `a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`;
  return (value, path) => {
    const text = typeof value === 'string' ? value.trim() : '';
    let parsed: URL | undefined;
    try {
      parsed = new URL(text);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !schemes.includes(parsed.protocol.slice(0, -1)) || parsed.hostname === '') {
      fail(path, expected, value);
    }
    return text;
  };
}

/**
 * A list, or a comma-separated string (how env vars and flags write lists).
 * Items are parsed with their own path so errors point at `urls[1]`.
 */
export function list<T>(parseItem: Parser<T>, minItems: number): Parser<T[]> {
  return (value, path) => {
    const items =
      typeof value === 'string'
        ? value
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : value;
    if (!Array.isArray(items)) return fail(path, 'a list', value);
    if (items.length < minItems) {
      throw new ConfigError(path, `expected at least ${minItems} item${minItems === 1 ? '' : 's'}, found none`);
    }
    return items.map((entry, index) => parseItem(entry, item(path, index)));
  };
}

const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
const LISTEN_EXPECTED = 'HOST:PORT such as 127.0.0.1:7176 or [::1]:7176, with a port from 0 to 65535';

/** `HOST:PORT`, with IPv6 hosts in brackets; the host comes back without them, as `listen()` wants it. */
export const listenAddress: Parser<{ host: string; port: number }> = (value, path) => {
  if (typeof value !== 'string') return fail(path, LISTEN_EXPECTED, value);
  const text = value.trim();
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  if (!match) return fail(path, LISTEN_EXPECTED, value);
  const [, host, portText] = match as unknown as [string, string, string];
  const port = Number(portText);
  const bracketed = text.startsWith('[');
  const hostOk = bracketed ? isIPv6(host) : isIPv4(host) || HOSTNAME.test(host);
  if (!hostOk || port > 65535) return fail(path, LISTEN_EXPECTED, value);
  return { host, port };
};
