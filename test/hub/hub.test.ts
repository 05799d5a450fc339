import { expect } from 'chai';
import type { RawMap } from '../../lib/config/index.js';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import type { TelemetryEvents } from '../../lib/telemetry/events.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { findWork, MOSQUITTO_URL, PrivateMosquitto, portAnswers, randomAccount, WireWorker } from './helpers.js';

// The hub backend speaking DPoW's worker protocol (spec §1.8) to workers that
// are written from the wire format alone, through the embedded broker and
// through a real Mosquitto.

const DEV_BASE = 0xffc0000000000000n;
const DIFFICULTY = 'ffc0000000000000';

/** A hub backend as YAML writes it. */
function hubConfig(broker: string, over: RawMap = {}): RawMap {
  return { type: 'hub', broker, listen: '127.0.0.1:0', heartbeat_interval: '50ms', ...over };
}

async function hubUrl(pg: Powgate): Promise<string> {
  const report = await pg.monitor.report();
  const hub = report.hubs[0];
  if (hub === undefined) throw new Error('no hub in /api/status');
  return hub.url;
}

function valid(root: string, work: string | undefined): boolean {
  return work !== undefined && workValue(hexToBytes(root), BigInt(`0x${work}`)) >= DEV_BASE;
}

const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

for (const kind of ['embedded', 'mosquitto'] as const) {
  describe(`hub backend through the ${kind} broker`, function () {
    this.timeout(20_000);
    let mosquitto: PrivateMosquitto | undefined;
    let pg: Powgate | undefined;
    const workers: WireWorker[] = [];

    before(function () {
      if (kind === 'mosquitto' && !PrivateMosquitto.available()) this.skip();
    });
    beforeEach(async () => {
      if (kind === 'mosquitto') mosquitto = await PrivateMosquitto.start();
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await pg?.close();
      pg = undefined;
      await mosquitto?.close();
      mosquitto = undefined;
    });

    const start = async (over: RawMap = {}, extra: { local?: boolean; timeout?: number; hedge?: number } = {}): Promise<{ gate: Powgate; url: string }> => {
      const backends: RawMap = { hub: hubConfig(kind === 'embedded' ? 'embedded' : (mosquitto as PrivateMosquitto).url, over) };
      if (extra.local === true) backends.local = { type: 'local', cpu_threads: 1 };
      const tiers =
        extra.local === true ? [{ backends: ['hub'], hedge_after: `${extra.hedge ?? 60_000}ms` }, { backends: ['local'] }] : [{ backends: ['hub'] }];
      const gate = (pg = await startTestPowgate({ backends, tiers, work: { deadline: `${extra.timeout ?? 10_000}ms` }, precache: { enabled: false } }));
      return { gate, url: kind === 'embedded' ? await hubUrl(gate) : (mosquitto as PrivateMosquitto).url };
    };
    const worker = async (url: string, options: Parameters<typeof WireWorker.connect>[1] = {}): Promise<WireWorker> => {
      const w = await WireWorker.connect(url, kind === 'embedded' ? { username: 'client', password: 'client', ...options } : options);
      workers.push(w);
      return w;
    };
    const ask = (gate: Powgate, root: string) => rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DIFFICULTY });

    it('publishes HASH,difficulty on work/ondemand, returns the first valid result, cancels and credits the worker', async () => {
      const { gate, url } = await start();
      const w = await worker(url);
      await w.next((m) => m.topic === 'heartbeat');
      const root = randomRoot();
      const { json } = await ask(gate, root);
      expect(valid(root, json.work), JSON.stringify(json)).to.equal(true);
      const work = await w.next((m) => m.topic === 'work/ondemand');
      expect(work.payload).to.equal(`${root},${DIFFICULTY}`);
      const cancel = await w.next((m) => m.topic === 'cancel/ondemand');
      expect(cancel.payload).to.equal(root);
      const credit = await w.next((m) => m.topic === `client/${w.account}`);
      expect(JSON.parse(credit.payload)).to.deep.equal({ precache: 0, ondemand: 1, block_rewarded: root });
      const report = await gate.monitor.report();
      const hub = report.hubs[0];
      expect(hub?.workers[0]?.account).to.equal(w.account);
      expect(hub?.workers[0]?.accepted).to.deep.equal({ ondemand: 1, precache: 0 });
      expect(hub?.workersSeen).to.equal(1);
      if (kind === 'embedded') expect(hub?.workersConnected).to.equal(1);
      else expect(hub?.workersConnected).to.equal(null);
    });

    it('sends precache jobs on work/precache and cancels them on cancel/precache', async () => {
      const { gate, url } = await start();
      const w = await worker(url);
      const root = randomRoot();
      const result = await gate.service.generate({ root, target: DEV_BASE }, { priority: 'precache' });
      expect(workValue(hexToBytes(root), result.work) >= DEV_BASE).to.equal(true);
      expect((await w.next((m) => m.topic === 'work/precache')).payload).to.equal(`${root},${DIFFICULTY}`);
      expect((await w.next((m) => m.topic === 'cancel/precache')).payload).to.equal(root);
      const credit = await w.next((m) => m.topic === `client/${w.account}`);
      expect(JSON.parse(credit.payload)).to.deep.equal({ precache: 1, ondemand: 0, block_rewarded: root });
    });

    it('counts invalid, late and duplicate results against their worker and never fails the job for them', async () => {
      const { gate, url } = await start();
      // The telemetry stream carries each counted result with what a ledger records.
      const events: TelemetryEvents['hubResult'][] = [];
      gate.events.on('hubResult', (e) => events.push(e));
      const bad = await worker(url, { behaviour: 'invalid' });
      const good = await worker(url, { behaviour: 'valid' });
      good.delay = 100; // the invalid result arrives first
      const root = randomRoot();
      const { json } = await ask(gate, root);
      expect(valid(root, json.work), JSON.stringify(json)).to.equal(true);
      // After the win: the bad worker sends good work (late), the good worker repeats its own (duplicate).
      const work = findWork(root, DEV_BASE);
      bad.publishResult('ondemand', `${root},${work},${bad.account}`);
      good.publishResult('ondemand', `${root},${work},${good.account}`);
      // A result for a hash nobody asked for, and a malformed one.
      good.publishResult('ondemand', `${randomRoot()},${work},${good.account}`);
      good.publishResult('ondemand', `not,a result`);
      await until(async () => {
        const hub = (await gate.monitor.report()).hubs[0];
        return hub !== undefined && hub.results.duplicate.ondemand === 1 && hub.results.invalid.ondemand === 3;
      }, 'results counted');
      const hub = (await gate.monitor.report()).hubs[0];
      const of = (account: string) => hub?.workers.find((x) => x.account === account);
      expect(of(bad.account)?.invalid.ondemand).to.equal(1);
      expect(of(bad.account)?.late.ondemand).to.equal(1);
      expect(of(bad.account)?.accepted.ondemand).to.equal(0);
      expect(of(good.account)?.accepted.ondemand).to.equal(1);
      expect(of(good.account)?.duplicate.ondemand).to.equal(1);
      expect(of(good.account)?.invalid.ondemand).to.equal(1);
      expect(hub?.results.accepted.ondemand).to.equal(1);
      const metrics = await (await fetch(`${gate.url}/metrics`)).text();
      expect(metrics).to.match(/powgate_hub_results_total\{backend="hub",type="ondemand",outcome="late"\} 1/);
      expect(metrics).to.not.include(good.account);
      const won = events.filter((e) => e.outcome === 'accepted');
      expect(won).to.have.length(1);
      expect(won[0]).to.deep.include({ backend: 'hub', type: 'ondemand', account: good.account, accountValid: true, root, difficulty: DEV_BASE });
      expect(won[0]?.work).to.equal(BigInt(`0x${json.work}`));
      expect(won[0]?.seconds).to.be.a('number').within(0.09, 5);
      expect(won[0]?.at).to.be.closeTo(Date.now(), 10_000);
      expect(events.find((e) => e.outcome === 'late')).to.deep.include({ account: bad.account, root, difficulty: DEV_BASE, work: BigInt(`0x${work}`) });
      expect(events.find((e) => e.outcome === 'duplicate')).to.deep.include({ account: good.account, root });
      const invalid = events.filter((e) => e.outcome === 'invalid').map((e) => e.reason);
      expect(invalid).to.have.members(['below the target', 'no job for this root', 'expected HASH,work,payout_account']);
    });

    it('two workers race: the first valid result wins and the other is told to cancel', async () => {
      const { gate, url } = await start();
      const fast = await worker(url);
      const slow = await worker(url);
      slow.delay = 300;
      const root = randomRoot();
      const { json } = await ask(gate, root);
      expect(valid(root, json.work)).to.equal(true);
      expect((await slow.next((m) => m.topic === 'cancel/ondemand')).payload).to.equal(root);
      await fast.next((m) => m.topic === `client/${fast.account}`);
      await until(async () => (await gate.monitor.report()).hubs[0]?.results.late.ondemand === 1, 'the slow result counted late');
      expect(slow.messages.some((m) => m.topic === `client/${slow.account}`)).to.equal(false);
    });

    it("answers a payout account that is not valid with the spec's error text, and still uses the work", async () => {
      const { gate, url } = await start();
      const account = `nano_${'1'.repeat(60)}`;
      const w = await worker(url, { account });
      const root = randomRoot();
      const { json } = await ask(gate, root);
      expect(valid(root, json.work)).to.equal(true);
      const reply = await w.next((m) => m.topic === `client/${account}`);
      expect(JSON.parse(reply.payload)).to.deep.equal({ error: `Work accepted but account ${account} is invalid` });
      // A Banano account is not valid on a Nano network either.
      const ban = randomAccount('ban_');
      expect(ban.startsWith('ban_')).to.equal(true);
    });

    it('a worker that disconnects mid-job leaves the job to the next tier', async () => {
      const { gate, url } = await start({}, { local: true, hedge: 300 });
      const w = await worker(url, { behaviour: 'silent' });
      const root = randomRoot();
      const answer = ask(gate, root);
      await w.next((m) => m.topic === 'work/ondemand');
      await w.close();
      const res = await answer;
      expect(valid(root, res.json.work)).to.equal(true);
      expect(res.headers.get('x-powgate-source')).to.equal('local');
    });

    it("publishes a heartbeat and statistics in DPoW's shape", async () => {
      const { gate, url } = await start({ statistics_interval: '100ms' });
      const w = await worker(url);
      const root = randomRoot();
      await ask(gate, root);
      await w.next((m) => m.topic === `client/${w.account}`);
      const stats = await w.next((m) => m.topic === 'statistics' && (JSON.parse(m.payload) as { work: { ondemand: number } }).work.ondemand === 1);
      expect(JSON.parse(stats.payload)).to.deep.equal({
        services: { public: [], private: { count: 1, precache: 0, ondemand: 1 } },
        work: { precache: 0, ondemand: 1 },
      });
      expect((await w.next((m) => m.topic === 'heartbeat')).payload).to.equal('');
    });

    if (kind === 'embedded') {
      it('serves workers over a websocket too (browser workers)', async () => {
        const { gate } = await start({ websocket_listen: '127.0.0.1:0' });
        const wsUrl = (await gate.monitor.report()).hubs[0]?.websocketUrl;
        expect(wsUrl).to.match(/^ws:\/\/127\.0\.0\.1:\d+$/);
        const w = await worker(`${wsUrl}/mqtt`);
        const root = randomRoot();
        const { json } = await ask(gate, root);
        expect(valid(root, json.work)).to.equal(true);
        await w.next((m) => m.topic === `client/${w.account}`);
      });

      it('is skipped at once, not failed, when no worker is connected', async () => {
        const { gate } = await start({}, { local: true, hedge: 60_000 });
        const root = randomRoot();
        const res = await ask(gate, root);
        expect(valid(root, res.json.work)).to.equal(true);
        expect(res.headers.get('x-powgate-source')).to.equal('local');
        const backend = (await gate.monitor.report()).backends.find((b) => b.name === 'hub');
        expect(backend?.counts.unsupported).to.equal(1);
        expect(backend?.counts.failed).to.equal(0);
        expect(backend?.health).to.deep.equal({ state: 'degraded', detail: 'no worker connected' });
      });
    } else {
      it('still publishes when it knows no worker (DPoW clients announce nothing)', async () => {
        const { gate, url } = await start();
        const w = await worker(url);
        const report = await gate.monitor.report();
        expect(report.hubs[0]?.workersSeen).to.equal(0);
        const root = randomRoot();
        const { json } = await ask(gate, root);
        expect(valid(root, json.work)).to.equal(true);
        expect(w.messages.some((m) => m.topic === 'work/ondemand')).to.equal(true);
      });

      it('a broker restart mid-job: the job is answered within its deadline through the next tier', async () => {
        const broker = mosquitto as PrivateMosquitto;
        const { gate, url } = await start({}, { local: true, hedge: 60_000, timeout: 8000 });
        const w = await worker(url, { behaviour: 'silent' });
        const root = randomRoot();
        const answer = ask(gate, root);
        await w.next((m) => m.topic === 'work/ondemand');
        await broker.stop();
        const res = await answer;
        expect(valid(root, res.json.work), JSON.stringify(res.json)).to.equal(true);
        expect(res.headers.get('x-powgate-source')).to.equal('local');
        await broker.resume();
        // Once the broker is back, the hub is used again.
        await until(async () => (await gate.monitor.report()).hubs[0]?.connected === true, 'hub reconnected', 10_000);
        const again = await worker(url);
        const root2 = randomRoot();
        const res2 = await ask(gate, root2);
        expect(res2.headers.get('x-powgate-source')).to.equal('hub');
        expect(again.messages.some((m) => m.topic === 'work/ondemand')).to.equal(true);
      });
    }
  });
}

describe("hub backend through the machine's Mosquitto", function () {
  this.timeout(20_000);
  let pg: Powgate | undefined;
  let w: WireWorker | undefined;
  before(async function () {
    const url = new URL(MOSQUITTO_URL);
    if (!(await portAnswers(Number(url.port || 1883), url.hostname))) {
      console.log(`      (skipped: no Mosquitto answers at ${MOSQUITTO_URL}; .ci/run starts one)`);
      this.skip();
    }
  });
  after(async () => {
    await w?.close();
    await pg?.close();
  });

  it('serves a job through a shared broker (other workers may answer too: only validity is checked)', async () => {
    const gate = (pg = await startTestPowgate({ backends: { hub: hubConfig(MOSQUITTO_URL) }, precache: { enabled: false } }));
    w = await WireWorker.connect(MOSQUITTO_URL);
    const root = randomRoot();
    const { json } = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DIFFICULTY });
    expect(valid(root, json.work), JSON.stringify(json)).to.equal(true);
    expect((await w.next((m) => m.topic === 'work/ondemand' && m.payload.startsWith(root))).payload).to.equal(`${root},${DIFFICULTY}`);
    await w.next((m) => m.topic === 'cancel/ondemand' && m.payload === root);
  });
});
