import path from 'node:path';
import { ConfigError } from '../errors.js';
import { type CliArgs, parseArgs } from './cli.js';
import { CONFIG_FILE_VAR, DEFAULTS_FILE_VAR, readEnv } from './env.js';
import { readConfigFile } from './file.js';
import { deepFreeze } from './freeze.js';
import type { Env } from './interpolate.js';
import { deepMerge, mergeSources, sourceOf } from './merge.js';
import { applyRenames, type Renames, writtenPath } from './renamed.js';
import { normalizeConfig } from './schema.js';
import type { RawMap } from './shape.js';
import type { Sources } from './shortcuts.js';
import type { Config } from './types.js';

export { type CliArgs, parseArgs, USAGE } from './cli.js';
export { DEFAULT_RPC_ALLOW } from './defaults.js';
export { redactConfig } from './redact.js';
export type { RawMap } from './shape.js';
export type {
  BackendConfig,
  BoompowBackendConfig,
  Config,
  DpowBackendConfig,
  LedgerConfig,
  LocalBackendConfig,
  PayoutsConfig,
  PrecacheConfig,
  RpcBackendConfig,
  TierConfig,
} from './types.js';

export interface LoadConfigOptions {
  /** Command-line arguments without node and the script. */
  argv?: readonly string[];
  /** Defaults to process.env; read here and nowhere deeper. */
  env?: Env;
  /**
   * Told of each deprecated key in use (the config still loads). Unset: a
   * process DeprecationWarning. The CLI logs them once its logger exists.
   */
  onWarning?: (message: string) => void;
}

/**
 * Flags > env > file > defaults file (POWGATE_DEFAULTS) > defaults, validated
 * and deep-frozen. Throws ConfigError naming the key path.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const env = options.env ?? process.env;
  const args = parseArgs(options.argv ?? []);
  const file = args.config ?? (env[CONFIG_FILE_VAR] || undefined);
  const defaults = env[DEFAULTS_FILE_VAR] || undefined;
  const raw = defaults === undefined ? {} : await readConfigFile(defaults, env);
  if (file !== undefined) deepMerge(raw, await readConfigFile(file, env));
  return configFrom(raw, env, args, options.onWarning, file === undefined ? undefined : path.dirname(path.resolve(file)));
}

/**
 * The loader with `raw` in place of the config file: YAML-shaped (snake_case
 * keys, durations as `250ms`/`2s`), merged with env and flags and checked by
 * the same schema. Tests, the bench and embedders build their configs here,
 * so a new key needs no edit outside lib/config and its consumer. `env`
 * defaults to none here, not to process.env.
 */
export function configFromRaw(raw: RawMap, options: LoadConfigOptions = {}): Config {
  const args = parseArgs(options.argv ?? []);
  if (args.config !== undefined) throw new ConfigError('', '--config cannot be combined with a raw config');
  return configFrom(raw, options.env ?? {}, args, options.onWarning);
}

function configFrom(fileRaw: RawMap, env: Env, args: CliArgs, onWarning?: (message: string) => void, configDir?: string): Config {
  const warn = onWarning ?? ((message: string) => process.emitWarning(message, 'DeprecationWarning'));
  const renames: Renames = new Map();
  const file = structuredClone(fileRaw);
  applyRenames(file, new Map(), renames, warn);
  const envLayer = readEnv(env);
  applyRenames(envLayer.overlay, envLayer.sources, renames, warn);
  const { raw, sources } = mergeSources(file, envLayer, args);
  try {
    return deepFreeze(normalizeConfig(raw, configDir));
  } catch (err) {
    throw err instanceof ConfigError ? asWritten(err, sources, renames) : err;
  }
}

/**
 * The error as the user would look for it: under the key name they wrote
 * (a deprecated one included), naming the env var or flag behind the value
 * (the key path alone would send them to the file).
 */
function asWritten(err: ConfigError, sources: Sources, renames: Renames): ConfigError {
  const source = sourceOf(sources, err.path);
  const path = writtenPath(err.path, renames);
  if (source === undefined && path === err.path) return err;
  const bare = err.path ? err.message.slice(err.path.length + 2) : err.message;
  return new ConfigError(path, source === undefined ? bare : `${bare} (set by ${source})`);
}
