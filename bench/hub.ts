/**
 * The hub benchmark (`npm run bench`, section 8; or `node dist/bench/hub.js`):
 *  (a) work_generate through a hub with 1, 10 and 100 simulated instant
 *      workers, embedded broker and Mosquitto, beside the same workers as rpc
 *      peers, at 1 and 32 clients;
 *  (b) `powgate worker` hash rate as the hub sees it (valid works x expected
 *      hashes / time) beside `powgate bench`'s pool figure on the same machine;
 *  (c) cancel fan-out: from a win to every other worker having the cancel,
 *      and from a cancel to `powgate worker`'s generator having stopped.
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import type { WorkJob } from '../lib/backends/types.js';
import { meanHashes, measurePool } from '../lib/bench/hashrate.js';
import type { RawMap } from '../lib/config/index.js';
import { createGenerator } from '../lib/generator/index.js';
import { createHubBackend } from '../lib/hub/backend.js';
import { createEmbeddedTransport } from '../lib/hub/embedded.js';
import { startWorker } from '../lib/hub/worker.js';
import { encodeAccount, meetsTarget, NETWORKS } from '../lib/pow/index.js';
import { freePort } from './harness.js';
import { type LoadResult, runLoad } from './load.js';

export interface HubBenchContext {
  readonly seconds: number;
  /** [root, work, value] at `difficulty`. */
  readonly table: ReadonlyArray<readonly [string, string, string]>;
  readonly difficulty: string;
  /** Starts a powgate child with this (YAML-shaped) config; its URL back. */
  readonly powgate: (config: RawMap) => Promise<{ url: string; proc: ChildProcess }>;
  readonly config: (backends: RawMap) => RawMap;
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A private Mosquitto for the run (anonymous, loopback): the machine's may carry other traffic. */
async function startMosquitto(): Promise<{ url: string; stop: () => void } | undefined> {
  if (spawnSync('mosquitto', ['-h']).error !== undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'powgate-bench-mosquitto-'));
  const port = await freePort();
  writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nset_tcp_nodelay true\n`);
  const proc = spawn('mosquitto', ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    await sleep(50);
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: () => {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function forkWorkers(message: object): Promise<{ proc: ChildProcess; reply: Record<string, unknown> }> {
  const proc = fork(new URL('./hub-workers.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (reply: Record<string, unknown>) => {
      if ('error' in reply) reject(new Error(String(reply.error)));
      else resolve({ proc, reply });
    });
    proc.send(message);
  });
}

function hubConfig(broker: string, port: number): RawMap {
  return { type: 'hub', broker, listen: `127.0.0.1:${port}` };
}

/** (a) */
async function throughput(ctx: HubBenchContext, lines: string[], procs: ChildProcess[]): Promise<Record<string, unknown>> {
  const table = Object.fromEntries(ctx.table.map(([r, w]) => [r.toUpperCase(), w]));
  const mosquitto = await startMosquitto();
  const out: Record<string, unknown> = {};
  let next = 0;
  const body = () => JSON.stringify({ action: 'work_generate', hash: ctx.table[next++ % ctx.table.length]?.[0], difficulty: ctx.difficulty });
  const seconds = Math.min(ctx.seconds, 2);
  lines.push(
    '',
    '## (9a) hub: work_generate through a hub to N instant workers, vs the same N workers as rpc peers (new root each request)',
    '',
    row(['workers', 'path', 'clients', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'p50 vs peers', 'req/s vs peers']),
    row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  );
  try {
    for (const workers of [1, 10, 100]) {
      const peers = await forkWorkers({ mode: 'rpc', count: workers, table });
      procs.push(peers.proc);
      const peerGate = await ctx.powgate(ctx.config({ peers: { type: 'rpc', urls: peers.reply.urls as string[], send_account: false } }));
      procs.push(peerGate.proc);
      const embeddedPort = await freePort();
      const embedded = await ctx.powgate(ctx.config({ hub: hubConfig('embedded', embeddedPort) }));
      procs.push(embedded.proc);
      const embeddedWorkers = await forkWorkers({
        mode: 'mqtt',
        url: `mqtt://127.0.0.1:${embeddedPort}`,
        count: workers,
        table,
        username: 'client',
        password: 'client',
      });
      procs.push(embeddedWorkers.proc);
      const paths: Array<[string, string]> = [
        ['rpc peers (baseline)', peerGate.url],
        ['hub, embedded broker', embedded.url],
      ];
      if (mosquitto !== undefined) {
        const external = await ctx.powgate(ctx.config({ hub: hubConfig(mosquitto.url, 0) }));
        procs.push(external.proc);
        const externalWorkers = await forkWorkers({ mode: 'mqtt', url: mosquitto.url, count: workers, table });
        procs.push(externalWorkers.proc);
        paths.push(['hub, Mosquitto', external.url]);
      }
      await sleep(300);
      for (const clients of [1, 32]) {
        let baseline: LoadResult | undefined;
        for (const [name, url] of paths) {
          const r = await runLoad({ url, connections: clients, seconds, body, check: (t) => t.includes('"work"') });
          baseline ??= r;
          const vs = name.startsWith('rpc')
            ? ['', '']
            : [`${r.p50 - baseline.p50 >= 0 ? '+' : ''}${fmt(r.p50 - baseline.p50, 3)} ms`, `${fmt((r.rps / baseline.rps) * 100)} %`];
          lines.push(row([String(workers), name, String(clients), fmt(r.rps), fmt(r.p50, 3), fmt(r.p99, 3), String(r.errors), ...vs]));
          out[`w${workers}.c${clients}.${name.split(' ')[0]}${name.includes('Mosquitto') ? '-mosquitto' : name.includes('embedded') ? '-embedded' : ''}`] = r;
        }
      }
      for (const p of procs.splice(0)) p.kill('SIGINT');
    }
  } finally {
    mosquitto?.stop();
  }
  if (mosquitto === undefined) lines.push('', 'Mosquitto: not installed, its rows are missing (apt-get install mosquitto)');
  lines.push('', 'goals: the hub adds <= 1 ms p50 over direct peers; >= 2,000 jobs/s with 10 workers');
  return out;
}

/** (b) */
async function hashRate(ctx: HubBenchContext, lines: string[]): Promise<Record<string, unknown>> {
  const threads = os.availableParallelism();
  const seconds = Math.max(3, ctx.seconds * 2);
  // Each job ~4 M hashes (a few tens of ms here): many jobs per second keeps the estimate steady.
  const target = 0xfffffc0000000000n;
  // The pool is measured before and after (the mean is the baseline): a shared machine's load drifts.
  const poolSeconds = Math.min(ctx.seconds, 3);
  const poolBefore = await measurePool({ impl: 'auto', threads, seconds: poolSeconds });
  const transport = createEmbeddedTransport({ listen: { host: '127.0.0.1', port: 0 }, workerUsername: 'client', workerPassword: 'client', maxConnections: 10 });
  const hub = createHubBackend('hub', {
    transport,
    network: NETWORKS['nano-dev'],
    workerTtl: 60_000,
    maxWorkers: 10,
    heartbeatInterval: 200,
    statisticsInterval: 300_000,
  });
  await hub.start();
  const local = createGenerator({ threads: threads, gpu: 'off' });
  const worker = startWorker({
    hub: transport.url().replace('mqtt://', 'mqtt://client:client@'),
    payout: encodeAccount(new Uint8Array(32).fill(7), 'nano_'),
    work: 'any',
    generator: local,
    statusInterval: 3_600_000,
    log: () => {},
  });
  try {
    await worker.connected;
    while (!worker.stats().heartbeat) await sleep(20);
    const one = (): Promise<bigint> => {
      const root = crypto.getRandomValues(new Uint8Array(32));
      const job: WorkJob = {
        root: Buffer.from(root).toString('hex').toUpperCase(),
        rootBytes: root,
        target,
        signal: new AbortController().signal,
        accepts: (w) => meetsTarget(root, w, target),
      };
      return hub.generate(job);
    };
    await one(); // warm-up: threads booted, kernel tiered up
    const h0 = local.hashes();
    const t0 = performance.now();
    let works = 0;
    while (performance.now() - t0 < seconds * 1000) {
      await one();
      works++;
    }
    const elapsed = (performance.now() - t0) / 1000;
    const poolAfter = await measurePool({ impl: 'auto', threads, seconds: poolSeconds });
    const pool = (poolBefore + poolAfter) / 2;
    const fromHub = (works * meanHashes(target)) / elapsed / 1e6;
    const tried = (local.hashes() - h0) / elapsed / 1e6;
    lines.push(
      '',
      `## (9b) powgate worker (${threads} CPU threads) as the hub sees it, vs powgate bench's pool on the same machine`,
      '',
      row(['measure', 'MH/s', 'vs powgate bench']),
      row(['---', '---:', '---:']),
      row([
        `powgate bench: CPU pool, one impossible job, mean of before (${fmt(poolBefore, 1)}) and after (${fmt(poolAfter, 1)}) (baseline)`,
        fmt(pool, 1),
        '',
      ]),
      row([
        `from the hub: ${works} valid works x ${fmt(meanHashes(target) / 1e6, 1)} M expected hashes / ${fmt(elapsed, 1)} s`,
        fmt(fromHub, 1),
        `${fmt((fromHub / pool) * 100)} %`,
      ]),
      row(['nonces the worker tried in that time', fmt(tried, 1), `${fmt((tried / pool) * 100)} %`]),
      '',
      `the hub's figure is an estimate from ${works} exponential samples (relative error about ${fmt(100 / Math.sqrt(Math.max(works, 1)))} %); goal >= 95 %`,
    );
    return { poolMHs: pool, poolBeforeMHs: poolBefore, poolAfterMHs: poolAfter, fromHubMHs: fromHub, triedMHs: tried, works, seconds: elapsed };
  } finally {
    await worker.stop();
    await hub.close();
  }
}

/** (c) */
async function fanOut(lines: string[]): Promise<Record<string, unknown>> {
  const transport = createEmbeddedTransport({
    listen: { host: '127.0.0.1', port: 0 },
    workerUsername: 'client',
    workerPassword: 'client',
    maxConnections: 1000,
  });
  const hub = createHubBackend('hub', {
    transport,
    network: NETWORKS['nano-dev'],
    workerTtl: 60_000,
    maxWorkers: 1000,
    heartbeatInterval: 1000,
    statisticsInterval: 300_000,
  });
  await hub.start();
  const out: Record<string, unknown> = {};
  lines.push(
    '',
    '## (9c) cancel fan-out: from a win to every other worker holding the cancel (embedded broker, same process clock)',
    '',
    row(['workers', 'median ms', 'max ms', 'rounds']),
    row(['---:', '---:', '---:', '---:']),
  );
  const clients: MqttClient[] = [];
  try {
    for (const count of [10, 100]) {
      while (clients.length < count) {
        const c = connect(transport.url(), { username: 'client', password: 'client', reconnectPeriod: 0 });
        await new Promise((resolve) => c.once('connect', resolve));
        await c.subscribeAsync({ 'work/ondemand': { qos: 0 }, 'cancel/ondemand': { qos: 1 } });
        clients.push(c);
      }
      const spans: number[] = [];
      for (let round = 0; round < 20; round++) {
        const root = crypto.getRandomValues(new Uint8Array(32));
        const hash = Buffer.from(root).toString('hex').toUpperCase();
        const controller = new AbortController();
        let seen = 0;
        let resolveAll: () => void = () => {};
        const all = new Promise<void>((resolve) => (resolveAll = resolve));
        const listeners = clients.map((c) => {
          const on = (topic: string, payload: Buffer): void => {
            if (topic === 'cancel/ondemand' && payload.toString() === hash && ++seen === clients.length) resolveAll();
          };
          c.on('message', on);
          return () => c.off('message', on);
        });
        const job = hub
          .generate({
            root: hash,
            rootBytes: root,
            target: 0xf000000000000000n,
            signal: controller.signal,
            accepts: (w) => meetsTarget(root, w, 0xf000000000000000n),
          })
          .catch(() => undefined);
        await sleep(5);
        // The win: here another tier's (the job is aborted), which sends the same cancel as a worker's win.
        const t0 = performance.now();
        controller.abort();
        await all;
        spans.push(performance.now() - t0);
        await job;
        for (const off of listeners) off();
      }
      spans.sort((a, b) => a - b);
      const median = spans[Math.floor(spans.length / 2)] ?? NaN;
      const max = spans[spans.length - 1] ?? NaN;
      lines.push(row([String(count), fmt(median, 2), fmt(max, 2), String(spans.length)]));
      out[`w${count}`] = { medianMs: median, maxMs: max };
    }
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await hub.close();
  }
  // powgate worker: from the cancel's arrival to its generator having stopped.
  const local = createGenerator({ threads: os.availableParallelism(), gpu: 'off' });
  let stoppedAt = 0;
  const transport2 = createEmbeddedTransport({
    listen: { host: '127.0.0.1', port: 0 },
    workerUsername: 'client',
    workerPassword: 'client',
    maxConnections: 10,
  });
  const hub2 = createHubBackend('hub', {
    transport: transport2,
    network: NETWORKS['nano-dev'],
    workerTtl: 60_000,
    maxWorkers: 10,
    heartbeatInterval: 100,
    statisticsInterval: 300_000,
  });
  await hub2.start();
  const worker = startWorker({
    hub: transport2.url().replace('mqtt://', 'mqtt://client:client@'),
    payout: encodeAccount(new Uint8Array(32).fill(9), 'nano_'),
    work: 'any',
    generator: {
      generate: (root, target, signal) => local.generate(root, target, signal).finally(() => (stoppedAt = performance.now())),
      hashes: () => local.hashes(),
      close: () => local.close(),
    },
    statusInterval: 3_600_000,
    log: () => {},
  });
  const stops: number[] = [];
  try {
    await worker.connected;
    while (!worker.stats().heartbeat) await sleep(20);
    for (let round = 0; round < 10; round++) {
      const root = crypto.getRandomValues(new Uint8Array(32));
      const hash = Buffer.from(root).toString('hex').toUpperCase();
      const controller = new AbortController();
      const job = hub2
        .generate({
          root: hash,
          rootBytes: root,
          target: 0xffffffffff000000n,
          signal: controller.signal,
          accepts: (w) => meetsTarget(root, w, 0xffffffffff000000n),
        })
        .catch(() => undefined);
      while (worker.stats().current !== hash) await sleep(2);
      await sleep(50);
      stoppedAt = 0;
      const t0 = performance.now();
      controller.abort();
      while (stoppedAt === 0) await sleep(1);
      stops.push(stoppedAt - t0);
      await job;
    }
  } finally {
    await worker.stop();
    await hub2.close();
  }
  stops.sort((a, b) => a - b);
  const median = stops[Math.floor(stops.length / 2)] ?? NaN;
  lines.push(
    '',
    `powgate worker (${os.availableParallelism()} threads): cancel published -> generator stopped, median ${fmt(median, 2)} ms, max ${fmt(stops[stops.length - 1] ?? NaN, 2)} ms over ${stops.length} jobs`,
  );
  out.workerStop = { medianMs: median, maxMs: stops[stops.length - 1] };
  return out;
}

export async function benchHub(ctx: HubBenchContext, lines: string[]): Promise<Record<string, unknown>> {
  const procs: ChildProcess[] = [];
  try {
    return {
      throughput: await throughput(ctx, lines, procs),
      hashRate: await hashRate(ctx, lines),
      fanOut: await fanOut(lines),
    };
  } finally {
    for (const p of procs) p.kill('SIGINT');
  }
}
