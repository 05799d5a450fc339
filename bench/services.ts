/**
 * Section `services`: what services cost on the cache-hit path. On one
 * powgate, DPoW's service API (POST /service/, and the /service_ws/
 * websocket) beside work_generate; and work_generate with rpc.auth: required
 * (the key in an Authorization header, or a `key` field; the service's rate
 * limiter running, never delaying) beside rpc.auth: off. Rounds rotate the
 * order so drift on a shared machine falls on all alike; each figure is its
 * median round.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { type CannonResult, runCannon } from './cannon.js';
import { type Child, config, DIFFICULTY, fmt, generateBody, LOCAL, median, precompute, row, spawnServer } from './harness.js';

const KEY = 'bench-service-key-0123456789abcdef';
const CONNECTIONS = 64;
/** Websockets for the /service_ws/ figure: DPoW answers a socket's requests one at a time, so clients open many. */
const SOCKETS = 64;

export async function benchServices(options: { readonly seconds: number; readonly rounds: number }, lines: string[], children: Child[]): Promise<unknown> {
  const table = precompute(1000);
  const prime = table.map(([root, work, value]) => [root, work, value] as [string, string, string]);
  // A service with a rate limit that runs on every request but never bites: its cost is part of the figure.
  const services = { bench: { key: KEY, rate: 1_000_000, burst: 1_000_000 } };
  const off = await spawnServer({ mode: 'powgate', config: { ...config(LOCAL), services }, prime });
  children.push(off);
  const required = await spawnServer({ mode: 'powgate', config: { ...config(LOCAL), rpc: { allow: [], auth: 'required' }, services }, prime });
  children.push(required);
  // rpc.auth: off with the ledger database open and one transaction run on it (a service's use written):
  // what opening the database costs the hot path by itself, apart from the service gate.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'powgate-bench-services-'));
  const ledger = await spawnServer({
    mode: 'powgate',
    config: { ...config(LOCAL), services, ledger: { url: path.join(dataDir, 'ledger.db') } },
    prime,
  });
  children.push(ledger);

  const rpcBodies = table.map(([root]) => generateBody(root));
  const keyBodies = table.map(([root]) => JSON.stringify({ action: 'work_generate', hash: root, difficulty: DIFFICULTY, key: KEY }));
  const dpowBodies = table.map(([root]) => JSON.stringify({ user: 'bench', api_key: KEY, hash: root }));
  const cannon = (url: string, bodies: string[], extra: { path?: string; headers?: Record<string, string> } = {}, seconds = options.seconds) =>
    runCannon({ url, connections: CONNECTIONS, seconds, bodies, order: 'fixed', ...extra });

  const kinds = {
    rpc: (seconds: number) => cannon(off.url, rpcBodies, {}, seconds),
    post: (seconds: number) => cannon(off.url, dpowBodies, { path: '/service/' }, seconds),
    ws: (seconds: number) => socketLoad(`${off.url.replace('http', 'ws')}/service_ws/`, dpowBodies, seconds),
    bearer: (seconds: number) => cannon(required.url, rpcBodies, { headers: { authorization: `Bearer ${KEY}` } }, seconds),
    field: (seconds: number) => cannon(required.url, keyBodies, {}, seconds),
    ledger: (seconds: number) => cannon(ledger.url, rpcBodies, {}, seconds),
  } as const;
  type Kind = keyof typeof kinds;
  const order = Object.keys(kinds) as Kind[];
  // Each path answers work (the load generator counts answers, not what they say).
  const check = async (url: string, body: string, headers: Record<string, string> = {}): Promise<void> => {
    const text = await (await fetch(url, { method: 'POST', body, headers })).text();
    if (!text.includes('"work"')) throw new Error(`bench services: ${url} answered ${text}`);
  };
  await check(off.url, rpcBodies[0] as string);
  await check(`${off.url}/service/`, dpowBodies[0] as string);
  await check(required.url, rpcBodies[0] as string, { authorization: `Bearer ${KEY}` });
  await check(required.url, keyBodies[0] as string);
  // A service's request, so the next usage write (within 5 s) runs a transaction on the ledger database.
  await check(`${ledger.url}/service/`, dpowBodies[0] as string);
  await new Promise((resolve) => setTimeout(resolve, 5500));
  // JIT warm-up of every path, so round one measures the same code as the others.
  for (const kind of order) await kinds[kind](1);
  const runs = Object.fromEntries(order.map((k) => [k, [] as CannonResult[]])) as Record<Kind, CannonResult[]>;
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < order.length; i++) {
      const kind = order[(round + i) % order.length] as Kind;
      runs[kind].push(await kinds[kind](options.seconds));
    }
  }
  const m = Object.fromEntries(order.map((k) => [k, median(runs[k], (r) => r.rps)])) as Record<Kind, CannonResult>;
  const line = (name: string, conns: string, r: CannonResult, base: CannonResult | undefined): string =>
    row([name, conns, fmt(r.rps), fmt(r.p50, 3), fmt(r.p99, 3), String(r.errors), base === undefined ? '' : `${fmt((r.rps / base.rps) * 100)} %`]);
  lines.push(
    '',
    `## services: cache-hit work through DPoW's service API and under rpc.auth, median of ${options.rounds} rotated rounds`,
    '',
    row(['path', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs baseline']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
    line('work_generate, rpc.auth: off (baseline)', String(CONNECTIONS), m.rpc, undefined),
    line('DPoW POST /service/, same powgate', String(CONNECTIONS), m.post, m.rpc),
    line(`DPoW /service_ws/, ${SOCKETS} sockets (one request at a time each)`, String(SOCKETS), m.ws, m.rpc),
    line('work_generate, rpc.auth: required, Authorization: Bearer', String(CONNECTIONS), m.bearer, m.rpc),
    line('work_generate, rpc.auth: required, "key" field', String(CONNECTIONS), m.field, m.rpc),
    line('work_generate, rpc.auth: off, ledger database open after one transaction', String(CONNECTIONS), m.ledger, m.rpc),
    '',
    'rpc.auth: optional/required opens the ledger database (managed services live there); the last row is that alone, without the service gate',
    `every request a cache hit of ${table.length} primed roots; the service has a rate limit that never delays (1,000,000/s); errors must be 0`,
  );
  // The database's directory goes with its server.
  await new Promise((resolve) => {
    ledger.proc.once('exit', resolve);
    ledger.proc.kill('SIGINT');
  });
  rmSync(dataDir, { recursive: true, force: true });
  return m;
}

/** `SOCKETS` websockets, each sending its next request when the last answer arrives, for `seconds`. */
async function socketLoad(url: string, bodies: readonly string[], seconds: number): Promise<CannonResult> {
  const sockets = await Promise.all(
    Array.from(
      { length: SOCKETS },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { perMessageDeflate: false });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  const latencies: number[] = [];
  let errors = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    sockets.map(
      (ws, s) =>
        new Promise<void>((resolve) => {
          let i = s;
          let sent = 0;
          const next = (): void => {
            if (performance.now() >= end) {
              resolve();
              return;
            }
            sent = performance.now();
            ws.send(bodies[i++ % bodies.length] as string);
          };
          ws.on('message', (data) => {
            if (data.toString().includes('"work"')) latencies.push(performance.now() - sent);
            else errors++;
            next();
          });
          ws.once('close', () => resolve());
          next();
        }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  for (const ws of sockets) ws.terminate();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? Number.NaN,
    clientCpuUs: latencies.length === 0 ? Number.NaN : (used.user + used.system) / latencies.length,
  };
}
