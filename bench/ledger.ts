/**
 * Section `ledger`:
 *  (a) the hub at its peak job rate (10 instant workers, so ten results a job:
 *      one accepted, a row; nine late, counted) with the ledger off
 *      (`ledger.record: false`, the baseline), on SQLite, and on PostgreSQL
 *      when one answers: req/s, p50/p99 at 32 and 1 clients, and the rows the
 *      ledger wrote per second. Rounds rotate the order; each figure is its
 *      median round. Goal: p50 with the ledger on within 5 % of off.
 *  (b) `payouts plan` for 10 k workers and 1 M results, beside its baseline:
 *      the bare GROUP BY over the period that a plan cannot do without.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { RawMap } from '../lib/config/index.js';
import { openDatabase, type SqlDatabase } from '../lib/ledger/db.js';
import { createPlan, ensureLedgerSchema, periodWeights } from '../lib/ledger/payouts.js';
import { proportionalShares } from '../lib/pow/index.js';
import { type Child, config, DIFFICULTY, fmt, freePort, median, precompute, row, spawnServer } from './harness.js';
import { type LoadResult, runLoad } from './load.js';

const WORKERS = 10;
const PG_ADMIN = process.env.POWGATE_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function forkWorkers(message: object): Promise<ChildProcess> {
  const proc = fork(new URL('./hub-workers.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (reply: Record<string, unknown>) => {
      if ('error' in reply) reject(new Error(String(reply.error)));
      else resolve(proc);
    });
    proc.send(message);
  });
}

/** A fresh PostgreSQL database for the run, or undefined when none answers. */
async function pgDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const name = `powgate_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch {
    return undefined;
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Results the ledger holds: accepted ones as rows, the others as counts by minute. */
async function rows(db: SqlDatabase): Promise<number> {
  const [r] = await db.query<{ n: bigint }>('SELECT COUNT(*) AS n FROM hub_results');
  const [c] = await db.query<{ n: unknown }>('SELECT SUM(n) AS n FROM hub_result_counts');
  return Number(r?.n ?? 0n) + Number(c?.n ?? 0);
}

interface Variant {
  readonly name: string;
  readonly url: string;
  /** The ledger's database, for counting what it wrote; none when off. */
  readonly db?: SqlDatabase;
}

/** (a) */
async function hubPath(
  options: { seconds: number; rounds: number },
  lines: string[],
  children: Child[],
  procs: ChildProcess[],
): Promise<Record<string, unknown>> {
  const table = precompute(20_000);
  const answers = Object.fromEntries(table.map(([r, w]) => [r.toUpperCase(), w]));
  const dir = mkdtempSync(path.join(tmpdir(), 'powgate-bench-ledger-'));
  const postgres = await pgDatabase();
  const variants: Variant[] = [];
  const out: Record<string, unknown> = {};
  try {
    const start = async (name: string, ledger: RawMap, dbUrl?: string): Promise<void> => {
      const port = await freePort();
      const child = await spawnServer({
        mode: 'powgate',
        config: { ...config({ hub: { type: 'hub', broker: 'embedded', listen: `127.0.0.1:${port}` } }), ledger },
      });
      children.push(child);
      procs.push(await forkWorkers({ mode: 'mqtt', url: `mqtt://127.0.0.1:${port}`, count: WORKERS, table: answers, username: 'client', password: 'client' }));
      variants.push({ name, url: child.url, ...(dbUrl === undefined ? {} : { db: await openDatabase({ url: dbUrl, dataDir: dir }) }) });
    };
    await start('ledger off (baseline)', { record: false, data_dir: path.join(dir, 'off') });
    await start('ledger on, SQLite', { data_dir: path.join(dir, 'sqlite') }, `sqlite://${path.join(dir, 'sqlite', 'powgate.db')}`);
    if (postgres !== undefined) await start('ledger on, PostgreSQL', { url: postgres.url }, postgres.url);
    await sleep(500);
    let next = 0;
    const body = () => JSON.stringify({ action: 'work_generate', hash: table[next++ % table.length]?.[0], difficulty: DIFFICULTY });
    const load = (url: string, clients: number, seconds: number) => runLoad({ url, connections: clients, seconds, body, check: (t) => t.includes('"work"') });
    // Warm-up: JIT, the brokers' connections, the ledger's first batches.
    for (const v of variants) await load(v.url, 32, 1);
    lines.push(
      '',
      `## (11a) the hub at its peak job rate (${WORKERS} instant workers: 1 accepted result a job, recorded as a row, + ${WORKERS - 1} late, counted), ledger off vs on; median of ${options.rounds} rotated rounds`,
      '',
      row(['path', 'clients', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'results recorded/s', 'p50 vs off', 'req/s vs off']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const clients of [32, 1]) {
      const runs = new Map<string, Array<LoadResult & { rowsPerSecond: number }>>(variants.map((v) => [v.name, []]));
      for (let round = 0; round < options.rounds; round++) {
        for (let i = 0; i < variants.length; i++) {
          const v = variants[(round + i) % variants.length] as Variant;
          const before = v.db === undefined ? 0 : await rows(v.db);
          const t0 = performance.now();
          const r = await load(v.url, clients, options.seconds);
          // The ledger writes within a second; what it wrote for this run is in after that.
          await sleep(1300);
          const written = v.db === undefined ? 0 : (await rows(v.db)) - before;
          runs.get(v.name)?.push({ ...r, rowsPerSecond: written / ((performance.now() - t0 - 1300) / 1000) });
        }
      }
      let baseline: LoadResult | undefined;
      for (const v of variants) {
        const r = median(runs.get(v.name) ?? [], (x) => x.p50);
        baseline ??= r;
        const isBase = v.db === undefined;
        lines.push(
          row([
            v.name,
            String(clients),
            fmt(r.rps),
            fmt(r.p50, 3),
            fmt(r.p99, 3),
            String(r.errors),
            isBase ? '-' : fmt(r.rowsPerSecond),
            isBase ? '' : `${fmt(((r.p50 - baseline.p50) / baseline.p50) * 100, 1)} %`,
            isBase ? '' : `${fmt((r.rps / baseline.rps) * 100)} %`,
          ]),
        );
        out[`c${clients}.${v.name}`] = r;
      }
    }
    if (postgres === undefined) lines.push('', 'PostgreSQL: none answers on 127.0.0.1:5432, its rows are missing (scripts/test-deps.sh starts one)');
    lines.push('', 'goal: p50 with the ledger on within 5 % of off (recording never slows the hub path)');
  } finally {
    for (const v of variants) await v.db?.close();
    for (const c of children.splice(0)) c.proc.kill('SIGINT');
    for (const p of procs.splice(0)) p.kill('SIGINT');
    await sleep(300);
    await postgres?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const RESULTS = 1_000_000;
const ACCOUNTS = 10_000;

/** 1 M accepted results over 10 k workers, one in three send-level, generated inside the database. */
async function seed(db: SqlDatabase): Promise<void> {
  await ensureLedgerSchema(db);
  const select = `SELECT 1000 + i, 'hub', 'nano_w' || (i % ${ACCOUNTS}), NULL, 'ondemand', 'fffffff800000000',
    CASE WHEN i % 3 = 0 THEN 64000000 ELSE 1000000 END, 'accepted'`;
  const columns = 'hub_results (at, backend, account, root, work_type, difficulty, weight, outcome)';
  if (db.dialect === 'postgres') {
    await db.execute(`INSERT INTO ${columns} ${select} FROM generate_series(0, ${RESULTS - 1}) AS i`);
    await db.execute('ANALYZE hub_results');
  } else {
    await db.execute(`WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ${RESULTS - 1}) INSERT INTO ${columns} ${select} FROM c`);
  }
}

/** (b) */
async function planTime(lines: string[]): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'powgate-bench-plan-'));
  const postgres = await pgDatabase();
  const out: Record<string, unknown> = {};
  lines.push(
    '',
    `## (11b) payouts plan: ${ACCOUNTS / 1000}k workers, ${RESULTS / 1e6}M results, beside the bare GROUP BY a plan is built on`,
    '',
    row(['database', 'GROUP BY (baseline) ms', 'shares alone ms', 'payouts plan ms', 'plan vs GROUP BY']),
    row(['---', '---:', '---:', '---:', '---:']),
  );
  try {
    const targets: Array<[string, string]> = [['SQLite', `sqlite://${path.join(dir, 'plan.db')}`]];
    if (postgres !== undefined) targets.push(['PostgreSQL', postgres.url]);
    for (const [name, url] of targets) {
      const db = await openDatabase({ url, dataDir: dir });
      try {
        await seed(db);
        const to = 1000 + RESULTS;
        const t0 = performance.now();
        const weights = await periodWeights(db, 0, to);
        const groupBy = performance.now() - t0;
        const t1 = performance.now();
        proportionalShares(weights, 10n * 10n ** 30n);
        const shares = performance.now() - t1;
        const t2 = performance.now();
        const plan = await createPlan(db, {
          from: 0,
          to,
          amount: 10n * 10n ** 30n,
          fee: { text: '1%', numerator: 1n, denominator: 100n },
          minimum: 10n ** 27n,
          network: 'nano',
          now: to + 120_000,
        });
        const planMs = performance.now() - t2;
        if (plan.items.length !== ACCOUNTS) throw new Error(`bench ledger: plan has ${plan.items.length} workers, expected ${ACCOUNTS}`);
        lines.push(row([name, fmt(groupBy), fmt(shares, 1), fmt(planMs), `${fmt(planMs / groupBy, 2)}×`]));
        out[name] = { groupByMs: groupBy, sharesMs: shares, planMs };
      } finally {
        await db.close();
      }
    }
    if (postgres === undefined) lines.push('', 'PostgreSQL: none answers on 127.0.0.1:5432, its row is missing');
  } finally {
    await postgres?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export async function benchLedger(options: { seconds: number; rounds: number }, lines: string[], children: Child[]): Promise<unknown> {
  const procs: ChildProcess[] = [];
  const hub = await hubPath(options, lines, children, procs);
  const plan = await planTime(lines);
  return { hub, plan };
}
