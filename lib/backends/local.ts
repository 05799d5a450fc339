/**
 * The `local` backend: work from this process's own CPU threads, and from a
 * GPU when one is configured and found. It can reach any target (given time),
 * so it never skips a job; the engine's deadline and abort signal bound how
 * long it searches.
 *
 * With a GPU, CPU and GPU search each job together on disjoint halves of the
 * nonce space (lib/generator/nonce-space.ts): the first valid nonce wins and
 * the other side is aborted.
 */

import { BackendUnavailableError, isAbortError } from '../errors.js';
import type { GpuAdapterInfo, GpuBackendChoice } from '../generator/gpu/device.js';
import { openGpuGenerator, type GpuGenerator } from '../generator/gpu/threaded.js';
import { createCpuGenerator, type CpuGenerator, type CpuImpl } from '../generator/pool.js';
import type { Backend, WorkJob } from './types.js';

export type GpuMode = 'auto' | 'off' | 'on';

export interface LocalBackendOptions {
  /** Worker threads for the CPU generator. */
  readonly cpuThreads: number;
  /** Which kernel (default auto: native when the addon loads, else WASM; see generator.fallbackReason). */
  readonly cpuImpl?: CpuImpl;
  /**
   * `off` (the default here; the config's default is `auto`): CPU only.
   * `auto`: a hardware GPU when one is found, else CPU only; software
   * rasterisers (llvmpipe) are skipped, they would only take cores from the CPU
   * workers. `on`: any adapter, software included; none is a start-up error
   * (reported through `gpu`, thrown by the server).
   */
  readonly gpu?: GpuMode;
  readonly gpuAdapter?: string | undefined;
  readonly gpuBackend?: GpuBackendChoice | undefined;
  /** Bound on finding and opening the adapter (ms). */
  readonly gpuTimeoutMs?: number | undefined;
}

/** How the GPU side turned out; the server logs it once, or fails start-up for `on`. */
export type LocalGpuState =
  | { readonly mode: 'off' }
  | { readonly mode: 'auto' | 'on'; readonly info: GpuAdapterInfo }
  | { readonly mode: 'auto' | 'on'; readonly unavailable: string };

export interface LocalBackend extends Backend {
  readonly type: 'local';
  /** The CPU generator behind it (its `threads`). */
  readonly generator: CpuGenerator;
  /** Settles (never rejects) once the GPU is open, known unavailable, or off. */
  readonly gpu: Promise<LocalGpuState>;
  /** Nonces tried by CPU and GPU together (for hash-rate figures). */
  hashes(): number;
}

export function createLocalBackend(name: string, options: LocalBackendOptions): LocalBackend {
  // Started here rather than on the first job: compiling the kernel and booting
  // the threads then happens at start-up, not inside a client's request.
  const generator = createCpuGenerator({ threads: options.cpuThreads, impl: options.cpuImpl ?? 'auto' });
  const mode = options.gpu ?? 'off';
  let closed = false;
  let gpuGenerator: GpuGenerator | undefined;

  const gpu: Promise<LocalGpuState> =
    mode === 'off'
      ? Promise.resolve({ mode })
      : openGpuGenerator({
          adapter: options.gpuAdapter,
          backend: options.gpuBackend,
          timeoutMs: options.gpuTimeoutMs,
          hardwareOnly: mode === 'auto',
        }).then(
          async (opened): Promise<LocalGpuState> => {
            if ('unavailable' in opened) return { mode, unavailable: opened.unavailable };
            if (closed) {
              await opened.close();
              return { mode, unavailable: 'backend closed before the GPU opened' };
            }
            gpuGenerator = opened;
            return { mode, info: opened.describe() };
          },
          (err: unknown) => ({ mode, unavailable: err instanceof Error ? err.message : String(err) }),
        );

  const wrap = (err: unknown, signal: AbortSignal, what: string): unknown =>
    isAbortError(err) || signal.aborted || err instanceof BackendUnavailableError
      ? err
      : new BackendUnavailableError(`${name}: ${what} generator failed`, { cause: err });

  return {
    name,
    type: 'local',
    generator,
    gpu,
    hashes: () => generator.hashes() + (gpuGenerator?.hashes() ?? 0),
    supports: () => true,
    async generate(job: WorkJob): Promise<bigint> {
      if (closed) throw new BackendUnavailableError(`${name}: backend is closed`);
      const gpuGen = gpuGenerator;
      if (!gpuGen) {
        try {
          return await generator.generate(job.rootBytes, job.target, job.signal);
        } catch (err) {
          throw wrap(err, job.signal, 'CPU');
        }
      }
      return race(job, generator, gpuGen, (err, what) => wrap(err, job.signal, what));
    },
    async close(): Promise<void> {
      closed = true;
      const gpuGen = gpuGenerator;
      gpuGenerator = undefined;
      await Promise.all([generator.close(), gpuGen?.close()]);
    },
  };
}

/**
 * CPU and GPU on one job: the first nonce wins and aborts the other side.
 * A side that fails (a lost device, say) leaves the job to the other; the job
 * fails only when both have, with the CPU's error (or the caller's abort).
 */
function race(
  job: WorkJob,
  cpu: CpuGenerator,
  gpu: GpuGenerator,
  wrap: (err: unknown, what: 'CPU' | 'GPU') => unknown,
): Promise<bigint> {
  const inner = new AbortController();
  const forward = (): void => inner.abort(job.signal.reason);
  if (job.signal.aborted) forward();
  else job.signal.addEventListener('abort', forward, { once: true });
  return new Promise<bigint>((resolve, reject) => {
    let failures = 0;
    let cpuError: unknown;
    const done = (): void => job.signal.removeEventListener('abort', forward);
    const settle = (nonce: bigint): void => {
      done();
      inner.abort(new DOMException('Found by the other generator', 'AbortError'));
      resolve(nonce);
    };
    const failed = (what: 'CPU' | 'GPU', err: unknown): void => {
      if (what === 'CPU') cpuError = err;
      if (++failures < 2) return;
      done();
      reject(wrap(cpuError ?? err, 'CPU'));
    };
    cpu.generate(job.rootBytes, job.target, inner.signal).then(settle, (err: unknown) => failed('CPU', err));
    gpu.generate(job.rootBytes, job.target, inner.signal).then(settle, (err: unknown) => failed('GPU', err));
  });
}

export function isLocalBackend(backend: Backend): backend is LocalBackend {
  return backend.type === 'local' && 'generator' in backend;
}
