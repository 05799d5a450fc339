import { ensureLedgerSchema, listPlans, type PlanSummary, periodWeights } from './payouts.js';
import type { SqlDatabase } from './sql.js';

/**
 * What `GET /api/hub/*` and the dashboard's hub page show, read from the
 * ledger. JSON-ready: amounts of raw and weights are decimal strings (they
 * pass 2^53), times ISO 8601. The current period runs from the end of the
 * latest payout plan (or the first result) to now.
 */
export interface HubStats {
  readonly workers: { readonly total: number; readonly active: number; readonly activeWindowSeconds: number };
  readonly works: { readonly ondemand: number; readonly precache: number; readonly total: number };
  readonly results: { readonly invalid: number; readonly late: number; readonly duplicate: number };
  readonly rewards: { readonly distributed: string; readonly fees: string; readonly plans: number; readonly unit: string; readonly unitRaw: string };
  readonly period: { readonly from: string | null; readonly works: number; readonly totalWeight: string; readonly weightUnit: 'micro-receive' };
  /** This instance's recorder: results waiting to be written, written since start, dropped because the queue was full. */
  readonly recorder?: { readonly queued: number; readonly written: number; readonly dropped: number };
}

export interface HubWorker {
  readonly account: string;
  readonly works: { readonly ondemand: number; readonly precache: number };
  readonly invalid: number;
  readonly late: number;
  readonly duplicate: number;
  /** All-time accepted weight, micro-receives. */
  readonly weight: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** This worker in the current period: its results, weight and share of the period's total weight (0..1, 6 decimals). */
  readonly period: { readonly works: number; readonly weight: string; readonly share: string };
  /** Raw sent to it by payouts, in all. */
  readonly paid: string;
}

export interface HubReward {
  readonly plan: string;
  readonly from: string;
  readonly to: string;
  readonly amount: string;
  readonly status: string;
  readonly block: string | null;
  readonly sentAt: string | null;
}

export interface HubPayout {
  readonly id: string;
  readonly created: string;
  readonly from: string;
  readonly to: string;
  readonly amount: string;
  readonly fee: string;
  readonly distributable: string;
  readonly workers: number;
  readonly paid: number;
  readonly sent: string;
}

export interface LedgerApiOptions {
  /** Workers seen within this many ms count as active. */
  readonly activeWindow: number;
  readonly unit: string;
  readonly unitRaw: bigint;
  /** How long an answer is reused (ms): the API must not turn every poll into a scan of the period. */
  readonly cacheMs?: number;
  readonly now?: () => number;
  /** The recorder's own figures, read at each answer. */
  readonly recorder?: () => { readonly queued: number; readonly written: number; readonly dropped: number };
}

interface WorkerRow {
  account: string;
  ondemand: bigint;
  precache: bigint;
  invalid: bigint;
  late: bigint;
  duplicate: bigint;
  weight: bigint;
  first_seen: bigint;
  last_seen: bigint;
}

const iso = (ms: number | bigint): string => new Date(Number(ms)).toISOString();

/** `weight / total` as a decimal with 6 places, in integers. */
function fraction(weight: bigint, total: bigint): string {
  if (total === 0n) return '0.000000';
  const micro = (weight * 1_000_000n) / total;
  return `${micro / 1_000_000n}.${(micro % 1_000_000n).toString().padStart(6, '0')}`;
}

export class LedgerApi {
  readonly #db: SqlDatabase;
  readonly #options: LedgerApiOptions;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>();
  #ready: Promise<void> | undefined;

  constructor(db: SqlDatabase, options: LedgerApiOptions) {
    this.#db = db;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async stats(): Promise<HubStats> {
    const stats = await this.#stats();
    const recorder = this.#options.recorder?.();
    return recorder === undefined ? stats : { ...stats, recorder };
  }

  #stats(): Promise<HubStats> {
    return this.#cached('stats', async () => {
      const db = this.#db;
      const [totals] = await db.query<{ n: bigint; ondemand: unknown; precache: unknown; invalid: unknown; late: unknown; duplicate: unknown }>(
        'SELECT COUNT(*) AS n, SUM(ondemand) AS ondemand, SUM(precache) AS precache, SUM(invalid) AS invalid, SUM(late) AS late, SUM(duplicate) AS duplicate FROM hub_workers',
      );
      const [active] = await db.query<{ n: bigint }>('SELECT COUNT(*) AS n FROM hub_workers WHERE last_seen >= ?', [this.#now() - this.#options.activeWindow]);
      const from = await this.#periodStart();
      const weights = await periodWeights(db, from ?? 0, Number.MAX_SAFE_INTEGER);
      const plans = await db.query<{ fee: string }>('SELECT fee FROM payout_plans');
      const sent = await db.query<{ amount: string }>("SELECT amount FROM payout_items WHERE status = 'sent'");
      const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
      const ondemand = num(totals?.ondemand);
      const precache = num(totals?.precache);
      return {
        workers: { total: num(totals?.n), active: num(active?.n), activeWindowSeconds: this.#options.activeWindow / 1000 },
        works: { ondemand, precache, total: ondemand + precache },
        results: { invalid: num(totals?.invalid), late: num(totals?.late), duplicate: num(totals?.duplicate) },
        rewards: {
          distributed: sent.reduce((s, r) => s + BigInt(r.amount), 0n).toString(),
          fees: plans.reduce((s, r) => s + BigInt(r.fee), 0n).toString(),
          plans: plans.length,
          unit: this.#options.unit,
          unitRaw: this.#options.unitRaw.toString(),
        },
        period: {
          from: from === undefined ? null : iso(from),
          works: weights.reduce((s, w) => s + w.results, 0),
          totalWeight: weights.reduce((s, w) => s + w.weight, 0n).toString(),
          weightUnit: 'micro-receive',
        },
      };
    });
  }

  /** Workers by their weight in the current period, then all-time weight; at most `limit`. */
  workers(limit: number): Promise<{ readonly count: number; readonly workers: readonly HubWorker[] }> {
    return this.#cached(`workers:${limit}`, async () => {
      const all = await this.#workerViews();
      return { count: all.length, workers: all.slice(0, limit) };
    });
  }

  /** One worker with its reward history (latest first, at most `limit`); undefined when the ledger never saw it. */
  async worker(account: string, limit = 50): Promise<(HubWorker & { readonly rewards: readonly HubReward[] }) | undefined> {
    await this.#ensure();
    const view = (await this.#workerViews()).find((w) => w.account === account);
    if (view === undefined) return undefined;
    const rows = await this.#db.query<{
      plan_id: string;
      period_from: bigint;
      period_to: bigint;
      amount: string;
      carried_out: string;
      status: string;
      block_hash: string | null;
      sent_at: bigint | null;
    }>(
      `SELECT i.plan_id, p.period_from, p.period_to, i.amount, i.carried_out, i.status, i.block_hash, i.sent_at
       FROM payout_items i JOIN payout_plans p ON p.id = i.plan_id
       WHERE i.account = ? ORDER BY p.period_to DESC LIMIT ?`,
      [account, limit],
    );
    return {
      ...view,
      rewards: rows.map((r) => ({
        plan: r.plan_id,
        from: iso(r.period_from),
        to: iso(r.period_to),
        amount: r.status === 'carried' ? r.carried_out : r.amount,
        status: r.status,
        block: r.block_hash,
        sentAt: r.sent_at === null ? null : iso(r.sent_at),
      })),
    };
  }

  payouts(limit: number): Promise<readonly HubPayout[]> {
    return this.#cached(`payouts:${limit}`, async () =>
      (await listPlans(this.#db, limit)).map((p: PlanSummary) => ({
        id: p.id,
        created: iso(p.createdAt),
        from: iso(p.from),
        to: iso(p.to),
        amount: p.amount.toString(),
        fee: p.fee.toString(),
        distributable: p.distributable.toString(),
        workers: p.workers,
        paid: p.paid,
        sent: p.sent.toString(),
      })),
    );
  }

  async #workerViews(): Promise<HubWorker[]> {
    return this.#cached('views', async () => {
      const db = this.#db;
      const rows = await db.query<WorkerRow>('SELECT account, ondemand, precache, invalid, late, duplicate, weight, first_seen, last_seen FROM hub_workers');
      const from = await this.#periodStart();
      const period = new Map((await periodWeights(db, from ?? 0, Number.MAX_SAFE_INTEGER)).map((w) => [w.account, w] as const));
      const total = [...period.values()].reduce((s, w) => s + w.weight, 0n);
      const paid = new Map<string, bigint>();
      for (const r of await db.query<{ account: string; amount: string }>("SELECT account, amount FROM payout_items WHERE status = 'sent'")) {
        paid.set(r.account, (paid.get(r.account) ?? 0n) + BigInt(r.amount));
      }
      const views = rows.map((r) => {
        const p = period.get(r.account);
        const weight = p?.weight ?? 0n;
        return {
          account: r.account,
          works: { ondemand: Number(r.ondemand), precache: Number(r.precache) },
          invalid: Number(r.invalid),
          late: Number(r.late),
          duplicate: Number(r.duplicate),
          weight: r.weight.toString(),
          firstSeen: iso(r.first_seen),
          lastSeen: iso(r.last_seen),
          period: { works: p?.results ?? 0, weight: weight.toString(), share: fraction(weight, total) },
          paid: (paid.get(r.account) ?? 0n).toString(),
          sort: [weight, r.weight] as const,
        };
      });
      views.sort((a, b) => cmp(b.sort[0], a.sort[0]) || cmp(b.sort[1], a.sort[1]) || (a.account < b.account ? -1 : 1));
      return views.map(({ sort: _sort, ...view }) => view);
    });
  }

  /** The end of the latest plan: where the current period begins; undefined before any plan. */
  async #periodStart(): Promise<number | undefined> {
    const [row] = await this.#db.query<{ t: bigint | null }>('SELECT MAX(period_to) AS t FROM payout_plans');
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
  }

  #ensure(): Promise<void> {
    this.#ready ??= ensureLedgerSchema(this.#db).catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /** One computation per key per `cacheMs`, shared by the requests that arrive meanwhile. */
  #cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = this.#cache.get(key);
    if (hit !== undefined && now - hit.at < (this.#options.cacheMs ?? 2000)) return hit.value as Promise<T>;
    const value = this.#ensure().then(compute);
    this.#cache.set(key, { at: now, value });
    value.catch(() => this.#cache.delete(key));
    return value;
  }
}

function cmp(a: bigint, b: bigint): number {
  return a > b ? 1 : a < b ? -1 : 0;
}
