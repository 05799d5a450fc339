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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkJob } from '../lib/backends/types.js';
import { meanHashes, measurePool } from '../lib/bench/hashrate.js';
import type { RawMap } from '../lib/config/index.js';
import { createGenerator } from '../lib/generator/index.js';
import { createHubBackend } from '../lib/hub/backend.js';
import { createEmbeddedTransport } from '../lib/hub/embedded.js';
import { createExternalTransport } from '../lib/hub/external.js';
import type { HubTransport } from '../lib/hub/transport.js';
import { startWorker } from '../lib/hub/worker.js';
import { encodeAccount, hexToBytes, meetsTarget, NETWORKS } from '../lib/pow/index.js';
import { option } from './cli.js';
import { type Child, fmt, freePort, row, verdict } from './harness.js';
import { type LoadResult, runLoad } from './load.js';
import type { ProbeReading } from './probe.js';

export interface HubBenchContext {
  readonly seconds: number;
  /** [root, work, value] at `difficulty`. */
  readonly table: ReadonlyArray<readonly [string, string, string]>;
  readonly difficulty: string;
  /** Starts a powgate child with this (YAML-shaped) config, with its probe (CPU time between runs). */
  readonly powgate: (config: RawMap) => Promise<Child>;
  readonly config: (backends: RawMap) => RawMap;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `--hub-workers 10 --hub-clients 32 --hub-parts a`: one case of the section,
 * for profiling it (BENCH_PROF) without the rest. Unset: every case.
 */
function listOption<T extends number | string>(name: string, all: readonly T[], read: (text: string) => T): T[] {
  const text = option(name);
  if (text === undefined) return [...all];
  const picked = text.split(',').map((part) => read(part.trim()));
  if (picked.some((n) => !all.includes(n))) throw new Error(`--${name} takes some of ${all.join(',')}`);
  return picked;
}
const WORKER_COUNTS = listOption('hub-workers', [1, 10, 100], Number);
const CLIENT_COUNTS = listOption('hub-clients', [1, 32], Number);
const PARTS = new Set(listOption('hub-parts', ['a', 'b', 'c'], String));
/** `--hub-paths hub-embedded,hub-mosquitto`: (a) without the rpc peers' baseline (their CPU would crowd the rest). */
const PATHS = new Set(listOption('hub-paths', ['rpc', 'hub-embedded', 'hub-mosquitto'], String));

/**
 * A process's CPU time in µs from /proc (Linux): Mosquitto is not ours to
 * probe, but its CPU is on the same cores as powgate's, the workers' and the
 * load generator's, so the per-job sum of all four says what the machine
 * allows. NaN where /proc is missing.
 */
function processCpuUs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime: fields 14 and 15 of proc(5), 12 and 13 after "pid (comm) ".
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** A private Mosquitto for the run (anonymous, loopback): the machine's may carry other traffic. */
async function startMosquitto(): Promise<{ url: string; stop: () => void; cpuUs: () => number } | undefined> {
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
    cpuUs: () => processCpuUs(proc.pid),
    stop: () => {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Workers {
  readonly proc: ChildProcess;
  readonly reply: Record<string, unknown>;
}

function forkWorkers(message: object): Promise<Workers> {
  const proc = fork(new URL('./hub-workers.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return askChild<Record<string, unknown>>(proc, message, '').then((reply) => {
    if ('error' in reply) throw new Error(String(reply.error));
    return { proc, reply };
  });
}

/**
 * One answer from a child, by the key it carries (any message for ''). A child
 * that exits first, or says nothing for a minute, fails the bench with its
 * name instead of leaving it waiting for ever.
 */
function askChild<T>(proc: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      proc.off('message', on);
      proc.off('exit', onExit);
    };
    const on = (reply: Record<string, unknown>): void => {
      if (key === '' || key in reply) {
        done();
        resolve(reply as T);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      done();
      reject(new Error(`bench: hub-workers child exited (${signal ?? code}) before answering ${JSON.stringify(message).slice(0, 60)}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`bench: hub-workers child did not answer ${JSON.stringify(message).slice(0, 60)} within 60 s`));
    }, 60_000);
    proc.on('message', on);
    proc.once('exit', onExit);
    proc.send(message);
  });
}

const probeReset = (proc: ChildProcess): Promise<unknown> => askChild(proc, { probe: 'reset' }, 'probe');
const probeCpu = async (proc: ChildProcess, label: string): Promise<number> =>
  (await askChild<{ probe: ProbeReading }>(proc, { probe: 'read', label }, 'probe')).probe.cpuUs;

function hubConfig(broker: string, port: number): RawMap {
  return { type: 'hub', broker, listen: `127.0.0.1:${port}` };
}

interface Path {
  readonly name: string;
  readonly key: string;
  readonly gate: Child;
  readonly workers: ChildProcess;
}

/** (a) */
async function throughput(ctx: HubBenchContext, lines: string[], procs: ChildProcess[]): Promise<Record<string, unknown>> {
  const table = Object.fromEntries(ctx.table.map(([r, w]) => [r.toUpperCase(), w]));
  const mosquitto = await startMosquitto();
  const out: Record<string, unknown> = {};
  let next = 0;
  const body = () => JSON.stringify({ action: 'work_generate', hash: ctx.table[next++ % ctx.table.length]?.[0], difficulty: ctx.difficulty });
  const seconds = Math.min(ctx.seconds, 3);
  lines.push(
    '',
    '## (9a) hub: work_generate through a hub to N instant workers, vs the same N workers as rpc peers (new root each request)',
    '',
    "Workers subscribe as DPoW's reference worker (work, heartbeat, cancel, their own client/ topic), each with its own payout",
    'account, and all answer every job at once: per job the hub sends N jobs and N cancels and reads N results. They run in',
    "their own process; CPU per job is each process's user+system time over the run's answered requests.",
    '',
    row([
      'workers',
      'path',
      'clients',
      'req/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'p50 vs peers',
      'req/s vs peers',
      'powgate CPU µs/job',
      'workers CPU µs/job',
      'load CPU µs/job',
      'Mosquitto CPU µs/job',
    ]),
    row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  );
  const verdicts: string[] = [];
  try {
    for (const workers of WORKER_COUNTS) {
      const paths: Path[] = [];
      if (PATHS.has('rpc')) {
        const peers = await forkWorkers({ mode: 'rpc', count: workers, table });
        procs.push(peers.proc);
        const peerGate = await ctx.powgate(ctx.config({ peers: { type: 'rpc', urls: peers.reply.urls as string[], send_account: false } }));
        procs.push(peerGate.proc);
        paths.push({ name: 'rpc peers (baseline)', key: 'rpc', gate: peerGate, workers: peers.proc });
      }
      if (PATHS.has('hub-embedded')) {
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
        paths.push({ name: 'hub, embedded broker', key: 'hub-embedded', gate: embedded, workers: embeddedWorkers.proc });
      }
      if (mosquitto !== undefined && PATHS.has('hub-mosquitto')) {
        const external = await ctx.powgate(ctx.config({ hub: hubConfig(mosquitto.url, 0) }));
        procs.push(external.proc);
        const externalWorkers = await forkWorkers({ mode: 'mqtt', url: mosquitto.url, count: workers, table });
        procs.push(externalWorkers.proc);
        paths.push({ name: 'hub, Mosquitto', key: 'hub-mosquitto', gate: external, workers: externalWorkers.proc });
      }
      await sleep(300);
      for (const clients of CLIENT_COUNTS) {
        let baseline: LoadResult | undefined;
        for (const path of paths) {
          const label = `hub-w${workers}-c${clients}-${path.key}`;
          await Promise.all([path.gate.reset(), probeReset(path.workers)]);
          const load0 = process.cpuUsage();
          const broker0 = path.key === 'hub-mosquitto' ? (mosquitto?.cpuUs() ?? NaN) : NaN;
          const r = await runLoad({ url: path.gate.url, connections: clients, seconds, body, check: (t) => t.includes('"work"') });
          const load = process.cpuUsage(load0);
          const broker = path.key === 'hub-mosquitto' ? (mosquitto?.cpuUs() ?? NaN) - broker0 : NaN;
          const [gate, worker] = await Promise.all([path.gate.read(`${label}-powgate`), probeCpu(path.workers, `${label}-workers`)]);
          const per = (us: number): number => us / Math.max(r.requests, 1);
          const cpu = {
            powgateUsPerJob: per(gate.cpuUs),
            workersUsPerJob: per(worker),
            loadUsPerJob: per(load.user + load.system),
            ...(Number.isFinite(broker) ? { brokerUsPerJob: per(broker) } : {}),
          };
          if (path.key === 'rpc') baseline = r;
          const vs =
            baseline === undefined || path.key === 'rpc'
              ? ['', '']
              : [`${r.p50 - baseline.p50 >= 0 ? '+' : ''}${fmt(r.p50 - baseline.p50, 3)} ms`, `${fmt((r.rps / baseline.rps) * 100)} %`];
          lines.push(
            row([
              String(workers),
              path.name,
              String(clients),
              fmt(r.rps),
              fmt(r.p50, 3),
              fmt(r.p99, 3),
              String(r.errors),
              ...vs,
              fmt(cpu.powgateUsPerJob),
              fmt(cpu.workersUsPerJob),
              fmt(cpu.loadUsPerJob),
              path.key === 'hub-mosquitto' ? fmt(cpu.brokerUsPerJob ?? NaN) : '',
            ]),
          );
          out[`w${workers}.c${clients}.${path.key}`] = { ...r, ...cpu };
          if (path.key !== 'rpc' && clients === 1 && baseline !== undefined) {
            const added = r.p50 - baseline.p50;
            verdicts.push(
              `${path.name}, ${workers} worker${workers === 1 ? '' : 's'}, 1 client: the hub adds ${fmt(added, 3)} ms p50 over the peers: ${verdict(added <= 1)}`,
            );
          }
          if (path.key !== 'rpc' && workers === 10 && clients === 32) {
            const cores = os.availableParallelism();
            const others = cpu.loadUsPerJob + cpu.workersUsPerJob + (cpu.brokerUsPerJob ?? 0);
            const everyone = cpu.powgateUsPerJob + others;
            verdicts.push(
              `${path.name}, 10 workers, 32 clients: ${fmt(r.rps)} jobs/s: ${verdict(r.rps >= 2000)}; powgate spent ${fmt(cpu.powgateUsPerJob)} µs CPU per job, ` +
                `${fmt(1e6 / cpu.powgateUsPerJob)} jobs/s for each core it has to itself (the load generator${cpu.brokerUsPerJob === undefined ? ' and' : ','} the workers${cpu.brokerUsPerJob === undefined ? '' : ' and Mosquitto'} took ` +
                `${fmt(others)} µs more per job on the same ${cores} cores: ${fmt(everyone)} µs per job in all, at most ${fmt((cores * 1e6) / everyone)} jobs/s on this machine)`,
            );
          }
        }
      }
      for (const p of procs.splice(0)) p.kill('SIGINT');
    }
  } finally {
    mosquitto?.stop();
  }
  if (mosquitto === undefined) lines.push('', 'Mosquitto: not installed, its rows are missing (apt-get install mosquitto)');
  lines.push('', 'goals: the hub adds <= 1 ms p50 over direct peers; >= 2,000 jobs/s with 10 workers', '', ...verdicts.map((v) => `- ${v}`));
  return out;
}

/** (b) */
async function hashRate(ctx: HubBenchContext, lines: string[]): Promise<Record<string, unknown>> {
  const threads = os.availableParallelism();
  // The hub's figure is a sum of exponential samples (one per valid work): about 400 of them keep its error near 5 %.
  const minWorks = 400;
  const rounds = 4;
  const roundSeconds = Math.max(1.5, ctx.seconds);
  // Each job ~2 M hashes (tens of ms here): many jobs per second keep the estimate steady, and the
  // time between jobs (publish, start, result, cancel) still shows.
  const target = 0xfffff80000000000n;
  // The pool and the hub take turns (pool, hub, pool, ... pool) and each figure is the mean of its
  // turns: on a shared machine the load drifts, and both figures see the same drift.
  const poolSeconds = 1;
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
    /**
     * Jobs for `seconds`, `depth` published at a time (a new one as each is answered), then the
     * last ones answered: every work found and all the time it took count.
     */
    const stream = async (seconds: number, depth: number): Promise<{ works: number; elapsed: number; hashes: number }> => {
      const h0 = local.hashes();
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      let works = 0;
      const lane = async (): Promise<void> => {
        while (performance.now() < end) {
          await one();
          works++;
        }
      };
      await Promise.all(Array.from({ length: depth }, lane));
      return { works, elapsed: (performance.now() - t0) / 1000, hashes: local.hashes() - h0 };
    };
    const pools: number[] = [];
    const backlog = { works: 0, elapsed: 0, hashes: 0 };
    let turns = 0;
    for (; turns < rounds || (backlog.works < minWorks && turns < rounds * 3); turns++) {
      pools.push(await measurePool({ impl: 'auto', threads, seconds: poolSeconds }));
      const r = await stream(roundSeconds, 2);
      backlog.works += r.works;
      backlog.elapsed += r.elapsed;
      backlog.hashes += r.hashes;
    }
    pools.push(await measurePool({ impl: 'auto', threads, seconds: poolSeconds }));
    // One job at a time (as before): the worker idles through every round trip between jobs.
    const single = await stream(roundSeconds, 1);
    pools.push(await measurePool({ impl: 'auto', threads, seconds: poolSeconds }));
    const pool = pools.reduce((a, b) => a + b, 0) / pools.length;
    const rate = (r: { works: number; elapsed: number }): number => (r.works * meanHashes(target)) / r.elapsed / 1e6;
    const fromHub = rate(backlog);
    const tried = backlog.hashes / backlog.elapsed / 1e6;
    const fromHubSingle = rate(single);
    const expected = fmt(meanHashes(target) / 1e6, 1);
    lines.push(
      '',
      `## (9b) powgate worker (${threads} CPU threads) as the hub sees it, vs powgate bench's pool on the same machine`,
      '',
      `The pool and the hub take turns (${pools.length} pool turns of ${poolSeconds} s around ${turns} hub turns of ${fmt(roundSeconds, 1)} s and one of a job at a time), so both see the machine's load alike.`,
      'The hub keeps two jobs published, as a hub with steady demand does; one job at a time (last row) leaves the worker idle through every round trip.',
      '',
      row(['measure', 'MH/s', 'vs powgate bench']),
      row(['---', '---:', '---:']),
      row([
        `powgate bench: CPU pool, one impossible job, mean of ${pools.length} turns (${pools.map((p) => fmt(p, 0)).join(', ')}) (baseline)`,
        fmt(pool, 1),
        '',
      ]),
      row([
        `from the hub, two jobs published: ${backlog.works} valid works x ${expected} M expected hashes / ${fmt(backlog.elapsed, 1)} s`,
        fmt(fromHub, 1),
        `${fmt((fromHub / pool) * 100)} %`,
      ]),
      row(['nonces the worker tried in that time', fmt(tried, 1), `${fmt((tried / pool) * 100)} %`]),
      row([
        `from the hub, one job at a time: ${single.works} valid works / ${fmt(single.elapsed, 1)} s`,
        fmt(fromHubSingle, 1),
        `${fmt((fromHubSingle / pool) * 100)} %`,
      ]),
      '',
      `the hub's figure is an estimate from ${backlog.works} exponential samples (relative error about ${fmt(100 / Math.sqrt(Math.max(backlog.works, 1)))} %); goal >= 95 %`,
    );
    return {
      poolMHs: pool,
      poolTurnsMHs: pools,
      fromHubMHs: fromHub,
      triedMHs: tried,
      works: backlog.works,
      seconds: backlog.elapsed,
      oneAtATime: { fromHubMHs: fromHubSingle, works: single.works, seconds: single.elapsed },
    };
  } finally {
    await worker.stop();
    await hub.close();
  }
}

/** (c) */
async function fanOut(ctx: HubBenchContext, lines: string[]): Promise<Record<string, unknown>> {
  const table = Object.fromEntries(ctx.table.map(([r, w]) => [r.toUpperCase(), w]));
  const target = BigInt(`0x${ctx.difficulty}`);
  const out: Record<string, unknown> = {};
  const mosquitto = await startMosquitto();
  lines.push(
    '',
    '## (9c) cancel fan-out: from a worker publishing the winning result to every other worker holding the cancel',
    '',
    'The workers run in their own process (one clock for the win and every arrival); the hub is a hub backend in the bench process.',
    '',
    row(['workers', 'broker', 'median ms (last worker)', 'max ms (last worker)', 'median ms (each worker)', 'rounds', 'missing cancels']),
    row(['---:', '---', '---:', '---:', '---:', '---:', '---:']),
  );
  const brokers: Array<{ name: string; transport: () => HubTransport & { url?: () => string }; url?: string }> = [
    {
      name: 'embedded',
      transport: () =>
        createEmbeddedTransport({ listen: { host: '127.0.0.1', port: 0 }, workerUsername: 'client', workerPassword: 'client', maxConnections: 1000 }),
    },
  ];
  if (mosquitto !== undefined) brokers.push({ name: 'Mosquitto', transport: () => createExternalTransport({ url: mosquitto.url }), url: mosquitto.url });
  try {
    for (const count of [10, 100]) {
      for (const broker of brokers) {
        const transport = broker.transport();
        const hub = createHubBackend('hub', {
          transport,
          network: NETWORKS['nano-dev'],
          workerTtl: 60_000,
          maxWorkers: 1000,
          heartbeatInterval: 1000,
          statisticsInterval: 300_000,
        });
        await hub.start();
        const url = broker.url ?? (transport as { url(): string }).url();
        const workers = await forkWorkers({
          mode: 'fanout',
          url,
          count,
          table,
          ...(broker.url === undefined ? { username: 'client', password: 'client' } : {}),
        });
        const lasts: number[] = [];
        const each: number[] = [];
        let missing = 0;
        try {
          await sleep(200);
          for (let round = 0; round < 20; round++) {
            const [root] = ctx.table[round] ?? [];
            if (root === undefined) break;
            const bytes = hexToBytes(root);
            const hash = root.toUpperCase();
            await hub.generate({ root: hash, rootBytes: bytes, target, signal: new AbortController().signal, accepts: (w) => meetsTarget(bytes, w, target) });
            const { spans, missing: lost } = await askChild<{ spans: number[]; missing: number }>(workers.proc, { span: hash }, 'spans');
            missing += lost;
            if (spans.length > 0) lasts.push(Math.max(...spans));
            each.push(...spans);
          }
        } finally {
          workers.proc.kill('SIGINT');
          await hub.close();
        }
        const med = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? NaN;
        const max = lasts.length === 0 ? NaN : Math.max(...lasts);
        lines.push(row([String(count), broker.name, fmt(med(lasts), 2), fmt(max, 2), fmt(med(each), 2), String(lasts.length), String(missing)]));
        out[`w${count}.${broker.name.toLowerCase()}`] = { medianMs: med(lasts), maxMs: max, medianEachMs: med(each), missing };
      }
    }
  } finally {
    mosquitto?.stop();
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
      ...(PARTS.has('a') ? { throughput: await throughput(ctx, lines, procs) } : {}),
      ...(PARTS.has('b') ? { hashRate: await hashRate(ctx, lines) } : {}),
      ...(PARTS.has('c') ? { fanOut: await fanOut(ctx, lines) } : {}),
    };
  } finally {
    for (const p of procs) p.kill('SIGINT');
  }
}
