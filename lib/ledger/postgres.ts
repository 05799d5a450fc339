import pg from 'pg';
import { DatabaseError, Message } from '../errors.js';
import { scrubText, urlSecrets } from '../secrets.js';
import { checkMigration, locationLabel, SCHEMA_MIGRATIONS_DDL, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql.js';

/** Connections one powgate holds at most; the ledger writes in batches and the API reads little. */
const POOL_SIZE = 8;
/** Every bound the pool offers, so a dead server or a stuck statement never hangs a caller. */
const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 60_000;
const IDLE_TIMEOUT_MS = 30_000;
/** The advisory lock every powgate takes around migrations: "powgate1" in ASCII, a fixed int8. */
const MIGRATION_LOCK = BigInt('0x706f776761746531').toString();

const INT2 = 21;
const INT4 = 23;
const INT8 = 20;
/**
 * INTEGER and BIGINT as bigint, as SQLite gives them (pg's default turns int8
 * into a string and int4 into a number). NUMERIC stays a decimal string: the
 * exact text, which BigInt() reads for amounts of raw. Per pool, not pg's
 * global parsers, which other code in the process may rely on.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT2 || oid === INT4 || oid === INT8) return (text: string) => BigInt(text);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

/**
 * `?` to `$1`, `$2`, … outside string literals, quoted identifiers and
 * comments, so one SQL text serves both dialects. Memoised: the callers use a
 * few dozen fixed statements.
 */
export function toPostgresPlaceholders(sql: string): string {
  const cached = rewritten.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (rewritten.size < 1024) rewritten.set(sql, out);
  return out;
}
const rewritten = new Map<string, string>();

/** Index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** pg sends a bigint only as text; a Uint8Array only as a Buffer. */
function toPg(params: readonly SqlValue[]): unknown[] {
  return params.map((value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return value;
  });
}

type Queryable = pg.Pool | pg.PoolClient;

async function runQuery<Row>(on: Queryable, sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult & { rows: Row[] }> {
  return (await on.query(toPostgresPlaceholders(sql), toPg(params))) as pg.QueryResult & { rows: Row[] };
}

function executor(on: Queryable, isOpen: () => boolean = () => true): SqlExecutor {
  return {
    async query<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
      if (!isOpen()) throw new DatabaseError(Message.databaseTransactionOver);
      return (await runQuery<Row>(on, sql, params)).rows;
    },
    async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      if (!isOpen()) throw new DatabaseError(Message.databaseTransactionOver);
      return (await runQuery(on, sql, params)).rowCount ?? 0;
    },
  };
}

/** PostgreSQL through a pg pool: several powgate instances can share one ledger. */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  readonly label: string;
  readonly #pool: pg.Pool;
  readonly #direct: SqlExecutor;
  readonly #secrets: readonly string[];
  #closed: Promise<void> | undefined;

  constructor(url: string, onError?: (err: Error) => void) {
    this.label = locationLabel({ dialect: 'postgres', url });
    this.#secrets = secretsOf(url);
    this.#pool = new pg.Pool({
      connectionString: url,
      max: POOL_SIZE,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      application_name: 'powgate',
      types,
    });
    // An idle connection that breaks has no caller to reject; without a
    // listener the pool's 'error' event would end the process.
    this.#pool.on('error', (err) => onError?.(err));
    this.#direct = executor(this.#pool);
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    if (this.#closed) return Promise.reject(new DatabaseError(Message.databaseClosed));
    return this.#direct.query<Row>(sql, params);
  }

  execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    if (this.#closed) return Promise.reject(new DatabaseError(Message.databaseClosed));
    return this.#direct.execute(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.#closed) throw new DatabaseError(Message.databaseClosed);
    const client = await this.#connect();
    let open = true;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(executor(client, () => open));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is in an unknown state: the pool must not reuse it.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw err;
    } finally {
      open = false;
      client.release(broken);
    }
  }

  async migrate(component: string, steps: readonly string[]): Promise<void> {
    if (this.#closed) throw new DatabaseError(Message.databaseClosed);
    checkMigration(component, steps, 0);
    const client = await this.#connect();
    let broken: Error | undefined;
    try {
      // One instance migrates at a time; the others wait here, then find the steps applied.
      await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK]);
      try {
        await client.query(SCHEMA_MIGRATIONS_DDL);
        const { rows } = await client.query<{ v: bigint | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE component = $1', [component]);
        const applied = rows[0]?.v === null || rows[0]?.v === undefined ? 0 : Number(rows[0].v);
        checkMigration(component, steps, applied);
        for (let version = applied + 1; version <= steps.length; version++) {
          try {
            await client.query('BEGIN');
            await client.query(steps[version - 1] as string);
            await client.query('INSERT INTO schema_migrations (component, version, applied_at) VALUES ($1, $2, $3)', [
              component,
              version,
              new Date().toISOString(),
            ]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch((rollbackError: unknown) => {
              broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
            });
            throw new DatabaseError(Message.databaseMigration(component, version, this.errorText(err)), { cause: err });
          }
        }
      } finally {
        if (broken === undefined) await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#pool.end();
    return this.#closed;
  }

  /** Checks the server answers, so a wrong URL fails start-up rather than the first write. */
  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /** A driver's message as powgate may repeat it: the URL's password and query values never. */
  errorText(err: unknown): string {
    return scrubText(err instanceof Error ? err.message : String(err), { secrets: this.#secrets });
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (err) {
      throw new DatabaseError(Message.databaseOpen(this.label, this.errorText(err)), { cause: err });
    }
  }
}

export async function openPostgres(url: string, onError?: (err: Error) => void): Promise<SqlDatabase> {
  const db = new PostgresDatabase(url, onError);
  try {
    await db.ping();
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err instanceof DatabaseError ? err : new DatabaseError(Message.databaseOpen(db.label, db.errorText(err)), { cause: err });
  }
  return db;
}

function secretsOf(url: string): string[] {
  try {
    return urlSecrets(new URL(url));
  } catch {
    return [];
  }
}
