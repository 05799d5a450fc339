/**
 * `powgate payouts plan|send|show|list`: flags, config, output (a table, or
 * JSON with --json). Exit codes: 0 done, 1 a payment or the database failed
 * (the plan stays resumable), 2 bad flags or configuration.
 */
import type { Config } from '../config/types.js';
import { ConfigError, Message, PayoutError } from '../errors.js';
import { formatAmount, formatWeight, NETWORKS, parseAmount, parseFeeRate } from '../pow/index.js';
import { openDatabase } from './db.js';
import { createPlan, ensureLedgerSchema, listPlans, loadPlan, type Plan, type PlanItem, type SendReport, sendPlan, type WalletSender } from './payouts.js';
import type { SqlDatabase } from './sql.js';
import { nodeWalletSender } from './wallet.js';

export const PAYOUTS_USAGE = `Usage: powgate payouts plan --from TIME --to TIME --amount N [--fee RATE] [--allow-high-fee] [--json]
       powgate payouts send PLAN [--execute] [--json]
       powgate payouts show PLAN [--json]
       powgate payouts list [--limit N] [--json]

Pays the hub's workers in proportion to their work (README, "Ledger and payouts").

  plan      splits --amount (in XNO, or BAN on banano) of the period [--from, --to) over the
            workers by weight, after the fee (payouts.fee, default 1%; above 5% needs
            --allow-high-fee); payments under payouts.minimum are carried to the next plan.
            TIME: 2026-12-01 (UTC midnight) or 2026-12-01T12:00:00Z. Stores and prints the plan.
  send      pays a plan through node.rpc's wallet (payouts.wallet, payouts.source): a dry run
            that prints what it would send unless --execute. Resumable: run it again after a
            failure; each payment carries an id derived from plan and account, so none is made twice.
  show      a plan and where each payment stands
  list      the latest plans

  --config FILE   the powgate config (env POWGATE_CONFIG): ledger, payouts, node.rpc, network
  --json          JSON instead of a table (amounts in raw, as strings)
`;

export class PayoutsFlagError extends Error {}

type Out = (text: string) => void;

interface Flags {
  readonly command: 'plan' | 'send' | 'show' | 'list';
  readonly plan?: string;
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
}

const VALUE_FLAGS: Record<Flags['command'], readonly string[]> = {
  plan: ['from', 'to', 'amount', 'fee', 'config'],
  send: ['config'],
  show: ['config'],
  list: ['limit', 'config'],
};
const SWITCHES: Record<Flags['command'], readonly string[]> = {
  plan: ['json', 'allow-high-fee'],
  send: ['json', 'execute'],
  show: ['json'],
  list: ['json'],
};

export function parsePayoutsFlags(argv: readonly string[]): Flags | 'help' {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') return 'help';
  if (command !== 'plan' && command !== 'send' && command !== 'show' && command !== 'list') {
    throw new PayoutsFlagError(`unknown payouts command ${JSON.stringify(command)} (plan, send, show or list)`);
  }
  const values = new Map<string, string>();
  const switches = new Set<string>();
  let plan: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '-h' || arg === '--help') return 'help';
    if (!arg.startsWith('--')) {
      if ((command === 'send' || command === 'show') && plan === undefined) {
        plan = arg;
        continue;
      }
      throw new PayoutsFlagError(`unexpected argument ${JSON.stringify(arg)}`);
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (SWITCHES[command].includes(name)) {
      if (eq !== -1) throw new PayoutsFlagError(`--${name} takes no value`);
      switches.add(name);
      continue;
    }
    if (!VALUE_FLAGS[command].includes(name)) throw new PayoutsFlagError(`unknown flag --${name} for payouts ${command}`);
    const value = eq === -1 ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new PayoutsFlagError(`--${name} needs a value`);
    if (values.has(name)) throw new PayoutsFlagError(`--${name} is given twice`);
    values.set(name, value);
  }
  if ((command === 'send' || command === 'show') && plan === undefined)
    throw new PayoutsFlagError(`payouts ${command} needs the plan id (powgate payouts list shows them)`);
  if (command === 'plan') for (const name of ['from', 'to', 'amount']) if (!values.has(name)) throw new PayoutsFlagError(`--${name} is required`);
  return { command, values, switches, ...(plan === undefined ? {} : { plan }) };
}

/** `2026-12-01` (UTC midnight) or an ISO time with its zone (`Z` or `+01:00`): never the machine's local time. */
export function parseTime(text: string, flag: string): number {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(date)) {
    throw new PayoutsFlagError(`--${flag}: expected a date (2026-12-01) or a time with its zone (2026-12-01T12:00:00Z), found ${JSON.stringify(text)}`);
  }
  const ms = Date.parse(date);
  if (Number.isNaN(ms)) throw new PayoutsFlagError(`--${flag}: not a valid time: ${JSON.stringify(text)}`);
  return ms;
}

export interface PayoutsDeps {
  /** The loaded config (the CLI loads it from --config / POWGATE_CONFIG). */
  readonly loadConfig: (argv: readonly string[]) => Promise<Config>;
  /** Tests: another wallet than node.rpc's. */
  readonly sender?: (config: Config) => WalletSender;
  readonly now?: () => number;
}

export async function runPayoutsCommand(argv: readonly string[], out: Out, err: Out, deps: PayoutsDeps): Promise<number> {
  let flags: Flags | 'help';
  try {
    flags = parsePayoutsFlags(argv);
  } catch (e) {
    if (!(e instanceof PayoutsFlagError)) throw e;
    err(`powgate payouts: ${e.message}\n\n${PAYOUTS_USAGE}`);
    return 2;
  }
  if (flags === 'help') {
    out(PAYOUTS_USAGE);
    return 0;
  }
  let config: Config;
  try {
    const file = flags.values.get('config');
    config = await deps.loadConfig(file === undefined ? [] : ['--config', file]);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`powgate payouts: configuration error: ${e.message}\n`);
    return 2;
  }
  let db: SqlDatabase | undefined;
  try {
    db = await openDatabase({ url: config.ledger.url, dataDir: config.ledger.dataDir });
    return await run(flags, config, db, out, err, deps);
  } catch (e) {
    if (e instanceof PayoutsFlagError) {
      err(`powgate payouts: ${e.message}\n`);
      return 2;
    }
    // A plan that cannot be made as asked is the caller's to fix (2); anything else failed (1).
    err(`powgate payouts: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof PayoutError ? 2 : 1;
  } finally {
    await db?.close();
  }
}

async function run(flags: Flags, config: Config, db: SqlDatabase, out: Out, err: Out, deps: PayoutsDeps): Promise<number> {
  const network = NETWORKS[config.network];
  const json = flags.switches.has('json');
  const view = viewOf(network.unit, network.unitRaw);
  if (flags.command === 'plan') {
    const amountText = flags.values.get('amount') as string;
    const amount = parseAmount(amountText, network.unitRaw);
    if (amount === undefined)
      throw new PayoutsFlagError(`--amount: expected an amount in ${network.unit} such as 10 or 0.5, found ${JSON.stringify(amountText)}`);
    const feeText = flags.values.get('fee');
    let fee = config.payouts.fee;
    if (feeText !== undefined) {
      const rate = parseFeeRate(feeText);
      if (rate === undefined) throw new PayoutsFlagError(`--fee: expected a rate from 0% to 100% such as 1% or 0.5%, found ${JSON.stringify(feeText)}`);
      fee = { text: feeText.trim(), ...rate };
    }
    const plan = await createPlan(db, {
      from: parseTime(flags.values.get('from') as string, 'from'),
      to: parseTime(flags.values.get('to') as string, 'to'),
      amount,
      fee,
      minimum: config.payouts.minimum,
      network: config.network,
      allowHighFee: flags.switches.has('allow-high-fee'),
      ...(deps.now === undefined ? {} : { now: deps.now() }),
    });
    out(json ? `${JSON.stringify(view.planJson(plan), null, 2)}\n` : view.planTable(plan));
    return 0;
  }
  if (flags.command === 'list') {
    const limitText = flags.values.get('limit') ?? '20';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new PayoutsFlagError(`--limit: expected 1 to 1000, found ${JSON.stringify(limitText)}`);
    await ensureLedgerSchema(db);
    const plans = await listPlans(db, limit);
    if (json)
      out(
        `${JSON.stringify(
          plans.map((p) => view.summaryJson(p)),
          null,
          2,
        )}\n`,
      );
    else out(view.listTable(plans));
    return 0;
  }
  const id = flags.plan as string;
  if (flags.command === 'show') {
    const plan = await loadPlan(db, id);
    if (plan === undefined) throw new PayoutError(Message.payoutsUnknownPlan(id));
    out(json ? `${JSON.stringify(view.planJson(plan), null, 2)}\n` : view.planTable(plan));
    return 0;
  }
  // send
  const plan = await loadPlan(db, id);
  if (plan === undefined) throw new PayoutError(Message.payoutsUnknownPlan(id));
  if (!flags.switches.has('execute')) {
    const todo = plan.items.filter((i) => i.status === 'pending' || i.status === 'sending');
    if (json) out(`${JSON.stringify({ dryRun: true, plan: view.planJson(plan), wouldSend: todo.map((i) => view.itemJson(i)) }, null, 2)}\n`);
    else {
      out(view.planTable(plan));
      out(
        `\ndry run: would send ${todo.length} payments, ${view.amount(todo.reduce((s, i) => s + i.amount, 0n))} in all, from ${config.payouts.source ?? '(payouts.source unset)'}; nothing was sent. Add --execute to pay.\n`,
      );
    }
    return 0;
  }
  const sender = deps.sender?.(config) ?? walletOf(config);
  const report = await sendPlan(db, id, sender, deps.now === undefined ? {} : { now: deps.now });
  if (json) out(`${JSON.stringify(view.reportJson(report), null, 2)}\n`);
  else out(view.reportText(report));
  if (report.error !== undefined) {
    err(`powgate payouts: ${report.error.message}\n`);
    return 1;
  }
  return 0;
}

function walletOf(config: Config): WalletSender {
  const { wallet, source } = config.payouts;
  if (wallet === undefined || source === undefined || config.node.rpc === undefined) throw new PayoutError(Message.payoutsNoWallet);
  return nodeWalletSender({ url: config.node.rpc, wallet, source, timeout: config.node.timeout });
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** share of the total weight as a percentage with two decimals, in integers. */
function percent(weight: bigint, total: bigint): string {
  if (total === 0n) return '0.00%';
  const hundredths = (weight * 10_000n) / total;
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}%`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function viewOf(unit: string, unitRaw: bigint) {
  const amount = (raw: bigint): string => `${formatAmount(raw, unitRaw)} ${unit}`;
  const itemJson = (i: PlanItem) => ({
    account: i.account,
    results: i.results,
    weight: i.weight.toString(),
    share: i.share.toString(),
    carriedIn: i.carriedIn.toString(),
    amount: i.amount.toString(),
    carriedOut: i.carriedOut.toString(),
    status: i.status,
    sendId: i.sendId,
    ...(i.blockHash === undefined ? {} : { block: i.blockHash }),
    ...(i.sentAt === undefined ? {} : { sentAt: iso(i.sentAt) }),
  });
  const planJson = (p: Plan) => ({
    id: p.id,
    created: iso(p.createdAt),
    from: iso(p.from),
    to: iso(p.to),
    network: p.network,
    unit,
    amount: p.amount.toString(),
    feeRate: p.feeRate,
    fee: p.fee.toString(),
    distributable: p.distributable.toString(),
    totalWeight: p.totalWeight.toString(),
    weightUnit: 'micro-receive',
    minimum: p.minimum.toString(),
    items: p.items.map(itemJson),
  });
  return {
    amount,
    itemJson,
    planJson,
    planTable(p: Plan): string {
      const head = [
        `plan ${p.id}  period ${iso(p.from)} .. ${iso(p.to)}  (${p.network})`,
        `amount ${amount(p.amount)}, fee ${p.feeRate} = ${amount(p.fee)}, distributable ${amount(p.distributable)}`,
        `total weight ${formatWeight(p.totalWeight)} receive-level works; minimum payment ${amount(p.minimum)}`,
        '',
      ].join('\n');
      const rows = p.items.map((i) => [
        i.account,
        String(i.results),
        formatWeight(i.weight),
        percent(i.weight, p.totalWeight),
        formatAmount(i.share, unitRaw),
        formatAmount(i.carriedIn, unitRaw),
        i.status === 'carried' ? `carried ${formatAmount(i.carriedOut, unitRaw)}` : formatAmount(i.amount, unitRaw),
        i.status,
        i.blockHash ?? '',
      ]);
      const pay = p.items.reduce((s, i) => s + i.amount, 0n);
      const carried = p.items.reduce((s, i) => s + i.carriedOut, 0n);
      return `${head}${table(['account', 'results', 'weight', 'share %', 'share', 'carried in', 'payment', 'status', 'block'], rows)}\n\nto pay ${amount(pay)} to ${p.items.filter((i) => i.amount > 0n).length} workers; carried to the next plan ${amount(carried)}\n`;
    },
    summaryJson: (s: Awaited<ReturnType<typeof listPlans>>[number]) => ({
      id: s.id,
      created: iso(s.createdAt),
      from: iso(s.from),
      to: iso(s.to),
      amount: s.amount.toString(),
      fee: s.fee.toString(),
      distributable: s.distributable.toString(),
      workers: s.workers,
      paid: s.paid,
      sent: s.sent.toString(),
    }),
    listTable(plans: Awaited<ReturnType<typeof listPlans>>): string {
      if (plans.length === 0) return 'no payout plans yet\n';
      return `${table(
        ['plan', 'from', 'to', 'amount', 'fee', 'workers', 'paid', 'sent'],
        plans.map((s) => [s.id, iso(s.from), iso(s.to), amount(s.amount), amount(s.fee), String(s.workers), String(s.paid), amount(s.sent)]),
      )}\n`;
    },
    reportJson: (r: SendReport) => ({
      plan: r.plan.id,
      paid: r.paid.map(itemJson),
      alreadyPaid: r.alreadyPaid.map((i) => i.account),
      remaining: r.remaining.map((i) => i.account),
      ...(r.error === undefined ? {} : { error: r.error.message }),
    }),
    reportText(r: SendReport): string {
      const lines = r.paid.map((i) => `paid ${amount(i.amount)} to ${i.account}: block ${i.blockHash}`);
      if (r.alreadyPaid.length > 0) lines.push(`already paid before this run: ${r.alreadyPaid.length}`);
      if (r.remaining.length > 0) lines.push(`not paid yet: ${r.remaining.map((i) => i.account).join(', ')}`);
      else lines.push(`plan ${r.plan.id} is fully paid`);
      return `${lines.join('\n')}\n`;
    },
  };
}
