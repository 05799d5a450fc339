/**
 * The `local` backend: work from this process's own CPU threads. It can reach
 * any target (given time), so it never skips a job; the engine's deadline and
 * abort signal bound how long it searches.
 */

import { BackendUnavailableError, isAbortError } from '../errors.js';
import { createCpuGenerator, type CpuGenerator, type CpuImpl } from '../generator/pool.js';
import type { Backend, WorkJob } from './types.js';

export interface LocalBackendOptions {
  /** Worker threads for the CPU generator. */
  readonly cpuThreads: number;
  /** Which kernel (default auto: native when the addon loads, else WASM; see generator.fallbackReason). */
  readonly cpuImpl?: CpuImpl;
}

export interface LocalBackend extends Backend {
  readonly type: 'local';
  /** The generator behind it, e.g. for hash-rate metrics (`generator.hashes()`). */
  readonly generator: CpuGenerator;
}

export function createLocalBackend(name: string, options: LocalBackendOptions): LocalBackend {
  // Started here rather than on the first job: compiling the kernel and booting
  // the threads then happens at start-up, not inside a client's request.
  const generator = createCpuGenerator({ threads: options.cpuThreads, impl: options.cpuImpl ?? 'auto' });
  let closed = false;

  return {
    name,
    type: 'local',
    generator,
    supports: () => true,
    async generate(job: WorkJob): Promise<bigint> {
      if (closed) throw new BackendUnavailableError(`${name}: backend is closed`);
      try {
        return await generator.generate(job.rootBytes, job.target, job.signal);
      } catch (err) {
        if (isAbortError(err) || job.signal.aborted || err instanceof BackendUnavailableError) throw err;
        throw new BackendUnavailableError(`${name}: CPU generator failed`, { cause: err });
      }
    },
    async close(): Promise<void> {
      closed = true;
      await generator.close();
    },
  };
}

export function isLocalBackend(backend: Backend): backend is LocalBackend {
  return backend.type === 'local' && 'generator' in backend;
}
