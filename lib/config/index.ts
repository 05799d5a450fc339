import { ConfigError } from '../errors.js';
import { parseArgs } from './cli.js';
import { CONFIG_FILE_VAR, readEnv } from './env.js';
import { readConfigFile } from './file.js';
import { deepFreeze } from './freeze.js';
import type { Env } from './interpolate.js';
import { mergeSources, sourceOf } from './merge.js';
import { normalizeConfig } from './schema.js';
import type { RawMap } from './shape.js';
import type { Sources } from './shortcuts.js';
import type { Config } from './types.js';

export { parseArgs, USAGE, type CliArgs } from './cli.js';
export { DEFAULT_RPC_ALLOW } from './defaults.js';
export { redactConfig } from './redact.js';
export type { RawMap } from './shape.js';
export type {
  Config,
  BackendConfig,
  RpcBackendConfig,
  LocalBackendConfig,
  DpowBackendConfig,
  BoompowBackendConfig,
  TierConfig,
  PrecacheConfig,
} from './types.js';

export interface LoadConfigOptions {
  /** Command-line arguments without node and the script. */
  argv?: readonly string[];
  /** Defaults to process.env; read here and nowhere deeper. */
  env?: Env;
}

/** Flags > env > file > defaults, validated and deep-frozen. Throws ConfigError naming the key path. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const env = options.env ?? process.env;
  const args = parseArgs(options.argv ?? []);
  const file = args.config ?? (env[CONFIG_FILE_VAR] || undefined);
  const fileRaw = file === undefined ? {} : await readConfigFile(file, env);
  return configFrom(fileRaw, env, args);
}

/**
 * The loader with `raw` in place of the config file: YAML-shaped (snake_case
 * keys, durations as `250ms`/`2s`), merged with env and flags and checked by
 * the same schema. Tests, the bench and embedders build their configs here,
 * so a new key needs no edit outside lib/config and its consumer.
 */
export function configFromRaw(raw: RawMap, options: LoadConfigOptions = {}): Config {
  const args = parseArgs(options.argv ?? []);
  if (args.config !== undefined) throw new ConfigError('', '--config cannot be combined with a raw config');
  return configFrom(raw, options.env ?? {}, args);
}

function configFrom(fileRaw: RawMap, env: Env, args: ReturnType<typeof parseArgs>): Config {
  const { raw, sources } = mergeSources(fileRaw, readEnv(env), args);
  try {
    return deepFreeze(normalizeConfig(raw));
  } catch (err) {
    throw err instanceof ConfigError ? withSource(err, sources) : err;
  }
}

/** Names the env var or flag behind a bad value: the key path alone would send users to the file. */
function withSource(err: ConfigError, sources: Sources): ConfigError {
  const source = sourceOf(sources, err.path);
  if (source === undefined) return err;
  const bare = err.path ? err.message.slice(err.path.length + 2) : err.message;
  return new ConfigError(err.path, `${bare} (set by ${source})`);
}
