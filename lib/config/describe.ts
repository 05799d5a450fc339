import { isSecretKey, redactUrl } from '../secrets.js';
import { lastKey } from './path.js';

const MAX_SHOWN = 80;

/**
 * How an error message names the value it rejected: enough to find it, never
 * a secret (values under secret-named keys, URL userinfo, tokens in queries).
 */
export function describe(value: unknown, path: string): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return describeString(value, path);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return typeof value;
}

function describeString(value: string, path: string): string {
  if (isSecretKey(lastKey(path))) return 'an invalid value (not shown)';
  if (value === '') return 'an empty string';
  const shown = redactUrl(value);
  if (shown === undefined) return 'an invalid value (not shown: it may hold credentials)';
  const cut = shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}...` : shown;
  return JSON.stringify(cut);
}
