/**
 * The CPU work generator: a fixed set of worker threads (cpu-worker.ts)
 * running the native kernels (native.ts: AVX-512, AVX2 or scalar, the best this
 * processor has) or, without the addon, the WASM kernel; fed through a slot
 * table in shared memory (shared-layout.ts).
 *
 * The main thread only writes a job into a free slot, or clears it on abort;
 * each is a handful of atomic stores, so the event loop never does hashing or
 * waits for it. Workers serve the active slots round-robin, slice by slice.
 */

import type { Worker } from 'node:worker_threads';
import { BackendUnavailableError } from '../errors.js';
import { abortReason, jobArgumentError } from './job-args.js';
import { ISAS, type Isa, isaIndex, loadNative, type NativeKernels } from './native.js';
import { randomStart } from './nonce-space.js';
import {
  type CpuWorkerData,
  claimerOf,
  type FoundMessage,
  GEN_MASK,
  genOf,
  HASHES_WORD,
  HIGH_I32,
  MAX_THREADS,
  makeState,
  SHUTDOWN_I32,
  SLOT_NEXT,
  SLOT_ROOT,
  SLOT_TARGET,
  Status,
  sharedBytes,
  slotWord,
  stateIndex,
  statusOf,
  WAKE_I32,
} from './shared-layout.js';
import { searchModule } from './wasm.js';
import { startWorker } from './worker-thread.js';

export interface CpuGenerator {
  readonly threads: number;
  /**
   * Resolves with the first nonce found whose work value for `root` is >= `target`.
   * Rejects with the signal's reason (an AbortError unless the caller chose
   * another Error) when `signal` aborts, and with BackendUnavailableError once
   * the generator is closed.
   */
  generate(root: Uint8Array, target: bigint, signal: AbortSignal): Promise<bigint>;
  /** The kernel the threads run: 'native avx512', 'native avx2', 'native scalar' or 'wasm'. */
  readonly implementation: string;
  /** Why the native kernels are not used although `impl` allowed them (auto only); absent otherwise. */
  readonly fallbackReason?: string;
  /** Nonces tried since creation, by all threads and jobs (for hash-rate figures). */
  hashes(): number;
  /** Terminates the workers and rejects every pending job. */
  close(): Promise<void>;
}

export interface CpuGeneratorOptions {
  /** Worker threads, 1..1024. */
  readonly threads: number;
  /**
   * Jobs searched at the same time; further jobs wait for a free slot in FIFO
   * order. Default 256: beyond that each job's share would be tiny anyway.
   */
  readonly maxConcurrentJobs?: number;
  /** Target duration of one slice, i.e. the worst-case delay before a worker sees an abort. Default 2 ms. */
  readonly sliceMs?: number;
  /**
   * Which kernel: 'native' (fails if the addon is missing), 'wasm', or 'auto'
   * (native when it loads, else WASM with `fallbackReason` set). Default auto.
   */
  readonly impl?: CpuImpl;
  /** Native only: this instruction set instead of the best one (tests, benchmarks). */
  readonly isa?: Isa;
}

export type CpuImpl = 'auto' | 'native' | 'wasm';

export function createCpuGenerator(options: CpuGeneratorOptions): CpuGenerator {
  return new CpuPool(options);
}

/** A worker dying this soon after its start counts towards the crash-loop limit. */
const EARLY_DEATH_MS = 1000;
const MAX_EARLY_DEATHS = 5;

interface Job {
  readonly words: readonly bigint[];
  readonly target: bigint;
  readonly signal: AbortSignal;
  readonly resolve: (nonce: bigint) => void;
  readonly reject: (err: unknown) => void;
  readonly onAbort: () => void;
  slot: number;
  gen: number;
}

interface Thread {
  readonly worker: Worker;
  readonly startedAt: number;
}

function rootWords(root: Uint8Array): bigint[] {
  const view = new DataView(root.buffer, root.byteOffset, 32);
  return [0, 1, 2, 3].map((i) => view.getBigInt64(8 * i, true));
}

/** The native kernels to use for `options`, or why not (auto); throws when they are required and missing. */
function chooseKernel(options: CpuGeneratorOptions): { native?: NativeKernels; isa?: Isa; fallbackReason?: string } {
  const { impl = 'auto', isa } = options;
  if (impl === 'wasm') {
    if (isa !== undefined) throw new RangeError(`isa ${isa} needs the native kernels, but impl is wasm`);
    return {};
  }
  const load = loadNative();
  if (!load.ok) {
    if (impl === 'native' || isa !== undefined) throw new BackendUnavailableError(`native CPU kernels unavailable: ${load.reason}`);
    return { fallbackReason: load.reason };
  }
  if (isa !== undefined && !load.native.isas.includes(isa)) {
    throw new RangeError(`this processor cannot run the ${isa} kernel (it runs ${load.native.isas.join(', ')})`);
  }
  return { native: load.native, isa: isa ?? load.native.best };
}

class CpuPool implements CpuGenerator {
  readonly threads: number;
  readonly implementation: string;
  readonly fallbackReason?: string;
  readonly #native: CpuWorkerData['native'];
  readonly #shared: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #i64: BigInt64Array;
  readonly #module = searchModule();
  readonly #sliceMs: number;
  readonly #threadsById: (Thread | undefined)[] = [];
  readonly #slots: (Job | undefined)[];
  readonly #queue: Job[] = [];
  #active = 0;
  #high = 0;
  #earlyDeaths = 0;
  #failure: Error | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: CpuGeneratorOptions) {
    const { threads, maxConcurrentJobs = 256, sliceMs = 2 } = options;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new RangeError(`threads must be an integer in 1..${MAX_THREADS}, got ${threads}`);
    }
    if (!Number.isInteger(maxConcurrentJobs) || maxConcurrentJobs < 1) {
      throw new RangeError(`maxConcurrentJobs must be a positive integer, got ${maxConcurrentJobs}`);
    }
    if (options.isa !== undefined && !ISAS.includes(options.isa)) throw new RangeError(`unknown isa ${String(options.isa)}`);
    const kernel = chooseKernel(options);
    this.#native = kernel.native && kernel.isa ? { path: kernel.native.path, isa: isaIndex(kernel.isa) } : undefined;
    this.implementation = kernel.isa ? `native ${kernel.isa}` : 'wasm';
    if (kernel.fallbackReason !== undefined) this.fallbackReason = kernel.fallbackReason;
    this.threads = threads;
    this.#sliceMs = sliceMs;
    this.#slots = new Array<Job | undefined>(maxConcurrentJobs).fill(undefined);
    this.#shared = new SharedArrayBuffer(sharedBytes(maxConcurrentJobs));
    this.#i32 = new Int32Array(this.#shared);
    this.#i64 = new BigInt64Array(this.#shared);
    for (let id = 0; id < threads; id++) this.#spawn(id);
  }

  hashes(): number {
    return Number(Atomics.load(this.#i64, HASHES_WORD));
  }

  generate(root: Uint8Array, target: bigint, signal: AbortSignal): Promise<bigint> {
    if (this.#closed) return Promise.reject(new BackendUnavailableError('CPU generator is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    const invalid = jobArgumentError(root, target, signal);
    if (invalid !== undefined) return Promise.reject(invalid);

    return new Promise<bigint>((resolve, reject) => {
      const job: Job = {
        words: rootWords(root),
        target,
        signal,
        resolve,
        reject,
        onAbort: () => {
          this.#finish(job);
          reject(abortReason(signal));
        },
        slot: -1,
        gen: 0,
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      const free = this.#slots.indexOf(undefined);
      if (free >= 0) this.#activate(job, free);
      else this.#queue.push(job);
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Test hook: kills one worker as a crash would, and waits until its exit was handled. */
  async killWorker(id: number): Promise<void> {
    const thread = this.#threadsById[id];
    if (!thread) throw new RangeError(`no worker ${id}`);
    await thread.worker.terminate();
    const deadline = performance.now() + 2_000;
    while (this.#threadsById[id] === thread && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  async #shutdown(): Promise<void> {
    this.#failAll(new BackendUnavailableError('CPU generator is closed'));
    Atomics.store(this.#i32, SHUTDOWN_I32, 1);
    this.#wakeWorkers();
    const threads = this.#threadsById.splice(0);
    await Promise.all(threads.map((t) => t?.worker.terminate()));
  }

  #failAll(err: Error): void {
    for (const job of [...this.#slots, ...this.#queue]) {
      if (!job) continue;
      this.#finish(job);
      job.reject(err);
    }
  }

  #activate(job: Job, slot: number): void {
    const i32 = this.#i32;
    const i64 = this.#i64;
    const si = stateIndex(slot);
    const word = slotWord(slot);
    const gen = (genOf(Atomics.load(i32, si)) + 1) & GEN_MASK;
    // Fill the slot before publishing it as active; workers read it only after
    // seeing ACTIVE, and re-check the state afterwards.
    // The CPU searches the half of the nonce space with bit 63 clear; the GPU
    // has the other half (nonce-space.ts). From a random start in its half the
    // CPU would need 2^63 nonces to reach the GPU's.
    Atomics.store(i64, word + SLOT_NEXT, BigInt.asIntN(64, randomStart('cpu')));
    Atomics.store(i64, word + SLOT_TARGET, BigInt.asIntN(64, job.target));
    job.words.forEach((w, j) => Atomics.store(i64, word + SLOT_ROOT + j, w));
    Atomics.store(i32, si, makeState(gen, Status.Active));
    job.slot = slot;
    job.gen = gen;
    this.#slots[slot] = job;
    if (slot >= this.#high) {
      this.#high = slot + 1;
      Atomics.store(i32, HIGH_I32, this.#high);
    }
    if (this.#active++ === 0) this.#setRef(true);
    this.#wakeWorkers();
  }

  /** Takes a job out of the table (or queue); the caller settles its promise. */
  #finish(job: Job): void {
    job.signal.removeEventListener('abort', job.onAbort);
    const { slot } = job;
    if (slot < 0) {
      const q = this.#queue.indexOf(job);
      if (q >= 0) this.#queue.splice(q, 1);
      return;
    }
    job.slot = -1;
    // Workers still in a slice of this job lose their compare-and-swap from now on.
    Atomics.store(this.#i32, stateIndex(slot), makeState(job.gen, Status.Free));
    this.#slots[slot] = undefined;
    this.#active--;
    const next = this.#closed || this.#failure ? undefined : this.#queue.shift();
    if (next) this.#activate(next, slot);
    if (this.#active === 0) this.#setRef(false);
  }

  #onFound(msg: FoundMessage): void {
    const job = this.#slots[msg.slot];
    if (!job || job.gen !== msg.gen) return; // a nonce for a job that is already gone
    this.#finish(job);
    job.resolve(msg.nonce);
  }

  #wakeWorkers(): void {
    Atomics.add(this.#i32, WAKE_I32, 1);
    Atomics.notify(this.#i32, WAKE_I32);
  }

  /** Workers keep the process alive only while there is work to finish. */
  #setRef(on: boolean): void {
    for (const t of this.#threadsById) {
      if (on) t?.worker.ref();
      else t?.worker.unref();
    }
  }

  #spawn(id: number): void {
    const data: CpuWorkerData = {
      module: this.#module,
      ...(this.#native ? { native: this.#native } : {}),
      shared: this.#shared,
      workerId: id,
      sliceMs: this.#sliceMs,
    };
    const worker = startWorker(new URL('./cpu-worker.js', import.meta.url), { workerData: data });
    const thread: Thread = { worker, startedAt: performance.now() };
    this.#threadsById[id] = thread;
    worker.on('message', (msg: FoundMessage) => this.#onFound(msg));
    let lastError: unknown;
    worker.on('error', (err) => {
      lastError = err;
    });
    worker.on('exit', () => this.#onExit(id, thread, lastError));
    if (this.#active === 0) worker.unref();
  }

  #onExit(id: number, thread: Thread, err: unknown): void {
    if (this.#threadsById[id] !== thread || this.#closed || this.#failure) return;
    this.#releaseWins(id);
    if (performance.now() - thread.startedAt < EARLY_DEATH_MS) this.#earlyDeaths++;
    else this.#earlyDeaths = 0;
    if (this.#earlyDeaths <= MAX_EARLY_DEATHS) {
      this.#spawn(id);
      return;
    }
    // Respawning would only loop; fail loudly and let the engine's breaker route around us.
    this.#failure = new BackendUnavailableError('CPU workers keep exiting', { cause: err });
    this.#failAll(this.#failure);
    for (const t of this.#threadsById.splice(0)) void t?.worker.terminate();
  }

  /**
   * A worker that won a slot and died before its message came through would
   * leave the job stuck as FOUND: give the slot back to the searchers. If the
   * message does arrive later, onFound still accepts it (same generation).
   */
  #releaseWins(id: number): void {
    this.#slots.forEach((job, slot) => {
      if (!job) return;
      const si = stateIndex(slot);
      const state = Atomics.load(this.#i32, si);
      if (statusOf(state) === Status.Found && claimerOf(state) === id && genOf(state) === job.gen) {
        Atomics.compareExchange(this.#i32, si, state, makeState(job.gen, Status.Active));
      }
    });
    this.#wakeWorkers();
  }
}

/** Test hook: terminate worker `id` of a generator as a crash would; it is replaced. */
export function killWorkerForTesting(generator: CpuGenerator, id: number): Promise<void> {
  if (!(generator instanceof CpuPool)) throw new TypeError('not a CPU pool');
  return generator.killWorker(id);
}
