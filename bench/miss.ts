/**
 * Section 2: the miss path. work_generate for a new root on every request,
 * through powgate to an instant peer (which answers from a table), beside the
 * same requests sent to the peer directly. powgate's cache holds 1,000
 * entries, so every request misses and every write evicts: a full cache's
 * steady state.
 */
import { type CannonResult, runCannon } from './cannon.js';
import { type Child, config, fmt, generateBody, median, precompute, ratio, row, sample, spawnServer, verdict } from './harness.js';
import type { ProbeReading } from './probe.js';

export interface MissOptions {
  readonly seconds: number;
  readonly rounds: number;
}

interface Run {
  readonly load: CannonResult;
  readonly gate?: ProbeReading;
  readonly peer: ProbeReading;
  readonly misses: number;
  /** work_generate answers that were work (not an error such as an open circuit's refusal). */
  readonly worked: number;
}

const ROOTS = 60_000;
const CACHE_ENTRIES = 1000;

export async function benchMiss(options: MissOptions, lines: string[], children: Child[]): Promise<unknown> {
  const table = precompute(ROOTS);
  const bodies = table.map(([root]) => generateBody(root));
  const peer = await spawnServer({ mode: 'peer', table: Object.fromEntries(table.map(([r, w]) => [r, w])) });
  children.push(peer);
  const gate = await spawnServer({
    mode: 'powgate',
    config: config({ peer: { type: 'rpc', urls: [peer.url] } }, { cache: { max_entries: CACHE_ENTRIES } }),
  });
  children.push(gate);

  let cursor = 0;
  const runOne = async (through: boolean, connections: number, seconds: number, label: string, amount?: number): Promise<Run> => {
    const before = through ? await gate.ask<string>({ stats: true }, 'metrics') : '';
    await Promise.all([peer.reset(), through ? gate.reset() : undefined]);
    const load = await runCannon({
      url: through ? gate.url : peer.url,
      connections,
      seconds,
      bodies,
      order: 'unique',
      start: cursor,
      ...(amount === undefined ? {} : { amount }),
    });
    // The next run starts past every root this one sent, and past the cache's memory of them.
    cursor += load.requests + connections + CACHE_ENTRIES;
    const [peerProbe, gateProbe] = await Promise.all([peer.read(`miss-peer-${label}`), through ? gate.read(`miss-gate-${label}`) : undefined]);
    let misses = NaN;
    let worked = NaN;
    if (through) {
      const after = await gate.ask<string>({ stats: true }, 'metrics');
      misses = sample(after, 'powgate_cache_misses_total') - sample(before, 'powgate_cache_misses_total');
      const ok = 'powgate_requests_total{action="work_generate",outcome="ok"}';
      worked = sample(after, ok) - (sample(before, ok) || 0);
    }
    return { load, peer: peerProbe, misses, worked, ...(gateProbe === undefined ? {} : { gate: gateProbe }) };
  };
  // JIT warm-up by count, not time.
  await runOne(true, 8, 60, 'warmup', 5000);
  await runOne(false, 8, 60, 'warmup-direct', 5000);

  lines.push(
    '',
    `## (2) miss path: powgate -> instant peer, vs the peer directly (new root each request, ${options.rounds} rotated rounds of ${options.seconds} s, median round)`,
    '',
    `powgate's memory cache holds ${fmt(CACHE_ENTRIES)} entries: every request misses and every write evicts. powgate CPU µs/miss: the`,
    "powgate process's own CPU per answered request (the peer and the load generator run in their own processes).",
    "misses: powgate's cache misses per answer the client counted (requests still in flight when a run ends add a few);",
    "work: the answers that carried work (an error answer, such as an open circuit's, is fast and would flatter req/s).",
    '',
    row(['path', 'connections', 'req/s', 'vs direct', 'p50 ms', 'p99 ms', 'max ms', 'powgate CPU µs/miss', 'peer CPU µs/req', 'misses', 'work']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  );
  const out: Record<string, unknown> = {};
  for (const connections of [1, 32]) {
    const direct: Run[] = [];
    const through: Run[] = [];
    for (let round = 0; round < options.rounds; round++) {
      for (const via of round % 2 === 0 ? [false, true] : [true, false])
        (via ? through : direct).push(await runOne(via, connections, options.seconds, `${via ? 'through' : 'direct'}-c${connections}-r${round + 1}`));
    }
    const d = median(direct, (r) => r.load.rps);
    const t = median(through, (r) => r.load.rps);
    const gateCpu = (t.gate?.cpuUs ?? NaN) / t.load.requests;
    lines.push(
      row([
        'peer directly (baseline)',
        String(connections),
        fmt(d.load.rps),
        '',
        fmt(d.load.p50, 3),
        fmt(d.load.p99, 3),
        fmt(d.load.max, 1),
        '',
        fmt(d.peer.cpuUs / d.load.requests),
        '',
        '',
      ]),
      row([
        'through powgate',
        String(connections),
        fmt(t.load.rps),
        ratio(t.load.rps, d.load.rps),
        fmt(t.load.p50, 3),
        fmt(t.load.p99, 3),
        fmt(t.load.max, 1),
        fmt(gateCpu),
        fmt(t.peer.cpuUs / t.load.requests),
        `${fmt((t.misses / t.load.requests) * 100, 1)} %`,
        `${fmt((t.worked / t.load.requests) * 100, 1)} %`,
      ]),
    );
    out[`c${connections}`] = {
      direct: d.load,
      through: t.load,
      gateCpuUsPerMiss: gateCpu,
      rounds: { direct: direct.map((r) => r.load.rps), through: through.map((r) => r.load.rps) },
    };
  }
  const one = out.c1 as { direct: CannonResult; through: CannonResult };
  const many = out.c32 as { through: CannonResult; gateCpuUsPerMiss: number };
  const overhead = one.through.p50 - one.direct.p50;
  out.p50OverheadMs = overhead;
  lines.push(
    '',
    'Targets (issue 12):',
    `- 32 connections ≥ 5,000 req/s on two cores: ${fmt(many.through.rps)} — ${verdict(many.through.rps >= 5000)}`,
    `- ≤ 150 µs powgate CPU per miss: ${fmt(many.gateCpuUsPerMiss)} µs — ${verdict(many.gateCpuUsPerMiss <= 150)}`,
    `- p50 overhead over the peer at 1 connection ≤ 0.3 ms: ${fmt(overhead, 3)} ms — ${verdict(overhead <= 0.3)}`,
  );
  return out;
}
