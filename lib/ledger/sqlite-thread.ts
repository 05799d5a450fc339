/**
 * The SQLite connection's own thread (lib/ledger/sqlite.ts): better-sqlite3
 * is synchronous, and a batch of inserts with its commit (an fsync) would
 * otherwise stop the event loop that answers work requests. Here it stops
 * only this thread. Requests are answered in the order they came.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

export type SqliteRequest =
  | { readonly id: number; readonly op: 'exec'; readonly sql: string }
  | { readonly id: number; readonly op: 'all' | 'run'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly op: 'rollback' | 'close' };

export type SqliteReply =
  | { readonly id: number; readonly ok: true; readonly rows?: unknown[]; readonly changes?: number }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string; readonly prepare?: boolean };

export interface SqliteThreadData {
  readonly file: string;
  readonly busyTimeout: number;
}

/** Prepared statements kept; the ledger and services use a few dozen distinct statements. */
const STATEMENT_CACHE = 256;

function main(): void {
  const port = parentPort;
  if (port === null) return;
  const { file, busyTimeout } = workerData as SqliteThreadData;
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(file);
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${busyTimeout}`);
    db.pragma('foreign_keys = ON');
  } catch (err) {
    port.postMessage({ ready: false, message: err instanceof Error ? err.message : String(err) });
    return;
  }
  const statements = new Map<string, BetterSqlite3.Statement<unknown[], unknown>>();
  const statement = (sql: string): BetterSqlite3.Statement<unknown[], unknown> => {
    let s = statements.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value as string);
      statements.set(sql, s);
    }
    return s;
  };
  port.on('message', (req: SqliteRequest) => {
    let reply: SqliteReply;
    try {
      switch (req.op) {
        case 'exec':
          db.exec(req.sql);
          reply = { id: req.id, ok: true };
          break;
        case 'rollback':
          if (db.inTransaction) db.exec('ROLLBACK');
          reply = { id: req.id, ok: true };
          break;
        case 'close':
          statements.clear();
          db.close();
          reply = { id: req.id, ok: true };
          break;
        default: {
          let s: BetterSqlite3.Statement<unknown[], unknown>;
          try {
            s = statement(req.sql);
          } catch (err) {
            const e = err as { message?: string; code?: string };
            reply = { id: req.id, ok: false, message: e.message ?? String(err), ...(e.code === undefined ? {} : { code: e.code }), prepare: true };
            break;
          }
          if (req.op === 'all' && s.reader) reply = { id: req.id, ok: true, rows: s.all(...req.params) };
          else reply = { id: req.id, ok: true, changes: s.run(...req.params).changes, ...(req.op === 'all' ? { rows: [] } : {}) };
        }
      }
    } catch (err) {
      const e = err as { message?: string; code?: string };
      reply = { id: req.id, ok: false, message: e.message ?? String(err), ...(e.code === undefined ? {} : { code: e.code }) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
}

main();
