import { createHash, randomBytes } from 'node:crypto';
import { Message, PayoutError } from '../errors.js';
import { feeOf, proportionalShares } from '../pow/index.js';
import { LEDGER_COMPONENT, LEDGER_MIGRATIONS } from './schema.js';
import type { SqlDatabase, SqlExecutor, SqlValue } from './sql.js';

/**
 * Payouts: a plan splits an amount over the workers of a period in
 * proportion to their weight (lib/pow/shares.ts), and sending it pays each
 * worker through the node's wallet RPC, resumably and never twice.
 *
 * Money rules: raw as bigint, stored as decimal text; the fee is floored
 * (rounding favours the workers); shares add up to the distributable exactly;
 * a worker whose payment (share plus what earlier plans carried for it) is
 * below the minimum is carried to the next plan, not paid and not lost.
 */

/** Above this fee a plan needs `--allow-high-fee`: 5 %. */
export const HIGH_FEE = { numerator: 5n, denominator: 100n } as const;

export interface FeeRate {
  /** As written (`1%`), shown in the plan. */
  readonly text: string;
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export interface PlanInput {
  /** Epoch ms; the period is [from, to). */
  readonly from: number;
  readonly to: number;
  /** Raw. */
  readonly amount: bigint;
  readonly fee: FeeRate;
  /** Raw: smaller payments are carried to the next plan. */
  readonly minimum: bigint;
  readonly network: string;
  readonly allowHighFee?: boolean;
  readonly now?: number;
}

export type ItemStatus = 'pending' | 'sending' | 'sent' | 'carried';

export interface PlanItem {
  readonly account: string;
  /** Accepted results in the period. */
  readonly results: number;
  readonly weight: bigint;
  /** Of the distributable. */
  readonly share: bigint;
  /** What earlier plans carried for this worker. */
  readonly carriedIn: bigint;
  /** To send: share + carriedIn, or 0 when carried to the next plan. */
  readonly amount: bigint;
  readonly carriedOut: bigint;
  /** The node's `id` for this payment: the same on every retry, so the node sends it once. */
  readonly sendId: string;
  readonly status: ItemStatus;
  readonly blockHash?: string;
  readonly sentAt?: number;
}

export interface Plan {
  readonly id: string;
  readonly createdAt: number;
  readonly from: number;
  readonly to: number;
  readonly network: string;
  readonly amount: bigint;
  readonly feeRate: string;
  readonly fee: bigint;
  readonly distributable: bigint;
  readonly totalWeight: bigint;
  readonly minimum: bigint;
  readonly items: readonly PlanItem[];
}

/** Results still being written by a running powgate (its recorder flushes within a second) are not missed. */
export const SETTLE_MS = 60_000;

/** The node's `id` for one payment: derived from plan and account, so a retry after a crash or timeout is the same send. */
export function sendId(planId: string, account: string): string {
  return createHash('sha256').update(`powgate-payout:${planId}:${account}`).digest('hex').toUpperCase();
}

/** The ledger's tables, migrated if this is the first use (a payouts command before any server ran). */
export async function ensureLedgerSchema(db: SqlDatabase): Promise<void> {
  await db.migrate(LEDGER_COMPONENT, LEDGER_MIGRATIONS);
}

function big(value: unknown): bigint {
  return value === null || value === undefined ? 0n : BigInt(String(value));
}

/** Computes and stores a plan for a period (one transaction), consuming and renewing carried amounts. */
export async function createPlan(db: SqlDatabase, input: PlanInput): Promise<Plan> {
  const now = input.now ?? Date.now();
  if (!(input.from < input.to)) throw new PayoutError(Message.payoutsPeriod);
  if (input.to > now - SETTLE_MS) throw new PayoutError(Message.payoutsPeriodOpen(SETTLE_MS / 1000));
  if (input.amount <= 0n) throw new PayoutError(Message.payoutsAmount);
  const { numerator, denominator } = input.fee;
  if (numerator * HIGH_FEE.denominator > HIGH_FEE.numerator * denominator && input.allowHighFee !== true) {
    throw new PayoutError(Message.payoutsHighFee(input.fee.text));
  }
  await ensureLedgerSchema(db);
  return db.transaction(async (tx) => {
    // Two plans made at once must not both cover a period: one waits for the other.
    if (db.dialect === 'postgres') await tx.execute('LOCK TABLE payout_plans IN EXCLUSIVE MODE');
    const [overlap] = await tx.query<{ id: string }>('SELECT id FROM payout_plans WHERE period_from < ? AND period_to > ? ORDER BY period_from LIMIT 1', [
      input.to,
      input.from,
    ]);
    if (overlap !== undefined) throw new PayoutError(Message.payoutsOverlap(overlap.id));
    const weights = await periodWeights(tx, input.from, input.to);
    if (weights.length === 0) throw new PayoutError(Message.payoutsNoResults);
    const carry = new Map(
      (await tx.query<{ account: string; amount: string }>('SELECT account, amount FROM payout_carry')).map((r) => [r.account, BigInt(r.amount)] as const),
    );
    const fee = feeOf(input.amount, input.fee);
    const distributable = input.amount - fee;
    const shares = proportionalShares(
      weights.map((w) => ({ account: w.account, weight: w.weight })),
      distributable,
    );
    const results = new Map(weights.map((w) => [w.account, w.results] as const));
    const id = planId(input.from, input.to, now);
    const items: PlanItem[] = [];
    const rows = new Map(shares.map((s) => [s.account, { weight: s.weight, share: s.share }] as const));
    // Workers carried from earlier plans who did nothing this period are paid (or carried) too.
    for (const account of carry.keys()) if (!rows.has(account)) rows.set(account, { weight: 0n, share: 0n });
    for (const [account, row] of [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const carriedIn = carry.get(account) ?? 0n;
      const total = row.share + carriedIn;
      const pays = total >= input.minimum && total > 0n;
      items.push({
        account,
        results: results.get(account) ?? 0,
        weight: row.weight,
        share: row.share,
        carriedIn,
        amount: pays ? total : 0n,
        carriedOut: pays ? 0n : total,
        sendId: sendId(id, account),
        status: pays ? 'pending' : 'carried',
      });
    }
    const totalWeight = weights.reduce((sum, w) => sum + w.weight, 0n);
    const plan: Plan = {
      id,
      createdAt: now,
      from: input.from,
      to: input.to,
      network: input.network,
      amount: input.amount,
      feeRate: input.fee.text,
      fee,
      distributable,
      totalWeight,
      minimum: input.minimum,
      items,
    };
    await tx.execute(
      `INSERT INTO payout_plans (id, created_at, period_from, period_to, network, amount, fee_rate, fee, distributable, total_weight, minimum)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        now,
        input.from,
        input.to,
        input.network,
        String(input.amount),
        input.fee.text,
        String(fee),
        String(distributable),
        String(totalWeight),
        String(input.minimum),
      ],
    );
    // Many rows a statement (10 000 workers are 100 statements, not 10 000 round trips).
    await insertMany(
      tx,
      'payout_items (plan_id, account, results, weight, share, carried_in, amount, carried_out, send_id, status)',
      items.map((item) => [
        id,
        item.account,
        item.results,
        String(item.weight),
        String(item.share),
        String(item.carriedIn),
        String(item.amount),
        String(item.carriedOut),
        item.sendId,
        item.status,
      ]),
    );
    // The carry now lives in this plan's items: replace it with what this plan carries on.
    await tx.execute('DELETE FROM payout_carry');
    await insertMany(
      tx,
      'payout_carry (account, amount, plan_id)',
      items.filter((item) => item.carriedOut > 0n).map((item) => [item.account, String(item.carriedOut), id]),
    );
    return plan;
  });
}

/** Rows inserted 100 a statement. */
async function insertMany(tx: SqlExecutor, into: string, rows: ReadonlyArray<readonly SqlValue[]>): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    const placeholders = `(${(chunk[0] ?? []).map(() => '?').join(', ')})`;
    await tx.execute(`INSERT INTO ${into} VALUES ${chunk.map(() => placeholders).join(', ')}`, chunk.flat());
  }
}

/** Each credited worker's accepted results and summed weight in [from, to). */
export async function periodWeights(on: SqlExecutor, from: number, to: number): Promise<Array<{ account: string; results: number; weight: bigint }>> {
  const rows = await on.query<{ account: string; n: bigint; w: unknown }>(
    `SELECT account, COUNT(*) AS n, SUM(weight) AS w FROM hub_results
     WHERE outcome = 'accepted' AND account IS NOT NULL AND at >= ? AND at < ?
     GROUP BY account`,
    [from, to],
  );
  return rows.map((r) => ({ account: r.account, results: Number(r.n), weight: big(r.w) }));
}

function planId(from: number, to: number, now: number): string {
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
  return `${day(from)}-${day(to)}-${createHash('sha256')
    .update(`${from}:${to}:${now}:${randomBytes(8).toString('hex')}`)
    .digest('hex')
    .slice(0, 8)}`;
}

interface PlanRow {
  id: string;
  created_at: bigint;
  period_from: bigint;
  period_to: bigint;
  network: string;
  amount: string;
  fee_rate: string;
  fee: string;
  distributable: string;
  total_weight: string;
  minimum: string;
}

interface ItemRow {
  account: string;
  results: bigint;
  weight: string;
  share: string;
  carried_in: string;
  amount: string;
  carried_out: string;
  send_id: string;
  status: string;
  block_hash: string | null;
  sent_at: bigint | null;
}

function toPlan(row: PlanRow, items: readonly ItemRow[]): Plan {
  return {
    id: row.id,
    createdAt: Number(row.created_at),
    from: Number(row.period_from),
    to: Number(row.period_to),
    network: row.network,
    amount: BigInt(row.amount),
    feeRate: row.fee_rate,
    fee: BigInt(row.fee),
    distributable: BigInt(row.distributable),
    totalWeight: BigInt(row.total_weight),
    minimum: BigInt(row.minimum),
    items: items.map((i) => ({
      account: i.account,
      results: Number(i.results),
      weight: BigInt(i.weight),
      share: BigInt(i.share),
      carriedIn: BigInt(i.carried_in),
      amount: BigInt(i.amount),
      carriedOut: BigInt(i.carried_out),
      sendId: i.send_id,
      status: i.status as ItemStatus,
      ...(i.block_hash === null ? {} : { blockHash: i.block_hash }),
      ...(i.sent_at === null ? {} : { sentAt: Number(i.sent_at) }),
    })),
  };
}

export async function loadPlan(db: SqlDatabase, id: string): Promise<Plan | undefined> {
  await ensureLedgerSchema(db);
  const [row] = await db.query<PlanRow>('SELECT * FROM payout_plans WHERE id = ?', [id]);
  if (row === undefined) return undefined;
  const items = await db.query<ItemRow>('SELECT * FROM payout_items WHERE plan_id = ? ORDER BY account', [id]);
  return toPlan(row, items);
}

/** Sends the payments of a plan. Implemented by the node's wallet RPC (lib/ledger/wallet.ts) and by tests' fakes. */
export interface WalletSender {
  /** Resolves to the block hash; the same `id` twice must be the same send (the node's rule). */
  send(destination: string, amount: bigint, id: string): Promise<string>;
}

export interface SendReport {
  readonly plan: Plan;
  /** Paid in this run. */
  readonly paid: readonly PlanItem[];
  /** Paid before this run. */
  readonly alreadyPaid: readonly PlanItem[];
  /** Still to pay (after a failure: the one that failed first). */
  readonly remaining: readonly PlanItem[];
  readonly error?: PayoutError;
}

/**
 * Pays every payment of the plan not yet recorded as sent, in account order.
 * Each payment is marked `sending` before the node is asked and `sent` with
 * its block hash after; a crash in between leaves it `sending`, and the next
 * run asks the node again with the same `id`, which the node answers with the
 * block it already made: paid once. The first failure stops the run; the
 * report says which payments are done and which remain, and running again
 * resumes.
 */
export async function sendPlan(db: SqlDatabase, id: string, sender: WalletSender, options: { now?: () => number } = {}): Promise<SendReport> {
  const now = options.now ?? Date.now;
  const plan = await loadPlan(db, id);
  if (plan === undefined) throw new PayoutError(Message.payoutsUnknownPlan(id));
  const alreadyPaid = plan.items.filter((i) => i.status === 'sent');
  const todo = plan.items.filter((i) => i.status === 'pending' || i.status === 'sending');
  const paid: PlanItem[] = [];
  for (let index = 0; index < todo.length; index++) {
    const item = todo[index] as PlanItem;
    await db.execute("UPDATE payout_items SET status = 'sending' WHERE plan_id = ? AND account = ? AND status = 'pending'", [id, item.account]);
    let block: string;
    try {
      block = await sender.send(item.account, item.amount, item.sendId);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      return {
        plan: (await loadPlan(db, id)) ?? plan,
        paid,
        alreadyPaid,
        remaining: todo.slice(index),
        error: new PayoutError(Message.payoutsSendFailed(item.account, detail), { cause: err }),
      };
    }
    const sentAt = now();
    await db.transaction(async (tx) => {
      await tx.execute("UPDATE payout_items SET status = 'sent', block_hash = ?, sent_at = ? WHERE plan_id = ? AND account = ?", [
        block,
        sentAt,
        id,
        item.account,
      ]);
      await snapshotWorker(tx, item.account, plan.to);
    });
    paid.push({ ...item, status: 'sent', blockHash: block, sentAt });
  }
  return { plan: (await loadPlan(db, id)) ?? plan, paid, alreadyPaid, remaining: [] };
}

/** `snapshot_*` of client/{account}: the worker's accepted counts up to the end of the period it was paid for. */
async function snapshotWorker(tx: SqlExecutor, account: string, to: number): Promise<void> {
  const rows = await tx.query<{ work_type: string; n: bigint }>(
    "SELECT work_type, COUNT(*) AS n FROM hub_results WHERE account = ? AND outcome = 'accepted' AND at < ? GROUP BY work_type",
    [account, to],
  );
  const count = (type: string): bigint => rows.find((r) => r.work_type === type)?.n ?? 0n;
  await tx.execute('UPDATE hub_workers SET snapshot_ondemand = ?, snapshot_precache = ? WHERE account = ?', [count('ondemand'), count('precache'), account]);
}

export interface PlanSummary {
  readonly id: string;
  readonly createdAt: number;
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  readonly fee: bigint;
  readonly distributable: bigint;
  readonly workers: number;
  readonly paid: number;
  readonly sent: bigint;
}

/** The latest plans first, with how much of each is paid. */
export async function listPlans(db: SqlExecutor, limit: number): Promise<PlanSummary[]> {
  const plans = await db.query<PlanRow>('SELECT * FROM payout_plans ORDER BY period_to DESC, created_at DESC LIMIT ?', [limit]);
  const out: PlanSummary[] = [];
  for (const p of plans) {
    const items = await db.query<{ amount: string; status: string }>('SELECT amount, status FROM payout_items WHERE plan_id = ?', [p.id]);
    const sent = items.filter((i) => i.status === 'sent');
    out.push({
      id: p.id,
      createdAt: Number(p.created_at),
      from: Number(p.period_from),
      to: Number(p.period_to),
      amount: BigInt(p.amount),
      fee: BigInt(p.fee),
      distributable: BigInt(p.distributable),
      workers: items.length,
      paid: sent.length,
      sent: sent.reduce((sum, i) => sum + BigInt(i.amount), 0n),
    });
  }
  return out;
}
