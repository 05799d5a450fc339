/**
 * Memory per cached work: one memory cache (max_entries = the largest count)
 * filled step by step, with a full GC before each reading. Runs in its own
 * process with --expose-gc and Node's default heap limit, so "fits" means fits
 * a default heap.
 */
import { createWorkCache } from '../lib/cache/index.js';
import { fill } from './fill.js';

export interface MemoryReading {
  readonly entries: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Off-heap memory (typed arrays' buffers), which heapUsed does not count. */
  readonly external: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function read(entries: number): MemoryReading {
  if (gc === undefined) throw new Error('memory bench needs --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return { entries, rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

process.once('message', async (m: { counts: number[] }) => {
  const counts = [...m.counts].sort((a, b) => a - b);
  const cache = createWorkCache({ url: 'memory', maxEntries: Math.max(...counts, 1), ttl: 3_600_000 }, () => {});
  let stored = 0;
  for (const count of counts) {
    await fill(cache, count - stored);
    stored = count;
    process.send?.({ reading: read(count) });
  }
  await cache.close();
  process.send?.({ done: true }, () => process.exit(0));
});
