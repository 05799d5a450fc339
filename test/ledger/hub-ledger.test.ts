import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { RawMap } from '../../lib/config/index.js';
import { createPlan, sendPlan } from '../../lib/ledger/payouts.js';
import type { Powgate } from '../../lib/server.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { randomAccount, WireWorker } from '../hub/helpers.js';

// The ledger behind a running hub: every counted result recorded, and client/{account}
// carrying the durable counts, the same after a restart of powgate.

const DIFFICULTY = 'ffc0000000000000';

describe('the ledger behind a hub', function () {
  this.timeout(20_000);
  let dir: string;
  let gate: Powgate | undefined;
  const workers: WireWorker[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'powgate-hub-ledger-'));
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await gate?.close();
    gate = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (): Promise<{ gate: Powgate; url: string }> => {
    const backends: RawMap = { hub: { type: 'hub', broker: 'embedded', listen: '127.0.0.1:0', heartbeat_interval: '50ms' } };
    gate = await startTestPowgate({ backends, tiers: [{ backends: ['hub'] }], precache: { enabled: false }, ledger: { data_dir: dir } });
    const hub = (await gate.monitor.report()).hubs[0];
    if (hub === undefined) throw new Error('no hub');
    return { gate, url: hub.url };
  };
  const worker = async (url: string, account: string): Promise<WireWorker> => {
    const w = await WireWorker.connect(url, { username: 'client', password: 'client', account });
    workers.push(w);
    return w;
  };
  /** One job won by `w`; its client/{account} message. */
  const win = async (g: Powgate, w: WireWorker): Promise<Record<string, unknown>> => {
    const root = randomRoot();
    const { json } = await rpc(g.url, { action: 'work_generate', hash: root, difficulty: DIFFICULTY });
    expect(json.work, JSON.stringify(json)).to.be.a('string');
    const message = await w.next((m) => m.topic === `client/${w.account}` && m.payload.includes(root));
    return JSON.parse(message.payload) as Record<string, unknown>;
  };

  it('records each result and gives the worker the same counts after a restart, then its snapshot after a payout', async () => {
    const account = randomAccount();
    let { gate: g, url } = await start();
    let w = await worker(url, account);
    await w.next((m) => m.topic === 'heartbeat');
    expect(await win(g, w)).to.include({ ondemand: 1, precache: 0 });
    expect(await win(g, w)).to.include({ ondemand: 2, precache: 0 });
    await w.close();
    await g.close();
    gate = undefined;

    ({ gate: g, url } = await start());
    const rows = await g.database?.query<{ account: string; outcome: string; weight: bigint; difficulty: string }>(
      'SELECT account, outcome, weight, difficulty FROM hub_results ORDER BY at',
    );
    // nano-dev: receive f000000000000000, so ffc0000000000000 weighs 64.
    expect(rows).to.deep.equal([
      { account, outcome: 'accepted', weight: 64_000_000n, difficulty: DIFFICULTY },
      { account, outcome: 'accepted', weight: 64_000_000n, difficulty: DIFFICULTY },
    ]);
    w = await worker(url, account);
    await w.next((m) => m.topic === 'heartbeat');
    expect(await win(g, w)).to.deep.include({ ondemand: 3, precache: 0 });

    // A payout up to now: the next client/{account} carries the snapshot it was paid up to.
    await g.ledger?.flush();
    const database = g.database;
    if (database === undefined) throw new Error('no database');
    const now = Date.now();
    const plan = await createPlan(database, {
      from: 0,
      to: now + 1,
      amount: 10n ** 30n,
      fee: { text: '1%', numerator: 1n, denominator: 100n },
      minimum: 1n,
      network: 'nano-dev',
      now: now + 120_000,
    });
    const report = await sendPlan(database, plan.id, { send: async () => 'C'.repeat(64) });
    expect(report.paid.map((i) => i.account)).to.deep.equal([account]);
    // The recorder learns the snapshot with its next write.
    await win(g, w);
    await g.ledger?.flush();
    expect(await win(g, w)).to.deep.include({ ondemand: 5, precache: 0, snapshot_ondemand: 3, snapshot_precache: 0 });
  });
});
