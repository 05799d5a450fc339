import type { Worker } from 'node:worker_threads';
import { DatabaseError, Message } from '../errors.js';
import { startWorker } from '../generator/worker-thread.js';
import { checkMigration, SCHEMA_MIGRATIONS_DDL, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql.js';
import type { SqliteReply, SqliteRequest, SqliteThreadData } from './sqlite-thread.js';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** An error SQLite raised, with its code (`SQLITE_CONSTRAINT_UNIQUE`, …) kept for isUniqueViolation. */
class SqliteError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'SqliteError';
    this.code = code;
  }
}

type Request = SqliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * SQLite through better-sqlite3, on a thread of its own
 * (lib/ledger/sqlite-thread.ts): better-sqlite3 is synchronous, and a batch of
 * inserts with its commit would otherwise stop the event loop that answers
 * work requests. One connection; calls are messages, answered in order.
 *
 * Pragmas, and why:
 * - `journal_mode = WAL`: readers (the HTTP API, the dashboard) never block the
 *   ledger's writer, and a crash mid-write leaves the last committed state.
 * - `synchronous = FULL`: every commit is on disk before it returns, so a
 *   payout recorded as sent (with its block hash) survives a power cut, not
 *   only a crash of powgate. NORMAL would lose the last commits on power loss.
 *   The cost is one fsync per commit, and the ledger commits once per batch of
 *   results (lib/ledger/recorder.ts), on this thread, so it stays small.
 * - `busy_timeout`: another process (a `powgate payouts` command beside the
 *   running server) holding the write lock is waited for, not an error.
 * - `foreign_keys = ON`: SQLite enforces REFERENCES only when asked.
 *
 * Integers come back as bigint (`defaultSafeIntegers`), as on PostgreSQL.
 *
 * Transactions: one connection means a statement issued while a transaction
 * is open would land inside it. So a transaction holds a lock that every
 * other call waits for; calls outside transactions go at once when none is open.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  readonly label: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (reply: SqliteReply & { ok: true }) => void; reject: (err: Error) => void }>();
  #nextId = 1;
  /** The tail of the queue of transactions (and of calls made while one is open). */
  #lock: Promise<void> = Promise.resolve();
  #locked = false;
  /**
   * True while a transaction's fn runs its synchronous part. Not an
   * AsyncLocalStorage, which would follow fn across its awaits: on Node 20 the
   * first `run()` turns on promise hooks for the whole process for good, and
   * every promise afterwards costs about twice as much (+25–30 µs of CPU per
   * cache hit in powgate, measured). So a call on the database made before fn
   * first awaits is refused at once (the common slip: `transaction(() =>
   * db.query(…))`), and one made after an await waits for the transaction,
   * which is waiting for it: the interface says to use `tx` inside.
   */
  #insideSync = false;
  #closed = false;
  #dead: Error | undefined;

  private constructor(file: string, worker: Worker) {
    this.label = `sqlite:${file}`;
    this.#worker = worker;
    worker.on('message', (reply: SqliteReply) => {
      const waiter = this.#pending.get(reply.id);
      if (waiter === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply);
      else if (reply.prepare === true)
        waiter.reject(new DatabaseError(Message.databaseStatement(reply.message), { cause: new SqliteError(reply.message, reply.code) }));
      else waiter.reject(new SqliteError(reply.message, reply.code));
    });
    const fail = (err: Error): void => {
      this.#dead ??= err;
      for (const waiter of this.#pending.values()) waiter.reject(new DatabaseError(Message.databaseStatement(err.message), { cause: err }));
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the database thread ended')));
  }

  /** Starts the connection's thread and waits until the file is open and set up. */
  static async open(file: string): Promise<SqliteDatabase> {
    const label = `sqlite:${file}`;
    const data: SqliteThreadData = { file, busyTimeout: SQLITE_BUSY_TIMEOUT_MS };
    const worker = startWorker(new URL('./sqlite-thread.js', import.meta.url), { workerData: data });
    const ready = await new Promise<{ ready: boolean; message?: string }>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', (err) => resolve({ ready: false, message: err.message }));
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new DatabaseError(Message.databaseOpen(label, ready.message ?? 'unknown'));
    }
    return new SqliteDatabase(file, worker);
  }

  query<Row = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.#outside(async () => this.#all<Row>(sql, params));
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#outside(async () => this.#run(sql, params));
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
      await this.#exec('BEGIN IMMEDIATE');
      try {
        let pending: Promise<T>;
        this.#insideSync = true;
        try {
          pending = fn(tx);
        } finally {
          this.#insideSync = false;
        }
        const result = await pending;
        await this.#exec('COMMIT');
        return result;
      } catch (err) {
        await this.#call({ op: 'rollback' }).catch(() => undefined);
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
      await this.#exec(SCHEMA_MIGRATIONS_DDL);
      for (let version = 1; version <= steps.length; version++) {
        // Each step in its own IMMEDIATE transaction, re-reading what is
        // applied under the write lock: another process may have just done it.
        await this.#exec('BEGIN IMMEDIATE');
        try {
          const applied = await this.#appliedVersion(component);
          checkMigration(component, steps, applied);
          if (applied >= version) {
            await this.#exec('COMMIT');
            continue;
          }
          await this.#exec(steps[version - 1] as string);
          await this.#run('INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)', [component, version, new Date().toISOString()]);
          await this.#exec('COMMIT');
        } catch (err) {
          await this.#call({ op: 'rollback' }).catch(() => undefined);
          throw err instanceof DatabaseError ? err : new DatabaseError(Message.databaseMigration(component, version, errorText(err)), { cause: err });
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Wait for a transaction still running, then close the file and end the thread.
    await this.#exclusive(async () => {
      await this.#call({ op: 'close' }).catch(() => undefined);
      await this.#worker.terminate();
    });
  }

  async #appliedVersion(component: string): Promise<number> {
    const [row] = await this.#all<{ v: bigint | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE component = ?', [component]);
    return row?.v === null || row?.v === undefined ? 0 : Number(row.v);
  }

  /** Goes at once when no transaction is open; otherwise after it (never inside it). */
  #outside<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new DatabaseError(Message.databaseClosed));
    if (!this.#locked) return fn();
    try {
      this.#checkNotInside();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#exclusive(fn);
  }

  #checkNotInside(): void {
    if (this.#insideSync) throw new DatabaseError(Message.databaseNestedTransaction);
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

  #call(request: Request): Promise<SqliteReply & { ok: true }> {
    if (this.#dead !== undefined) return Promise.reject(new DatabaseError(Message.databaseStatement(this.#dead.message), { cause: this.#dead }));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...request });
    });
  }

  async #exec(sql: string): Promise<void> {
    await this.#call({ op: 'exec', sql });
  }

  async #all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    return ((await this.#call({ op: 'all', sql, params })).rows ?? []) as Row[];
  }

  async #run(sql: string, params: readonly SqlValue[]): Promise<number> {
    return (await this.#call({ op: 'run', sql, params })).changes ?? 0;
  }
}

export function openSqlite(file: string): Promise<SqlDatabase> {
  return SqliteDatabase.open(file);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
