/**
 * The work generator as the rest of powgate sees it: CPU worker threads, plus
 * a GPU when one is asked for and found, behind one small interface. Create,
 * start, hand it jobs, close:
 *
 *   const gen = createGenerator({ threads: 4, gpu: 'auto' });
 *   const gpu = await gen.start();      // { mode, info } or { mode, unavailable }
 *   const work = await gen.generate(root, target, signal);
 *   await gen.close();
 *
 * Creating it boots the CPU threads (so kernel compilation and thread start-up
 * happen then, not inside a client's request); `start()` opens the GPU. Until
 * the GPU is open the CPU searches alone; afterwards both search each job on
 * disjoint halves of the nonce space and the first nonce wins (./race.ts).
 * See ./README.md for what runs where.
 */

import { BackendUnavailableError } from '../errors.js';
import type { GpuAdapterInfo, GpuBackendChoice } from './gpu/device.js';
import { type GpuGenerator, openGpuGenerator } from './gpu/threaded.js';
import { type CpuImpl, createCpuGenerator } from './pool.js';
import { race } from './race.js';

export type { GpuAdapterInfo, GpuBackendChoice } from './gpu/device.js';
export type { CpuImpl } from './pool.js';

export type GpuMode = 'auto' | 'off' | 'on';

export interface GeneratorOptions {
  /** CPU worker threads, 1..1024. */
  readonly threads: number;
  /** Which CPU kernel (default auto: native when the addon loads, else WASM; see `fallbackReason`). */
  readonly cpuImpl?: CpuImpl | undefined;
  /**
   * `off` (the default here; the config's default is `auto`): CPU only.
   * `auto`: a hardware GPU when one is found, else CPU only; software
   * rasterisers (llvmpipe) are skipped, they would only take cores from the CPU
   * workers. `on`: any adapter, software included; none makes `start()` reject.
   */
  readonly gpu?: GpuMode | undefined;
  /** Adapter name, as Dawn lists it. */
  readonly gpuAdapter?: string | undefined;
  readonly gpuBackend?: GpuBackendChoice | undefined;
  /** Bound on finding and opening the adapter (ms). */
  readonly gpuTimeoutMs?: number | undefined;
}

/** How the GPU side turned out. */
export type GpuState =
  | { readonly mode: 'off' }
  | { readonly mode: 'auto' | 'on'; readonly info: GpuAdapterInfo }
  | { readonly mode: 'auto' | 'on'; readonly unavailable: string };

export interface WorkGenerator {
  /** CPU worker threads. */
  readonly threads: number;
  /** The CPU kernel: 'native avx512', 'native avx2', 'native scalar' or 'wasm'. */
  readonly implementation: string;
  /** Why the native CPU kernels are not used although `cpuImpl` allowed them (auto only); absent otherwise. */
  readonly fallbackReason?: string;
  /**
   * Opens the GPU when the mode asks for one and resolves with how that turned
   * out; called again, it answers the same. Rejects (with the reason) only for
   * `gpu: 'on'` without a usable GPU; the CPU side keeps working either way.
   */
  start(): Promise<GpuState>;
  /**
   * Resolves with a nonce whose work value for `root` is >= `target`. Rejects
   * with the signal's reason when `signal` aborts, and with
   * BackendUnavailableError once closed or when the workers keep failing.
   */
  generate(root: Uint8Array, target: bigint, signal: AbortSignal): Promise<bigint>;
  /** Nonces tried since creation, by both sides or by one (for hash-rate figures). */
  hashes(side?: 'cpu' | 'gpu'): number;
  /** Stops the threads and the GPU; pending and later jobs reject with BackendUnavailableError. */
  close(): Promise<void>;
}

export function createGenerator(options: GeneratorOptions): WorkGenerator {
  const cpu = createCpuGenerator({ threads: options.threads, impl: options.cpuImpl ?? 'auto' });
  const mode = options.gpu ?? 'off';
  let gpu: GpuGenerator | undefined;
  let closed = false;
  let started: Promise<GpuState> | undefined;

  const openGpu = async (): Promise<GpuState> => {
    if (mode === 'off') return { mode };
    const opened = await openGpuGenerator({
      adapter: options.gpuAdapter,
      backend: options.gpuBackend,
      timeoutMs: options.gpuTimeoutMs,
      hardwareOnly: mode === 'auto',
    }).catch((err: unknown) => ({ unavailable: err instanceof Error ? err.message : String(err) }));
    if ('unavailable' in opened) return { mode, unavailable: opened.unavailable };
    if (closed) {
      await opened.close();
      return { mode, unavailable: 'generator closed before the GPU opened' };
    }
    gpu = opened;
    return { mode, info: opened.describe() };
  };

  return {
    threads: cpu.threads,
    implementation: cpu.implementation,
    ...(cpu.fallbackReason === undefined ? {} : { fallbackReason: cpu.fallbackReason }),
    start() {
      started ??= openGpu().then((state) => {
        if (state.mode === 'on' && 'unavailable' in state) {
          throw new BackendUnavailableError(`gpu is on but no GPU could be used: ${state.unavailable}`);
        }
        return state;
      });
      return started;
    },
    generate(root, target, signal) {
      const gpuGen = gpu;
      if (gpuGen === undefined) return cpu.generate(root, target, signal);
      return race(cpu.generate.bind(cpu), gpuGen.generate.bind(gpuGen), root, target, signal);
    },
    hashes(side) {
      const onCpu = side === 'gpu' ? 0 : cpu.hashes();
      const onGpu = side === 'cpu' ? 0 : (gpu?.hashes() ?? 0);
      return onCpu + onGpu;
    },
    async close() {
      closed = true;
      const gpuGen = gpu;
      gpu = undefined;
      await Promise.all([cpu.close(), gpuGen?.close()]);
    },
  };
}
