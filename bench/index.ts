/**
 * `npm run bench`: every figure beside its baseline, measured in the same run.
 * Servers run in child processes; the load generator runs here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import type { Config } from '../lib/config/types.js';
import { bytesToHex, formatWorkHex, workValue } from '../lib/pow/index.js';
import { benchHashrate } from './hashrate.js';
import { runLoad, type LoadResult } from './load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const DEV_ENTRY = 0xf000000000000000n;
const DIFFICULTY = formatWorkHex(DEV_ENTRY);

interface Child {
  readonly url: string;
  readonly proc: ChildProcess;
  ask<T>(message: object, key: string): Promise<T>;
}

async function spawnServer(message: object): Promise<Child> {
  // BENCH_PROF=dir writes a CPU profile of every server process (for finding hot spots).
  const execArgv = process.env.BENCH_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const proc = fork(new URL('./servers.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const ask = <T>(m: object, key: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (reply: Record<string, unknown>): void => {
        if (key in reply) {
          proc.off('message', on);
          resolve(reply[key] as T);
        }
      };
      proc.on('message', on);
      proc.send(m);
    });
  const url = await ask<string>(message, 'url');
  return { url, proc, ask };
}

function config(backends: Config['backends']): Config {
  return {
    network: 'nano-dev',
    listen: { host: '127.0.0.1', port: 0 },
    node: { timeout: 10_000 },
    rpc: { allow: [], bodyLimit: 65536 },
    cache: { url: 'memory', maxEntries: 100_000, ttl: 3_600_000 },
    work: { timeout: 30_000, maxMultiplier: 64 },
    breaker: { failures: 3, cooldown: 5000, maxCooldown: 300_000 },
    backends,
    tiers: [{ backends: Object.keys(backends) }],
    log: { level: 'silent' },
  };
}

/** Random roots with work at the dev entry threshold, so an "instant" peer can answer from a table. */
function precompute(count: number): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (let i = 0; i < count; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const root = bytesToHex(bytes);
    let nonce = BigInt(Math.floor(Math.random() * 2 ** 48));
    let value = workValue(bytes, nonce);
    while (value < DEV_ENTRY) value = workValue(bytes, ++nonce);
    out.push([root, formatWorkHex(nonce), formatWorkHex(value)]);
  }
  return out;
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;

function loadRow(name: string, conns: number, r: LoadResult, baseline?: LoadResult): string {
  const ratio = baseline === undefined ? '' : `${fmt((r.rps / baseline.rps) * 100)} %`;
  return row([name, String(conns), fmt(r.rps), fmt(r.p50, 3), fmt(r.p99, 3), String(r.errors), ratio]);
}

const DPOW_LATENCY_MS = 50;
const DPOW_SOCKETS = 4;

async function benchDpow(table: Array<[string, string, string]>, lines: string[], children: Child[]): Promise<unknown> {
  const user = 'bench';
  const apiKey = 'bench-key';
  const fake = await spawnServer({ mode: 'dpow', table: Object.fromEntries(table.map(([r, w]) => [r, w])), latency: DPOW_LATENCY_MS, user, apiKey });
  children.push(fake);
  const port = new URL(fake.url).port;
  const gate = await spawnServer({
    mode: 'powgate',
    config: config({
      dpow: {
        type: 'dpow',
        url: `ws://127.0.0.1:${port}/service_ws/`,
        postUrl: `http://127.0.0.1:${port}/service/`,
        user,
        apiKey,
        sockets: DPOW_SOCKETS,
        timeout: 5000,
        sendAccount: true,
      },
    }),
  });
  children.push(gate);
  // Let the pool connect before measuring, or the first requests all go by POST.
  await new Promise((r) => setTimeout(r, 500));
  const perSocket = 1000 / DPOW_LATENCY_MS;
  lines.push(
    '',
    `## (5) powgate -> DPoW stand-in (${DPOW_SOCKETS}-socket pool, ${DPOW_LATENCY_MS} ms service latency, new root each request)`,
    '',
    `ideal (sockets) = min(clients, ${DPOW_SOCKETS} sockets) / ${DPOW_LATENCY_MS} ms, the pool alone; a request that finds every socket busy goes by POST at once,`,
    `so with more clients than sockets the reachable ideal is clients / ${DPOW_LATENCY_MS} ms (ideal with POST), which "vs ideal" compares against`,
    '',
    row(['clients', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'ideal (sockets)', 'ideal with POST', 'vs ideal', 'by ws / POST']),
    row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  );
  const out: Record<string, unknown> = {};
  let next = 0;
  let before = await fake.ask<{ ws: number; post: number; pipelined: number }>({ calls: true }, 'calls');
  for (const clients of [1, 4, 16]) {
    const r = await runLoad({
      url: gate.url,
      connections: clients,
      seconds: SECONDS,
      body: () => JSON.stringify({ action: 'work_generate', hash: table[next++ % table.length]?.[0], difficulty: DIFFICULTY }),
      check: (t) => t.includes('"work"'),
    });
    const after = await fake.ask<{ ws: number; post: number; pipelined: number }>({ calls: true }, 'calls');
    const ws = after.ws - before.ws;
    const post = after.post - before.post;
    before = after;
    const ideal = Math.min(clients, DPOW_SOCKETS) * perSocket;
    const idealAll = clients * perSocket;
    lines.push(row([String(clients), fmt(r.rps), fmt(r.p50, 1), fmt(r.p99, 1), String(r.errors), fmt(ideal), fmt(idealAll), `${fmt((r.rps / idealAll) * 100)} %`, `${ws} / ${post}`]));
    out[`c${clients}`] = { ...r, idealSockets: ideal, idealWithPost: idealAll, ws, post };
  }
  lines.push('', `requests pipelined on a busy socket (must be 0): ${before.pipelined}`);
  return out;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version } };
  const lines: string[] = [];
  const children: Child[] = [];
  try {
    // (1) Cache hits vs a bare node:http server answering a fixed JSON body.
    const table = precompute(30_000);
    const [hotRoot, hotWork, hotValue] = table[0] as [string, string, string];
    const bare = await spawnServer({ mode: 'bare' });
    const hot = await spawnServer({ mode: 'powgate', config: config({ local: { type: 'local', cpuThreads: 1 } }), prime: [[hotRoot, hotWork, hotValue]] });
    children.push(bare, hot);
    const hitBody = JSON.stringify({ action: 'work_generate', hash: hotRoot, difficulty: DIFFICULTY });
    lines.push('## (1) cache-hit work_generate vs bare node:http', '', row(['server', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs bare']), row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
    const hits: Record<string, unknown> = {};
    for (const connections of [1, 64]) {
      const base = await runLoad({ url: bare.url, connections, seconds: SECONDS, body: () => hitBody });
      const gate = await runLoad({ url: hot.url, connections, seconds: SECONDS, body: () => hitBody, check: (t) => t.includes(hotWork) });
      lines.push(loadRow('bare node:http', connections, base), loadRow('powgate (cache hit)', connections, gate, base));
      hits[`c${connections}`] = { bare: base, powgate: gate, ratio: gate.rps / base.rps };
    }
    results.cacheHit = hits;

    // (2) The miss path through powgate to an instant peer, beside calling that peer directly.
    const peer = await spawnServer({ mode: 'peer', table: Object.fromEntries(table.map(([r, w]) => [r, w])) });
    const miss = await spawnServer({ mode: 'powgate', config: config({ peer: { type: 'rpc', urls: [peer.url], sendAccount: true } }) });
    children.push(peer, miss);
    const missSeconds = Math.min(SECONDS, 2);
    const body = (offset: number) => (i: number) => JSON.stringify({ action: 'work_generate', hash: table[(offset + i) % table.length]?.[0], difficulty: DIFFICULTY });
    const direct = await runLoad({ url: peer.url, connections: 1, seconds: missSeconds, body: body(1) });
    const through = await runLoad({ url: miss.url, connections: 1, seconds: missSeconds, body: body(1), check: (t) => t.includes('"work"') });
    lines.push('', '## (2) miss path: powgate -> instant peer, vs the peer directly (1 connection, new root each request)', '', row(['path', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs direct']), row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
    lines.push(loadRow('peer directly', 1, direct), loadRow('through powgate', 1, through, direct));
    const overhead = through.p50 - direct.p50;
    lines.push('', `miss-path p50 overhead: ${fmt(overhead, 3)} ms (target < 1 ms)`);
    results.missPath = { direct, through, p50OverheadMs: overhead };

    // (3) Upstream calls for 100 identical concurrent requests.
    const slowPeer = await spawnServer({ mode: 'peer', table: Object.fromEntries(table.map(([r, w]) => [r, w])), delay: 50 });
    const dedupe = await spawnServer({ mode: 'powgate', config: config({ peer: { type: 'rpc', urls: [slowPeer.url], sendAccount: true } }) });
    children.push(slowPeer, dedupe);
    const sameBody = JSON.stringify({ action: 'work_generate', hash: table[1]?.[0], difficulty: DIFFICULTY });
    const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(dedupe.url, { method: 'POST', body: sameBody }).then((r) => r.text())));
    const upstream = await slowPeer.ask<number>({ calls: true }, 'calls');
    const answered = answers.filter((t) => t.includes('"work"')).length;
    lines.push('', '## (3) 100 identical concurrent work_generate', '', `answered with work: ${answered}/100, upstream calls: ${upstream} (target 1; without joining it would be 100)`);
    results.dedupe = { answered, upstreamCalls: upstream };

    // (4) Local generator hash rate beside a single-thread JS reference loop.
    const threads = os.availableParallelism();
    const rate = await benchHashrate({ seconds: SECONDS, threads });
    lines.push('', `## (4) local CPU generator (${threads} threads)`, '', row(['implementation', 'MH/s']), row(['---', '---:']));
    lines.push(row([`WASM pool, ${threads} threads`, fmt(rate.wasmMHs, 2)]), row(['WASM per thread', fmt(rate.wasmMHsPerThread, 2)]), row(['JS reference, 1 thread (baseline)', fmt(rate.baselineMHs, 2)]));
    results.hashrate = rate;

    // (5) Through powgate to DPoW: a 4-socket pool against a service with a fixed 50 ms latency.
    results.dpow = await benchDpow(table.slice(2), lines, children);
  } finally {
    for (const child of children) child.proc.kill('SIGINT');
  }
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
  else process.stdout.write(`\n${JSON.stringify(results)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
