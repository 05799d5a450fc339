import { expect } from 'chai';
import { LedgerRecorder, type RecordedResult } from '../../lib/ledger/recorder.js';
import type { SqlDatabase } from '../../lib/ledger/sql.js';
import { NETWORKS } from '../../lib/pow/index.js';
import { eachDatabase } from '../helpers/databases.js';

const nano = NETWORKS.nano;
const ALICE = 'nano_1alice';
const BOB = 'nano_1bob';
const ROOT = 'A'.repeat(64);

function result(over: Partial<RecordedResult> = {}): RecordedResult {
  return {
    backend: 'hub',
    type: 'ondemand',
    outcome: 'accepted',
    account: ALICE,
    accountValid: true,
    root: ROOT,
    difficulty: nano.sendThreshold,
    at: 1_000,
    ...over,
  };
}

/** `db`, whose first transaction fails (a full disk), and every later one goes through. */
function failingFirstTransaction(db: SqlDatabase): SqlDatabase {
  let fail = 1;
  return {
    dialect: db.dialect,
    label: db.label,
    query: (sql, params) => db.query(sql, params),
    execute: (sql, params) => db.execute(sql, params),
    migrate: (component, steps) => db.migrate(component, steps),
    close: () => db.close(),
    transaction: (fn) => {
      if (fail-- > 0) return Promise.reject(new Error('disk full'));
      return db.transaction(fn);
    },
  };
}

eachDatabase('LedgerRecorder', (open) => {
  let db: SqlDatabase;
  beforeEach(async () => {
    db = await open();
    await db.migrate('ledger', []).catch(() => undefined);
  });
  afterEach(async () => {
    await db.execute('DELETE FROM hub_results').catch(() => undefined);
    await db.execute('DELETE FROM hub_workers').catch(() => undefined);
    await db.execute('DELETE FROM hub_result_counts').catch(() => undefined);
  });

  it("records each accepted result with its weight, counts the others by minute, and keeps each worker's counts", async () => {
    const recorder = await LedgerRecorder.open(db, { receiveThreshold: nano.receiveThreshold });
    recorder.record(result());
    recorder.record(result({ type: 'precache', difficulty: nano.receiveThreshold, at: 2_000 }));
    recorder.record(result({ outcome: 'late', at: 3_000 }));
    recorder.record(result({ outcome: 'invalid', difficulty: undefined, at: 500 }));
    recorder.record(result({ account: BOB, outcome: 'duplicate' }));
    recorder.record(result({ account: 'nano_bad', accountValid: false }));
    await recorder.close();
    // Accepted results are rows, with their weight; the others are counted by minute.
    const rows = await db.query<{
      account: string | null;
      work_type: string;
      difficulty: string | null;
      weight: bigint;
      outcome: string;
      root: string;
      at: bigint;
    }>("SELECT account, work_type, difficulty, weight, outcome, root, at FROM hub_results ORDER BY at, COALESCE(account, '')");
    expect(rows).to.deep.equal([
      // An account that is not one is stored as none: nobody to credit.
      { account: null, work_type: 'ondemand', difficulty: 'fffffff800000000', weight: 64_000_000n, outcome: 'accepted', root: ROOT, at: 1000n },
      { account: ALICE, work_type: 'ondemand', difficulty: 'fffffff800000000', weight: 64_000_000n, outcome: 'accepted', root: ROOT, at: 1000n },
      { account: ALICE, work_type: 'precache', difficulty: 'fffffe0000000000', weight: 1_000_000n, outcome: 'accepted', root: ROOT, at: 2000n },
    ]);
    const counts = await db.query('SELECT minute, backend, account, work_type, outcome, n FROM hub_result_counts ORDER BY outcome, account');
    expect(counts).to.deep.equal([
      { minute: 0n, backend: 'hub', account: BOB, work_type: 'ondemand', outcome: 'duplicate', n: 1n },
      { minute: 0n, backend: 'hub', account: ALICE, work_type: 'ondemand', outcome: 'invalid', n: 1n },
      { minute: 0n, backend: 'hub', account: ALICE, work_type: 'ondemand', outcome: 'late', n: 1n },
    ]);
    const workers = await db.query('SELECT * FROM hub_workers ORDER BY account');
    expect(workers).to.deep.equal([
      {
        account: ALICE,
        ondemand: 1n,
        precache: 1n,
        invalid: 1n,
        late: 1n,
        duplicate: 0n,
        weight: 65_000_000n,
        first_seen: 500n,
        last_seen: 3000n,
        snapshot_ondemand: null,
        snapshot_precache: null,
      },
      {
        account: BOB,
        ondemand: 0n,
        precache: 0n,
        invalid: 0n,
        late: 0n,
        duplicate: 1n,
        weight: 0n,
        first_seen: 1000n,
        last_seen: 1000n,
        snapshot_ondemand: null,
        snapshot_precache: null,
      },
    ]);
  });

  it('gives the durable counts at once, and the same ones after a restart', async () => {
    const first = await LedgerRecorder.open(db, { receiveThreshold: nano.receiveThreshold, flushInterval: 60_000 });
    for (let i = 0; i < 3; i++) first.record(result());
    first.record(result({ type: 'precache' }));
    // Before any write: queued results count.
    expect(first.counts(ALICE)).to.deep.equal({ ondemand: 3, precache: 1 });
    expect(first.counts(BOB)).to.equal(undefined);
    await first.close();
    const second = await LedgerRecorder.open(db, { receiveThreshold: nano.receiveThreshold });
    expect(second.counts(ALICE)).to.deep.equal({ ondemand: 3, precache: 1 });
    second.record(result());
    expect(second.counts(ALICE)).to.deep.equal({ ondemand: 4, precache: 1 });
    await second.flush();
    expect(second.counts(ALICE)).to.deep.equal({ ondemand: 4, precache: 1 });
    await second.close();
  });

  it("sees another instance's results after its next write (a shared ledger)", async () => {
    const other = await open();
    const a = await LedgerRecorder.open(db, { receiveThreshold: nano.receiveThreshold });
    const b = await LedgerRecorder.open(other, { receiveThreshold: nano.receiveThreshold });
    a.record(result());
    await a.flush();
    b.record(result());
    b.record(result());
    await b.flush();
    expect(b.counts(ALICE)).to.deep.equal({ ondemand: 3, precache: 0 });
    a.record(result());
    await a.flush();
    expect(a.counts(ALICE)).to.deep.equal({ ondemand: 4, precache: 0 });
    await a.close();
    await b.close();
  });

  it('counts late results by minute, adding to a minute across batches', async () => {
    const recorder = await LedgerRecorder.open(db, { receiveThreshold: nano.receiveThreshold, flushInterval: 60_000 });
    recorder.record(result({ outcome: 'late', at: 60_000 }));
    recorder.record(result({ outcome: 'late', at: 119_999 }));
    await recorder.flush();
    recorder.record(result({ outcome: 'late', at: 60_001 }));
    recorder.record(result({ outcome: 'late', at: 120_000 }));
    await recorder.close();
    const counts = await db.query<{ minute: bigint; n: bigint }>("SELECT minute, n FROM hub_result_counts WHERE outcome = 'late' ORDER BY minute");
    expect(counts).to.deep.equal([
      { minute: 60_000n, n: 3n },
      { minute: 120_000n, n: 1n },
    ]);
  });

  it('writes in batches and drops past a full queue, counting the drops and telling once', async () => {
    const told: number[] = [];
    const recorder = await LedgerRecorder.open(db, {
      receiveThreshold: nano.receiveThreshold,
      maxQueue: 5,
      batchSize: 100,
      flushInterval: 60_000,
      onDrop: (n) => told.push(n),
    });
    for (let i = 0; i < 8; i++) recorder.record(result({ at: i }));
    expect(recorder.queued).to.equal(5);
    expect(recorder.dropped).to.equal(3);
    expect(told).to.deep.equal([1]);
    expect(recorder.counts(ALICE)).to.deep.equal({ ondemand: 5, precache: 0 });
    await recorder.close();
    const [row] = await db.query<{ n: bigint }>('SELECT COUNT(*) AS n FROM hub_results');
    expect(row?.n).to.equal(5n);
    // Closed: later results are ignored, not queued.
    recorder.record(result());
    expect(recorder.queued).to.equal(0);
  });

  it('keeps results queued through a failed write and writes them on the next try', async () => {
    const flaky = failingFirstTransaction(db);
    const errors: string[] = [];
    const recorder = await LedgerRecorder.open(flaky, {
      receiveThreshold: nano.receiveThreshold,
      flushInterval: 60_000,
      onError: (err) => errors.push((err as Error).message),
    });
    recorder.record(result());
    recorder.record(result({ type: 'precache' }));
    let failed = false;
    await recorder.flush().catch(() => {
      failed = true;
    });
    expect(failed).to.equal(true);
    expect(errors).to.deep.equal(['disk full']);
    expect(recorder.queued).to.equal(2);
    expect(recorder.counts(ALICE)).to.deep.equal({ ondemand: 1, precache: 1 });
    await recorder.close();
    const [row] = await db.query<{ n: bigint }>('SELECT COUNT(*) AS n FROM hub_results');
    expect(row?.n).to.equal(2n);
  });

  it('keeps counted late, invalid and duplicate results through a failed write, adding those that came meanwhile', async () => {
    const flaky = failingFirstTransaction(db);
    const recorder = await LedgerRecorder.open(flaky, { receiveThreshold: nano.receiveThreshold, flushInterval: 60_000, onError: () => {} });
    for (let i = 0; i < 3; i++) recorder.record(result({ outcome: 'late', at: 1_000 + i }));
    recorder.record(result({ outcome: 'invalid', account: BOB, at: 900 }));
    recorder.record(result({ outcome: 'late', account: undefined, accountValid: false }));
    expect(recorder.queued).to.equal(5);
    await recorder.flush().catch(() => {});
    expect(recorder.queued).to.equal(5);
    recorder.record(result({ outcome: 'late', at: 5_000 }));
    await recorder.close();
    expect(recorder.written).to.equal(6);
    const counts = await db.query('SELECT account, outcome, n FROM hub_result_counts ORDER BY account, outcome');
    expect(counts).to.deep.equal([
      { account: '', outcome: 'late', n: 1n },
      { account: ALICE, outcome: 'late', n: 4n },
      { account: BOB, outcome: 'invalid', n: 1n },
    ]);
    const workers = await db.query('SELECT account, late, invalid, first_seen, last_seen FROM hub_workers ORDER BY account');
    expect(workers).to.deep.equal([
      { account: ALICE, late: 4n, invalid: 0n, first_seen: 1000n, last_seen: 5000n },
      { account: BOB, late: 0n, invalid: 1n, first_seen: 900n, last_seen: 900n },
    ]);
  });

  it('writes more than one batch, in order', async () => {
    const recorder = await LedgerRecorder.open(db, { receiveThreshold: nano.receiveThreshold, batchSize: 300, flushInterval: 60_000 });
    for (let i = 0; i < 1000; i++) recorder.record(result({ at: i, account: `nano_w${i % 7}` }));
    await recorder.close();
    expect(recorder.written).to.equal(1000);
    const rows = await db.query<{ account: string; ondemand: bigint }>('SELECT account, ondemand FROM hub_workers ORDER BY account');
    expect(rows.reduce((s, r) => s + r.ondemand, 0n)).to.equal(1000n);
    expect(rows).to.have.length(7);
  });
});
