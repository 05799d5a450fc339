/**
 * Child-process entry for the benchmark, so servers and the load generator do
 * not share one event loop. Modes: `bare` (node:http, fixed JSON), `peer`
 * (instant work peer answering from a precomputed table), `powgate`, `dpow`
 * (a DPoW service answering from a table after a fixed latency).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type WebSocket, WebSocketServer } from 'ws';
import { configFromRaw, type RawMap } from '../lib/config/index.js';
import { formatWorkHex, hexToBytes, parseWorkHex, workValue } from '../lib/pow/index.js';
import { startPowgate } from '../lib/server.js';
import { fill } from './fill.js';
import { workValidateAnswer } from './harness.js';
import { installProbe } from './probe.js';

type Message =
  | { mode: 'bare' }
  | { mode: 'peer'; table: Record<string, string>; delay?: number; compute?: boolean }
  | { mode: 'powgate'; config: RawMap; prime?: Array<[string, string, string]> }
  | { mode: 'node' }
  | { mode: 'dpow'; table: Record<string, string>; latency: number; user: string; apiKey: string };

const send = (m: unknown): void => {
  process.send?.(m);
};

// SIGINT ends the process through process.exit so a --cpu-prof profile is written.
process.on('SIGINT', () => process.exit(0));
installProbe();
process.once('message', (m: Message) => {
  void start(m).then((url) => send({ url }));
});

/** Work for a root not in the table, found here (dev-network difficulties only). */
function computeWork(root: string, difficulty: bigint): string {
  const bytes = hexToBytes(root);
  let nonce = BigInt(Math.floor(Math.random() * 2 ** 48));
  while (workValue(bytes, nonce) < difficulty) nonce++;
  return formatWorkHex(nonce);
}

/**
 * A node websocket that is just enough for the bench: subscribe/update/ping
 * with acks, an account filter, and confirmations replayed on command.
 */
async function startNode(): Promise<string> {
  const filters = new Map<WebSocket, Set<string>>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    ws.on('close', () => filters.delete(ws));
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as {
        action: string;
        id?: string;
        options?: { accounts?: string[]; accounts_add?: string[]; accounts_del?: string[] };
      };
      if (m.action === 'subscribe') filters.set(ws, new Set(m.options?.accounts ?? []));
      if (m.action === 'update') {
        const filter = filters.get(ws);
        for (const a of m.options?.accounts_add ?? []) filter?.add(a);
        for (const a of m.options?.accounts_del ?? []) filter?.delete(a);
      }
      const ack = m.action === 'ping' ? 'pong' : m.action;
      ws.send(JSON.stringify({ ack, time: String(Date.now()), ...(m.id === undefined ? {} : { id: m.id }) }));
    });
  });
  process.on('message', (msg: { confirm?: Array<{ message: { account: string } }>; subscribers?: boolean }) => {
    if (msg.subscribers) send({ subscribers: filters.size });
    if (msg.confirm) {
      for (const confirmation of msg.confirm) {
        const text = JSON.stringify(confirmation);
        for (const [ws, filter] of filters) if (filter.has(confirmation.message.account)) ws.send(text);
      }
      send({ confirmed: msg.confirm.length });
    }
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

async function start(m: Message): Promise<string> {
  if (m.mode === 'node') return startNode();
  if (m.mode === 'dpow') return startDpow(m);
  if (m.mode === 'powgate') {
    const gate = await startPowgate(configFromRaw(m.config), { logger: pino({ level: 'silent' }), registry: new Registry() });
    for (const [root, work, value] of m.prime ?? []) await gate.cache.set(root, BigInt(`0x${work}`), BigInt(`0x${value}`));
    process.on('message', (msg: { stats?: boolean; fill?: number; prime?: Array<[string, string, string]> }) => {
      if (msg.stats) void gate.registry.metrics().then((text) => send({ metrics: text }));
      if (msg.fill !== undefined) void fill(gate.cache, msg.fill).then((filled) => send({ filled }));
      if (msg.prime !== undefined) {
        const entries = msg.prime;
        void (async () => {
          for (const [root, work, value] of entries) await gate.cache.set(root, BigInt(`0x${work}`), BigInt(`0x${value}`));
          send({ primed: entries.length });
        })();
      }
    });
    return gate.url;
  }
  let calls = 0;
  const server =
    m.mode === 'bare'
      ? http.createServer((req, res) => {
          // Reads the body like any JSON-RPC server must, then a fixed answer.
          req.resume();
          req.on('end', () => {
            sendJson(res, '{"work":"0000000000000000"}\n');
          });
        })
      : http.createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            calls++;
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string; hash: string; difficulty?: string; work?: string };
            if (body.action === 'work_validate') {
              // powgate's idle probe: a peer that cannot answer it has its circuit opened, and the miss section would measure refusals.
              sendJson(res, workValidateAnswer(body.hash, body.work ?? '0'));
              return;
            }
            let work = m.table[body.hash];
            if (work === undefined && m.compute && body.action === 'work_generate') {
              work = computeWork(body.hash, parseWorkHex(body.difficulty ?? '') ?? 0xffc0000000000000n);
            }
            const answer = body.action === 'work_generate' && work !== undefined ? JSON.stringify({ work }) : '{"error":"Cancelled"}';
            const reply = (): void => {
              sendJson(res, answer);
            };
            if (m.delay) setTimeout(reply, m.delay);
            else reply();
          });
        });
  process.on('message', (msg: { calls?: boolean }) => {
    if (msg.calls) send({ calls });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A JSON answer with its Content-Length, as the node (and any server that
 * knows its body) sends it: writeHead alone would make Node frame it chunked,
 * and the client's chunked path is slower than what it meets in production.
 */
function sendJson(res: http.ServerResponse, text: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * A DPoW service reduced to what bounds throughput: each websocket handled one
 * request at a time, POST on the same port, replies after a fixed latency,
 * `id` echoed. (The faithful fake lives with the tests, outside the build.)
 */
async function startDpow(m: Extract<Message, { mode: 'dpow' }>): Promise<string> {
  const counts = { ws: 0, post: 0, pipelined: 0 };
  const answer = (body: Record<string, unknown>): Promise<string> =>
    new Promise((resolve) => {
      const reply = (r: Record<string, unknown>): void => resolve(JSON.stringify(body.id ? { ...r, id: body.id } : r));
      if (body.user !== m.user || body.api_key !== m.apiKey) return reply({ error: 'Invalid credentials' });
      const hash = String(body.hash).toUpperCase();
      const work = m.table[hash];
      setTimeout(() => reply(work === undefined ? { error: 'Timeout reached without work', timeout: true } : { work, hash }), m.latency);
    });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      counts.post++;
      void answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>).then((text) => {
        sendJson(res, text);
      });
    });
  });
  const wss = new WebSocketServer({ server, path: '/service_ws/', maxPayload: 2048 });
  wss.on('connection', (ws) => {
    const queue: string[] = [];
    let busy = false;
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      for (let frame = queue.shift(); frame !== undefined; frame = queue.shift()) {
        counts.ws++;
        ws.send(await answer(JSON.parse(frame) as Record<string, unknown>));
      }
      busy = false;
    };
    ws.on('message', (data) => {
      if (busy) counts.pipelined++;
      queue.push(data.toString());
      void pump();
    });
  });
  process.on('message', (msg: { calls?: boolean }) => {
    if (msg.calls) send({ calls: { ...counts } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
