import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { DatabaseError } from '../../lib/errors.js';
import { databaseLocation, isUniqueViolation, openDatabase, type SqlDatabase } from '../../lib/ledger/db.js';
import { toPostgresPlaceholders } from '../../lib/ledger/postgres.js';
import { eachDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/ports.js';

const XNO = 10n ** 30n;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

eachDatabase('SqlDatabase', (open) => {
  let db: SqlDatabase;
  before(async () => {
    db = await open();
    await db.execute(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, n BIGINT, name TEXT, amount TEXT, data BLOB)'.replace('BLOB', db.dialect === 'postgres' ? 'BYTEA' : 'BLOB'),
    );
  });
  beforeEach(async () => {
    await db.execute('DELETE FROM t');
  });

  it('gives integers as bigint, text as string, amounts of raw exactly, bytes and nulls back', async () => {
    const big = 1_000_000n * XNO + 1n; // 10^36 + 1 raw: far past int64 and a double's precision
    await db.execute('INSERT INTO t (id, n, name, amount, data) VALUES (?, ?, ?, ?, ?)', [1, 2n ** 62n, 'a?b', big.toString(), new Uint8Array([0, 255])]);
    await db.execute('INSERT INTO t (id, n, name, amount, data) VALUES (?, ?, ?, ?, ?)', [2, null, null, null, null]);
    const rows = await db.query<{ id: bigint; n: bigint | null; name: string | null; amount: string | null; data: Uint8Array | null }>(
      'SELECT * FROM t ORDER BY id',
    );
    expect(rows[0]?.id).to.equal(1n);
    expect(rows[0]?.n).to.equal(2n ** 62n);
    expect(rows[0]?.name).to.equal('a?b');
    expect(BigInt(rows[0]?.amount as string)).to.equal(big);
    expect([...((rows[0]?.data ?? []) as Uint8Array)]).to.deep.equal([0, 255]);
    expect(rows[1]).to.include({ id: 2n, n: null, name: null, amount: null, data: null });
    const [count] = await db.query<{ c: bigint }>('SELECT COUNT(*) AS c FROM t');
    expect(count?.c).to.equal(2n);
  });

  it('leaves a ? inside a string literal alone', async () => {
    await db.execute("INSERT INTO t (id, name) VALUES (?, 'what?')", [3]);
    const rows = await db.query<{ name: string }>("SELECT name FROM t WHERE name = 'what?' AND id = ?", [3]);
    expect(rows.map((r) => r.name)).to.deep.equal(['what?']);
  });

  it('execute resolves to the number of rows changed', async () => {
    for (const id of [1, 2, 3]) await db.execute('INSERT INTO t (id, n) VALUES (?, ?)', [id, 0]);
    expect(await db.execute('UPDATE t SET n = n + 1 WHERE id >= ?', [2])).to.equal(2);
    expect(await db.execute('DELETE FROM t WHERE id = ?', [99])).to.equal(0);
  });

  it('tells a unique violation apart', async () => {
    await db.execute('INSERT INTO t (id) VALUES (?)', [1]);
    const err = await rejection(db.execute('INSERT INTO t (id) VALUES (?)', [1]));
    expect(isUniqueViolation(err)).to.equal(true);
    expect(isUniqueViolation(new Error('x'))).to.equal(false);
  });

  it('commits a transaction and returns its value', async () => {
    const value = await db.transaction(async (tx) => {
      await tx.execute('INSERT INTO t (id, n) VALUES (?, ?)', [1, 10]);
      const [row] = await tx.query<{ n: bigint }>('SELECT n FROM t WHERE id = ?', [1]);
      return row?.n;
    });
    expect(value).to.equal(10n);
    expect(await db.query('SELECT id FROM t')).to.have.length(1);
  });

  it('rolls a transaction back when fn throws, and the error reaches the caller', async () => {
    const err = await rejection(
      db.transaction(async (tx) => {
        await tx.execute('INSERT INTO t (id, n) VALUES (?, ?)', [1, 10]);
        throw new Error('boom');
      }),
    );
    expect(err.message).to.equal('boom');
    expect(await db.query('SELECT id FROM t')).to.have.length(0);
  });

  it('keeps a statement sent meanwhile out of a transaction that rolls back', async () => {
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const tx = db.transaction(async (t) => {
      await t.execute('INSERT INTO t (id) VALUES (?)', [1]);
      inside();
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('boom');
    });
    await entered;
    const outside = db.execute('INSERT INTO t (id) VALUES (?)', [2]);
    await rejection(tx);
    expect(await outside).to.equal(1);
    const rows = await db.query<{ id: bigint }>('SELECT id FROM t');
    expect(rows.map((r) => r.id)).to.deep.equal([2n]);
  });

  it('runs concurrent transactions without losing an update', async () => {
    await db.execute('INSERT INTO t (id, n) VALUES (?, ?)', [1, 0]);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          await tx.execute('UPDATE t SET n = n + 1 WHERE id = ?', [1]);
          await new Promise((resolve) => setImmediate(resolve));
          await tx.execute('UPDATE t SET n = n + 1 WHERE id = ?', [1]);
        }),
      ),
    );
    const [row] = await db.query<{ n: bigint }>('SELECT n FROM t WHERE id = ?', [1]);
    expect(row?.n).to.equal(40n);
  });

  it('refuses a transaction executor used after its transaction ended', async () => {
    let kept: Parameters<Parameters<SqlDatabase['transaction']>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      kept = tx;
    });
    const err = await rejection((kept as NonNullable<typeof kept>).query('SELECT 1'));
    expect(err).to.be.instanceOf(DatabaseError);
  });

  describe('migrate', () => {
    const steps = ['CREATE TABLE m1 (id INTEGER PRIMARY KEY, v TEXT NOT NULL)', 'ALTER TABLE m1 ADD COLUMN w TEXT'];

    it('applies pending steps once, in order, and records them', async () => {
      await db.migrate('alpha', steps.slice(0, 1));
      await db.migrate('alpha', steps.slice(0, 1));
      await db.migrate('alpha', steps);
      await db.execute('INSERT INTO m1 (id, v, w) VALUES (?, ?, ?)', [1, 'x', 'y']);
      const rows = await db.query<{ version: bigint }>('SELECT version FROM schema_migrations WHERE component = ? ORDER BY version', ['alpha']);
      expect(rows.map((r) => r.version)).to.deep.equal([1n, 2n]);
    });

    it('is safe when several instances migrate at once', async () => {
      const others = await Promise.all([open(), open(), open()]);
      const parallel = ['CREATE TABLE m2 (id INTEGER PRIMARY KEY)', 'CREATE TABLE m3 (id INTEGER PRIMARY KEY)', 'CREATE INDEX m3_id ON m3 (id)'];
      await Promise.all([db, ...others].map((one) => one.migrate('beta', parallel)));
      const rows = await db.query<{ version: bigint }>('SELECT version FROM schema_migrations WHERE component = ? ORDER BY version', ['beta']);
      expect(rows.map((r) => r.version)).to.deep.equal([1n, 2n, 3n]);
    });

    it('rolls a failing step back, names it, and keeps the steps before it', async () => {
      const err = await rejection(db.migrate('gamma', ['CREATE TABLE g1 (id INTEGER)', 'CREATE TABLE g2 (id INTEGER); INSERT INTO no_such_table VALUES (1)']));
      expect(err).to.be.instanceOf(DatabaseError);
      expect(err.message).to.match(/^Database migration gamma step 2 failed \(rolled back\): /);
      const rows = await db.query<{ version: bigint }>('SELECT version FROM schema_migrations WHERE component = ?', ['gamma']);
      expect(rows.map((r) => r.version)).to.deep.equal([1n]);
      await rejection(db.query('SELECT * FROM g2'));
      await db.migrate('gamma', ['CREATE TABLE g1 (id INTEGER)', 'CREATE TABLE g2 (id INTEGER)']);
      expect(await db.query('SELECT * FROM g2')).to.deep.equal([]);
    });

    it('refuses a schema newer than the code', async () => {
      await db.migrate('delta', ['CREATE TABLE d1 (id INTEGER)', 'CREATE TABLE d2 (id INTEGER)']);
      const err = await rejection(db.migrate('delta', ['CREATE TABLE d1 (id INTEGER)']));
      expect(err.message).to.equal('Database schema of delta is at version 2, newer than this powgate knows (1): run the newer powgate or restore a backup');
    });
  });

  it('refuses calls after close', async () => {
    const other = await open();
    await other.close();
    await other.close();
    expect(await rejection(other.query('SELECT 1'))).to.be.instanceOf(DatabaseError);
  });
});

describe('SQLite specifics', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'powgate-db-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens <dataDir>/powgate.db by default, creating the directory only then, in WAL mode with synchronous FULL', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    expect(databaseLocation({ dataDir })).to.deep.equal({ dialect: 'sqlite', file: path.join(dataDir, 'powgate.db') });
    expect(existsSync(dataDir)).to.equal(false);
    const db = await openDatabase({ dataDir });
    try {
      expect(db.dialect).to.equal('sqlite');
      expect(existsSync(path.join(dataDir, 'powgate.db'))).to.equal(true);
      expect(await db.query('PRAGMA journal_mode')).to.deep.equal([{ journal_mode: 'wal' }]);
      expect(await db.query('PRAGMA synchronous')).to.deep.equal([{ synchronous: 2n }]);
      expect(await db.query('PRAGMA busy_timeout')).to.deep.equal([{ timeout: 5000n }]);
    } finally {
      await db.close();
    }
  });

  it('reads sqlite:///path and plain paths, and refuses other schemes', async () => {
    expect(databaseLocation({ url: 'sqlite:///var/lib/p.db', dataDir: dir })).to.deep.equal({ dialect: 'sqlite', file: '/var/lib/p.db' });
    expect(databaseLocation({ url: '/srv/x.db', dataDir: dir })).to.deep.equal({ dialect: 'sqlite', file: '/srv/x.db' });
    expect(databaseLocation({ url: 'postgresql://h/db', dataDir: dir })).to.deep.equal({ dialect: 'postgres', url: 'postgresql://h/db' });
    expect(() => databaseLocation({ url: 'mysql://h/db', dataDir: dir })).to.throw(DatabaseError, 'found a mysql: URL');
    expect(() => databaseLocation({ url: 'sqlite:', dataDir: dir })).to.throw(DatabaseError, 'needs a file path');
    const file = path.join(dir, 'x.db');
    const db = await openDatabase({ url: `sqlite://${file}`, dataDir: path.join(dir, 'unused') });
    await db.close();
    expect(existsSync(file)).to.equal(true);
    expect(existsSync(path.join(dir, 'unused'))).to.equal(false);
  });

  it('throws instead of waiting for ever when the database is used from inside its own transaction', async () => {
    const db = await openDatabase({ dataDir: dir });
    try {
      const err = await rejection(db.transaction(() => db.query('SELECT 1')));
      expect(err.message).to.match(/from inside one of its transactions/);
      expect(await db.query<{ one: bigint }>('SELECT 1 AS one')).to.deep.equal([{ one: 1n }]);
    } finally {
      await db.close();
    }
  });
});

describe('PostgreSQL specifics', () => {
  it('rewrites ? to $n outside literals, quoted names and comments', () => {
    expect(toPostgresPlaceholders(`SELECT ?, '?''?', "a?" -- ?\n, ? /* ? */ , ?`)).to.equal(`SELECT $1, '?''?', "a?" -- ?\n, $2 /* ? */ , $3`);
  });

  it('fails to open with the host named and the password never shown', async () => {
    const port = await freePort();
    const err = await rejection(openDatabase({ url: `postgres://powgate:sekret-pass@127.0.0.1:${port}/ledger?sslpassword=hush-hush`, dataDir: tmpdir() }));
    expect(err).to.be.instanceOf(DatabaseError);
    expect(err.message).to.include(`Cannot open the database postgres://127.0.0.1:${port}/ledger`);
    expect(err.message).not.to.include('sekret');
    expect(err.message).not.to.include('hush');
  });
});
