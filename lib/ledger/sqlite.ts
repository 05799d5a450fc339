import { AsyncLocalStorage } from 'node:async_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { DatabaseError, Message } from '../errors.js';
import { checkMigration, SCHEMA_MIGRATIONS_DDL, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql.js';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Prepared statements kept; the ledger and services use a few dozen distinct statements. */
const STATEMENT_CACHE = 256;

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/**
 * SQLite through better-sqlite3: one connection, synchronous calls wrapped in
 * promises so callers see the same interface as PostgreSQL.
 *
 * Pragmas, and why:
 * - `journal_mode = WAL`: readers (the HTTP API, the dashboard) never block the
 *   ledger's writer, and a crash mid-write leaves the last committed state.
 * - `synchronous = FULL`: every commit is on disk before it returns, so a
 *   payout recorded as sent (with its block hash) survives a power cut, not
 *   only a crash of powgate. NORMAL would lose the last commits on power loss.
 *   The cost is one fsync per commit, and the ledger commits once per batch of
 *   results (lib/ledger/recorder.ts), off the hub's path, so it stays small.
 * - `busy_timeout`: another process (a `powgate payouts` command beside the
 *   running server) holding the write lock is waited for, not an error.
 * - `foreign_keys = ON`: SQLite enforces REFERENCES only when asked.
 *
 * Integers come back as bigint (`defaultSafeIntegers`), as on PostgreSQL.
 *
 * Transactions: one connection means a statement issued while a transaction
 * is open would land inside it. So a transaction holds a lock that every
 * other call waits for; statements outside transactions run at once when
 * none is open.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  readonly label: string;
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, Statement>();
  /** The tail of the queue of transactions (and of calls made while one is open). */
  #lock: Promise<void> = Promise.resolve();
  #locked = false;
  readonly #inside = new AsyncLocalStorage<true>();
  #closed = false;

  constructor(file: string) {
    this.label = `sqlite:${file}`;
    try {
      this.#db = new BetterSqlite3(file);
      this.#db.defaultSafeIntegers(true);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      this.#db.pragma('foreign_keys = ON');
    } catch (err) {
      throw new DatabaseError(Message.databaseOpen(this.label, errorText(err)), { cause: err });
    }
  }

  query<Row = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.#outside(() => this.#all<Row>(sql, params));
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#outside(() => this.#run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new DatabaseError(Message.databaseClosed));
    try {
      this.#checkNotInside();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#exclusive(async () => {
      let open = true;
      const tx: SqlExecutor = {
        query: async <Row>(sql: string, params: readonly SqlValue[] = []) => {
          if (!open) throw new DatabaseError(Message.databaseTransactionOver);
          return this.#all<Row>(sql, params);
        },
        execute: async (sql: string, params: readonly SqlValue[] = []) => {
          if (!open) throw new DatabaseError(Message.databaseTransactionOver);
          return this.#run(sql, params);
        },
      };
      // IMMEDIATE takes the write lock now: a deferred transaction that reads
      // and then writes can fail with SQLITE_BUSY when another process wrote
      // in between, which busy_timeout cannot cure.
      this.#exec('BEGIN IMMEDIATE');
      try {
        const result = await this.#inside.run(true, () => fn(tx));
        this.#exec('COMMIT');
        return result;
      } catch (err) {
        if (this.#db.inTransaction) this.#exec('ROLLBACK');
        throw err;
      } finally {
        open = false;
      }
    });
  }

  async migrate(component: string, steps: readonly string[]): Promise<void> {
    if (this.#closed) throw new DatabaseError(Message.databaseClosed);
    this.#checkNotInside();
    checkMigration(component, steps, 0);
    await this.#exclusive(async () => {
      this.#exec(SCHEMA_MIGRATIONS_DDL);
      for (let version = 1; version <= steps.length; version++) {
        // Each step in its own IMMEDIATE transaction, re-reading what is
        // applied under the write lock: another process may have just done it.
        this.#exec('BEGIN IMMEDIATE');
        try {
          const applied = this.#appliedVersion(component);
          checkMigration(component, steps, applied);
          if (applied >= version) {
            this.#exec('COMMIT');
            continue;
          }
          this.#db.exec(steps[version - 1] as string);
          this.#run('INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)', [component, version, new Date().toISOString()]);
          this.#exec('COMMIT');
        } catch (err) {
          if (this.#db.inTransaction) this.#exec('ROLLBACK');
          throw err instanceof DatabaseError ? err : new DatabaseError(Message.databaseMigration(component, version, errorText(err)), { cause: err });
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Wait for a transaction still running, then close.
    await this.#exclusive(async () => {
      this.#statements.clear();
      this.#db.close();
    });
  }

  #appliedVersion(component: string): number {
    const [row] = this.#all<{ v: bigint | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE component = ?', [component]);
    return row?.v === null || row?.v === undefined ? 0 : Number(row.v);
  }

  /** Runs at once when no transaction is open; otherwise after it (never inside it). */
  #outside<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new DatabaseError(Message.databaseClosed));
    if (!this.#locked) {
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    try {
      this.#checkNotInside();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#exclusive(async () => fn());
  }

  #checkNotInside(): void {
    if (this.#inside.getStore() === true) throw new DatabaseError(Message.databaseNestedTransaction);
  }

  /** Runs fn alone: after every earlier exclusive call, before any later one. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#lock;
    let release!: () => void;
    this.#lock = new Promise<void>((resolve) => {
      release = resolve;
    });
    return previous.then(async () => {
      this.#locked = true;
      try {
        return await fn();
      } finally {
        this.#locked = false;
        release();
      }
    });
  }

  #exec(sql: string): void {
    this.#db.exec(sql);
  }

  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      try {
        statement = this.#db.prepare(sql);
      } catch (err) {
        throw new DatabaseError(Message.databaseStatement(errorText(err)), { cause: err });
      }
      if (this.#statements.size >= STATEMENT_CACHE) {
        const oldest = this.#statements.keys().next().value as string;
        this.#statements.delete(oldest);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #all<Row>(sql: string, params: readonly SqlValue[]): Row[] {
    const statement = this.#statement(sql);
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    return statement.all(...params) as Row[];
  }

  #run(sql: string, params: readonly SqlValue[]): number {
    return this.#statement(sql).run(...params).changes;
  }
}

export function openSqlite(file: string): SqlDatabase {
  return new SqliteDatabase(file);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
