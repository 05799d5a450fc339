/**
 * The GPU work generator: the same contract as the CPU pool (generate, hashes,
 * close), driven from the main thread by a loop of short dispatches.
 *
 * - Up to `depth` dispatches are in flight, so the device is busy while the
 *   host reads the previous result; jobs take turns, one dispatch each.
 * - A dispatch's size adapts so it takes about `dispatchMs` on this device;
 *   abort latency is then about depth × dispatchMs (the signal is checked
 *   between dispatches; a dispatch in flight finishes, its result is dropped).
 * - Nonces come from the GPU half of the nonce space (bit 63 set,
 *   ../nonce-space.ts), disjoint from the CPU's.
 * - A reported nonce is re-checked on the host (workValue) before a job
 *   resolves; one that fails is a kernel bug: it is reported through `onInvalid`
 *   and the search goes on.
 */

import { BackendUnavailableError } from '../../errors.js';
import { workValue } from '../../pow/index.js';
import { abortReason, jobArgumentError } from '../job-args.js';
import { randomStart, rangeStart } from '../nonce-space.js';
import { type GpuAdapterInfo, type GpuOpenOptions, type GpuUnavailable, type OpenedGpu, openGpu } from './device.js';
import { GpuKernel } from './kernel.js';
import { rootFrontier } from './wgsl.js';

export interface GpuGenerator {
  /** Resolves with a nonce from the GPU half whose work value for `root` is >= `target`; same rejections as the CPU pool. */
  generate(root: Uint8Array, target: bigint, signal: AbortSignal): Promise<bigint>;
  /** Nonces tried since creation. */
  hashes(): number;
  close(): Promise<void>;
  describe(): GpuAdapterInfo;
  /**
   * Deterministic search, for tests and checks: the lowest nonce in
   * [base, base + count) (mod 2^64) whose value reaches `target`, or undefined.
   * One dispatch; `count` up to 2^32 - 2.
   */
  searchRange(root: Uint8Array, target: bigint, base: bigint, count: number): Promise<bigint | undefined>;
  /** The current dispatch size in nonces (adapted to `dispatchMs`). */
  readonly batch: number;
}

export interface GpuGeneratorOptions extends GpuOpenOptions {
  /** Target duration of one dispatch. Default 10 ms. */
  readonly dispatchMs?: number | undefined;
  /** Dispatches in flight. Default 2. */
  readonly depth?: number | undefined;
  /** First dispatch size before any timing is known. Default 65,536. */
  readonly initialBatch?: number | undefined;
  /** Called when the kernel reports a nonce that does not validate (a kernel bug). */
  readonly onInvalid?: ((detail: { root: Uint8Array; nonce: bigint; target: bigint }) => void) | undefined;
}

/**
 * Opens the GPU in this thread, or says why there is none. On Dawn's OpenGL
 * backend a dispatch runs inside queue.submit(), blocking the thread for its
 * whole duration: the server uses the worker-thread host (./threaded.ts).
 */
export async function openGpuGeneratorHere(options: GpuGeneratorOptions = {}): Promise<GpuGenerator | GpuUnavailable> {
  const opened = await openGpu(options);
  if ('unavailable' in opened) return opened;
  try {
    const kernel = await GpuKernel.create(opened.device, options.depth ?? 2);
    return new GpuRunner(opened, kernel, options);
  } catch (err) {
    opened.device.destroy();
    return { unavailable: `${opened.info.backend}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const MIN_BATCH = 4096;
/** Stays below 2^32 - 1 (the kernel's "no hit" marker) with room to spare. */
const MAX_BATCH = 2 ** 31;

interface Job {
  readonly root: Uint8Array;
  readonly frontier: Uint32Array;
  readonly target: bigint;
  readonly signal: AbortSignal;
  readonly resolve: (nonce: bigint) => void;
  readonly reject: (err: unknown) => void;
  readonly onAbort: () => void;
  next: bigint;
  done: boolean;
}

class GpuRunner implements GpuGenerator {
  readonly #jobs: Job[] = [];
  #turn = 0;
  #inFlight = 0;
  readonly #depth: number;
  readonly #dispatchMs: number;
  #rate: number | undefined; // nonces per ms, smoothed
  #windowStart: number | undefined;
  #windowCount = 0;
  #tried = 0;
  #closed = false;
  #failure: Error | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  #idle: (() => void) | undefined;
  readonly #gpu: OpenedGpu;
  readonly #kernel: GpuKernel;
  readonly #options: GpuGeneratorOptions;
  batch: number;

  constructor(gpu: OpenedGpu, kernel: GpuKernel, options: GpuGeneratorOptions) {
    this.#gpu = gpu;
    this.#kernel = kernel;
    this.#options = options;
    this.#depth = options.depth ?? 2;
    this.#dispatchMs = options.dispatchMs ?? 10;
    this.batch = options.initialBatch ?? 65_536;
    void gpu.device.lost.then((info) => {
      if (this.#closed) return;
      this.#fail(new BackendUnavailableError(`GPU device lost: ${info.message || info.reason}`));
    });
  }

  describe(): GpuAdapterInfo {
    return this.#gpu.info;
  }

  hashes(): number {
    return this.#tried;
  }

  async searchRange(root: Uint8Array, target: bigint, base: bigint, count: number): Promise<bigint | undefined> {
    this.#usable();
    const frontier = rootFrontier(this.#kernel.source, root);
    this.#hold(true);
    try {
      const hit = await this.#kernel.dispatch({ frontier, base, target, count });
      this.#tried += count;
      return hit === undefined ? undefined : BigInt.asUintN(64, base + BigInt(hit));
    } finally {
      this.#hold(this.#jobs.length > 0);
    }
  }

  generate(root: Uint8Array, target: bigint, signal: AbortSignal): Promise<bigint> {
    if (this.#closed) return Promise.reject(new BackendUnavailableError('GPU generator is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    const invalid = jobArgumentError(root, target, signal);
    if (invalid !== undefined) return Promise.reject(invalid);
    return new Promise<bigint>((resolve, reject) => {
      const job: Job = {
        root: Uint8Array.from(root),
        frontier: rootFrontier(this.#kernel.source, root),
        target,
        signal,
        resolve,
        reject,
        onAbort: () => {
          this.#finish(job);
          reject(abortReason(signal));
        },
        next: randomStart('gpu'),
        done: false,
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      this.#jobs.push(job);
      this.#hold(true);
      this.#pump();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new BackendUnavailableError('GPU generator is closed'));
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#kernel.destroy();
    this.#gpu.device.destroy();
    this.#hold(false);
  }

  #usable(): void {
    if (this.#closed) throw new BackendUnavailableError('GPU generator is closed');
    if (this.#failure) throw this.#failure;
  }

  /** Dawn's pending callbacks do not keep Node's event loop alive by themselves. */
  #hold(on: boolean): void {
    if (on && !this.#keepAlive) this.#keepAlive = setInterval(() => {}, 1000);
    else if (!on && this.#keepAlive) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
  }

  #finish(job: Job): void {
    if (job.done) return;
    job.done = true;
    job.signal.removeEventListener('abort', job.onAbort);
    const i = this.#jobs.indexOf(job);
    if (i >= 0) this.#jobs.splice(i, 1);
    if (this.#jobs.length === 0 && this.#inFlight === 0) this.#hold(false);
  }

  #failAll(err: Error): void {
    for (const job of [...this.#jobs]) {
      this.#finish(job);
      job.reject(err);
    }
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#failAll(this.#failure);
  }

  #pump(): void {
    while (!this.#closed && !this.#failure && this.#inFlight < this.#depth && this.#jobs.length > 0) {
      const job = this.#jobs[this.#turn++ % this.#jobs.length]!;
      const count = this.batch;
      const base = rangeStart('gpu', job.next, count);
      job.next = BigInt.asUintN(64, base + BigInt(count));
      this.#inFlight++;
      this.#windowStart ??= performance.now();
      this.#kernel
        .dispatch({ frontier: job.frontier, base, target: job.target, count })
        .then(
          (hit) => this.#onDispatched(job, base, count, hit),
          (err: unknown) => this.#fail(new BackendUnavailableError('GPU dispatch failed', { cause: err })),
        )
        .finally(() => {
          this.#inFlight--;
          if (this.#inFlight === 0) {
            this.#windowStart = undefined; // idle time is not device time
            this.#windowCount = 0;
            this.#idle?.();
            if (this.#jobs.length === 0) this.#hold(false);
          }
          this.#pump();
        });
    }
  }

  #onDispatched(job: Job, base: bigint, count: number, hit: number | undefined): void {
    this.#tried += count;
    this.#adapt(count);
    if (hit === undefined || job.done) return;
    const nonce = BigInt.asUintN(64, base + BigInt(hit));
    if (workValue(job.root, nonce) >= job.target) {
      this.#finish(job);
      job.resolve(nonce);
    } else {
      this.#options.onInvalid?.({ root: job.root, nonce, target: job.target });
    }
  }

  /**
   * Measures the rate over windows of several dispatches (completions can
   * arrive in bunches, so one dispatch's own time is unreliable), then sizes
   * the next dispatches to take about dispatchMs.
   */
  #adapt(count: number): void {
    this.#windowCount += count;
    const now = performance.now();
    const elapsed = now - (this.#windowStart ?? now);
    if (elapsed < Math.max(50, 8 * this.#dispatchMs)) return;
    const rate = this.#windowCount / elapsed;
    this.#windowStart = now;
    this.#windowCount = 0;
    this.#rate = this.#rate === undefined ? rate : 0.5 * this.#rate + 0.5 * rate;
    // At most 4x up per window: a misleading window must not cause a huge dispatch.
    const wanted = Math.min(Math.round(this.#rate * this.#dispatchMs), this.batch * 4);
    this.batch = Math.max(MIN_BATCH, Math.min(MAX_BATCH, wanted));
  }
}
