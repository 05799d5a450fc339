/**
 * Hash rate of the GPU generator (WGSL through Dawn). On a machine without a
 * GPU this is Mesa's llvmpipe on the CPUs; on an NVIDIA host, Vulkan.
 *
 *   node dist/bench/gpu.js [--seconds 5] [--backend auto|opengl|vulkan] [--adapter NAME] [--dispatch-ms 10]
 *
 * Prints the adapter and MH/s (a table, then one JSON line); exits 0 with
 * "unavailable" when there is no adapter.
 */

import { measureGpu } from '../lib/bench/gpu.js';
import type { GpuBackendChoice } from '../lib/generator/gpu/device.js';
import { isMain, option } from './cli.js';

export { type GpuBenchResult, measureGpu as benchGpu } from '../lib/bench/gpu.js';

if (isMain(import.meta.url)) {
  const seconds = Number(option('seconds') ?? 5);
  const backend = (option('backend') ?? 'auto') as GpuBackendChoice;
  if (!['auto', 'opengl', 'vulkan'].includes(backend)) throw new Error('--backend is auto, opengl or vulkan');
  const dispatchMs = option('dispatch-ms') === undefined ? undefined : Number(option('dispatch-ms'));
  const result = await measureGpu(seconds, { backend, adapter: option('adapter'), dispatchMs });
  if ('unavailable' in result) {
    console.log(`GPU: unavailable (${result.unavailable})`);
  } else {
    console.log(`GPU adapter: ${result.adapter} (${result.backend}${result.software ? ', software' : ''})`);
    console.log(`GPU rate: ${result.mhs.toFixed(2)} MH/s over ${seconds} s, dispatch ${result.batch} nonces`);
  }
  console.log(JSON.stringify({ bench: 'gpu', seconds, ...result }));
}
