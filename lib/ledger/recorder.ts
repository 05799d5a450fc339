import { formatWorkHex, workWeight } from '../pow/index.js';
import { LEDGER_COMPONENT, LEDGER_MIGRATIONS } from './schema.js';
import type { SqlDatabase, SqlExecutor, SqlValue } from './sql.js';

/**
 * One counted hub result, as the hub's `hubResult` telemetry event carries it
 * (lib/hub/events.ts; structurally the same, so the ledger needs no import of
 * the hub).
 */
export interface RecordedResult {
  readonly backend: string;
  readonly type: 'ondemand' | 'precache';
  readonly outcome: 'accepted' | 'invalid' | 'late' | 'duplicate';
  readonly account?: string;
  /** Only a valid account of the network is credited (and stored). */
  readonly accountValid: boolean;
  readonly root?: string;
  readonly difficulty?: bigint;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * A worker's durable accepted counts, as `client/{account}` carries them; the
 * snapshot is the counts as of its last payout (spec §1.8 `snapshot_*`).
 */
export interface WorkerCounts {
  readonly ondemand: number;
  readonly precache: number;
  readonly snapshot?: { readonly ondemand: number; readonly precache: number };
}

export interface RecorderOptions {
  /** The network's receive threshold: a result's weight is relative to it (lib/pow/weight.ts). */
  readonly receiveThreshold: bigint;
  /** Results waiting to be written at most; more are dropped (counted, logged once). */
  readonly maxQueue?: number;
  /** Results per write transaction at most. */
  readonly batchSize?: number;
  /** How often waiting results are written when fewer than a batch wait (ms). */
  readonly flushInterval?: number;
  /** Told once when the queue first overflows, and of each failed write (the results stay queued). */
  readonly onDrop?: (dropped: number) => void;
  readonly onError?: (err: unknown) => void;
}

interface Counts {
  ondemand: number;
  precache: number;
}

interface Tracked {
  /** As the database last said. */
  stored: Counts;
  /** Accepted results queued or being written, not yet in `stored`. */
  pending: Counts;
  snapshot?: Counts;
}

interface WorkerDelta {
  ondemand: number;
  precache: number;
  invalid: number;
  late: number;
  duplicate: number;
  weight: bigint;
  first: number;
  last: number;
}

interface StoredCounts {
  account: string;
  ondemand: bigint;
  precache: bigint;
  snapshot_ondemand: bigint | null;
  snapshot_precache: bigint | null;
}

/**
 * Rows per INSERT statement: 8 parameters each stays far below both
 * databases' parameter limits. A batch is cut into statements of these sizes
 * only, largest first, so SQLite prepares (and caches) five statements in all
 * rather than one per batch length.
 */
const STATEMENT_SIZES = [256, 64, 16, 4, 1] as const;

/** Splits `n` rows into chunks of STATEMENT_SIZES. */
function chunks(n: number): number[] {
  const out: number[] = [];
  let left = n;
  for (const size of STATEMENT_SIZES) {
    while (left >= size) {
      out.push(size);
      left -= size;
    }
  }
  return out;
}

/**
 * Records the hub's results in the ledger, off the hub's path: each accepted
 * result as a row of `hub_results` (time, account, root, type, requested
 * difficulty, weight: what payouts split), and the late, invalid and
 * duplicate ones counted, by minute, backend, account, type and outcome, in
 * `hub_result_counts` and per worker in `hub_workers` (with ten workers on a
 * job, nine results are late: rows for them would be most of the writes and
 * tell nothing a count does not; they are counted as they come, not queued).
 * `record()` only queues or counts (O(1), no I/O, nothing awaited), and a
 * writer drains the queue in batches, one transaction per batch, yielding between
 * batches. The queue is bounded: past `maxQueue` results are dropped and
 * counted (`dropped`), and the first drop is reported once. `close()` (on
 * the close stack) writes what is still queued.
 *
 * It also keeps each worker's durable accepted counts in memory, for the
 * hub's `client/{account}` message, which is sent synchronously as a result
 * is accepted: the counts the database holds (loaded at start, refreshed by
 * every write, so instances sharing a PostgreSQL ledger converge) plus those
 * still queued. One entry per account that ever had an accepted result: an
 * entry costs a win, real work, so the map cannot be flooded.
 */
export class LedgerRecorder {
  readonly #db: SqlDatabase;
  readonly #receive: bigint;
  readonly #maxQueue: number;
  readonly #batchSize: number;
  readonly #onDrop: ((dropped: number) => void) | undefined;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #workers = new Map<string, Tracked>();
  readonly #difficulties = new Map<bigint, readonly [string, bigint]>();
  /** Accepted results waiting to be written: one row each. */
  #queue: RecordedResult[] = [];
  /**
   * The other outcomes waiting, already counted (by minute, backend, type and
   * outcome, then account): with N workers N-1 of every job's results are
   * late, and a queued event each (its strings and numbers with it) lived
   * through a second of the hub's garbage collections, to be counted anyway.
   */
  #counted = new Counted();
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Results dropped because the queue was full. */
  dropped = 0;
  /** Results written to the database. */
  written = 0;

  private constructor(db: SqlDatabase, options: RecorderOptions) {
    this.#db = db;
    this.#receive = options.receiveThreshold;
    this.#maxQueue = options.maxQueue ?? 100_000;
    this.#batchSize = options.batchSize ?? 5000;
    this.#onDrop = options.onDrop;
    this.#onError = options.onError;
    // One transaction a second at most under load: each commit costs (an fsync on SQLite), the rows barely do.
    const interval = options.flushInterval ?? 1000;
    this.#timer = setInterval(() => void this.#kick(), interval);
    this.#timer.unref();
  }

  /** Migrates the ledger's tables and loads every worker's durable counts. */
  static async open(db: SqlDatabase, options: RecorderOptions): Promise<LedgerRecorder> {
    await db.migrate(LEDGER_COMPONENT, LEDGER_MIGRATIONS);
    const recorder = new LedgerRecorder(db, options);
    try {
      await recorder.#load();
    } catch (err) {
      await recorder.close();
      throw err;
    }
    return recorder;
  }

  /** Results waiting to be written (accepted ones and counted ones). */
  get queued(): number {
    return this.#queue.length + this.#counted.results;
  }

  /** Queues one result; never waits, never throws. */
  record(result: RecordedResult): void {
    if (this.#closed) return;
    if (this.queued >= this.#maxQueue) {
      this.dropped++;
      if (this.dropped === 1) this.#onDrop?.(1);
      return;
    }
    if (result.outcome !== 'accepted') {
      this.#counted.add(result);
      if (this.queued >= this.#batchSize) void this.#kick();
      return;
    }
    this.#queue.push(result);
    if (result.accountValid && result.account !== undefined) {
      let tracked = this.#workers.get(result.account);
      if (tracked === undefined) {
        tracked = { stored: { ondemand: 0, precache: 0 }, pending: { ondemand: 0, precache: 0 } };
        this.#workers.set(result.account, tracked);
      }
      tracked.pending[result.type]++;
    }
    if (this.queued >= this.#batchSize) void this.#kick();
  }

  /** The worker's durable accepted counts (written and queued); undefined for an account never credited. */
  counts(account: string): WorkerCounts | undefined {
    const tracked = this.#workers.get(account);
    if (tracked === undefined) return undefined;
    const counts = {
      ondemand: tracked.stored.ondemand + tracked.pending.ondemand,
      precache: tracked.stored.precache + tracked.pending.precache,
    };
    return tracked.snapshot === undefined ? counts : { ...counts, snapshot: { ...tracked.snapshot } };
  }

  /** Sets a worker's snapshot after a payout (the counts it was paid up to). */
  setSnapshot(account: string, snapshot: Counts): void {
    const tracked = this.#workers.get(account);
    if (tracked !== undefined) tracked.snapshot = { ...snapshot };
  }

  /** Writes everything queued so far; rejects when a write fails (the results stay queued). */
  async flush(): Promise<void> {
    for (;;) {
      const run = this.#writing ?? this.#kick();
      if (run === undefined) return;
      await run;
    }
  }

  /** Stops the timer and writes what is queued; later results are ignored. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
    }
  }

  async #load(): Promise<void> {
    const rows = await this.#db.query<{
      account: string;
      ondemand: bigint;
      precache: bigint;
      snapshot_ondemand: bigint | null;
      snapshot_precache: bigint | null;
    }>('SELECT account, ondemand, precache, snapshot_ondemand, snapshot_precache FROM hub_workers WHERE ondemand > 0 OR precache > 0');
    for (const row of rows) {
      this.#workers.set(row.account, {
        stored: { ondemand: Number(row.ondemand), precache: Number(row.precache) },
        pending: { ondemand: 0, precache: 0 },
        ...(row.snapshot_ondemand === null ? {} : { snapshot: { ondemand: Number(row.snapshot_ondemand), precache: Number(row.snapshot_precache ?? 0n) } }),
      });
    }
  }

  /** Starts the writer unless it runs or nothing waits; the run rejects when a write fails. */
  #kick(): Promise<void> | undefined {
    if (this.#writing !== undefined) return this.#writing;
    if (this.queued === 0) return undefined;
    const run = this.#drain();
    this.#writing = run;
    run.then(
      () => {
        this.#writing = undefined;
      },
      () => {
        this.#writing = undefined;
      },
    );
    return run;
  }

  /** Writes batches until the queue is empty, yielding to the event loop between them. */
  async #drain(): Promise<void> {
    while (this.queued > 0) {
      // The whole queue when it fits (the usual case): no copy of what stays behind.
      let batch: RecordedResult[];
      if (this.#queue.length <= this.#batchSize) {
        batch = this.#queue;
        this.#queue = [];
      } else {
        batch = this.#queue.splice(0, this.#batchSize);
      }
      // Counted results are a handful of rows however many they are: all of them go with each batch.
      const counted = this.#counted;
      this.#counted = new Counted();
      try {
        await this.#write(batch, counted);
        this.written += batch.length + counted.results;
      } catch (err) {
        this.#onError?.(err);
        // Back to the front, as far as room allows; what does not fit is dropped like any overflow.
        this.#counted.merge(counted);
        const room = Math.max(0, this.#maxQueue - this.queued);
        const kept = batch.slice(0, room);
        const lost = batch.slice(room);
        this.#queue = [...kept, ...this.#queue];
        if (lost.length > 0) {
          this.#forget(lost);
          if (this.dropped === 0) this.#onDrop?.(lost.length);
          this.dropped += lost.length;
        }
        // The timer retries later.
        throw err;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Takes dropped accepted results out of the pending counts. */
  #forget(results: readonly RecordedResult[]): void {
    for (const r of results) {
      if (r.outcome !== 'accepted' || !r.accountValid || r.account === undefined) continue;
      const tracked = this.#workers.get(r.account);
      if (tracked !== undefined) tracked.pending[r.type]--;
    }
  }

  /** A difficulty's text and weight; jobs ask for a handful of difficulties, so both are computed once each. */
  #difficulty(difficulty: bigint): readonly [string, bigint] {
    let known = this.#difficulties.get(difficulty);
    if (known === undefined) {
      known = [formatWorkHex(difficulty), workWeight(difficulty, this.#receive)];
      if (this.#difficulties.size >= 1024) this.#difficulties.clear();
      this.#difficulties.set(difficulty, known);
    }
    return known;
  }

  async #write(batch: readonly RecordedResult[], counted: Counted): Promise<void> {
    const rows: SqlValue[][] = [];
    const deltas = new Map<string, WorkerDelta>();
    const delta = (account: string, at: number): WorkerDelta => {
      let d = deltas.get(account);
      if (d === undefined) {
        d = { ondemand: 0, precache: 0, invalid: 0, late: 0, duplicate: 0, weight: 0n, first: at, last: at };
        deltas.set(account, d);
      }
      return d;
    };
    for (const r of batch) {
      const account = r.accountValid && r.account !== undefined ? r.account : null;
      const [hex, weight] = r.difficulty === undefined ? [null, 0n] : this.#difficulty(r.difficulty);
      rows.push([r.at, r.backend, account, r.root ?? null, r.type, hex, weight, r.outcome]);
      if (account === null) continue;
      const d = delta(account, r.at);
      d[r.type]++;
      d.weight += weight;
      if (r.at < d.first) d.first = r.at;
      if (r.at > d.last) d.last = r.at;
    }
    const counts = counted.rows();
    for (const c of counts) {
      // A valid account is never empty: '' is the row of results that named none (or an invalid one).
      if (c.key[2] === '') continue;
      const d = delta(c.key[2], c.first);
      d[c.key[4]] += c.n;
      if (c.first < d.first) d.first = c.first;
      if (c.last > d.last) d.last = c.last;
    }
    const stored = await this.#db.transaction(async (tx) => {
      let at = 0;
      for (const size of chunks(rows.length)) {
        await insertResults(tx, rows.slice(at, at + size));
        at += size;
      }
      at = 0;
      for (const size of chunks(counts.length)) {
        await upsertCounts(tx, counts.slice(at, at + size));
        at += size;
      }
      const entries = [...deltas];
      const out: StoredCounts[] = [];
      at = 0;
      for (const size of chunks(entries.length)) {
        out.push(...(await upsertWorkers(tx, entries.slice(at, at + size))));
        at += size;
      }
      return out;
    });
    // The database's counts now include this batch (and any other instance's): refresh, and take the batch out of pending.
    for (const row of stored) {
      const tracked = this.#workers.get(row.account);
      if (tracked === undefined) continue;
      tracked.stored = { ondemand: Number(row.ondemand), precache: Number(row.precache) };
      // A payout (possibly by the payouts command, another process) sets the snapshot.
      if (row.snapshot_ondemand !== null) tracked.snapshot = { ondemand: Number(row.snapshot_ondemand), precache: Number(row.snapshot_precache ?? 0n) };
    }
    for (const [account, d] of deltas) {
      const tracked = this.#workers.get(account);
      if (tracked === undefined) continue;
      tracked.pending.ondemand -= d.ondemand;
      tracked.pending.precache -= d.precache;
    }
  }
}

/** The INSERT for each of STATEMENT_SIZES, built once. */
const INSERTS = new Map(
  STATEMENT_SIZES.map((n) => [
    n,
    `INSERT INTO hub_results (at, backend, account, root, work_type, difficulty, weight, outcome) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  ]),
);

async function insertResults(tx: SqlExecutor, rows: readonly SqlValue[][]): Promise<void> {
  const params: SqlValue[] = [];
  for (const r of rows) for (const v of r) params.push(v);
  await tx.execute(INSERTS.get(rows.length as (typeof STATEMENT_SIZES)[number]) as string, params);
}

/** One row of `hub_result_counts` to add: minute, backend, account, type, outcome, how many, and when the first and last came. */
interface CountedRow {
  readonly key: readonly [number, string, string, 'ondemand' | 'precache', 'invalid' | 'late' | 'duplicate'];
  n: number;
  first: number;
  last: number;
}

/**
 * Late, invalid and duplicate results counted as they come: by minute,
 * backend, type and outcome (a group, looked up again only when it changes
 * from one result to the next), then account (a string already hashed).
 */
class Counted {
  readonly #groups = new Map<string, Map<string, CountedRow>>();
  #group: Map<string, CountedRow> | undefined;
  #last: { minute: number; backend: string; type: string; outcome: string } = { minute: -1, backend: '', type: '', outcome: '' };
  /** Results counted. */
  results = 0;

  add(r: RecordedResult): void {
    this.#count(
      r.at - (r.at % 60_000),
      r.backend,
      r.accountValid && r.account !== undefined ? r.account : '',
      r.type,
      r.outcome as CountedRow['key'][4],
      1,
      r.at,
      r.at,
    );
  }

  /** Takes another's counts (a write that failed goes back). */
  merge(other: Counted): void {
    for (const row of other.rows()) this.#count(row.key[0], row.key[1], row.key[2], row.key[3], row.key[4], row.n, row.first, row.last);
  }

  rows(): CountedRow[] {
    const out: CountedRow[] = [];
    for (const g of this.#groups.values()) for (const row of g.values()) out.push(row);
    return out;
  }

  #count(
    minute: number,
    backend: string,
    account: string,
    type: CountedRow['key'][3],
    outcome: CountedRow['key'][4],
    n: number,
    first: number,
    last: number,
  ): void {
    const l = this.#last;
    let group = this.#group;
    if (group === undefined || minute !== l.minute || backend !== l.backend || type !== l.type || outcome !== l.outcome) {
      const id = `${minute}|${backend}|${type}|${outcome}`;
      group = this.#groups.get(id);
      if (group === undefined) this.#groups.set(id, (group = new Map()));
      this.#group = group;
      this.#last = { minute, backend, type, outcome };
    }
    const row = group.get(account);
    if (row === undefined) group.set(account, { key: [minute, backend, account, type, outcome], n, first, last });
    else {
      row.n += n;
      if (first < row.first) row.first = first;
      if (last > row.last) row.last = last;
    }
    this.results += n;
  }
}

/** The late, invalid and duplicate results of a batch, added to their minute's counts. */
async function upsertCounts(tx: SqlExecutor, entries: readonly CountedRow[]): Promise<void> {
  const values = entries.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
  await tx.execute(
    `INSERT INTO hub_result_counts (minute, backend, account, work_type, outcome, n) VALUES ${values}
     ON CONFLICT (minute, backend, account, work_type, outcome) DO UPDATE SET n = hub_result_counts.n + excluded.n`,
    entries.flatMap((e) => [...e.key, e.n]),
  );
}

/** One upsert per batch: the per-account sums added to the running counts, the new totals returned. */
async function upsertWorkers(tx: SqlExecutor, entries: ReadonlyArray<[string, WorkerDelta]>): Promise<StoredCounts[]> {
  if (entries.length === 0) return [];
  const values = entries.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  const params = entries.flatMap(([account, d]) => [account, d.ondemand, d.precache, d.invalid, d.late, d.duplicate, d.weight, d.first, d.last]);
  return tx.query(
    `INSERT INTO hub_workers (account, ondemand, precache, invalid, late, duplicate, weight, first_seen, last_seen) VALUES ${values}
     ON CONFLICT (account) DO UPDATE SET
       ondemand = hub_workers.ondemand + excluded.ondemand,
       precache = hub_workers.precache + excluded.precache,
       invalid = hub_workers.invalid + excluded.invalid,
       late = hub_workers.late + excluded.late,
       duplicate = hub_workers.duplicate + excluded.duplicate,
       weight = hub_workers.weight + excluded.weight,
       first_seen = CASE WHEN excluded.first_seen < hub_workers.first_seen THEN excluded.first_seen ELSE hub_workers.first_seen END,
       last_seen = CASE WHEN excluded.last_seen > hub_workers.last_seen THEN excluded.last_seen ELSE hub_workers.last_seen END
     RETURNING account, ondemand, precache, snapshot_ondemand, snapshot_precache`,
    params,
  );
}
