import { once } from 'node:events';
import net from 'node:net';
import { expect } from 'chai';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import type { RawMap } from '../../lib/config/index.js';
import { createGenerator } from '../../lib/generator/index.js';
import { startWorker, type Worker } from '../../lib/hub/worker.js';
import type { Powgate } from '../../lib/server.js';
import { captureLogs, randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { DPOW_ACL, PrivateMosquitto, randomAccount, WireWorker } from './helpers.js';

// Who may do what on the hub's broker (spec §1.8 ACL): the embedded broker
// enforces it itself; a Mosquitto with DPoW's ACL file does the same for an
// external hub. Tests that need a login start their own Mosquitto.

const HUB_PASSWORD = 'hub-secret-4f1e9a';

async function login(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...options });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

/** Subscribes and returns the granted QoS (128: refused). */
async function granted(c: MqttClient, filter: string): Promise<number> {
  try {
    const [grant] = await c.subscribeAsync(filter, { qos: 0 });
    return grant?.qos ?? -1;
  } catch (err) {
    // mqtt.js rejects a SUBACK that refuses the filter.
    if ((err as Error).name === 'ErrorWithSubackPacket' || /Subscribe error/.test((err as Error).message)) return 128;
    throw err;
  }
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hub broker ACLs', function () {
  this.timeout(20_000);
  const clients: MqttClient[] = [];
  const workers: WireWorker[] = [];
  let pg: Powgate | undefined;
  let mosquitto: PrivateMosquitto | undefined;
  let worker: Worker | undefined;

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await pg?.close();
    pg = undefined;
    await mosquitto?.close();
    mosquitto = undefined;
  });

  describe('embedded broker', () => {
    const start = async (over: RawMap = {}): Promise<{ gate: Powgate; url: string }> => {
      const config: RawMap = { type: 'hub', broker: 'embedded', listen: '127.0.0.1:0', ...over };
      const gate = (pg = await startTestPowgate({ backends: { hub: config }, precache: { enabled: false } }));
      return { gate, url: (await gate.monitor.report()).hubs[0]?.url ?? '' };
    };

    it('refuses a wrong password and an anonymous login', async () => {
      const { url } = await start({ worker_password: 'w0rker' });
      await login(url, { username: 'client', password: 'client' }).then(
        () => expect.fail('logged in with the wrong password'),
        (err: { code?: number }) => expect(err.code).to.equal(4),
      );
      await login(url, {}).then(
        () => expect.fail('logged in anonymously'),
        (err: { code?: number }) => expect(err.code).to.equal(5),
      );
      clients.push(await login(url, { username: 'client', password: 'w0rker' }));
    });

    it('lets a worker read work, cancel, heartbeat, statistics and its own client/ topic, and nothing else', async () => {
      const { url } = await start();
      const c = await login(url, { username: 'client', password: 'client' });
      clients.push(c);
      const own = randomAccount();
      for (const filter of ['work/ondemand', 'work/precache', 'work/#', 'cancel/ondemand', 'cancel/#', 'heartbeat', 'statistics', `client/${own}`]) {
        expect(await granted(c, filter), filter).to.equal(0);
      }
      for (const filter of [`client/${randomAccount()}`, 'client/+', 'client/#', '#', 'result/ondemand', 'result/#', 'presence/+', '$SYS/#']) {
        expect(await granted(c, filter), filter).to.equal(128);
      }
    });

    it('drops a worker that publishes anywhere but results: its fake work never reaches other workers', async () => {
      const { gate, url } = await start();
      const listener = await WireWorker.connect(url, { username: 'client', password: 'client', behaviour: 'silent' });
      workers.push(listener);
      const rogue = await login(url, { username: 'client', password: 'client' });
      clients.push(rogue);
      const closed = new Promise<void>((resolve) => rogue.once('close', () => resolve()));
      rogue.publish('work/ondemand', `${randomRoot()},ffc0000000000000`);
      await closed;
      // The hub's own traffic still flows to the listener; the rogue's message never did.
      await listener.next((m) => m.topic === 'heartbeat');
      expect(listener.messages.some((m) => m.topic === 'work/ondemand')).to.equal(false);
      expect((await gate.monitor.report()).hubs[0]?.workersConnected).to.equal(1);
    });

    it("gives powgate's own credentials, when set, the hub's rights; they are never shown", async () => {
      const { gate, url } = await start({ username: 'hubadmin', password: HUB_PASSWORD });
      const admin = await login(url, { username: 'hubadmin', password: HUB_PASSWORD });
      clients.push(admin);
      expect(await granted(admin, 'result/#')).to.equal(0);
      expect(JSON.stringify(await gate.monitor.report())).to.not.include(HUB_PASSWORD);
      const metrics = await (await fetch(`${gate.url}/metrics`)).text();
      expect(metrics).to.not.include(HUB_PASSWORD);
    });

    // The hub writes its own messages straight to plain workers' sockets, and hands a worker's result
    // straight to itself when nobody else reads results (lib/hub/embedded.ts); anyone else goes through aedes.
    it('delivers each message once to every subscriber (wildcards, MQTT 3.1, a server login), and a server login still reads results', async () => {
      const { gate, url } = await start({ username: 'hubadmin', password: HUB_PASSWORD });
      const seen = (c: MqttClient): Array<{ topic: string; payload: string }> => {
        const list: Array<{ topic: string; payload: string }> = [];
        c.on('message', (topic, payload) => list.push({ topic, payload: payload.toString() }));
        return list;
      };
      const wild = await login(url, { username: 'client', password: 'client' });
      const v3 = await login(url, { username: 'client', password: 'client', protocolId: 'MQIsdp', protocolVersion: 3 });
      const admin = await login(url, { username: 'hubadmin', password: HUB_PASSWORD });
      clients.push(wild, v3, admin);
      const [wildSeen, v3Seen, adminSeen] = [seen(wild), seen(v3), seen(admin)];
      await wild.subscribeAsync(['work/#', 'work/ondemand', 'cancel/+']);
      await v3.subscribeAsync('work/ondemand');
      await admin.subscribeAsync(['result/#', 'work/+']);
      const answering = await WireWorker.connect(url, { username: 'client', password: 'client' });
      workers.push(answering);
      const root = randomRoot();
      const { json } = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'f000000000000000' });
      expect(json.work, JSON.stringify(json)).to.be.a('string');
      await settle(200);
      const job = { topic: 'work/ondemand', payload: `${root},f000000000000000` };
      expect(wildSeen.filter((m) => m.topic === 'work/ondemand')).to.deep.equal([job]);
      expect(wildSeen.filter((m) => m.topic === 'cancel/ondemand')).to.deep.equal([{ topic: 'cancel/ondemand', payload: root }]);
      expect(v3Seen).to.deep.equal([job]);
      expect(adminSeen).to.deep.include(job);
      expect(adminSeen).to.deep.include({ topic: 'result/ondemand', payload: `${root},${json.work},${answering.account}` });
      // Once the server login is gone, results take the short way, and are still counted.
      await admin.endAsync(true);
      const again = randomRoot();
      expect((await rpc(gate.url, { action: 'work_generate', hash: again, difficulty: 'f000000000000000' })).json.work).to.be.a('string');
      const report = await gate.monitor.report();
      expect(report.hubs[0]?.workers.find((w) => w.account === answering.account)?.accepted.ondemand).to.equal(2);
    });

    it('a worker that only sends results (no PINGREQ) is alive: results read off the socket keep its keepalive', async () => {
      const { gate, url } = await start();
      // A bare MQTT connection: it sends only what the test writes, never a PINGREQ.
      const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
      await once(socket, 'connect');
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.on('data', () => {});
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clientId: 'busy',
          clean: true,
          keepalive: 1,
          username: 'client',
          password: Buffer.from('client'),
        }),
      );
      const account = randomAccount();
      for (let i = 0; i < 14; i++) {
        await settle(200);
        socket.write(
          mqttPacket.generate({
            cmd: 'publish',
            topic: 'result/ondemand',
            payload: `${randomRoot()},0000000000000001,${account}`,
            qos: 0,
            retain: false,
            dup: false,
          }),
        );
      }
      await settle(200);
      expect(closed, 'dropped for want of a keepalive').to.equal(false);
      socket.destroy();
      const report = await gate.monitor.report();
      expect(report.hubs[0]?.workers.find((w) => w.account === account)?.invalid.ondemand).to.equal(14);
    });
  });

  describe("Mosquitto with DPoW's password and ACL files", () => {
    before(function () {
      if (!PrivateMosquitto.available()) this.skip();
    });
    beforeEach(async () => {
      mosquitto = await PrivateMosquitto.start({ users: { client: 'client', powgate: HUB_PASSWORD }, acl: DPOW_ACL });
    });

    const hubOn = async (broker: string): Promise<Powgate> => {
      const { logger, lines } = captureLogs('debug');
      const config: RawMap = { type: 'hub', broker, listen: '127.0.0.1:0', heartbeat_interval: '50ms' };
      const gate = (pg = await startTestPowgate({ backends: { hub: config }, precache: { enabled: false } }, undefined, { logger }));
      expect(lines.join('\n')).to.not.include(HUB_PASSWORD);
      return gate;
    };

    it('the hub logs in with its own credentials (from the URL) and serves workers on the public login', async () => {
      const m = mosquitto as PrivateMosquitto;
      const gate = await hubOn(`mqtt://powgate:${HUB_PASSWORD}@127.0.0.1:${m.port}`);
      const report = await gate.monitor.report();
      expect(report.hubs[0]?.url).to.equal(`mqtt://127.0.0.1:${m.port}`);
      expect(JSON.stringify(report)).to.not.include(HUB_PASSWORD);
      const w = await WireWorker.connect(m.url, { username: 'client', password: 'client' });
      workers.push(w);
      const root = randomRoot();
      const { json } = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
      expect(json.work).to.be.a('string');
      await w.next((m2) => m2.topic === `client/${w.account}`);
    });

    it('a worker cannot publish work: Mosquitto drops it', async () => {
      const m = mosquitto as PrivateMosquitto;
      const listener = await WireWorker.connect(m.url, { username: 'client', password: 'client', behaviour: 'silent' });
      workers.push(listener);
      const rogue = await login(m.url, { username: 'client', password: 'client' });
      clients.push(rogue);
      rogue.publish('work/ondemand', `${randomRoot()},ffc0000000000000`);
      // The marker goes out after the rogue's publish on the same broker; once it arrives, so would have the rogue's.
      const hub = await login(m.url, { username: 'powgate', password: HUB_PASSWORD });
      clients.push(hub);
      await settle(50);
      hub.publish('heartbeat', '');
      await listener.next((msg) => msg.topic === 'heartbeat');
      expect(listener.messages.some((msg) => msg.topic === 'work/ondemand')).to.equal(false);
    });

    it('powgate worker joins a DPoW-ACL broker as a plain DPoW worker (no presence topic) and is credited', async () => {
      const m = mosquitto as PrivateMosquitto;
      const gate = await hubOn(`mqtt://powgate:${HUB_PASSWORD}@127.0.0.1:${m.port}`);
      const lines: string[] = [];
      const local = createGenerator({ threads: 1, gpu: 'off' });
      const w = (worker = startWorker({
        hub: `mqtt://client:client@127.0.0.1:${m.port}`,
        payout: randomAccount(),
        work: 'any',
        generator: local,
        statusInterval: 60_000,
        reconnectDelay: 50,
        log: (line) => lines.push(line),
      }));
      await w.connected;
      for (;;) {
        if (w.stats().heartbeat) break;
        await settle(10);
      }
      const root = randomRoot();
      const res = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
      expect(res.headers.get('x-powgate-source')).to.equal('hub');
      for (;;) {
        if (w.stats().rewarded === 1) break;
        await settle(10);
      }
      // Whether Mosquitto refuses the will at connect (then the worker says so) or drops the presence silently,
      // the hub learns the worker from its result.
      const hub = (await gate.monitor.report()).hubs[0];
      expect(hub?.workersSeen).to.equal(1);
    });
  });
});
