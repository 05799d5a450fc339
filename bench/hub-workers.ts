/**
 * Child-process entry for the hub benchmark: N simulated instant workers, as
 * MQTT clients (`mqtt`: each answers `work/ondemand` from a precomputed table)
 * or as node-RPC work peers (`rpc`: N HTTP servers answering from the same
 * table), so the hub and the rpc backend are compared on equal terms.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type MqttClient } from 'mqtt';
import { workValidateAnswer } from './harness.js';

type Message =
  | { mode: 'mqtt'; url: string; count: number; table: Record<string, string>; username?: string; password?: string }
  | { mode: 'rpc'; count: number; table: Record<string, string> };

const send = (m: unknown): void => {
  process.send?.(m);
};

const PAYOUT = 'nano_1111111111111111111111111111111111111111111111111111hifc8npp';

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
  for (const c of clients) {
    await c.subscribeAsync('work/ondemand', { qos: 0 });
    c.on('message', (_topic, payload) => {
      const text = payload.toString();
      const hash = text.slice(0, 64);
      const work = m.table[hash];
      if (work !== undefined) c.publish('result/ondemand', `${hash},${work},${PAYOUT}`, { qos: 0 });
    });
  }
  return clients;
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

process.on('SIGINT', () => process.exit(0));
process.once('message', (m: Message) => {
  if (m.mode === 'mqtt')
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
