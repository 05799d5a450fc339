import type { Config } from '../config/types.js';

export {
  type DatabaseLocation,
  DEFAULT_DATABASE_FILE,
  databaseLocation,
  isUniqueViolation,
  locationLabel,
  type OpenDatabaseOptions,
  openDatabase,
  type SqlDatabase,
  type SqlExecutor,
  type SqlValue,
} from './db.js';

/**
 * Whether a powgate with this config opens the ledger's database: when a part
 * needs it (a hub backend, whose results the ledger records unless
 * `ledger.record: false`) or the operator named one (`ledger.url`). Otherwise
 * nothing is opened and no file is made.
 */
export function needsDatabase(config: Config): boolean {
  return (
    config.ledger.url !== undefined ||
    (config.ledger.record && Object.values(config.backends).some((backend) => backend.type === 'hub')) ||
    // Services managed with `powgate services` are kept there, and keys matter once rpc.auth is on.
    config.rpc.auth !== 'off'
  );
}
