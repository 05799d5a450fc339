import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openPostgres } from './postgres.js';
import { databaseLocation, type OpenDatabaseOptions, type SqlDatabase } from './sql.js';
import { openSqlite } from './sqlite.js';

export {
  type DatabaseLocation,
  DEFAULT_DATABASE_FILE,
  databaseLocation,
  isUniqueViolation,
  locationLabel,
  type OpenDatabaseOptions,
  type SqlDatabase,
  type SqlExecutor,
  type SqlValue,
} from './sql.js';

/** url: `sqlite:///path/file.db`, a plain file path, or `postgres://…`/`postgresql://…`; unset: `<dataDir>/powgate.db` (SQLite; see lib/ledger/sqlite.ts for the pragmas and why). */
export async function openDatabase(options: OpenDatabaseOptions): Promise<SqlDatabase> {
  const location = databaseLocation(options);
  if (location.dialect === 'postgres') {
    return openPostgres(location.url, options.onError);
  }
  // Only the directory the database lives in is created, and only now: a
  // powgate that never opens its ledger leaves no files behind.
  await mkdir(path.dirname(location.file), { recursive: true, mode: 0o700 });
  return openSqlite(location.file);
}
