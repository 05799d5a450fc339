import path from 'node:path';
import { ConfigError } from '../errors.js';
import { redactUrl } from '../secrets.js';
import { DEFAULTS } from './defaults.js';
import { boolean, type Parser } from './parse.js';
import { isUnset, optional, section, withDefault } from './shape.js';
import type { LedgerConfig } from './types.js';

const KEYS = ['url', 'data_dir', 'record'];

/**
 * `sqlite:///path/file.db`, `sqlite:relative.db`, a plain file path, or a
 * `postgres://` / `postgresql://` URL with a host. Checked here so a typo is a
 * configuration error at load, not a failure to start.
 */
const databaseUrl: Parser<string> = (value, path) => {
  const text = typeof value === 'string' ? value.trim() : '';
  const shown = typeof value === 'string' ? JSON.stringify(redactUrl(text) ?? '***') : String(value);
  const expected = `expected sqlite:///path/file.db, a file path or postgres://user@host:5432/db, found ${shown}`;
  if (text === '') throw new ConfigError(path, expected);
  if (/^postgres(ql)?:\/\//i.test(text)) {
    let host = '';
    try {
      host = new URL(text).hostname;
    } catch {
      host = '';
    }
    if (host === '') throw new ConfigError(path, expected);
    return text;
  }
  if (/^sqlite:/i.test(text)) {
    if (text.replace(/^sqlite:(\/\/)?/i, '') === '') throw new ConfigError(path, expected);
    return text;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new ConfigError(path, expected);
  return text;
};

const directory: Parser<string> = (value, path) => {
  if (typeof value === 'string' && value.trim() !== '' && !value.includes('\0')) return value.trim();
  throw new ConfigError(path, `expected a directory path, found ${JSON.stringify(value)}`);
};

/**
 * The `ledger:` section. `data_dir` defaults to `powgate-data` beside the
 * config file (`configDir`), or in the working directory when there is no
 * file; a relative `data_dir` is resolved against the same directory, so the
 * ledger does not move with the directory powgate happens to be started from.
 */
export function normalizeLedger(value: unknown, at: string, configDir: string | undefined): LedgerConfig {
  const ledger = section(value, at, KEYS);
  const url = optional(ledger, 'url', at, databaseUrl);
  const base = configDir ?? process.cwd();
  const dataDir = isUnset(ledger.data_dir) ? DEFAULTS.ledger.dataDir : (optional(ledger, 'data_dir', at, directory) as string);
  return {
    ...(url === undefined ? {} : { url }),
    dataDir: path.resolve(base, dataDir),
    record: withDefault(ledger, 'record', at, boolean, DEFAULTS.ledger.record),
  };
}
