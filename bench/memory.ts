/** Section: memory per cached work in the memory cache, at 0, 100 k and 1 M entries. */
import { fork } from 'node:child_process';
import { fmt, mib, row, verdict } from './harness.js';
import type { MemoryReading } from './memory-child.js';

export async function benchMemory(counts: readonly number[], lines: string[]): Promise<unknown> {
  const readings: MemoryReading[] = [];
  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    const child = fork(new URL('./memory-child.js', import.meta.url), { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], execArgv: ['--expose-gc'] });
    child.stderr?.resume();
    child.on('message', (m: { reading?: MemoryReading }) => {
      if (m.reading !== undefined) readings.push(m.reading);
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.send({ counts });
  });
  const base = readings[0];
  lines.push(
    '',
    '## memory per cached work (memory cache, one process, full GC before each reading, default heap limit)',
    '',
    'bytes/entry = (JS heap + off-heap buffers) above the empty cache, per entry; baseline: the same process with an empty cache.',
    '',
    row(['entries', 'RSS MiB', 'JS heap MiB', 'off-heap MiB', 'bytes/entry', 'RSS bytes/entry']),
    row(['---:', '---:', '---:', '---:', '---:', '---:']),
  );
  const out: Array<MemoryReading & { bytesPerEntry?: number }> = [];
  for (const r of readings) {
    const per = base === undefined || r.entries === 0 ? NaN : (r.heapUsed + r.external - base.heapUsed - base.external) / r.entries;
    const rssPer = base === undefined || r.entries === 0 ? NaN : (r.rss - base.rss) / r.entries;
    lines.push(row([fmt(r.entries), mib(r.rss), mib(r.heapUsed), mib(r.external), fmt(per), fmt(rssPer)]));
    out.push({ ...r, bytesPerEntry: per });
  }
  for (const count of counts) {
    if (!readings.some((r) => r.entries === count)) lines.push(row([fmt(count), `did not fit (exit ${exit.code ?? exit.signal})`, '', '', '', '']));
  }
  const worst = Math.max(...out.map((r) => r.bytesPerEntry ?? NaN).filter(Number.isFinite));
  const largest = Math.max(...counts);
  lines.push(
    '',
    'Targets (issue 12):',
    `- ≤ 200 bytes per cached work: ${fmt(worst)} — ${verdict(worst <= 200)}`,
    `- ${fmt(largest)} entries fit a default heap: ${verdict(readings.some((r) => r.entries === largest))}`,
  );
  return out;
}
