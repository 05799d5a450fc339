import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { connect, type MqttClient } from 'mqtt';
import type { RawMap } from '../../lib/config/index.js';
import { createGenerator } from '../../lib/generator/index.js';
import { startWorker, type Worker } from '../../lib/hub/worker.js';
import { parseWorkerFlags, WorkerFlagError } from '../../lib/hub/worker-command.js';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { PrivateMosquitto, randomAccount } from './helpers.js';

// `powgate worker` against a powgate hub (embedded broker) and against a bare
// Mosquitto driven by hand, as a DPoW hub would drive it.

const DEV_BASE = 0xffc0000000000000n;
/** Far beyond what one CPU thread finds during a test: a job that only a cancel ends. */
const HARD = 'fffffffff0000000';

const until = async (check: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

function hubConfig(): RawMap {
  return { type: 'hub', broker: 'embedded', listen: '127.0.0.1:0', heartbeat_interval: '50ms' };
}

describe('powgate worker', function () {
  this.timeout(30_000);
  let pg: Powgate | undefined;
  let worker: Worker | undefined;
  let mosquitto: PrivateMosquitto | undefined;
  let driver: MqttClient | undefined;
  const lines: string[] = [];

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await pg?.close();
    pg = undefined;
    await driver?.endAsync(true);
    driver = undefined;
    await mosquitto?.close();
    mosquitto = undefined;
    lines.length = 0;
  });

  const begin = (hub: string, payout = randomAccount(), over: { work?: 'ondemand' | 'precache' | 'any'; heartbeatWarn?: number } = {}): Worker => {
    const local = createGenerator({ threads: 1, gpu: 'off' });
    worker = startWorker({
      hub,
      payout,
      work: over.work ?? 'any',
      generator: local,
      statusInterval: 200,
      reconnectDelay: 50,
      maxReconnectDelay: 200,
      ...(over.heartbeatWarn === undefined ? {} : { heartbeatWarn: over.heartbeatWarn }),
      log: (line) => lines.push(line),
    });
    return worker;
  };

  const embeddedHub = async (): Promise<{ gate: Powgate; url: string }> => {
    const gate = (pg = await startTestPowgate({ backends: { hub: hubConfig() }, precache: { enabled: false } }));
    const report = await gate.monitor.report();
    return { gate, url: (report.hubs[0]?.url ?? '').replace('mqtt://', 'mqtt://client:client@') };
  };

  /** A bare broker with a hand-driven "hub" connection, for what a DPoW hub does. */
  const bareBroker = async (): Promise<{ url: string; publish: (topic: string, payload: string) => void; results: string[] }> => {
    mosquitto = await PrivateMosquitto.start();
    const results: string[] = [];
    const c = (driver = connect(mosquitto.url, { reconnectPeriod: 0 }));
    await new Promise((resolve) => c.once('connect', resolve));
    await c.subscribeAsync('result/#');
    c.on('message', (topic, payload) => results.push(`${topic} ${payload.toString()}`));
    return { url: mosquitto.url, publish: (topic, payload) => c.publish(topic, payload), results };
  };

  it('works for a powgate hub: its results answer clients and it counts its rewards', async () => {
    const { gate, url } = await embeddedHub();
    const payout = randomAccount();
    const w = begin(url, payout);
    await w.connected;
    await until(() => w.stats().heartbeat, 'a heartbeat');
    for (let i = 0; i < 3; i++) {
      const root = randomRoot();
      const res = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
      expect(workValue(hexToBytes(root), BigInt(`0x${res.json.work}`)) >= DEV_BASE).to.equal(true);
      expect(res.headers.get('x-powgate-source')).to.equal('hub');
    }
    await until(() => w.stats().rewarded === 3, 'three rewards');
    expect(w.stats().done).to.deep.equal({ ondemand: 3, precache: 0 });
    const hub = (await gate.monitor.report()).hubs[0];
    expect(hub?.workers[0]).to.include({ account: payout, present: true });
    await until(() => lines.some((l) => /MH\/s, 3 jobs done \(3 on-demand, 0 precache\), 3 rewarded/.test(l)), 'a status line');
  });

  it('waits for a heartbeat before it starts work', async () => {
    const broker = await bareBroker();
    const payout = randomAccount();
    const w = begin(broker.url, payout);
    await w.connected;
    const root = randomRoot();
    broker.publish('work/ondemand', `${root},ffc0000000000000`);
    await until(() => w.stats().queued === 1, 'the job queued');
    expect(w.stats().current).to.equal(undefined);
    broker.publish('heartbeat', '');
    await until(() => broker.results.length === 1, 'a result');
    const [topic, payload] = (broker.results[0] as string).split(' ') as [string, string];
    const [hash, work, account] = payload.split(',') as [string, string, string];
    expect(topic).to.equal('result/ondemand');
    expect(hash).to.equal(root);
    expect(account).to.equal(payout);
    expect(workValue(hexToBytes(root), BigInt(`0x${work}`)) >= DEV_BASE).to.equal(true);
  });

  it('stops a job on cancel, and takes on-demand work before precache', async () => {
    const broker = await bareBroker();
    const w = begin(broker.url);
    await w.connected;
    broker.publish('heartbeat', '');
    const slow = randomRoot();
    broker.publish('work/precache', `${slow},${HARD}`);
    await until(() => w.stats().current === slow, 'the precache job running');
    // On-demand work arrives: it goes first, the precache job steps aside and waits.
    const quick = randomRoot();
    broker.publish('work/ondemand', `${quick},ffc0000000000000`);
    await until(() => broker.results.some((r) => r.startsWith(`result/ondemand ${quick},`)), 'the on-demand result');
    await until(() => w.stats().current === slow, 'the precache job resumed');
    broker.publish('cancel/precache', slow);
    await until(() => w.stats().current === undefined, 'the cancelled job stopped');
    expect(w.stats().cancelled).to.equal(1);
    expect(broker.results.some((r) => r.includes(slow))).to.equal(false);
  });

  it('warns when heartbeats stop, and reconnects after the broker comes back', async () => {
    const broker = await bareBroker();
    const w = begin(broker.url, randomAccount(), { heartbeatWarn: 300 });
    await w.connected;
    broker.publish('heartbeat', '');
    await until(() => w.stats().heartbeat, 'a heartbeat');
    await until(() => lines.some((l) => l.includes('no heartbeat from the hub')), 'the heartbeat warning');
    await (mosquitto as PrivateMosquitto).stop();
    await until(() => !w.stats().connected, 'the connection lost');
    await (mosquitto as PrivateMosquitto).resume();
    await until(() => w.stats().connected, 'reconnected');
  });

  describe('the command', () => {
    it('rejects bad flags with a clear message', () => {
      const account = randomAccount();
      const bad: Array<[string[], RegExp]> = [
        [['--payout', account], /--hub URL is required/],
        [['--hub', 'mqtt://h:1883'], /--payout ACCOUNT is required/],
        [['--hub', 'http://h', '--payout', account], /--hub expects an mqtt:\/\//],
        [['--hub', 'mqtt://h', '--payout', 'nano_1111'], /--payout expects a valid/],
        [['--hub', 'mqtt://h', '--payout', account, '--gpu', 'maybe'], /--gpu expects auto, on or off/],
        [['--hub', 'mqtt://h', '--payout', account, '--work', 'all'], /--work expects ondemand, precache or any/],
        [['--hub', 'mqtt://h', '--payout', account, '--cpu-threads', '0'], /--cpu-threads expects an integer/],
        [['--hub', 'mqtt://h', '--payout', account, '--bogus', '1'], /unknown flag --bogus/],
      ];
      for (const [argv, message] of bad) expect(() => parseWorkerFlags(argv)).to.throw(WorkerFlagError, message);
      expect(
        parseWorkerFlags(['--hub', 'mqtt://client:client@h:1883', '--payout', account, '--work', 'ondemand', '--cpu-threads', '2', '--gpu', 'off']),
      ).to.deep.include({
        work: 'ondemand',
        cpuThreads: 2,
        gpu: 'off',
      });
    });

    const run = (args: string[], until: (out: string) => boolean): Promise<{ code: number | null; out: string; err: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['dist/bin/powgate.js', 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        let signalled = false;
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (!signalled && until(out)) {
            signalled = true;
            child.kill('SIGTERM');
          }
        });
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (code) => resolve({ code, out, err }));
      });

    it('exits 2 on bad flags', async () => {
      const { code, err } = await run(['--hub', 'mqtt://h:1883', '--payout', 'nano_nope'], () => false);
      expect(code).to.equal(2);
      expect(err).to.match(/^powgate worker: --payout expects a valid/);
      expect(err).to.include('Usage: powgate worker');
    });

    it('works, prints a status line and exits 0 on SIGTERM', async () => {
      const { gate, url } = await embeddedHub();
      const payout = randomAccount();
      const answers = (async () => {
        for (;;) {
          const hub = (await gate.monitor.report()).hubs[0];
          // Its presence goes out once it has subscribed: a job published before then would find no worker listening.
          if (hub?.workers.some((w) => w.present === true) === true) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        const root = randomRoot();
        return rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
      })();
      const { code, out } = await run(['--hub', url, '--payout', payout, '--cpu-threads', '1', '--gpu', 'off', '--status-interval', '0.2'], (text) =>
        /1 jobs done \(1 on-demand, 0 precache\), 1 rewarded/.test(text),
      );
      expect(code, out).to.equal(0);
      expect(out).to.include(`working for ${payout}`);
      expect(out).to.include('SIGTERM, stopping');
      expect((await answers).headers.get('x-powgate-source')).to.equal('hub');
      const hub = (await gate.monitor.report()).hubs[0];
      expect(hub?.workers[0]?.account).to.equal(payout);
      // Its goodbye reached the hub.
      expect(hub?.workers[0]?.present).to.equal(false);
    });
  });
});
