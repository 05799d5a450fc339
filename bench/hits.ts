/**
 * Section 1: cache-hit work_generate against a bare node:http server, with the
 * memory cache nearly empty and full (filled to max_entries first), and with
 * the Redis cache. Rounds rotate the servers' order so drift on a shared
 * machine falls on all alike; each figure is the median round by req/s.
 */
import { type CannonResult, runCannon } from './cannon.js';
import {
  type Child,
  config,
  fmt,
  generateBody,
  LOCAL,
  median,
  mib,
  precompute,
  ratio,
  redisCommandStats,
  row,
  sample,
  spawnServer,
  verdict,
} from './harness.js';
import type { ProbeReading } from './probe.js';

export interface HitOptions {
  readonly seconds: number;
  readonly rounds: number;
  readonly maxEntries: number;
  /** Distinct roots the clients ask for (each connection cycles through all of them). */
  readonly hot: number;
  readonly redis: boolean;
}

const WARMUP_REQUESTS = 10_000;

interface Run {
  readonly load: CannonResult;
  readonly probe: ProbeReading;
  /** Cache misses during the run (powgate only; must be 0). */
  readonly misses: number;
}

interface Subject {
  readonly name: string;
  /** Names its profiles under BENCH_PROF. */
  readonly key: string;
  readonly child: Child;
  readonly gate: boolean;
}

export async function benchHits(options: HitOptions, lines: string[], children: Child[]): Promise<unknown> {
  const table = precompute(options.hot);
  const prime = table.map(([root, work, value]) => [root, work, value]);
  const bodies = table.map(([root]) => generateBody(root));

  const bare = await spawnServer({ mode: 'bare' });
  children.push(bare);
  const empty = await spawnServer({ mode: 'powgate', config: config(LOCAL, { cache: { max_entries: options.maxEntries } }), prime });
  children.push(empty);
  // Full: every slot taken by earlier work first, the hot roots stored last (the most recent).
  const full = await spawnServer({ mode: 'powgate', config: config(LOCAL, { cache: { max_entries: options.maxEntries } }) });
  children.push(full);
  const fillStarted = performance.now();
  await full.ask({ fill: options.maxEntries - table.length }, 'filled');
  await full.ask({ prime }, 'primed');
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  const subjects: Subject[] = [
    { name: 'bare node:http (baseline)', key: 'bare', child: bare, gate: false },
    { name: `powgate, memory cache nearly empty (${fmt(table.length)} entries)`, key: 'empty', child: empty, gate: true },
    { name: `powgate, memory cache full (${fmt(options.maxEntries)} entries)`, key: 'full', child: full, gate: true },
  ];
  if (options.redis) {
    const redis = await spawnServer({ mode: 'powgate', config: config(LOCAL, { cache: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' } }), prime });
    children.push(redis);
    subjects.push({ name: 'powgate, Redis cache', key: 'redis', child: redis, gate: true });
  }

  const runOne = async (subject: Subject, connections: number, seconds: number, label: string, amount?: number): Promise<Run> => {
    const before = subject.gate ? await subject.child.ask<string>({ stats: true }, 'metrics') : '';
    await subject.child.reset();
    const load = await runCannon({ url: subject.child.url, connections, seconds, bodies, order: 'fixed', ...(amount === undefined ? {} : { amount }) });
    const probe = await subject.child.read(`hits-${subject.key}-${label}`);
    let misses = NaN;
    if (subject.gate) {
      const after = await subject.child.ask<string>({ stats: true }, 'metrics');
      misses = sample(after, 'powgate_cache_misses_total') - sample(before, 'powgate_cache_misses_total');
    }
    return { load, probe, misses };
  };

  // JIT warm-up by count, not time (a slow machine would stop short of optimised code), so round one measures the same code as the others.
  for (const subject of subjects) await runOne(subject, 16, 60, 'warmup', WARMUP_REQUESTS);

  const out: Record<string, unknown> = { fillSeconds };
  lines.push(
    `## (1) cache-hit work_generate vs bare node:http (${options.rounds} rotated rounds of ${options.seconds} s, median round by req/s)`,
    '',
    `The clients cycle through ${fmt(table.length)} cached roots. "full": ${fmt(options.maxEntries - table.length)} other entries stored first`,
    `(${fmt(fillSeconds, 1)} s to fill), so the cache is at max_entries. Load generator: autocannon in its own process.`,
    "CPU µs/req: the server process's own CPU per answered request. Stall: the longest event-loop delay in any round",
    '(sampled every 5 ms); GC: the longest single GC pause in any round. RSS: peak of the server process.',
    'misses: cache misses powgate counted during the run (must be 0: every answer came from the cache).',
    '',
  );
  for (const connections of [1, 64]) {
    const runs = new Map<Subject, Run[]>(subjects.map((s) => [s, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < subjects.length; i++) {
        const subject = subjects[(round + i) % subjects.length] as Subject;
        let statsBefore: Map<string, number> | undefined;
        if (subject.name.includes('Redis')) statsBefore = await redisCommandStats();
        const run = await runOne(subject, connections, options.seconds, `c${connections}-r${round + 1}`);
        if (statsBefore !== undefined) {
          const after = await redisCommandStats();
          let commands = 0;
          for (const [name, calls] of after) if (name !== 'info') commands += calls - (statsBefore.get(name) ?? 0);
          (run as Run & { redisCommands?: number }).redisCommands = commands;
        }
        runs.get(subject)?.push(run);
      }
    }
    const base = median(runs.get(subjects[0] as Subject) ?? [], (r) => r.load.rps);
    lines.push(
      `### ${connections} connection${connections === 1 ? '' : 's'}`,
      '',
      row(['server', 'req/s', 'vs bare', 'p50 ms', 'p99 ms', 'p99 vs bare', 'max ms', 'CPU µs/req', 'stall ms', 'GC ms', 'peak RSS MiB', 'misses']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    const figures: Record<string, unknown> = {};
    for (const subject of subjects) {
      const list = runs.get(subject) ?? [];
      const m = median(list, (r) => r.load.rps);
      const stall = Math.max(...list.map((r) => r.probe.stallMs));
      const gc = Math.max(...list.map((r) => r.probe.gcMaxMs));
      const gcKind = list.find((r) => r.probe.gcMaxMs === gc)?.probe.gcMaxKind ?? '';
      const cpu = m.probe.cpuUs / m.load.requests;
      lines.push(
        row([
          subject.name,
          fmt(m.load.rps),
          subject === subjects[0] ? '' : ratio(m.load.rps, base.load.rps),
          fmt(m.load.p50, 3),
          fmt(m.load.p99, 3),
          subject === subjects[0] ? '' : ratio(m.load.p99, base.load.p99, 1),
          fmt(m.load.max, 1),
          fmt(cpu),
          fmt(stall, 1),
          `${fmt(gc, 1)}${gcKind === '' ? '' : ` (${gcKind})`}`,
          mib(Math.max(...list.map((r) => r.probe.maxRss))),
          subject.gate ? fmt(m.misses) : '',
        ]),
      );
      const redisCommands = list.map((r) => (r as Run & { redisCommands?: number }).redisCommands).filter((n) => n !== undefined);
      figures[subject.name] = {
        ...m.load,
        cpuUsPerRequest: cpu,
        stallMs: stall,
        gcMaxMs: gc,
        rounds: list.map((r) => r.load.rps),
        ...(redisCommands.length > 0 ? { redisCommands } : {}),
      };
      if (redisCommands.length > 0) {
        const perHit =
          list.reduce((sum, r) => sum + ((r as Run & { redisCommands?: number }).redisCommands ?? 0), 0) / list.reduce((sum, r) => sum + r.load.requests, 0);
        (figures[subject.name] as Record<string, unknown>).redisCommandsPerHit = perHit;
        figures.redisLine = `Redis commands per cache hit (INFO commandstats, server-wide): ${fmt(perHit, 3)} (target 1)`;
      }
    }
    lines.push('');
    if (typeof figures.redisLine === 'string') lines.push(figures.redisLine, '');
    if (connections === 64) {
      const fullRuns = runs.get(subjects[2] as Subject) ?? [];
      const emptyRuns = runs.get(subjects[1] as Subject) ?? [];
      const f = median(fullRuns, (r) => r.load.rps);
      const e = median(emptyRuns, (r) => r.load.rps);
      const worst = Math.max(...fullRuns.map((r) => Math.max(r.probe.stallMs, r.probe.gcMaxMs)));
      lines.push(
        'Targets (issue 12), full cache at 64 connections:',
        `- ≥ 0.5× bare req/s: ${ratio(f.load.rps, base.load.rps)} — ${verdict(f.load.rps >= 0.5 * base.load.rps)}`,
        `- p99 ≤ 3× bare's: ${ratio(f.load.p99, base.load.p99, 1)} — ${verdict(f.load.p99 <= 3 * base.load.p99)}`,
        `- no pause over 50 ms: longest stall or GC ${fmt(worst, 1)} ms — ${verdict(worst <= 50)}`,
        `- flat from empty to full: full ÷ empty req/s ${ratio(f.load.rps, e.load.rps)}`,
        '',
      );
    }
    out[`c${connections}`] = figures;
  }
  return out;
}
