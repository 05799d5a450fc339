import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type SqlDatabase } from '../../lib/ledger/db.js';

/** The PostgreSQL superuser connection the tests create their databases through. */
export const TEST_PG_URL = process.env.POWGATE_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** `TEST_PG_URL` with another database name. */
export function pgUrlFor(database: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh PostgreSQL database through the superuser; `drop` removes it (connections and all). */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `powgate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: pgUrlFor(name),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Declares the same describe block twice: on SQLite (a file in a temp dir,
 * removed after) and on PostgreSQL (a fresh database created through the
 * superuser and dropped after). `open()` opens one more connection to that
 * block's database (`url()` is its URL, for code that opens it itself) (a second powgate instance, or a restart); every one
 * opened is closed after the block. Where no PostgreSQL answers, the
 * PostgreSQL block is skipped, except in CI (.ci/run starts one).
 */
export function eachDatabase(title: string, body: (open: () => Promise<SqlDatabase>, url: () => string) => void): void {
  describe(`${title} (SQLite)`, () => {
    let dir: string | undefined;
    const opened: SqlDatabase[] = [];
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'powgate-db-'));
    });
    after(async () => {
      for (const db of opened.splice(0)) await db.close().catch(() => undefined);
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });
    const url = (): string => {
      if (dir === undefined) throw new Error('open() and url() are for tests and hooks, not for the describe body');
      return `sqlite://${path.join(dir, 'powgate.db')}`;
    };
    body(async () => {
      const db = await openDatabase({ url: url(), dataDir: dir as string });
      opened.push(db);
      return db;
    }, url);
  });

  describe(`${title} (PostgreSQL)`, () => {
    let database: { url: string; drop: () => Promise<void> } | undefined;
    const opened: SqlDatabase[] = [];
    before(async function () {
      try {
        database = await createPgDatabase();
      } catch (err) {
        if (process.env.CI) throw err;
        console.warn(`    skipped: no PostgreSQL at ${new URL(TEST_PG_URL).host} (${(err as Error).message}); scripts/test-deps.sh starts one`);
        this.skip();
      }
    });
    after(async () => {
      for (const db of opened.splice(0)) await db.close().catch(() => undefined);
      await database?.drop();
    });
    const url = (): string => {
      if (database === undefined) throw new Error('open() and url() are for tests and hooks, not for the describe body');
      return database.url;
    };
    body(async () => {
      const db = await openDatabase({ url: url(), dataDir: tmpdir() });
      opened.push(db);
      return db;
    }, url);
  });
}
