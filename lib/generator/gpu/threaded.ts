/**
 * The GPU generator as used by powgate: the dispatch loop (./generator.ts)
 * runs in a worker thread (./worker.ts), so no dispatch ever blocks the main
 * event loop, whatever the backend does inside queue.submit(). This side keeps
 * the CpuGenerator-shaped contract: generate / hashes / close, plus describe
 * and searchRange.
 *
 * Aborts reject at once here; the worker stops the job before its next
 * dispatch. Hash counts come through shared memory, updated every 50 ms.
 */

import type { Worker } from 'node:worker_threads';
import { BackendUnavailableError } from '../../errors.js';
import { abortReason, jobArgumentError } from '../job-args.js';
import { startWorker } from '../worker-thread.js';
import { type GpuAdapterInfo, type GpuUnavailable, prepareEglEnv, probeGpu } from './device.js';
import type { GpuGenerator, GpuGeneratorOptions } from './generator.js';
import type { FromWorker, ToWorker } from './messages.js';

export type { GpuGenerator, GpuGeneratorOptions } from './generator.js';

interface Pending {
  readonly resolve: (nonce: bigint | undefined) => void;
  readonly reject: (err: unknown) => void;
  readonly cleanup: () => void;
}

/** Starts the worker and opens the GPU there; resolves with the generator or why there is none. */
export async function openGpuGenerator(options: GpuGeneratorOptions = {}): Promise<GpuGenerator | GpuUnavailable> {
  // Probed here (once per process) so that a machine without a usable GPU never starts the worker.
  const probed = await probeGpu(options);
  if ('unavailable' in probed) return probed;
  if (options.hardwareOnly && probed.software) return { unavailable: `only a software adapter was found (${probed.name})` };
  prepareEglEnv();
  const { onInvalid, ...rest } = options;
  const cloneable: GpuGeneratorOptions = { ...rest, probed };
  const shared = new SharedArrayBuffer(16);
  let worker: Worker;
  try {
    worker = startWorker(new URL('./worker.js', import.meta.url), { workerData: { options: cloneable, shared } });
  } catch (err) {
    return { unavailable: `could not start the GPU worker: ${err instanceof Error ? err.message : String(err)}` };
  }
  return new Promise((resolve) => {
    const early = (message: FromWorker): void => {
      if (message.op === 'ready') {
        worker.off('message', early);
        worker.off('exit', exited);
        resolve(new ThreadedGpu(worker, message.info, new Float64Array(shared), onInvalid));
      } else if (message.op === 'unavailable') {
        worker.off('exit', exited);
        resolve({ unavailable: message.reason });
        void worker.terminate();
      }
    };
    let lastError: unknown;
    const exited = (code: number): void => {
      const why = lastError instanceof Error ? lastError.message : `exit code ${code}`;
      resolve({ unavailable: `the GPU worker stopped while opening the adapter (${why})` });
    };
    worker.on('message', early);
    worker.on('error', (err) => (lastError = err));
    worker.on('exit', exited);
  });
}

class ThreadedGpu implements GpuGenerator {
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;
  readonly #worker: Worker;
  readonly #info: GpuAdapterInfo;
  readonly #counters: Float64Array;
  readonly #onInvalid: GpuGeneratorOptions['onInvalid'];

  constructor(worker: Worker, info: GpuAdapterInfo, counters: Float64Array, onInvalid: GpuGeneratorOptions['onInvalid']) {
    this.#worker = worker;
    this.#info = info;
    this.#counters = counters;
    this.#onInvalid = onInvalid;
    worker.on('message', (m: FromWorker) => this.#onMessage(m));
    let lastError: unknown;
    worker.on('error', (err) => (lastError = err));
    worker.on('exit', () => {
      if (this.#closed) return;
      this.#failure = new BackendUnavailableError('GPU worker exited', { cause: lastError });
      this.#failAll(this.#failure);
    });
    worker.unref();
  }

  get batch(): number {
    return this.#counters[1]!;
  }

  describe(): GpuAdapterInfo {
    return this.#info;
  }

  hashes(): number {
    return this.#counters[0]!;
  }

  generate(root: Uint8Array, target: bigint, signal: AbortSignal): Promise<bigint> {
    const invalid = jobArgumentError(root, target, signal);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.#request((id) => ({ op: 'generate', id, root: Uint8Array.from(root), target }), signal).then((nonce) => {
      if (nonce === undefined) throw new BackendUnavailableError('GPU worker answered without a nonce');
      return nonce;
    });
  }

  searchRange(root: Uint8Array, target: bigint, base: bigint, count: number): Promise<bigint | undefined> {
    return this.#request((id) => ({ op: 'range', id, root: Uint8Array.from(root), target, base, count }));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#failAll(new BackendUnavailableError('GPU generator is closed'));
    if (this.#failure) {
      await this.#worker.terminate();
      return;
    }
    this.#worker.ref();
    const closed = new Promise<void>((resolve) => {
      const on = (m: FromWorker): void => {
        if (m.op === 'closed') resolve();
      };
      this.#worker.on('message', on);
      this.#worker.once('exit', () => resolve());
    });
    this.#post({ op: 'close' });
    // Bounded: a wedged driver must not hang shutdown.
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await this.#worker.terminate();
  }

  #request(make: (id: number) => ToWorker, signal?: AbortSignal): Promise<bigint | undefined> {
    if (this.#closed) return Promise.reject(new BackendUnavailableError('GPU generator is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<bigint | undefined>((resolve, reject) => {
      const onAbort = (): void => {
        this.#settle(id);
        this.#post({ op: 'abort', id });
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, { resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) });
      if (this.#pending.size === 1) this.#worker.ref();
      this.#post(make(id));
    });
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  /** Takes a request out of the table; the caller settles its promise. */
  #settle(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    p.cleanup();
    if (this.#pending.size === 0 && !this.#closing) this.#worker.unref();
    return p;
  }

  #failAll(err: Error): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(err);
  }

  #onMessage(m: FromWorker): void {
    switch (m.op) {
      case 'done':
        this.#settle(m.id)?.resolve(m.nonce);
        break;
      case 'failed': {
        const p = this.#settle(m.id);
        if (!p) break;
        const err = m.error.name === 'AbortError' ? new DOMException(m.error.message, 'AbortError') : new BackendUnavailableError(`GPU: ${m.error.message}`);
        p.reject(err);
        break;
      }
      case 'invalid':
        this.#onInvalid?.({ root: m.root, nonce: m.nonce, target: m.target });
        break;
      default:
        break;
    }
  }
}
