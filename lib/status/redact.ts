import { isSecretKey, urlLabel } from '../secrets.js';

/**
 * Where a backend sends requests, from its config: every URL-valued setting
 * by its label (scheme://host:port). Paths and queries can hold tokens and the
 * userinfo holds passwords, so neither is ever shown.
 */
export function endpointsOf(config: unknown): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, key: string): void => {
    if (isSecretKey(key)) return;
    if (typeof value === 'string') {
      const label = urlLabel(value);
      if (label !== undefined) out.add(label);
    } else if (Array.isArray(value)) {
      for (const entry of value) walk(entry, key);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(config, '');
  return [...out];
}
