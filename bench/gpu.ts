/**
 * Hash rate of the GPU generator (WGSL through Dawn). On a machine without a
 * GPU this is Mesa's llvmpipe on the CPUs; on an NVIDIA host, Vulkan.
 *
 *   node dist/bench/gpu.js [--seconds 5] [--backend auto|opengl|vulkan] [--adapter NAME] [--dispatch-ms 10]
 *
 * Prints the adapter and MH/s (a table, then one JSON line); exits 0 with
 * "unavailable" when there is no adapter.
 */

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GpuBackendChoice } from '../lib/generator/gpu/device.js';
import { openGpuGenerator } from '../lib/generator/gpu/threaded.js';

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

/** The hook for `powgate bench`: the GPU's rate, or why there is none. */
export async function benchGpu(seconds: number, options: GpuBenchOptions = {}): Promise<GpuBenchResult | { unavailable: string }> {
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

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const seconds = Number(option('seconds') ?? 5);
  const backend = (option('backend') ?? 'auto') as GpuBackendChoice;
  if (!['auto', 'opengl', 'vulkan'].includes(backend)) throw new Error('--backend is auto, opengl or vulkan');
  const dispatchMs = option('dispatch-ms') === undefined ? undefined : Number(option('dispatch-ms'));
  const result = await benchGpu(seconds, { backend, adapter: option('adapter'), dispatchMs });
  if ('unavailable' in result) {
    console.log(`GPU: unavailable (${result.unavailable})`);
  } else {
    console.log(`GPU adapter: ${result.adapter} (${result.backend}${result.software ? ', software' : ''})`);
    console.log(`GPU rate: ${result.mhs.toFixed(2)} MH/s over ${seconds} s, dispatch ${result.batch} nonces`);
  }
  console.log(JSON.stringify({ bench: 'gpu', seconds, ...result }));
}
