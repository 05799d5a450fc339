/**
 * `npm run bench`: every figure beside its baseline, measured in the same run.
 * Servers and the load generator run in child processes of their own.
 *
 *   npm run bench                                  every section
 *   npm run bench -- --section hits,miss,memory    some of them
 *   npm run bench -- --seconds 6 --rounds 3        longer runs (defaults: 5 s, 3 rounds)
 *
 * Sections: hits, memory, miss, dedupe, hashrate, observability, precache, dpow, scale, hub, services, ledger.
 * BENCH_PROF=dir writes a CPU profile of every server process; BENCH_JSON=file the figures as JSON.
 */

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { option, positiveOption } from './cli.js';
import { benchGpu } from './gpu.js';
import { type Child, config, DIFFICULTY, fmt, LOCAL, precompute, row, sample, spawnServer, until } from './harness.js';
import { benchHashrate } from './hashrate.js';
import { benchHits } from './hits.js';
import { benchHub } from './hub.js';
import { benchLedger } from './ledger.js';
import { type LoadResult, runLoad } from './load.js';
import { benchMemory } from './memory.js';
import { benchMiss } from './miss.js';
import { benchObservability } from './observability.js';
import { confirmationStream, type PrecacheRun, requestEach } from './precache.js';
import { benchScale } from './scale.js';
import { benchServices } from './services.js';

const SECTIONS = ['hits', 'memory', 'miss', 'dedupe', 'hashrate', 'observability', 'precache', 'dpow', 'scale', 'hub', 'services', 'ledger'] as const;
type Section = (typeof SECTIONS)[number];

const SECONDS = positiveOption('seconds', Number(process.env.BENCH_SECONDS ?? 5));
const ROUNDS = Math.round(positiveOption('rounds', 3));
const chosen = new Set<string>((option('section') ?? SECTIONS.join(',')).split(',').map((s) => s.trim()));
for (const name of chosen) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section ${name}; sections: ${SECTIONS.join(', ')}`);
const wants = (section: Section): boolean => chosen.has(section);

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
    lines.push(
      row([
        String(clients),
        fmt(r.rps),
        fmt(r.p50, 1),
        fmt(r.p99, 1),
        String(r.errors),
        fmt(ideal),
        fmt(idealAll),
        `${fmt((r.rps / idealAll) * 100)} %`,
        `${ws} / ${post}`,
      ]),
    );
    out[`c${clients}`] = { ...r, idealSockets: ideal, idealWithPost: idealAll, ws, post };
  }
  lines.push('', `requests pipelined on a busy socket (must be 0): ${before.pipelined}`);
  return out;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() } };
  const lines: string[] = [
    `powgate bench: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')} at start`,
    '',
  ];
  const children: Child[] = [];
  const stop = (list: Child[]): void => {
    for (const child of list.splice(0)) child.proc.kill('SIGINT');
  };
  try {
    const table = precompute(30_000);
    const hotRoot = table[0]?.[0] as string;
    const hotWork = table[0]?.[1] as string;
    const hitBody = JSON.stringify({ action: 'work_generate', hash: hotRoot, difficulty: DIFFICULTY });
    const hot = [[hotRoot, hotWork, table[0]?.[2] as string]];
    if (wants('hits')) {
      results.cacheHit = await benchHits({ seconds: SECONDS, rounds: ROUNDS, maxEntries: 100_000, hot: 1000, redis: true }, lines, children);
      stop(children);
    }
    if (wants('memory')) {
      results.memory = await benchMemory([0, 100_000, 1_000_000], lines);
    }
    if (wants('miss')) {
      results.missPath = await benchMiss({ seconds: SECONDS, rounds: ROUNDS }, lines, children);
      stop(children);
    }
    // (3) Upstream calls for 100 identical concurrent requests.
    if (wants('dedupe')) {
      const slowPeer = await spawnServer({ mode: 'peer', table: Object.fromEntries(table.map(([r, w]) => [r, w])), delay: 50 });
      const dedupe = await spawnServer({ mode: 'powgate', config: config({ peer: { type: 'rpc', urls: [slowPeer.url] } }) });
      children.push(slowPeer, dedupe);
      const sameBody = JSON.stringify({ action: 'work_generate', hash: table[1]?.[0], difficulty: DIFFICULTY });
      const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(dedupe.url, { method: 'POST', body: sameBody }).then((r) => r.text())));
      const upstream = await slowPeer.ask<number>({ calls: true }, 'calls');
      const answered = answers.filter((t) => t.includes('"work"')).length;
      lines.push(
        '',
        '## (3) 100 identical concurrent work_generate',
        '',
        `answered with work: ${answered}/100, upstream calls: ${upstream} (target 1; without joining it would be 100)`,
      );
      results.dedupe = { answered, upstreamCalls: upstream };
      stop(children);
    }

    // (4) Local generator hash rate per kernel beside a plain scalar C BLAKE2b loop.
    if (wants('hashrate')) {
      const threads = os.availableParallelism();
      const rate = await benchHashrate({ seconds: Math.min(SECONDS, 2), threads });
      lines.push('', `## (4) local CPU generator per kernel, 1 and ${threads} threads, vs a plain scalar C BLAKE2b loop`, '', rate.table);
      results.hashrate = { baselineMHs: rate.baselineMHs, rows: rate.rows };
      // The GPU, when Dawn finds an adapter (on a machine without a GPU: Mesa's llvmpipe, on the same cores).
      const gpu = await benchGpu(Math.min(SECONDS, 3));
      lines.push(
        '',
        'unavailable' in gpu
          ? `GPU: unavailable (${gpu.unavailable})`
          : `GPU: ${gpu.adapter} (${gpu.backend}${gpu.software ? ', software' : ''}): ${fmt(gpu.mhs, 2)} MH/s`,
      );
      results.gpu = gpu;
    }

    // (5) What metrics and the dashboard cost on the cache-hit path.
    if (wants('observability')) {
      const dark = await spawnServer({ mode: 'powgate', config: config(LOCAL, { observability: false }), prime: hot });
      const lit = await spawnServer({ mode: 'powgate', config: config(LOCAL, { observability: true }), prime: hot });
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
      stop(children);
    }

    // (6) Precache: confirmations for 1,000 tracked accounts, then work_generate for each next root,
    // against a work source of 200 ms latency; beside the same stream with precache off.
    if (wants('precache')) {
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
      stop(children);
    }

    // (7) Through powgate to DPoW: a 4-socket pool against a service with a fixed 50 ms latency.
    if (wants('dpow')) results.dpow = await benchDpow(table.slice(2), lines, children);
    stop(children);

    // (8) Several instances on one Redis behind HAProxy: the balancer's cost, leases, takeover.
    if (wants('scale')) results.scale = await benchScale({ seconds: SECONDS, connections: 64 }, lines);

    // (9) The hub: simulated workers vs rpc peers, powgate worker's hash rate, cancel fan-out.
    if (wants('hub')) {
      results.hub = await benchHub(
        {
          seconds: SECONDS,
          table: table.slice(15_000),
          difficulty: DIFFICULTY,
          powgate: (c) => spawnServer({ mode: 'powgate', config: c }),
          config: (b) => config(b),
        },
        lines,
      );
      stop(children);
    }

    // (10) Services: DPoW's service API beside work_generate, rpc.auth required beside off.
    if (wants('services')) {
      results.services = await benchServices({ seconds: SECONDS, rounds: ROUNDS }, lines, children);
      stop(children);
    }

    // (11) The ledger: the hub's peak job rate with the ledger off and on; payouts plan for 10k workers, 1M results.
    if (wants('ledger')) {
      results.ledger = await benchLedger({ seconds: Math.min(SECONDS, 3), rounds: ROUNDS }, lines, children);
      stop(children);
    }
  } finally {
    stop(children);
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
