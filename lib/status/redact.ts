import { isSecretKey } from '../config/secrets.js';

const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*):\/\/[^\s"'<>]*/gi;

/**
 * Where a backend sends requests, from its config: every URL-valued setting
 * reduced to scheme://host:port. Paths and queries can hold tokens and the
 * userinfo holds passwords, so neither is ever shown.
 */
export function endpointsOf(config: unknown): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, key: string): void => {
    if (isSecretKey(key)) return;
    if (typeof value === 'string') {
      const origin = originOf(value);
      if (origin !== undefined) out.add(origin);
    } else if (Array.isArray(value)) {
      for (const entry of value) walk(entry, key);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(config, '');
  return [...out];
}

export function originOf(text: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined;
  try {
    const url = new URL(text);
    return url.host === '' ? undefined : `${url.protocol}//${url.host}`;
  } catch {
    return undefined;
  }
}

/** A backend's one-line detail with any URL cut to its origin: the contract says no secrets, this makes sure. */
export function scrubDetail(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => originOf(match) ?? '<url>').slice(0, 200);
}
