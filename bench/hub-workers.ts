/**
 * Child-process entry for the hub benchmark: N simulated instant workers, as
 * MQTT clients (`mqtt`: each subscribes as DPoW's reference worker does, with
 * its own payout account, and answers `work/ondemand` from a precomputed
 * table) or as node-RPC work peers (`rpc`: N HTTP servers answering from the
 * same table), so the hub and the rpc backend are compared on equal terms. Its
 * own process: the workers' CPU is measured apart (the probe) and never
 * shares the hub's event loop.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type MqttClient } from 'mqtt';
import { encodeAccount } from '../lib/pow/index.js';
import { workValidateAnswer } from './harness.js';
import { installProbe } from './probe.js';

type Message =
  | { mode: 'mqtt'; url: string; count: number; table: Record<string, string>; username?: string; password?: string }
  | { mode: 'fanout'; url: string; count: number; table: Record<string, string>; username?: string; password?: string }
  | { mode: 'rpc'; count: number; table: Record<string, string> };

const send = (m: unknown): void => {
  process.send?.(m);
};

/** Worker i's payout account: distinct, so the hub keeps a roster of N as it would. */
const payout = (i: number): string => {
  const key = new Uint8Array(32);
  new DataView(key.buffer).setUint32(0, i + 1);
  return encodeAccount(key, 'nano_');
};

async function mqttWorkers(m: Extract<Message, { mode: 'mqtt' }>): Promise<MqttClient[]> {
  const clients = await Promise.all(
    Array.from(
      { length: m.count },
      () =>
        new Promise<MqttClient>((resolve, reject) => {
          const c = connect(m.url, {
            reconnectPeriod: 0,
            ...(m.username === undefined ? {} : { username: m.username, password: m.password ?? '' }),
          });
          c.once('connect', () => {
            (c.stream as { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true);
            resolve(c);
          });
          c.once('error', reject);
        }),
    ),
  );
  for (const [i, c] of clients.entries()) {
    const account = payout(i);
    // As the reference worker (spec §1.8): work and heartbeat at QoS 0, cancel and its own client/ topic at QoS 1.
    await c.subscribeAsync({ 'work/ondemand': { qos: 0 }, heartbeat: { qos: 0 } });
    await c.subscribeAsync({ 'cancel/ondemand': { qos: 1 }, [`client/${account}`]: { qos: 1 } });
    c.on('message', (topic, payload) => {
      if (topic !== 'work/ondemand') return;
      const hash = payload.toString('latin1', 0, 64);
      const work = m.table[hash];
      if (work !== undefined) c.publish('result/ondemand', `${hash},${work},${account}`, { qos: 0 });
    });
  }
  return clients;
}

/**
 * The cancel fan-out: worker 0 wins every job at once (from the table); the
 * others keep silent, as workers still searching, and note when the job's
 * cancel reaches each of them. One process clock for the win and every
 * arrival, so the spans need no clock agreement with the hub's process.
 */
async function fanOutWorkers(m: Extract<Message, { mode: 'fanout' }>): Promise<void> {
  const clients = await Promise.all(
    Array.from(
      { length: m.count },
      () =>
        new Promise<MqttClient>((resolve, reject) => {
          const c = connect(m.url, { reconnectPeriod: 0, ...(m.username === undefined ? {} : { username: m.username, password: m.password ?? '' }) });
          c.once('connect', () => {
            (c.stream as { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true);
            resolve(c);
          });
          c.once('error', reject);
        }),
    ),
  );
  const won = new Map<string, number>();
  const arrivals = new Map<string, number[]>();
  for (const [i, c] of clients.entries()) {
    const account = payout(i);
    await c.subscribeAsync({ 'work/ondemand': { qos: 0 }, heartbeat: { qos: 0 } });
    await c.subscribeAsync({ 'cancel/ondemand': { qos: 1 }, [`client/${account}`]: { qos: 1 } });
    c.on('message', (topic, payload) => {
      const hash = payload.toString('latin1', 0, 64);
      if (topic === 'cancel/ondemand' && i > 0) {
        const list = arrivals.get(hash) ?? [];
        list.push(performance.now());
        arrivals.set(hash, list);
      } else if (topic === 'work/ondemand' && i === 0) {
        const work = m.table[hash];
        if (work === undefined) return;
        won.set(hash, performance.now());
        c.publish('result/ondemand', `${hash},${work},${account}`, { qos: 0 });
      }
    });
  }
  // {span: HASH}: once every other worker has the cancel (or 5 s passed), the spans from the win to each arrival.
  process.on('message', (q: { span?: string }) => {
    const hash = q.span;
    if (hash === undefined) return;
    const deadline = performance.now() + 5000;
    const check = (): void => {
      const list = arrivals.get(hash) ?? [];
      const t0 = won.get(hash);
      if ((list.length >= m.count - 1 && t0 !== undefined) || performance.now() > deadline) {
        arrivals.delete(hash);
        won.delete(hash);
        send({ spans: t0 === undefined ? [] : list.map((t) => t - t0), missing: m.count - 1 - list.length });
      } else setTimeout(check, 1);
    };
    check();
  });
}

async function rpcPeers(m: Extract<Message, { mode: 'rpc' }>): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 0; i < m.count; i++) {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { action: string; hash: string; work?: string };
        if (parsed.action === 'work_cancel') return res.end('{}');
        if (parsed.action === 'work_validate') return res.end(workValidateAnswer(parsed.hash, parsed.work ?? '0'));
        const work = m.table[parsed.hash.toUpperCase()] ?? m.table[parsed.hash];
        res.setHeader('content-type', 'application/json');
        res.end(work === undefined ? '{"error":"unknown root"}' : JSON.stringify({ work, hash: parsed.hash }));
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return urls;
}

// SIGINT ends the process through process.exit so a --cpu-prof profile is written.
process.on('SIGINT', () => process.exit(0));
installProbe();
process.once('message', (m: Message) => {
  if (m.mode === 'fanout')
    void fanOutWorkers(m).then(
      () => send({ ready: true }),
      (err: unknown) => send({ error: String(err) }),
    );
  else if (m.mode === 'mqtt')
    void mqttWorkers(m).then(
      () => send({ ready: true }),
      (err: unknown) => send({ error: String(err) }),
    );
  else
    void rpcPeers(m).then(
      (urls) => send({ urls }),
      (err: unknown) => send({ error: String(err) }),
    );
});
