/**
 * The GPU's place in `powgate bench` and `npm run bench`: the WebGPU
 * generator's hash rate for about `seconds`, or why there is none.
 */
import type { GpuBackendChoice } from '../generator/gpu/device.js';
import { openGpuGenerator } from '../generator/gpu/threaded.js';

export interface GpuBenchResult {
  readonly adapter: string;
  readonly backend: string;
  readonly software: boolean;
  readonly mhs: number;
  /** Dispatch size the generator settled on, in nonces. */
  readonly batch: number;
}

export interface GpuBenchOptions {
  readonly backend?: GpuBackendChoice;
  readonly adapter?: string;
  readonly dispatchMs?: number;
}

/** No nonce reaches it (bar a value of exactly 2^64 - 1), so the search never stops early. */
const IMPOSSIBLE = 0xffffffffffffffffn;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The GPU generator's rate over `seconds` on an impossible target, or why there is none. */
export async function measureGpu(seconds: number, options: GpuBenchOptions = {}): Promise<GpuBenchResult | { unavailable: string }> {
  const gen = await openGpuGenerator({ backend: options.backend, adapter: options.adapter, dispatchMs: options.dispatchMs });
  if ('unavailable' in gen) return gen;
  const ac = new AbortController();
  const search = gen.generate(crypto.getRandomValues(new Uint8Array(32)), IMPOSSIBLE, ac.signal).catch(() => undefined);
  try {
    // Shader JIT and batch adaptation first.
    await sleep(Math.min(2000, 300 + seconds * 100));
    const h0 = gen.hashes();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const mhs = (gen.hashes() - h0) / ((performance.now() - t0) * 1000);
    const info = gen.describe();
    return { adapter: info.name, backend: info.backend, software: info.software, mhs, batch: gen.batch };
  } finally {
    ac.abort();
    await search;
    await gen.close();
  }
}

export type GpuBench = (seconds: number) => Promise<{ readonly device: string; readonly mhs: number } | { readonly none: string }>;

export const benchGpu: GpuBench = async (seconds) => {
  const r = await measureGpu(seconds);
  return 'unavailable' in r ? { none: r.unavailable } : { device: `${r.adapter} (${r.backend}${r.software ? ', software' : ''})`, mhs: r.mhs };
};
