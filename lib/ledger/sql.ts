import path from 'node:path';
import { DatabaseError, Message } from '../errors.js';
import { urlLabel } from '../secrets.js';

/**
 * The one database interface the ledger, payouts and services share: SQLite
 * (better-sqlite3, one file, the default) or PostgreSQL (pg, so several
 * powgate instances share one ledger). Callers write portable SQL: `?`
 * placeholders, TEXT/INTEGER/BIGINT columns, raw amounts as TEXT decimal
 * strings read with BigInt() (1 XNO = 10^30 raw does not fit an int64; and
 * not NUMERIC: SQLite's NUMERIC affinity turns a long number into a REAL and
 * loses digits), never floating point. `SUM()` differs by dialect (integer on SQLite, NUMERIC text on
 * PostgreSQL): cast or sum in bigint on the JS side.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;

export interface SqlExecutor {
  /** `?` placeholders in both dialects (rewritten to $1.. for PostgreSQL). INTEGER/BIGINT columns come back as bigint in both dialects; TEXT as string. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Statement without rows; resolves to the number of rows changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Where it is, without credentials: `sqlite:/abs/path.db` or `postgres://host:port/db`. */
  readonly label: string;
  /**
   * One transaction (one pooled connection on PostgreSQL; serialised on SQLite);
   * rolls back when fn throws. Inside fn use `tx`, never the database itself:
   * on SQLite the database waits for the transaction to end, so calling it from
   * inside would wait for ever (a call before fn's first await throws instead;
   * lib/ledger/sqlite.ts says why it cannot see later ones).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Applies the pending steps of one component's migrations in order, each in its own transaction, recorded in schema_migrations(component, version); safe when several instances start at once (PostgreSQL advisory lock). */
  migrate(component: string, steps: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `sqlite:///path/file.db`, a plain file path, or `postgres://…`/`postgresql://…`; unset: `<dataDir>/powgate.db`. */
  readonly url?: string | undefined;
  readonly dataDir: string;
  /** Told of errors on idle pooled connections (PostgreSQL), which have no caller to reject. */
  readonly onError?: (err: Error) => void;
}

/** The file name of the default SQLite database inside the data directory. */
export const DEFAULT_DATABASE_FILE = 'powgate.db';

export type DatabaseLocation = { readonly dialect: 'sqlite'; readonly file: string } | { readonly dialect: 'postgres'; readonly url: string };

/** Where `url` (or the default inside `dataDir`) points, without opening anything. */
export function databaseLocation(options: { url?: string | undefined; dataDir: string }): DatabaseLocation {
  const { url } = options;
  if (url === undefined || url === '') return { dialect: 'sqlite', file: path.resolve(options.dataDir, DEFAULT_DATABASE_FILE) };
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    // sqlite:///abs/file.db (URL form, empty host) or sqlite:relative/file.db.
    const rest = url.replace(/^sqlite:(\/\/)?/i, '');
    if (rest === '') throw new DatabaseError(Message.databaseSqlitePath);
    return { dialect: 'sqlite', file: path.resolve(decodeURIComponent(rest)) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new DatabaseError(Message.databaseUrl(url.slice(0, url.indexOf(':'))));
  }
  return { dialect: 'sqlite', file: path.resolve(url) };
}

/** A database's location as logs and errors may show it. */
export function locationLabel(location: DatabaseLocation): string {
  if (location.dialect === 'sqlite') return `sqlite:${location.file}`;
  const label = urlLabel(location.url) ?? 'postgres://?';
  let db = '';
  try {
    db = new URL(location.url).pathname;
  } catch {
    // No path to show.
  }
  return `${label}${db}`;
}

/** The migration bookkeeping table, the same in both dialects. */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (component, version)
)`;

/** Checks what a migrate call is given, the same way in both dialects. */
export function checkMigration(component: string, steps: readonly string[], applied: number): void {
  // A programming error, not an operator's: the components are fixed names in the code.
  if (!/^[a-z][a-z0-9_]*$/.test(component)) throw new TypeError(`migration component must be a lower-case name, found ${JSON.stringify(component)}`);
  if (applied > steps.length) {
    throw new DatabaseError(Message.databaseNewer(component, applied, steps.length));
  }
}

/** True when err is a UNIQUE or PRIMARY KEY violation, in either dialect (an idempotent insert met its twin). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
