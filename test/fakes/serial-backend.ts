import type { Backend, WorkJob } from '../../lib/backends/types.js';
import { BackendUnavailableError } from '../../lib/errors.js';
import { findWork } from './rpc-peer.js';

export interface SerialCall {
  readonly root: string;
  readonly target: bigint;
  /** When the job got the device (ms, Date.now). */
  started?: number;
  /** How the job ended. */
  outcome?: 'done' | 'aborted';
}

/**
 * A work source that serves one job at a time, like a single GPU: a job waits
 * for the device, then holds it for `ms`. Aborting a job frees the device at
 * once. This is the shared resource on which precache work could slow a
 * client's request, so tests of "precache gives way" run against it.
 */
export class SerialBackend implements Backend {
  readonly type = 'serial';
  readonly calls: SerialCall[] = [];
  #busy = false;
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly name: string,
    public ms: number,
  ) {}

  supports(): boolean {
    return true;
  }

  generate(job: WorkJob): Promise<bigint> {
    const call: SerialCall = { root: job.root, target: job.target };
    this.calls.push(call);
    return new Promise<bigint>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let holding = false;
      const release = (): void => {
        if (!holding) return;
        holding = false;
        this.#busy = false;
        this.#waiting.shift()?.();
      };
      const run = (): void => {
        this.#busy = true;
        holding = true;
        call.started = Date.now();
        timer = setTimeout(() => {
          job.signal.removeEventListener('abort', onAbort);
          call.outcome = 'done';
          release();
          resolve(findWork(job.root, job.target));
        }, this.ms);
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        const at = this.#waiting.indexOf(run);
        if (at >= 0) this.#waiting.splice(at, 1);
        call.outcome = 'aborted';
        release();
        reject(job.signal.reason instanceof Error ? job.signal.reason : new BackendUnavailableError('aborted'));
      };
      if (job.signal.aborted) return onAbort();
      job.signal.addEventListener('abort', onAbort, { once: true });
      if (this.#busy) this.#waiting.push(run);
      else run();
    });
  }

  async close(): Promise<void> {}
}
