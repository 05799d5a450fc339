/**
 * What a bench server process reports about itself between load runs: CPU
 * time, the longest event-loop stall and GC pause, and memory. Installed in
 * every server child, so powgate and its baselines are measured alike.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface ProbeReading {
  /** User + system CPU since the last reset, µs. */
  readonly cpuUs: number;
  /** Longest event-loop stall since the last reset, ms (sampled every 5 ms). */
  readonly stallMs: number;
  /** Longest single GC pause since the last reset, ms, its kind, and how many pauses there were. */
  readonly gcMaxMs: number;
  readonly gcMaxKind: string;
  readonly gcCount: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Memory outside the JS heap (typed arrays' buffers among it). */
  readonly external: number;
  /** Peak RSS of the process so far, bytes. */
  readonly maxRss: number;
}

/**
 * With BENCH_PROF=dir, a CPU profile of exactly one measured run (from reset
 * to read), written as dir/<label>.cpuprofile: start-up, filling and idle
 * time stay out of it.
 */
function profiler(dir: string | undefined): { start(): void; stop(label: string): Promise<void> } {
  if (!dir) return { start() {}, stop: async () => {} };
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  let running = false;
  return {
    start() {
      running = true;
      void post('Profiler.enable').then(() => post('Profiler.start'));
    },
    async stop(label) {
      if (!running) return;
      running = false;
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      writeFileSync(join(dir, `${label.replace(/[^\w.-]+/g, '_')}.cpuprofile`), JSON.stringify(profile));
    },
  };
}

/** perf_hooks' GC kinds (NODE_PERFORMANCE_GC_*): a long minor pause means allocation per request, a long major one a large heap. */
const GC_KINDS: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weak callbacks' };

export function installProbe(): void {
  const profile = profiler(process.env.BENCH_PROF);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let cpu = process.cpuUsage();
  let gcMax = 0;
  let gcMaxKind = '';
  let gcCount = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      if (entry.duration > gcMax) {
        gcMax = entry.duration;
        gcMaxKind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      }
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m: { probe?: 'reset' | 'read'; label?: string }) => {
    if (m.probe === 'reset') {
      profile.start();
      cpu = process.cpuUsage();
      loop.reset();
      gcMax = 0;
      gcMaxKind = '';
      gcCount = 0;
      process.send?.({ probe: true });
    } else if (m.probe === 'read') {
      const used = process.cpuUsage(cpu);
      const memory = process.memoryUsage();
      const reading: ProbeReading = {
        cpuUs: used.user + used.system,
        stallMs: loop.max / 1e6,
        gcMaxMs: gcMax,
        gcMaxKind,
        gcCount,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        external: memory.external,
        maxRss: process.resourceUsage().maxRSS * 1024,
      };
      void profile.stop(m.label ?? `run-${process.pid}`).finally(() => process.send?.({ probe: reading }));
    }
  });
}
