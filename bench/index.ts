/**
 * `npm run bench`: every figure beside its baseline, measured in the same run.
 * Servers run in child processes; the load generator runs here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import type { RawMap } from '../lib/config/index.js';
import { bytesToHex, formatWorkHex, workValue } from '../lib/pow/index.js';
import { benchGpu } from './gpu.js';
import { benchHashrate } from './hashrate.js';
import { runLoad, type LoadResult } from './load.js';
import { benchObservability } from './observability.js';
import { confirmationStream, requestEach, type PrecacheRun } from './precache.js';

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

/** A server's config as YAML would write it; the child process loads it with configFromRaw. */
function config(backends: RawMap, extra: { websocket?: string; precache?: RawMap; observability?: boolean } = {}): RawMap {
  const observability = extra.observability ?? true;
  return {
    network: 'nano-dev',
    listen: '127.0.0.1:0',
    node: extra.websocket === undefined ? {} : { websocket: extra.websocket },
    rpc: { allow: [] },
    cache: { ttl: '1h' },
    backends,
    tiers: [{ backends: Object.keys(backends) }],
    precache: { enabled: false, backends: Object.keys(backends), ...extra.precache },
    log: { level: 'silent' },
    metrics: { enabled: observability },
    dashboard: { enabled: observability },
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

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`bench: condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One sample's value from Prometheus text, NaN when absent. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
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
        post_url: `http://127.0.0.1:${port}/service/`,
        user,
        api_key: apiKey,
        sockets: DPOW_SOCKETS,
        timeout: '5s',
      },
    }),
  });
  children.push(gate);
  // Let the pool connect before measuring, or the first requests all go by POST.
  await new Promise((r) => setTimeout(r, 500));
  const perSocket = 1000 / DPOW_LATENCY_MS;
  lines.push(
    '',
    `## (7) powgate -> DPoW stand-in (${DPOW_SOCKETS}-socket pool, ${DPOW_LATENCY_MS} ms service latency, new root each request)`,
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
    const hot = await spawnServer({ mode: 'powgate', config: config({ local: { type: 'local', cpu_threads: 1 } }), prime: [[hotRoot, hotWork, hotValue]] });
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
    const miss = await spawnServer({ mode: 'powgate', config: config({ peer: { type: 'rpc', urls: [peer.url] } }) });
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
    const dedupe = await spawnServer({ mode: 'powgate', config: config({ peer: { type: 'rpc', urls: [slowPeer.url] } }) });
    children.push(slowPeer, dedupe);
    const sameBody = JSON.stringify({ action: 'work_generate', hash: table[1]?.[0], difficulty: DIFFICULTY });
    const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(dedupe.url, { method: 'POST', body: sameBody }).then((r) => r.text())));
    const upstream = await slowPeer.ask<number>({ calls: true }, 'calls');
    const answered = answers.filter((t) => t.includes('"work"')).length;
    lines.push('', '## (3) 100 identical concurrent work_generate', '', `answered with work: ${answered}/100, upstream calls: ${upstream} (target 1; without joining it would be 100)`);
    results.dedupe = { answered, upstreamCalls: upstream };

    // (4) Local generator hash rate per kernel beside a plain scalar C BLAKE2b loop.
    const threads = os.availableParallelism();
    const rate = await benchHashrate({ seconds: Math.min(SECONDS, 2), threads });
    lines.push('', `## (4) local CPU generator per kernel, 1 and ${threads} threads, vs a plain scalar C BLAKE2b loop`, '', rate.table);
    results.hashrate = { baselineMHs: rate.baselineMHs, rows: rate.rows };
    // The GPU, when Dawn finds an adapter (on a machine without a GPU: Mesa's llvmpipe, on the same cores).
    const gpu = await benchGpu(Math.min(SECONDS, 3));
    lines.push('', 'unavailable' in gpu ? `GPU: unavailable (${gpu.unavailable})` : `GPU: ${gpu.adapter} (${gpu.backend}${gpu.software ? ', software' : ''}): ${fmt(gpu.mhs, 2)} MH/s`);
    results.gpu = gpu;

    // (5) What metrics and the dashboard cost on the cache-hit path.
    const local = { local: { type: 'local', cpu_threads: 1 } };
    const dark = await spawnServer({ mode: 'powgate', config: config(local, { observability: false }), prime: [[hotRoot, hotWork, hotValue]] });
    const lit = await spawnServer({ mode: 'powgate', config: config(local, { observability: true }), prime: [[hotRoot, hotWork, hotValue]] });
    children.push(dark, lit);
    const obs = await benchObservability({ dark: dark.url, lit: lit.url, seconds: SECONDS, body: hitBody, check: (t) => t.includes(hotWork) });
    lines.push(
      '',
      `## (5) cost of observability: cache-hit work_generate, ${obs.connections} connections, median of ${obs.rounds} rotated rounds`,
      '',
      row(['server', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs off']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
      loadRow('metrics + dashboard off (baseline)', obs.connections, obs.off),
      loadRow('on, nobody watching', obs.connections, obs.on, obs.off),
      loadRow('on, /metrics scraped + dashboard polling, 1/s each', obs.connections, obs.watched, obs.off),
      '',
      `scrapes answered: ${obs.scrapes}, dashboard polls answered: ${obs.polls}; cost while watched: ${fmt((1 - obs.watched.rps / obs.off.rps) * 100, 1)} %`,
    );
    results.observability = { ...obs, cost: 1 - obs.watched.rps / obs.off.rps };

    // (6) Precache: confirmations for 1,000 tracked accounts, then work_generate for each next root,
    // against a work source of 200 ms latency; beside the same stream with precache off.
    const ACCOUNTS = 1000;
    const CONNECTIONS = 32;
    const stream = confirmationStream(ACCOUNTS, 2);
    const node = await spawnServer({ mode: 'node' });
    const slow = await spawnServer({ mode: 'peer', table: {}, delay: 200, compute: true });
    children.push(node, slow);
    const source = { slow: { type: 'rpc', urls: [slow.url] } };
    const runs: Record<string, PrecacheRun & { precacheSeconds?: number }> = {};
    for (const on of [false, true]) {
      const gate = await spawnServer({
        mode: 'powgate',
        config: config(source, { websocket: node.url, precache: { enabled: on, accounts: stream.accounts, concurrency: 64, max_queue: 4 * ACCOUNTS } }),
      });
      children.push(gate);
      const t0 = performance.now();
      if (on) {
        await until(async () => (await node.ask<number>({ subscribers: true }, 'subscribers')) >= 1, 10_000);
      }
      await node.ask<number>({ confirm: stream.messages }, 'confirmed');
      if (on) {
        // Precache has settled when nothing is queued or running (and the stream has been read).
        await until(async () => {
          const text = await gate.ask<string>({ stats: true }, 'metrics');
          const read = sample(text, 'powgate_precache_confirmations_total{trigger="websocket",outcome="new"}');
          return read === stream.messages.length && sample(text, 'powgate_precache_queue_depth') === 0 && sample(text, 'powgate_jobs_in_flight') === 0;
        }, 120_000);
      }
      const precacheSeconds = (performance.now() - t0) / 1000;
      if (on) {
        // First one request at a time (the latency of one answer), then as many connections as the baseline.
        runs.on1 = { ...(await requestEach(gate.url, stream.heads, 1)), precacheSeconds };
        runs.on = await requestEach(gate.url, stream.heads, CONNECTIONS);
      } else {
        // One at a time would take 1,000 x 200 ms: the baseline runs on CONNECTIONS only.
        runs.off = await requestEach(gate.url, stream.heads, CONNECTIONS);
      }
      gate.proc.kill('SIGINT');
    }
    const off = runs.off as PrecacheRun;
    const onMany = runs.on as PrecacheRun;
    const onOne = runs.on1 as PrecacheRun & { precacheSeconds: number };
    const share = (r: PrecacheRun): string => `${fmt((r.fromPrecache / r.requests) * 100, 1)} %`;
    const precacheRow = (name: string, connections: number, r: PrecacheRun): string =>
      row([name, String(connections), String(r.requests), share(r), fmt(r.p50, 3), fmt(r.p99, 3), String(r.errors)]);
    lines.push(
      '',
      `## (6) precache: ${stream.messages.length} confirmations for ${ACCOUNTS} tracked accounts, then work_generate for each next root (work source: 200 ms latency)`,
      '',
      row(['precache', 'connections', 'requests', 'from precache', 'p50 ms', 'p99 ms', 'errors']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
      precacheRow('off (baseline)', CONNECTIONS, off),
      precacheRow('on, first pass', 1, onOne),
      precacheRow('on, same roots again', CONNECTIONS, onMany),
      '',
      `precache of the stream finished ${fmt(onOne.precacheSeconds, 1)} s after it was sent (precache.concurrency 64)`,
    );
    results.precache = runs;

    // (7) Through powgate to DPoW: a 4-socket pool against a service with a fixed 50 ms latency.
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
