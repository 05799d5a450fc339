import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** powgate's version from package.json, found from lib/ (tsx) and dist/lib/ (built) alike. */
export function powgateVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'powgate' && pkg.version !== undefined) {
        cached = pkg.version;
        break;
      }
    } catch {
      /* try the next depth */
    }
  }
  return cached;
}
