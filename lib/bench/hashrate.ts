/**
 * Hash-rate measurements for `powgate bench` and `npm run bench`: the local
 * generator per kernel (native per instruction set, WASM) on one thread and on
 * all, next to a plain scalar C BLAKE2b loop measured in the same run (figures
 * from different runs or machines are not comparable: shared machines vary by
 * 15-20 %), and the mean time per work that follows at a threshold.
 */

import { type Isa, loadNative } from '../generator/native.js';
import { type CpuImpl, createCpuGenerator } from '../generator/pool.js';
import { benchGpu } from './gpu.js';

/** No nonce reaches it (bar a value of exactly 2^64 - 1), so the threads never stop early. */
const IMPOSSIBLE = 0xffffffffffffffffn;
const TWO64 = 2 ** 64;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const randomRoot = (): Uint8Array => crypto.getRandomValues(new Uint8Array(32));

/** Mean hashes for one work at `threshold`: 2^64 / (2^64 - threshold). */
export function meanHashes(threshold: bigint): number {
  return TWO64 / (TWO64 - Number(threshold));
}

/** Million nonces per second of a whole pool searching one impossible job. */
export async function measurePool(opts: { impl: CpuImpl; isa?: Isa; threads: number; seconds: number }): Promise<number> {
  const gen = createCpuGenerator({ threads: opts.threads, impl: opts.impl, ...(opts.isa ? { isa: opts.isa } : {}) });
  const ac = new AbortController();
  const search = gen.generate(randomRoot(), IMPOSSIBLE, ac.signal).catch(() => undefined);
  try {
    // Let every worker boot (and V8 tier the WASM kernel up) before the clock starts.
    const warmupEnd = performance.now() + 5_000;
    while (gen.hashes() === 0 && performance.now() < warmupEnd) await sleep(10);
    await sleep(300);
    const h0 = gen.hashes();
    const t0 = performance.now();
    await sleep(opts.seconds * 1000);
    return (gen.hashes() - h0) / ((performance.now() - t0) / 1000) / 1e6;
  } finally {
    ac.abort();
    await search;
    await gen.close();
  }
}

/**
 * The baseline: a plain scalar C BLAKE2b (RFC 7693 reference style, not
 * specialised) in a nonce loop on the calling thread; null without the addon.
 * Blocks the event loop in chunks of ~1 ms: for benchmarks only.
 */
export async function measureBaseline(seconds: number): Promise<number | null> {
  const load = loadNative();
  if (!load.ok) return null;
  const root = randomRoot();
  const chunk = 8192;
  let count = 0;
  let start = 0n;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    load.native.addon.baseline(root, IMPOSSIBLE, start, chunk);
    start += BigInt(chunk);
    count += chunk;
    if (count % (chunk * 64) === 0) await sleep(0);
  }
  return count / ((performance.now() - t0) / 1000) / 1e6;
}

export interface BenchRow {
  readonly device: string;
  readonly threads: number;
  /** MH/s of the whole device or pool; null when it could not be measured (see note). */
  readonly mhs: number | null;
  readonly note?: string;
}

export interface BenchResult {
  readonly rows: readonly BenchRow[];
  /** The C baseline's MH/s, the unit of the `vs baseline` column. */
  readonly baselineMHs: number | null;
  readonly threads: number;
  readonly seconds: number;
}

/** Every device this build has, each measured for `seconds`, one after the other (so none competes for cores). */
export async function runHashrateBench(opts: { threads: number; seconds: number; log?: (line: string) => void }): Promise<BenchResult> {
  const { threads, seconds } = opts;
  const log = opts.log ?? (() => {});
  const rows: BenchRow[] = [];
  const load = loadNative();
  const measure = async (device: string, n: number, run: () => Promise<number | null>, note?: string): Promise<number | null> => {
    log(`measuring ${device} on ${n} thread(s)...`);
    const mhs = await run();
    rows.push({ device, threads: n, mhs, ...(note ? { note } : {}) });
    return mhs;
  };

  const baselineMHs = await measure('C baseline: plain scalar BLAKE2b loop', 1, () => measureBaseline(seconds), load.ok ? undefined : 'no native addon');
  if (load.ok) {
    const { isas, best } = load.native;
    for (const isa of [...isas].reverse()) {
      await measure(`CPU native ${isa}`, 1, () => measurePool({ impl: 'native', isa, threads: 1, seconds }));
      if (threads > 1) await measure(`CPU native ${isa}`, threads, () => measurePool({ impl: 'native', isa, threads, seconds }));
    }
    log(`(auto uses native ${best})`);
  } else {
    rows.push({ device: 'CPU native', threads, mhs: null, note: load.reason });
  }
  await measure('CPU WASM', 1, () => measurePool({ impl: 'wasm', threads: 1, seconds }));
  if (threads > 1) await measure('CPU WASM', threads, () => measurePool({ impl: 'wasm', threads, seconds }));

  if (benchGpu) {
    log('measuring the GPU...');
    const gpu = await benchGpu(seconds);
    if ('none' in gpu) rows.push({ device: 'GPU', threads: 0, mhs: null, note: gpu.none });
    else rows.push({ device: `GPU ${gpu.device}`, threads: 0, mhs: gpu.mhs });
  } else {
    rows.push({ device: 'GPU', threads: 0, mhs: null, note: 'no GPU generator in this build' });
  }
  return { rows, baselineMHs, threads, seconds };
}

function formatSeconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 0)} ms`;
  if (s < 120) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** A markdown table: per device, MH/s in all and per thread, the ratio to the C baseline, and mean seconds per work at each threshold. */
export function formatHashrateTable(result: BenchResult, thresholds: readonly { label: string; threshold: bigint }[]): string {
  const header = ['device', 'threads', 'MH/s', 'MH/s per thread', 'vs C baseline', ...thresholds.map((t) => `mean per work, ${t.label}`)];
  const body = result.rows.map((r) => {
    const perThread = r.mhs === null || r.threads === 0 ? '' : (r.mhs / r.threads).toFixed(2);
    const ratio = r.mhs === null || result.baselineMHs === null ? '' : `${(r.mhs / result.baselineMHs).toFixed(2)}x`;
    const times = thresholds.map((t) => (r.mhs === null ? '' : formatSeconds(meanHashes(t.threshold) / (r.mhs * 1e6))));
    return [r.device, r.threads === 0 ? '' : String(r.threads), r.mhs === null ? `- (${r.note ?? 'n/a'})` : r.mhs.toFixed(2), perThread, ratio, ...times];
  });
  const rows = [header, ...body];
  const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: readonly string[]): string => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
