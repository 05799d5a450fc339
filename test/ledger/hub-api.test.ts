import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createPlan, sendPlan } from '../../lib/ledger/payouts.js';
import { encodeAccount, NETWORKS } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { startTestPowgate } from '../helpers/powgate.js';

const dev = NETWORKS['nano-dev'];
function account(n: number): string {
  const key = new Uint8Array(32);
  key[0] = n;
  key[31] = 7;
  return encodeAccount(key, 'nano_');
}

async function get(gate: Powgate, p: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${gate.url}${p}`, { headers: { accept: 'application/json' } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('GET /api/hub/* (the ledger over HTTP)', function () {
  this.timeout(20_000);
  let dir: string;
  let gate: Powgate;
  const start = Date.now() - 10 * 60_000;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'powgate-hub-api-'));
    gate = await startTestPowgate({
      backends: { hub: { type: 'hub', broker: 'embedded', listen: '127.0.0.1:0' } },
      tiers: [{ backends: ['hub'] }],
      precache: { enabled: false },
      ledger: { data_dir: dir },
    });
    const ledger = gate.ledger;
    if (ledger === undefined) throw new Error('no ledger');
    const result = (n: number, difficulty: bigint, at: number, outcome: 'accepted' | 'late' = 'accepted') =>
      ledger.record({ backend: 'hub', type: 'ondemand', outcome, account: account(n), accountValid: true, root: 'C'.repeat(64), difficulty, at });
    // Before the plan: worker 1 alone. After it (the current period): worker 1 one send, worker 2 two receives... and a late one.
    result(1, dev.sendThreshold, start);
    result(1, dev.sendThreshold, start + 3 * 60_000);
    result(2, dev.receiveThreshold, start + 3 * 60_000);
    result(2, dev.receiveThreshold, start + 3 * 60_000);
    result(2, dev.receiveThreshold, start + 3 * 60_000, 'late');
    await ledger.flush();
    const db = gate.database;
    if (db === undefined) throw new Error('no database');
    const plan = await createPlan(db, {
      from: start - 1,
      to: start + 60_000,
      amount: 10n ** 30n,
      fee: { text: '1%', numerator: 1n, denominator: 100n },
      minimum: 1n,
      network: 'nano-dev',
    });
    await sendPlan(db, plan.id, { send: async () => 'D'.repeat(64) });
  });
  after(async () => {
    await gate?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stats: workers, works, rewards, fees and the current period', async () => {
    const { status, json } = await get(gate, '/api/hub/stats');
    expect(status).to.equal(200);
    expect(json).to.deep.equal({
      workers: { total: 2, active: 0, activeWindowSeconds: 300 },
      works: { ondemand: 4, precache: 0, total: 4 },
      results: { invalid: 0, late: 1, duplicate: 0 },
      rewards: { distributed: String(99n * 10n ** 28n), fees: String(10n ** 28n), plans: 1, unit: 'XNO', unitRaw: String(10n ** 30n) },
      period: { from: new Date(start + 60_000).toISOString(), works: 3, totalWeight: '66000000', weightUnit: 'micro-receive' },
      recorder: { queued: 0, written: 5, dropped: 0 },
    });
  });

  it('workers: by share of the current period, with what each was paid', async () => {
    const { json } = await get(gate, '/api/hub/workers');
    const workers = json.workers as Array<Record<string, unknown>>;
    expect(json.count).to.equal(2);
    expect(workers.map((w) => w.account)).to.deep.equal([account(1), account(2)]);
    expect(workers[0]).to.deep.include({ weight: '128000000', paid: String(99n * 10n ** 28n), works: { ondemand: 2, precache: 0 } });
    // nano-dev: its send threshold weighs 64 receives; worker 2 did two receive-level works. 64/66 and 2/66 of the period.
    expect(workers[0]?.period).to.deep.equal({ works: 1, weight: '64000000', share: '0.969696' });
    expect(workers[1]?.period).to.deep.equal({ works: 2, weight: '2000000', share: '0.030303' });
    expect((await get(gate, '/api/hub/workers?limit=1')).json.workers).to.have.length(1);
  });

  it('one worker with its reward history; 400 for a bad account or limit, 404 for an unknown one', async () => {
    const { json } = await get(gate, `/api/hub/workers/${account(1)}`);
    expect(json.rewards).to.deep.equal([
      {
        plan: (json.rewards as Array<{ plan: string }>)[0]?.plan,
        from: new Date(start - 1).toISOString(),
        to: new Date(start + 60_000).toISOString(),
        amount: String(99n * 10n ** 28n),
        status: 'sent',
        block: 'D'.repeat(64),
        sentAt: (json.rewards as Array<{ sentAt: string }>)[0]?.sentAt,
      },
    ]);
    expect(await get(gate, '/api/hub/workers/nano_bad')).to.deep.equal({
      status: 400,
      json: { error: 'Not an account of this network (nano_… or ban_… with a valid checksum)' },
    });
    expect(await get(gate, `/api/hub/workers/${account(99)}`)).to.deep.equal({ status: 404, json: { error: 'The ledger has no results from this account' } });
    expect(await get(gate, '/api/hub/workers?limit=0')).to.deep.equal({ status: 400, json: { error: 'limit must be a whole number from 1 to 1000' } });
    expect((await get(gate, '/api/hub/payouts?limit=x')).status).to.equal(400);
  });

  it('payouts: the latest plans with what was sent', async () => {
    const { json } = await get(gate, '/api/hub/payouts?limit=50');
    const [plan] = json.payouts as Array<Record<string, unknown>>;
    expect(plan).to.deep.include({ amount: String(10n ** 30n), fee: String(10n ** 28n), workers: 1, paid: 1, sent: String(99n * 10n ** 28n) });
  });

  it("the hub page and its script are served under the dashboard's CSP", async () => {
    const page = await fetch(`${gate.url}/hub`);
    expect(page.headers.get('content-security-policy')).to.include("script-src 'self'");
    expect(await page.text()).to.include('Public services');
    expect((await fetch(`${gate.url}/hub.js`)).status).to.equal(200);
  });
});
