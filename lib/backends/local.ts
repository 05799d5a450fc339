/**
 * The `local` backend: work from this process's own generator (CPU threads,
 * and a GPU when one is configured and found: lib/generator). It can reach any
 * target (given time), so it never skips a job; the engine's deadline and
 * abort signal bound how long it searches.
 */

import { BackendUnavailableError, ConfigError, isAbortError } from '../errors.js';
import { createGenerator, type GeneratorOptions, type WorkGenerator } from '../generator/index.js';
import { toAbortSignal } from '../net/abort.js';
import type { Backend, StartLogger, WorkJob } from './types.js';

/** The generator's options, with the thread count named as in the config (`cpu_threads`). */
export interface LocalBackendOptions extends Omit<GeneratorOptions, 'threads'> {
  readonly cpuThreads: number;
}

export interface LocalBackend extends Backend {
  readonly type: 'local';
  readonly generator: WorkGenerator;
  start(logger: StartLogger): Promise<void>;
}

/** Loggers that have had the WASM fallback warning: one line per server, not per local backend (they share the addon and its reason). */
const warnedFallback = new WeakSet<StartLogger>();

export function createLocalBackend(name: string, options: LocalBackendOptions): LocalBackend {
  // Created here rather than on the first job: compiling the kernel and booting
  // the threads then happens at start-up, not inside a client's request.
  const { cpuThreads, ...rest } = options;
  const generator = createGenerator({ threads: cpuThreads, ...rest });
  let closed = false;
  let starting: Promise<void> | undefined;

  const start = async (logger: StartLogger): Promise<void> => {
    if (generator.fallbackReason !== undefined && !warnedFallback.has(logger)) {
      warnedFallback.add(logger);
      logger.warn({ reason: generator.fallbackReason }, 'native CPU kernels unavailable; the local generator uses WASM');
    }
    logger.debug({ backend: name, kernel: generator.implementation, threads: generator.threads }, 'local generator');
    let state;
    try {
      state = await generator.start();
    } catch (err) {
      // Only `gpu: on` without a usable GPU: a configuration the machine cannot honour.
      throw new ConfigError(`backends.${name}.gpu`, err instanceof Error ? err.message : String(err));
    }
    if ('info' in state) {
      logger.info(
        { backend: name, adapter: state.info.name, gpuBackend: state.info.backend, software: state.info.software },
        'GPU generator ready: CPU and GPU search together',
      );
    } else if ('unavailable' in state) {
      logger.info({ backend: name, reason: state.unavailable }, 'no usable GPU; the local generator runs on the CPU only');
    }
  };

  return {
    name,
    type: 'local',
    generator,
    supports: () => true,
    start(logger) {
      starting ??= start(logger);
      return starting;
    },
    // The generator is in this process: it is up as long as powgate is.
    status: () => ({ state: 'ok' }),
    async generate(job: WorkJob): Promise<bigint> {
      if (closed) throw new BackendUnavailableError(`backend is closed`);
      try {
        return await generator.generate(job.rootBytes, job.target, toAbortSignal(job.signal));
      } catch (err) {
        throw isAbortError(err) || job.signal.aborted || err instanceof BackendUnavailableError
          ? err
          : new BackendUnavailableError(`CPU generator failed`, { cause: err });
      }
    },
    async close(): Promise<void> {
      closed = true;
      await generator.close();
    },
  };
}
