import { expect } from 'chai';
import { configFromRaw } from '../../lib/config/index.js';
import { PayoutError } from '../../lib/errors.js';
import { createPlan, type FeeRate, loadPlan, type PlanInput, sendId, sendPlan } from '../../lib/ledger/payouts.js';
import { runPayoutsCommand } from '../../lib/ledger/payouts-command.js';
import { LedgerRecorder } from '../../lib/ledger/recorder.js';
import type { SqlDatabase } from '../../lib/ledger/sql.js';
import { nodeWalletSender } from '../../lib/ledger/wallet.js';
import { encodeAccount, NETWORKS } from '../../lib/pow/index.js';
import { FakeNodeWallet } from '../fakes/node-wallet.js';
import { eachDatabase } from '../helpers/databases.js';

const nano = NETWORKS.nano;
const XNO = 10n ** 30n;
const DAY = 24 * 3600 * 1000;
const FROM = Date.parse('2026-11-01T00:00:00Z');
const TO = FROM + DAY;
const NOW = TO + DAY;
const ONE_PERCENT: FeeRate = { text: '1%', numerator: 1n, denominator: 100n };
const WALLET = '1'.repeat(16) + 'ABCDEF0123456789'.repeat(3);

function account(n: number): string {
  const key = new Uint8Array(32);
  key[0] = n;
  key[31] = 255 - n;
  return encodeAccount(key, 'nano_');
}
const SOURCE = account(200);

async function seed(db: SqlDatabase, results: ReadonlyArray<{ account: string; difficulty: bigint; at: number; n?: number }>): Promise<void> {
  const recorder = await LedgerRecorder.open(db, { receiveThreshold: nano.receiveThreshold, flushInterval: 60_000 });
  for (const r of results) {
    for (let i = 0; i < (r.n ?? 1); i++) {
      recorder.record({
        backend: 'hub',
        type: 'ondemand',
        outcome: 'accepted',
        account: r.account,
        accountValid: true,
        root: 'B'.repeat(64),
        difficulty: r.difficulty,
        at: r.at,
      });
    }
  }
  // Late and invalid results weigh nothing in a plan.
  recorder.record({ backend: 'hub', type: 'ondemand', outcome: 'late', account: account(9), accountValid: true, difficulty: nano.sendThreshold, at: FROM + 5 });
  await recorder.close();
}

function input(over: Partial<PlanInput> = {}): PlanInput {
  return { from: FROM, to: TO, amount: 10n * XNO, fee: ONE_PERCENT, minimum: 10n ** 27n, network: 'nano', now: NOW, ...over };
}

async function clear(db: SqlDatabase): Promise<void> {
  for (const table of ['payout_items', 'payout_plans', 'payout_carry', 'hub_results', 'hub_workers'])
    await db.execute(`DELETE FROM ${table}`).catch(() => undefined);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

eachDatabase('payouts', (open, url) => {
  let db: SqlDatabase;
  let node: FakeNodeWallet;
  beforeEach(async () => {
    db = await open();
    await clear(db);
    node = await new FakeNodeWallet({ wallet: WALLET, source: SOURCE, balance: 1000n * XNO }).start();
  });
  afterEach(() => node.close());

  it('splits the amount after the fee by weight, exactly, with a send weighing 64 receives', async () => {
    await seed(db, [
      { account: account(1), difficulty: nano.sendThreshold, at: FROM + 1 },
      { account: account(2), difficulty: nano.receiveThreshold, at: FROM + 2, n: 64 },
      { account: account(3), difficulty: nano.receiveThreshold, at: FROM + 3, n: 2 },
      // Outside the period: not in this plan.
      { account: account(4), difficulty: nano.sendThreshold, at: TO },
      { account: account(4), difficulty: nano.sendThreshold, at: FROM - 1 },
    ]);
    const plan = await createPlan(db, input());
    expect(plan.fee).to.equal(XNO / 10n);
    expect(plan.distributable).to.equal(10n * XNO - XNO / 10n);
    expect(plan.totalWeight).to.equal(130_000_000n);
    expect(plan.items.map((i) => [i.account, i.results, i.weight])).to.deep.equal([
      [account(1), 1, 64_000_000n],
      [account(2), 64, 64_000_000n],
      [account(3), 2, 2_000_000n],
    ]);
    expect(plan.items.reduce((s, i) => s + i.share, 0n)).to.equal(plan.distributable);
    const [one, two, three] = plan.items;
    // Each within one raw of its exact share; equal weights differ by at most the one leftover raw, which goes to the first account.
    const floor = (w: bigint): bigint => (plan.distributable * w) / 130n;
    for (const [item, w] of [
      [one, 64n],
      [two, 64n],
      [three, 2n],
    ] as const) {
      expect((item?.share ?? 0n) - floor(w)).to.be.oneOf([0n, 1n]);
    }
    expect((one?.share ?? 0n) - (two?.share ?? 0n)).to.be.oneOf([0n, 1n]);
    expect(plan.items.every((i) => i.status === 'pending' && i.amount === i.share)).to.equal(true);
    expect(await loadPlan(db, plan.id)).to.deep.equal(plan);
  });

  it('carries payments under the minimum to the next plan, which pays them', async () => {
    await seed(db, [
      { account: account(1), difficulty: nano.sendThreshold, at: FROM + 1, n: 999 },
      { account: account(2), difficulty: nano.receiveThreshold, at: FROM + 2 },
    ]);
    // account(2) gets 1/63937 of 0.99 XNO: about 0.0000155 XNO, under a 0.001 minimum.
    const first = await createPlan(db, input({ amount: XNO }));
    const small = first.items.find((i) => i.account === account(2));
    expect(small?.status).to.equal('carried');
    expect(small?.amount).to.equal(0n);
    expect(small?.carriedOut).to.equal(small?.share);
    expect(first.items.reduce((s, i) => s + i.amount + i.carriedOut, 0n)).to.equal(first.distributable);

    await seed(db, [{ account: account(2), difficulty: nano.sendThreshold, at: TO + 1, n: 10 }]);
    const second = await createPlan(db, input({ from: TO, to: TO + DAY, now: NOW + DAY, amount: XNO }));
    const paid = second.items.find((i) => i.account === account(2));
    expect(paid?.carriedIn).to.equal(small?.carriedOut);
    expect(paid?.amount).to.equal((paid?.share ?? 0n) + (small?.carriedOut ?? 0n));
    expect(paid?.status).to.equal('pending');
  });

  it('refuses an overlapping period, an open period, a high fee without --allow-high-fee, and an empty period', async () => {
    await seed(db, [{ account: account(1), difficulty: nano.sendThreshold, at: FROM + 1 }]);
    const plan = await createPlan(db, input());
    expect((await rejection(createPlan(db, input({ from: FROM + 1000, to: TO + DAY, now: NOW + DAY })))).message).to.equal(
      `The period overlaps plan ${plan.id}: every result is paid by one plan only`,
    );
    expect(await rejection(createPlan(db, input({ from: TO, to: NOW })))).to.be.instanceOf(PayoutError);
    expect((await rejection(createPlan(db, input({ from: TO, to: TO + DAY / 2, fee: { text: '6%', numerator: 6n, denominator: 100n } })))).message).to.equal(
      'Fee 6% is above 5%: pass --allow-high-fee to plan with it',
    );
    expect((await rejection(createPlan(db, input({ from: TO, to: TO + DAY / 2 })))).message).to.equal('No accepted results in the period: nothing to plan');
    expect((await rejection(createPlan(db, input({ from: TO, to: TO })))).message).to.match(/--from must be before --to/);
  });

  it('pays every worker once through the node, records the block hashes, and a second run pays nothing', async () => {
    await seed(
      db,
      [1, 2, 3, 4].map((n) => ({ account: account(n), difficulty: nano.sendThreshold, at: FROM + n, n })),
    );
    const plan = await createPlan(db, input());
    const wallet = nodeWalletSender({ url: node.url, wallet: WALLET, source: SOURCE, timeout: 2000 });
    const report = await sendPlan(db, plan.id, wallet);
    expect(report.error).to.equal(undefined);
    expect(report.paid.map((i) => i.account)).to.deep.equal(plan.items.map((i) => i.account));
    const stored = await loadPlan(db, plan.id);
    expect(stored?.items.map((i) => [i.status, i.blockHash])).to.deep.equal(node.sends.map((s) => ['sent', s.block]));
    expect([...node.paid()]).to.deep.equal(plan.items.map((i) => [i.account, i.amount]));
    expect(node.sends.map((s) => s.id)).to.deep.equal(plan.items.map((i) => sendId(plan.id, i.account)));
    const again = await sendPlan(db, plan.id, wallet);
    expect(again.paid).to.deep.equal([]);
    expect(again.alreadyPaid).to.have.length(4);
    expect(node.requests).to.equal(4);
    // client/{account} snapshot: the counts the worker was paid up to.
    const [row] = await db.query<{ snapshot_ondemand: bigint }>('SELECT snapshot_ondemand FROM hub_workers WHERE account = ?', [account(3)]);
    expect(row?.snapshot_ondemand).to.equal(3n);
  });

  it('stops at a failure mid-plan, says what is done and what is not, and resumes without paying twice', async () => {
    await seed(
      db,
      [1, 2, 3, 4, 5].map((n) => ({ account: account(n), difficulty: nano.sendThreshold, at: FROM + n })),
    );
    const plan = await createPlan(db, input());
    node.failAt = 3;
    const wallet = nodeWalletSender({ url: node.url, wallet: WALLET, source: SOURCE, timeout: 2000 });
    const report = await sendPlan(db, plan.id, wallet);
    expect(report.paid.map((i) => i.account)).to.deep.equal([account(1), account(2)]);
    expect(report.remaining.map((i) => i.account)).to.deep.equal([account(3), account(4), account(5)]);
    expect(report.error?.message).to.equal(
      `Payment to ${account(3)} failed: The node did not send: Insufficient balance; the plan is resumable: run the same command again (payments made carry the same id and are not repeated)`,
    );
    node.failAt = undefined;
    const resumed = await sendPlan(db, plan.id, wallet);
    expect(resumed.error).to.equal(undefined);
    expect(resumed.paid.map((i) => i.account)).to.deep.equal([account(3), account(4), account(5)]);
    expect([...node.paid()].sort()).to.deep.equal(plan.items.map((i) => [i.account, i.amount]).sort());
    expect(node.sends).to.have.length(5);
  });

  it('recovers a crash between "sent" and "recorded" without a second payment', async () => {
    await seed(
      db,
      [1, 2, 3].map((n) => ({ account: account(n), difficulty: nano.sendThreshold, at: FROM + n })),
    );
    const plan = await createPlan(db, input());
    // The node makes the second payment, but the answer never arrives (the process died, the link broke).
    node.dropAnswerAt = 2;
    const wallet = nodeWalletSender({ url: node.url, wallet: WALLET, source: SOURCE, timeout: 2000 });
    const report = await sendPlan(db, plan.id, wallet);
    expect(report.paid.map((i) => i.account)).to.deep.equal([account(1)]);
    expect((await loadPlan(db, plan.id))?.items.map((i) => i.status)).to.deep.equal(['sent', 'sending', 'pending']);
    expect(node.sends).to.have.length(2);
    const resumed = await sendPlan(db, plan.id, wallet);
    expect(resumed.paid.map((i) => i.account)).to.deep.equal([account(2), account(3)]);
    // Asked again with the same id, the node answered with the block it made: three payments, not four.
    expect(node.sends).to.have.length(3);
    const stored = await loadPlan(db, plan.id);
    expect(stored?.items[1]?.blockHash).to.equal(node.sends[1]?.block);
    expect([...node.paid()].sort()).to.deep.equal(plan.items.map((i) => [i.account, i.amount]).sort());
  });

  describe('powgate payouts (the command)', () => {
    const config = () =>
      configFromRaw({
        ledger: { url: url() },
        node: { rpc: node.url },
        payouts: { wallet: WALLET, source: SOURCE, minimum: '0.001' },
      });

    async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
      let out = '';
      let err = '';
      const code = await runPayoutsCommand(
        argv,
        (t) => {
          out += t;
        },
        (t) => {
          err += t;
        },
        {
          loadConfig: async () => config(),
          now: () => NOW,
          sender: (c) => nodeWalletSender({ url: node.url, wallet: c.payouts.wallet as string, source: SOURCE, timeout: 2000 }),
        },
      );
      return { code, out, err };
    }

    it('plans (table and JSON), dry-runs, then pays with --execute; the wallet id is never printed', async () => {
      await seed(
        db,
        [1, 2].map((n) => ({ account: account(n), difficulty: nano.sendThreshold, at: FROM + n, n })),
      );
      const planned = await run(['plan', '--from', '2026-11-01', '--to', '2026-11-02', '--amount', '10', '--json']);
      expect(planned.code, planned.err).to.equal(0);
      const plan = JSON.parse(planned.out) as { id: string; fee: string; distributable: string; items: Array<{ share: string; amount: string }> };
      expect(plan.fee).to.equal(String(XNO / 10n));
      expect(plan.items.reduce((s, i) => s + BigInt(i.share), 0n)).to.equal(BigInt(plan.distributable));
      const shown = await run(['show', plan.id]);
      expect(shown.out).to.include('fee 1% = 0.1 XNO, distributable 9.9 XNO');
      expect(shown.out).to.include('66.66%');
      const dry = await run(['send', plan.id]);
      expect(dry.code).to.equal(0);
      expect(dry.out).to.include('dry run: would send 2 payments, 9.9 XNO in all');
      expect(node.requests).to.equal(0);
      const paid = await run(['send', plan.id, '--execute']);
      expect(paid.code, paid.err).to.equal(0);
      expect(paid.out).to.include(`plan ${plan.id} is fully paid`);
      expect(node.sends).to.have.length(2);
      const listed = await run(['list']);
      expect(listed.out).to.include(plan.id);
      for (const text of [planned, shown, dry, paid, listed].flatMap((r) => [r.out, r.err])) expect(text).not.to.include(WALLET);
    });

    it('exits 2 with a clear message on bad flags and a plan it must refuse', async () => {
      const bad = await run(['plan', '--from', '2026-11-01', '--to', '2026-11-02']);
      expect(bad.code).to.equal(2);
      expect(bad.err).to.include('--amount is required');
      const local = await run(['plan', '--from', '2026-11-01T00:00', '--to', '2026-11-02', '--amount', '1']);
      expect(local.err).to.include('a time with its zone');
      await seed(db, [{ account: account(1), difficulty: nano.sendThreshold, at: FROM + 1 }]);
      const fee = await run(['plan', '--from', '2026-11-01', '--to', '2026-11-02', '--amount', '1', '--fee', '10%']);
      expect(fee.code).to.equal(2);
      expect(fee.err).to.include('--allow-high-fee');
      const allowed = await run(['plan', '--from', '2026-11-01', '--to', '2026-11-02', '--amount', '1', '--fee', '10%', '--allow-high-fee']);
      expect(allowed.code, allowed.err).to.equal(0);
      expect(allowed.out).to.include('fee 10% = 0.1 XNO');
      const unknown = await run(['send', 'nope', '--execute']);
      expect(unknown.code).to.equal(2);
      expect(unknown.err).to.include('No payout plan nope');
    });

    it('exits 1 when a payment fails, naming what is done, and resumes', async () => {
      await seed(
        db,
        [1, 2, 3].map((n) => ({ account: account(n), difficulty: nano.sendThreshold, at: FROM + n })),
      );
      const planned = await run(['plan', '--from', '2026-11-01', '--to', '2026-11-02', '--amount', '3', '--json']);
      const { id } = JSON.parse(planned.out) as { id: string };
      node.failAt = 2;
      const failed = await run(['send', id, '--execute']);
      expect(failed.code).to.equal(1);
      expect(failed.out).to.include(`paid 0.99 XNO to ${account(1)}`);
      expect(failed.out).to.include(`not paid yet: ${account(2)}, ${account(3)}`);
      expect(failed.err).to.include('the plan is resumable');
      node.failAt = undefined;
      const resumed = await run(['send', id, '--execute']);
      expect(resumed.code).to.equal(0);
      expect(resumed.out).to.include('already paid before this run: 1');
      expect(node.sends).to.have.length(3);
    });
  });
});
