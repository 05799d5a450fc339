import { isSecretKey, redactUrl } from '../secrets.js';
import type { Config } from './types.js';

/**
 * A JSON-safe copy for logs and the dashboard: secrets become `***` (values
 * under secret-named keys, URL userinfo, every query value) and bigints
 * become 16-digit hex, as the node writes difficulties.
 */
export function redactConfig(config: Config): unknown {
  return redact(config, '');
}

function redact(value: unknown, key: string): unknown {
  if (typeof value === 'bigint') return value.toString(16).padStart(16, '0');
  if (typeof value === 'string') {
    if (isSecretKey(key)) return '***';
    return redactUrl(value) ?? '***';
  }
  if (Array.isArray(value)) return value.map((entry) => redact(entry, key));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && v !== undefined ? '***' : redact(v, k)]));
  }
  return value;
}
